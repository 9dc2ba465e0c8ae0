// The consumer-group health of source.kafka: readiness reported once per change, outages bounded by
// sourceUnavailableTimeoutMs with one clear line, membership errors kept for the join they belong to, the reconnect
// backoff, and the classification of kafkajs errors (real kafkajs error classes, as kafkajs 2.2.4 wraps them).
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupHealth, MAX_RECONNECT_DELAY_MS, reconnectRetry } from '../../nodes/source/kafka-group-health.runtime';
import { groupMembershipError, isKafkaUnavailableError, kafkaErrorMessage } from '../../nodes/kafka-common.runtime';
import type { TributaryError } from '../../runtime/common/errors';

/** A kafkajs protocol error as the broker's error code turns into one (src/protocol/error.js). */
function protocolError(type: string, message: string, retriable: boolean): KafkaJSProtocolError {
  return new KafkaJSProtocolError({ type, message, retriable } as unknown as Error);
}

/** What kafkajs's retrier rejects with for an error it does not retry: the message and the error as `cause`. */
function nonRetriable(inner: Error): Error {
  const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
  return new Wrapper(inner, { cause: inner });
}

const refused = (): KafkaJSConnectionError => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');

describe('GroupHealth', () => {
  let reports: string[];
  let failures: TributaryError[];
  let health: GroupHealth;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    reports = [];
    failures = [];
    health = new GroupHealth({
      nodeId: 'in',
      unavailableTimeoutMs: 60_000,
      logger: pino({ level: 'silent' }),
      ready: () => reports.push('ready'),
      unready: (reason) => reports.push(`unready: ${reason}`),
      fail: (error) => failures.push(error),
    });
  });
  afterEach(() => {
    health.close();
    vi.useRealTimers();
  });

  it('reports ready at the join, and an outage once however many requests fail, with its cause', () => {
    health.joined();
    expect(reports).toEqual(['ready']);
    for (let i = 0; i < 50; i++) health.unavailableNow(refused());
    expect(reports).toEqual(['ready', `unready: Kafka unavailable since ${new Date(1_000_000).toISOString()}: Connection error: connect ECONNREFUSED 127.0.0.1:9092`]);
    expect(health.unavailable).toBe(true);
    vi.advanceTimersByTime(20_000);
    health.contact();
    expect(reports).toHaveLength(3);
    expect(reports[2]).toBe('ready');
    expect(health.unavailable).toBe(false);
    expect(failures).toEqual([]);
  });

  it('fails the run once, with one line naming the node, the time since the last contact and the cause once', () => {
    health.joined();
    vi.advanceTimersByTime(5_000);
    // The outage counts from the last answer, not from when it was noticed.
    health.unavailableNow(new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 5, retryTime: 5000 }));
    vi.advanceTimersByTime(54_999);
    expect(failures).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(failures.map((e) => e.message)).toEqual([
      'node in: Kafka unavailable for 60 s (sourceUnavailableTimeoutMs 60000): Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    ]);
    expect(failures[0]!.code).toBe('E_SOURCE');
    // Nothing is reported after the failure.
    health.contact();
    health.unavailableNow(refused());
    vi.advanceTimersByTime(120_000);
    expect(failures).toHaveLength(1);
  });

  it('ignores a failure of a request sent before the cluster last answered', () => {
    health.joined();
    const sentAt = health.clock();
    vi.advanceTimersByTime(1_000);
    health.contact();
    health.unavailableNow(refused(), sentAt);
    expect(health.unavailable).toBe(false);
    expect(reports).toEqual(['ready']);
  });

  it('keeps a membership error for its own join only, until the next join', () => {
    health.joined();
    const join = health.join;
    const unknown = protocolError('UNKNOWN_MEMBER_ID', 'The coordinator is not aware of this member', false);
    expect(health.membershipLost(unknown, join)).toBe(true);
    // Logged once: the same loss reported again is no news.
    expect(health.membershipLost(unknown, join)).toBe(false);
    expect(health.lostMembership()).toBe(unknown);
    expect(reports.at(-1)).toBe('unready: rejoining its consumer group: The coordinator is not aware of this member');
    health.joined();
    expect(health.lostMembership()).toBeUndefined();
    expect(reports.at(-1)).toBe('ready');
    // A late answer to a request of the previous join does not send the member back.
    expect(health.membershipLost(unknown, join)).toBe(false);
    expect(health.lostMembership()).toBeUndefined();
  });

  it('stays unready through an outage that ends while the group still rebalances', () => {
    health.joined();
    health.left('rebalancing: rejoining consumer group g');
    health.unavailableNow(refused());
    health.contact();
    expect(reports.at(-1)).toBe('unready: rebalancing: rejoining consumer group g');
    health.joined();
    expect(reports.at(-1)).toBe('ready');
  });
});

describe('reconnectRetry', () => {
  it('backs off from 300 ms doubling to at most 5 s, with enough retries to outlast the timeout', () => {
    for (const timeout of [1_000, 10_000, 300_000, 86_400_000]) {
      const retry = reconnectRetry(timeout);
      expect(retry.maxRetryTime).toBe(MAX_RECONNECT_DELAY_MS);
      // The shortest delays kafkajs can draw (20 % below each step), summed over the retries, outlast the timeout.
      let delay = retry.initialRetryTime;
      let shortest = 0;
      for (let i = 0; i < retry.retries; i++) {
        shortest += delay * (1 - retry.factor);
        delay = Math.min(delay * retry.multiplier, retry.maxRetryTime);
      }
      expect(shortest).toBeGreaterThanOrEqual(timeout);
    }
    expect(reconnectRetry(300_000).retries).toBeLessThan(100);
  });
});

describe('classification of kafkajs errors', () => {
  it('finds the protocol error that makes kafkajs rejoin, inside the wrappers of its retrier', () => {
    for (const type of ['UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP']) {
      const inner = protocolError(type, `${type} message`, type === 'NOT_COORDINATOR_FOR_GROUP');
      expect(groupMembershipError(inner)).toBe(inner);
      expect(groupMembershipError(nonRetriable(inner))).toBe(inner);
      expect(groupMembershipError(new KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 5, retryTime: 100 }))).toBe(inner);
    }
    expect(groupMembershipError(protocolError('MESSAGE_TOO_LARGE', 'too large', false))).toBeUndefined();
    expect(groupMembershipError(refused())).toBeUndefined();
    expect(groupMembershipError(new Error('boom'))).toBeUndefined();
  });

  it('tells an unavailable cluster from other failures', () => {
    expect(isKafkaUnavailableError(refused())).toBe(true);
    expect(isKafkaUnavailableError(new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 5, retryTime: 100 }))).toBe(true);
    expect(isKafkaUnavailableError(protocolError('GROUP_LOAD_IN_PROGRESS', "The coordinator is loading and hence can't process requests for this group", true))).toBe(true);
    expect(isKafkaUnavailableError(protocolError('GROUP_COORDINATOR_NOT_AVAILABLE', 'The group coordinator is not available', true))).toBe(true);
    expect(isKafkaUnavailableError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isKafkaUnavailableError(protocolError('UNKNOWN_MEMBER_ID', 'The coordinator is not aware of this member', false))).toBe(false);
    expect(isKafkaUnavailableError(protocolError('TOPIC_AUTHORIZATION_FAILED', 'Not authorized to access topics', false))).toBe(false);
    expect(isKafkaUnavailableError(new TypeError('x is undefined'))).toBe(false);
  });

  it('names a cause once even when kafkajs wrappers repeat it', () => {
    const inner = refused();
    const wrapped = new KafkaJSNumberOfRetriesExceeded(nonRetriable(inner), { retryCount: 5, retryTime: 100 });
    expect(kafkaErrorMessage(wrapped)).toBe('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const outer = new Error('cannot consume orders: Connection error: connect ECONNREFUSED 127.0.0.1:9092', { cause: wrapped });
    expect(kafkaErrorMessage(outer)).toBe('cannot consume orders: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(kafkaErrorMessage(new Error('outer', { cause: new Error('inner') }))).toBe('outer: inner');
  });
});

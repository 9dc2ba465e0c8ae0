// The broker killed under a running `tributary run` (kafka -> throttle -> map -> Redis), on a private broker of this
// file's own (the shared one is never touched) and the shared Redis: three broker restarts (kill -9, down, start
// again; the last one down 20 s or more) are ridden out with nothing lost, commits resuming within one session timeout
// of the broker's return and /readyz false meanwhile; a member the broker forgot (the runtime frozen past its session
// timeout) rejoins and commits again; a broker down longer than settings.sourceUnavailableTimeoutMs ends the run with
// one line.
import { readFileSync, writeFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { parse, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateKafka, type PrivateKafka } from '../support/private-kafka';
import { deleteKeys, redisUrl, testRedis, uniqueName } from '../support/services';
import { killAllCli, tempDir, waitFor, type RunningCli } from '../support/runtime';
import { countingFlow, deliveredSoFar, inFlightBound, joined, reportReliability, runFlow, stopRun, tally } from '../support/fault-pipeline';

// Ports of this file's range (19100-19109).
const BROKER_PORT = 19100;
const CONTROLLER_PORT = 19101;
const METRICS_PORT = 19103;

const PARTITIONS = 12;
const BATCH_SIZE = 100;
const RATE = 400;
const SESSION_TIMEOUT_MS = 10_000;
/** Small fetches (bytes per partition), so that the source keeps fetching and a broker outage stalls it. */
const MAX_BYTES_PER_PARTITION = 16_384;

const redis = testRedis();
let broker: PrivateKafka;
let kafka: Kafka;
const prefixes: string[] = [];

/**
 * Creates `topic` on the private broker and produces records `{ id: 0..count-1 }` to it, keyed by id, each exactly once
 * (an idempotent producer: a retried send adds no copy).
 */
async function seed(topic: string, count: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let start = 0; start < count; start += 2000) {
      const messages = [];
      for (let i = start; i < Math.min(count, start + 2000); i++) messages.push({ key: String(i), value: JSON.stringify({ id: i }) });
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The group's committed offsets summed over the topic's partitions (throws while the coordinator is not there yet). */
async function committed(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The end offsets (high watermarks) of `topic` summed over its partitions. */
async function endOffsets(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The counting flow on the private broker, with the consumer and flow settings of this file. */
function flowFor(topic: string, prefix: string, settings: Record<string, unknown> = {}): string {
  const file = countingFlow(tempDir('tributary-broker-restart-'), 'restart.flow.yaml', {
    brokers: broker.brokers,
    topic,
    groupId: `${topic}-group`,
    redisUrl,
    prefix,
    ratePerSecond: RATE,
    batchSize: BATCH_SIZE,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
  });
  const flow = parse(readFileSync(file, 'utf8')) as { settings: Record<string, unknown>; nodes: { id: string; config: Record<string, unknown> }[] };
  Object.assign(flow.settings, settings);
  flow.nodes.find((n) => n.id === 'in')!.config.maxBytesPerPartition = MAX_BYTES_PER_PARTITION;
  writeFileSync(file, stringify(flow));
  return file;
}

/** The status of /readyz, or 'down' when the metrics server does not answer. */
async function readyz(): Promise<number | 'down'> {
  try {
    return (await fetch(`http://127.0.0.1:${METRICS_PORT}/readyz`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return 'down';
  }
}

/** Polls /readyz every 250 ms until `stop()` is called; resolves with every status seen. */
function watchReadiness(): { stop: () => Promise<(number | 'down')[]> } {
  const seen: (number | 'down')[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      seen.push(await readyz());
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** Waits like `waitFor`; when it times out, the error carries the run's last warnings and lifecycle events. */
async function waitForRun(run: RunningCli, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  try {
    await waitFor(what, check, timeoutMs, 250);
  } catch (error) {
    const notable = run.output.stderr.split('\n').filter((line) => /"level":"(warn|error|fatal)"|"event":/.test(line));
    throw new Error(`${(error as Error).message}; the run's last log lines:\n${notable.slice(-25).join('\n')}`, { cause: error });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('broker restarts under a running flow', () => {
  beforeAll(async () => {
    broker = await startPrivateKafka({ port: BROKER_PORT, controllerPort: CONTROLLER_PORT });
    kafka = new Kafka({ clientId: 'tributary-test-broker-restart', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  }, 300_000);
  afterEach(killAllCli);
  afterAll(async () => {
    killAllCli();
    for (const prefix of prefixes) await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
    await broker?.stop();
  }, 120_000);

  it('three broker restarts (kill -9): the run survives, nothing lost, commits resume within one session timeout, /readyz false while down', async () => {
    const count = 24_000;
    const topic = uniqueName('faults-broker-restart');
    const groupId = `${topic}-group`;
    const prefix = `${topic}:`;
    prefixes.push(prefix);
    await seed(topic, count);
    expect(await endOffsets(topic)).toBe(count);
    const run = runFlow(flowFor(topic, prefix), ['--metrics-port', String(METRICS_PORT)]);
    await waitFor('the run to join its group', () => joined(run), 60_000, 100);
    await waitFor('/readyz 200', async () => (await readyz()) === 200, 30_000, 200);

    // Down times: kill, wait, then start again (the start itself takes 10-30 s on a busy machine): the first two are
    // short restarts, the third outage lasts 20 s or more whatever the start takes.
    const waits = [0, 0, 20_000];
    const commitResumeMs: number[] = [];
    const downMs: number[] = [];
    const readinessDuring: boolean[] = [];
    const readyAfterMs: number[] = [];
    let stderrAtFirstKill = -1;
    for (const [i, wait] of waits.entries()) {
      // Mid-stream: some more committed since the last restart, not everything.
      const base = await committed(groupId, topic);
      await waitFor(`restart ${i + 1}: commits to move on`, async () => (await committed(groupId, topic)) >= base + 1000, 60_000, 250);
      const before = await committed(groupId, topic);
      expect(before).toBeLessThan(count);
      const readiness = watchReadiness();
      const killedAt = Date.now();
      if (stderrAtFirstKill < 0) stderrAtFirstKill = run.output.stderr.length;
      await broker.kill9();
      await sleep(wait);
      await broker.start();
      const backAt = Date.now();
      downMs.push(backAt - killedAt);
      await waitForRun(run, `restart ${i + 1}: commits to resume`, async () => (await committed(groupId, topic)) > before, 60_000);
      commitResumeMs.push(Date.now() - backAt);
      await waitFor(`restart ${i + 1}: /readyz 200 again`, async () => (await readyz()) === 200, 60_000, 250);
      readyAfterMs.push(Date.now() - backAt);
      const seen = await readiness.stop();
      readinessDuring.push(seen.includes(503));
      expect(run.child.exitCode, run.output.stderr.slice(-2000)).toBeNull();
    }

    await waitForRun(run, 'every offset committed', async () => (await committed(groupId, topic)) === count, 180_000);
    expect(await stopRun(run, 'SIGTERM')).toBe(0);
    const result = await tally(redis, prefix, count);
    // Each restart can make the source deliver again at most what was in flight (chunks in the graph and acknowledged
    // but uncommitted records): a replay happens only when the broker forgot the member and it rejoined.
    const bound = waits.length * inFlightBound({ partitions: PARTITIONS, batchSize: BATCH_SIZE, ratePerSecond: RATE });
    // From the first kill on (a broker that just started may answer "coordinator loading" at the first join).
    const stderr = run.output.stderr.slice(stderrAtFirstKill);
    const unavailableLines = stderr.split('\n').filter((line) => line.includes('"event":"kafka-unavailable"')).length;
    const rejoins = stderr.split('\n').filter((line) => line.includes('"event":"membership-lost"')).length;
    reportReliability('broker restart x3 (kill -9)', 'the run survives; 0 lost; commits resume within one session timeout of the broker\'s return; duplicates within what was in flight', {
      records: count,
      lost: result.lost,
      duplicates: result.duplicates,
      bound,
      downMs,
      commitResumeMs,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      rejoins,
    });
    reportReliability('broker down 20 s', '/readyz 503 while the broker is down, 200 after; the run survives', {
      downMs: downMs[2],
      readyzFalseDuring: readinessDuring[2],
      readyAfterMs: readyAfterMs[2],
    });
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBeLessThanOrEqual(bound);
    for (const ms of commitResumeMs) expect(ms).toBeLessThan(SESSION_TIMEOUT_MS);
    expect(downMs[2]).toBeGreaterThanOrEqual(20_000);
    expect(readinessDuring).toEqual([true, true, true]);
    // The outage is reported once per restart, not once per failed request.
    expect(unavailableLines).toBe(waits.length);
    expect(stderr).not.toContain('consumer crashed');
  }, 420_000);

  it('a runtime frozen past its session timeout (SIGSTOP): the broker forgets the member, the source rejoins at once and commits again', async () => {
    const count = 6_000;
    const topic = uniqueName('faults-member-forgotten');
    const groupId = `${topic}-group`;
    const prefix = `${topic}:`;
    prefixes.push(prefix);
    await seed(topic, count);
    // The block watchdog would take the frozen process for a blocked event loop and stop it: off for this run.
    const run = runFlow(flowFor(topic, prefix, { maxBlockMs: 0 }));
    await waitFor('the run to join its group', () => joined(run), 60_000, 100);
    await waitFor('commits to move on', async () => (await committed(groupId, topic)) >= 1000, 60_000, 250);
    const before = await committed(groupId, topic);
    const frozenFor = SESSION_TIMEOUT_MS + 5_000;
    run.child.kill('SIGSTOP');
    await sleep(frozenFor);
    run.child.kill('SIGCONT');
    const resumedAt = Date.now();
    await waitForRun(run, 'commits to resume', async () => (await committed(groupId, topic)) > before, 60_000);
    const commitResumeMs = Date.now() - resumedAt;
    await waitForRun(run, 'every offset committed', async () => (await committed(groupId, topic)) === count, 120_000);
    expect(await stopRun(run, 'SIGTERM')).toBe(0);
    const result = await tally(redis, prefix, count);
    const bound = inFlightBound({ partitions: PARTITIONS, batchSize: BATCH_SIZE, ratePerSecond: RATE });
    const membershipLost = run.output.stderr.split('\n').filter((line) => line.includes('"event":"membership-lost"'));
    reportReliability('member forgotten by the broker (runtime frozen past sessionTimeoutMs)', 'the source rejoins and commits again within one session timeout; 0 lost; duplicates within what was in flight', {
      records: count,
      frozenMs: frozenFor,
      lost: result.lost,
      duplicates: result.duplicates,
      bound,
      commitResumeMs,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      membershipErrors: membershipLost.map((line) => (JSON.parse(line) as { type?: string }).type),
    });
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBeLessThanOrEqual(bound);
    expect(commitResumeMs).toBeLessThan(SESSION_TIMEOUT_MS);
    expect(membershipLost.length).toBeGreaterThanOrEqual(1);
  }, 240_000);

  it('a broker down longer than sourceUnavailableTimeoutMs ends the run with one line naming the node, the time and the cause', async () => {
    const count = 20_000;
    const topic = uniqueName('faults-broker-gone');
    const prefix = `${topic}:`;
    prefixes.push(prefix);
    await seed(topic, count);
    const timeoutMs = 10_000;
    const run = runFlow(flowFor(topic, prefix, { sourceUnavailableTimeoutMs: timeoutMs, shutdownTimeoutMs: 5_000 }));
    await waitFor('the run to join its group', () => joined(run), 60_000, 100);
    await waitFor('records to reach Redis', async () => (await deliveredSoFar(redis, prefix, count)) > 500, 60_000, 250);
    const killedAt = Date.now();
    await broker.kill9();
    const code = await run.exited;
    const exitMs = Date.now() - killedAt;
    await broker.start();
    // The run's last word: the CLI's `run failed: <message>` log line.
    const failures = run.output.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '')
      .filter((msg) => msg.startsWith('run failed: '));
    expect(failures).toHaveLength(1);
    const message = failures[0]!.slice('run failed: '.length);
    reportReliability('broker gone longer than sourceUnavailableTimeoutMs', 'the run exits non-zero with one line naming the node, the time and the cause', {
      sourceUnavailableTimeoutMs: timeoutMs,
      exitCode: code,
      exitMs,
      message,
    });
    expect(code).toBe(3);
    const match = /^node in: Kafka unavailable for (\d+) s \(sourceUnavailableTimeoutMs 10000\): (.*)$/.exec(message);
    expect(match, message).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThanOrEqual(10);
    // The cause, once.
    expect(match![2]).toBe('Connection error: connect ECONNREFUSED 127.0.0.1:19100');
    expect(run.output.stderr).not.toContain('consumer crashed');
    // Neither too early nor hanging: the deadline, the silence before the outage is noticed, the shutdown.
    expect(exitMs).toBeGreaterThanOrEqual(timeoutMs);
    expect(exitMs).toBeLessThan(timeoutMs + 40_000);
  }, 300_000);
});

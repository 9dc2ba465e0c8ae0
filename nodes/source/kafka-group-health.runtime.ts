/**
 * The health of a `source.kafka` consumer-group member, for readiness and for riding out broker outages:
 *
 * - **Membership.** Joined at every group join; left while the group rebalances, the consumer restarts after a crash,
 *   or a heartbeat or commit found the member out of its group (`UNKNOWN_MEMBER_ID`, `ILLEGAL_GENERATION`, ...). Such
 *   an error is kept for the join it belongs to, so the source's next `eachBatch` rethrows it and kafkajs rejoins.
 * - **Outages.** Any answer from the cluster (a fetch, heartbeat, commit or join) is a contact. An error saying the
 *   brokers or the coordinator are unavailable starts an outage, counted from the last contact: `/readyz` turns false
 *   once with the cause, the next contact ends it, and an outage longer than `settings.sourceUnavailableTimeoutMs`
 *   fails the run with one line.
 *
 * The source reports readiness only through this class, so `ctx.ready()` / `ctx.unready(reason)` are called only when
 * the state or its reason changes, never once per failed request.
 */
import type { Logger } from 'pino';
import { TributaryError } from '../../runtime/common/errors';
import { kafkaErrorMessage } from '../kafka-common.runtime';

/** First delay between two reconnect attempts of the consumer (ms). */
export const FIRST_RECONNECT_DELAY_MS = 300;
/** Longest delay between two reconnect attempts of the consumer (ms): the exponential backoff stops growing there. */
export const MAX_RECONNECT_DELAY_MS = 5_000;
/** kafkajs retry jitter: each delay is randomised by ±20 % (kafkajs `factor`). */
const RETRY_JITTER = 0.2;

/** kafkajs retry settings (`RetryOptions`: times in ms). */
export interface ReconnectRetry {
  initialRetryTime: number;
  maxRetryTime: number;
  multiplier: number;
  factor: number;
  retries: number;
}

/**
 * The kafkajs consumer retry settings that ride out an outage of `unavailableTimeoutMs` without a consumer crash:
 * delays start at {@link FIRST_RECONNECT_DELAY_MS}, double (±20 % jitter) and stop growing at
 * {@link MAX_RECONNECT_DELAY_MS} (kafkajs src/retry/index.js), and there are enough retries that even the shortest
 * jittered delays add up to more than the timeout. Keeping the consumer (no crash) keeps its member id, so after the
 * broker returns the group goes on without a rebalance; the timeout itself is enforced by {@link GroupHealth}.
 * @param unavailableTimeoutMs `settings.sourceUnavailableTimeoutMs` (ms)
 */
export function reconnectRetry(unavailableTimeoutMs: number): ReconnectRetry {
  let retries = 0;
  let shortestTotal = 0;
  let delay = FIRST_RECONNECT_DELAY_MS;
  while (shortestTotal < unavailableTimeoutMs) {
    shortestTotal += delay * (1 - RETRY_JITTER);
    delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
    retries++;
  }
  return { initialRetryTime: FIRST_RECONNECT_DELAY_MS, maxRetryTime: MAX_RECONNECT_DELAY_MS, multiplier: 2, factor: RETRY_JITTER, retries: retries + 1 };
}

/** What {@link GroupHealth} reports to and how it fails the run. */
export interface GroupHealthOptions {
  nodeId: string;
  /** `settings.sourceUnavailableTimeoutMs` (ms). */
  unavailableTimeoutMs: number;
  logger: Logger;
  /** `ctx.ready()`. */
  ready(): void;
  /** `ctx.unready(reason)`. */
  unready(reason: string): void;
  /** Called once when an outage lasted longer than `unavailableTimeoutMs`, with the run's one-line error. */
  fail(error: TributaryError): void;
  /** Clock (ms since the epoch); `Date.now` unless a test gives its own. */
  now?: () => number;
}

/** Membership and availability of one consumer-group member; see the file comment. */
export class GroupHealth {
  private readonly now: () => number;
  /** Group joins so far: errors of an older join do not send the member back to its group. */
  private joinCount = 0;
  private member = false;
  /** Why the member is out of its group (shown by /readyz while there is no outage). */
  private groupReason = 'has not joined its group yet';
  private lost: { error: Error; join: number } | undefined;
  private lastContact: number;
  private outage: { since: number; cause: string; timer: NodeJS.Timeout } | undefined;
  /** The readiness last reported: undefined for ready, else the reason. */
  private reported: string | undefined = 'has not joined its group yet';
  private closed = false;

  constructor(private readonly options: GroupHealthOptions) {
    this.now = options.now ?? Date.now;
    this.lastContact = this.now();
  }

  /** The number of the current join (0 before the first); pass it to {@link membershipLost}. */
  get join(): number {
    return this.joinCount;
  }

  /** True while an outage is going on (the cluster did not answer since an unavailable error). */
  get unavailable(): boolean {
    return this.outage !== undefined;
  }

  /** The time now (ms since the epoch), by this object's clock: pass it to {@link unavailableNow} as `startedAt`. */
  clock(): number {
    return this.now();
  }

  /** Milliseconds since the cluster last answered. */
  silentForMs(): number {
    return this.now() - this.lastContact;
  }

  /** The member joined its group (kafkajs `GROUP_JOIN`): a new join, a contact, ready unless an outage goes on. */
  joined(): void {
    this.joinCount++;
    this.member = true;
    this.lost = undefined;
    this.contact();
    this.update();
  }

  /** The member is out of its group for now (rebalancing, restarting after a crash), with the reason for /readyz. */
  left(reason: string): void {
    this.member = false;
    this.groupReason = reason;
    this.update();
  }

  /**
   * A heartbeat or commit of join `join` found the member out of its group: kept so that {@link lostMembership}
   * returns it until the next join. Ignored for an older join (the member joined again since).
   * @returns true when this is news (the caller logs it once)
   */
  membershipLost(error: Error, join: number): boolean {
    if (join !== this.joinCount || this.lost !== undefined || this.closed) return false;
    this.lost = { error, join };
    this.left(`rejoining its consumer group: ${kafkaErrorMessage(error)}`);
    return true;
  }

  /** The membership error of the current join, to rethrow from `eachBatch` so kafkajs rejoins; undefined when none. */
  lostMembership(): Error | undefined {
    return this.lost !== undefined && this.lost.join === this.joinCount ? this.lost.error : undefined;
  }

  /** The cluster answered: ends an outage (logged once, with its length). */
  contact(): void {
    this.lastContact = this.now();
    const outage = this.outage;
    if (outage === undefined) return;
    clearTimeout(outage.timer);
    this.outage = undefined;
    this.options.logger.info({ event: 'kafka-available', downMs: this.lastContact - outage.since }, `Kafka available again after ${seconds(this.lastContact - outage.since)} s`);
    this.update();
  }

  /**
   * The brokers or the coordinator are unavailable (`error` says why): starts an outage counted from the last contact,
   * or keeps the newest cause of the one going on. The run fails when it lasts longer than the timeout.
   * @param startedAt when the failed request was sent (ms since the epoch; default now): a request older than the
   *   last contact says nothing about now (the cluster answered since), so it is ignored
   */
  unavailableNow(error: unknown, startedAt = this.now()): void {
    if (this.closed || startedAt < this.lastContact) return;
    const cause = kafkaErrorMessage(error);
    if (this.outage !== undefined) {
      this.outage.cause = cause;
      return;
    }
    const since = this.lastContact;
    const left = Math.max(0, this.options.unavailableTimeoutMs - (this.now() - since));
    const timer = setTimeout(() => this.timedOut(), left);
    timer.unref();
    this.outage = { since, cause, timer };
    this.options.logger.warn(
      { event: 'kafka-unavailable', err: cause, unavailableTimeoutMs: this.options.unavailableTimeoutMs },
      `Kafka unavailable: ${cause}; reconnecting (backoff up to ${MAX_RECONNECT_DELAY_MS / 1000} s, the run fails after sourceUnavailableTimeoutMs ${this.options.unavailableTimeoutMs})`,
    );
    this.update();
  }

  /** Stops the outage timer; nothing is reported afterwards. */
  close(): void {
    this.closed = true;
    if (this.outage !== undefined) clearTimeout(this.outage.timer);
  }

  private timedOut(): void {
    const outage = this.outage;
    if (outage === undefined || this.closed) return;
    this.close();
    const { nodeId, unavailableTimeoutMs } = this.options;
    this.options.fail(
      new TributaryError(
        'E_SOURCE',
        `node ${nodeId}: Kafka unavailable for ${seconds(this.now() - outage.since)} s (sourceUnavailableTimeoutMs ${unavailableTimeoutMs}): ${outage.cause}`,
        { nodeId, retriable: true },
      ),
    );
  }

  /** Reports readiness when it or its reason changed. */
  private update(): void {
    if (this.closed) return;
    const reason =
      this.outage !== undefined
        ? `Kafka unavailable since ${new Date(this.outage.since).toISOString()}: ${this.outage.cause}`
        : this.member
          ? undefined
          : this.groupReason;
    if (reason === this.reported) return;
    this.reported = reason;
    if (reason === undefined) this.options.ready();
    else this.options.unready(reason);
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

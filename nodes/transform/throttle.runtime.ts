/** Runtime of `transform.throttle` (Node-only): a token bucket shared by every batch the node processes. */
import { defineTransform, type FlowRecord, type PortBatches } from '../../runtime/engine/types';
import { sleep } from '../../runtime/engine/sleep';
import { throttleTransformSpec } from './throttle.spec';

/** A clock in ms (monotonic in production); injectable for tests of {@link TokenBucket}. */
export type Clock = () => number;

/**
 * A token bucket that hands out tokens in arrival order. It starts full (`capacity` tokens) and refills at
 * `ratePerSecond` tokens/s up to `capacity`. {@link take} reserves its tokens at once, letting the balance go negative,
 * so concurrent callers queue behind each other: each waits until the bucket has refilled past what was reserved before
 * it. A request larger than `capacity` waits until that many tokens accumulated (the bucket's debt is paid), so the
 * average rate holds although such a request passes in one piece.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param ratePerSecond refill rate (tokens/s, > 0)
   * @param capacity bucket size (tokens, >= 1)
   * @param now clock in ms
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: Clock = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /**
   * Reserves `count` tokens.
   * @returns how long the caller must wait before using them (ms, 0 when they are available now)
   */
  take(count: number): number {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
    this.tokens -= count;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.ratePerSecond;
  }
}

/**
 * Resolves after `ms`, or at once (resolving, not rejecting) when `signal` aborts or already did (the runtime's
 * `sleep`, runtime/engine/sleep.ts).
 * @returns true when the full time passed, false when the wait was cut short by `signal`
 */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return sleep(ms, signal).then(
    () => true,
    () => false,
  );
}

/**
 * Runtime of `transform.throttle`: `process(batch)` takes `batch.length` tokens from the node's bucket, waits until
 * they are available (ms = debt / rate), then resolves `{ out: batch }`: every record, unchanged and in order. While it
 * waits, the batch stays in flight, so the engine's backpressure pauses the sources; nothing is dropped. An empty batch
 * resolves at once.
 *
 * When the run stops (`ctx.signal` aborts), pending waits end at once and records pass without waiting from then on,
 * so the shutdown drain finishes (at most `maxInFlightRecords` records pass unpaced) instead of failing or dropping them.
 */
export const throttleTransformRuntime = defineTransform(throttleTransformSpec, (config, ctx) => {
  const bucket = new TokenBucket(config.ratePerSecond, config.burst ?? Math.ceil(config.ratePerSecond));
  return {
    async process(batch: FlowRecord[]): Promise<PortBatches> {
      if (batch.length > 0 && !ctx.signal.aborted) {
        const waitMs = bucket.take(batch.length);
        if (waitMs > 0) {
          const completed = await abortableDelay(waitMs, ctx.signal);
          if (!completed) ctx.logger.debug({ records: batch.length }, 'run stopping: throttle wait ended early');
        }
      }
      return { out: batch };
    },
  };
});

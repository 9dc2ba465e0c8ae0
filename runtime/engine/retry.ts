/**
 * The one retry loop of the runtime: exponential backoff with jitter, the retriable classification passed in. Sink
 * opens and writes (engine), Redis reads and acknowledgements (sources, transforms) all retry through {@link retry}.
 */
import { sleep } from './sleep';

/** How the delay between attempts grows. */
export interface BackoffPolicy {
  /** Delay after the first failure (ms). */
  baseMs: number;
  /** Longest delay (ms). */
  maxMs: number;
  /** Relative jitter: each delay is multiplied by a random factor in `[1 - jitter, 1 + jitter)` (0 for none). */
  jitter: number;
}

/** The runtime's default: 100 ms doubling to 5 s, ±25 % jitter. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5_000, jitter: 0.25 };

/**
 * The delay before attempt `failures + 1`, after `failures` failed attempts (ms): `baseMs · 2^(failures - 1)` capped
 * at `maxMs`, times the jitter factor.
 * @param failures attempts failed so far (1 or more)
 * @param random a number in [0, 1) (Math.random by default; tests pass a fixed one)
 */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: number = Math.random()): number {
  const base = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, failures - 1), 16));
  return base * (1 - policy.jitter + random * 2 * policy.jitter);
}

/** How {@link retry} classifies, waits, stops and reports. */
export interface RetryOptions {
  /** True when `error` is worth another attempt; any other error is thrown at once (after {@link nonRetriable}). */
  retriable(error: unknown): boolean;
  /** Backoff between attempts ({@link DEFAULT_BACKOFF} when absent). */
  backoff?: BackoffPolicy;
  /** Aborting it ends the retrying: at once during a wait, otherwise after the attempt under way fails. */
  signal?: AbortSignal;
  /** Checked after each retriable failure: true ends the retrying as an abort of {@link signal} does. */
  stopped?(): boolean;
  /** What to throw for a non-retriable error (default: the error itself). */
  nonRetriable?(error: unknown): unknown;
  /** What to throw when retrying ends because of {@link signal} or {@link stopped} (default: the last error). */
  giveUp?(error: unknown): unknown;
  /** Called after each retriable failure, before the wait: `attempt` is the number of the failed attempt (from 1). */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** Called when an attempt succeeds: `attempts` is the number of attempts it took (1 when the first succeeded). */
  onSuccess?(attempts: number): void;
}

/**
 * Runs `operation` until it succeeds, waiting with exponential backoff between retriable failures.
 * @param operation one attempt; receives the attempt number (from 1)
 * @returns what the successful attempt returned
 * @throws `nonRetriable(error)` (default the error) for an error that is not retriable; `giveUp(error)` (default the
 *   last error) when the retrying was stopped by `signal` or `stopped`
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { signal } = options;
  for (let attempt = 1; ; attempt++) {
    let failure: unknown;
    try {
      const result = await operation(attempt);
      options.onSuccess?.(attempt);
      return result;
    } catch (error) {
      failure = error;
    }
    if (!options.retriable(failure)) throw options.nonRetriable === undefined ? failure : options.nonRetriable(failure);
    const giveUp = (): unknown => (options.giveUp === undefined ? failure : options.giveUp(failure));
    if (signal?.aborted === true || options.stopped?.() === true) throw giveUp();
    const delay = backoffDelay(attempt, options.backoff);
    options.onRetry?.(failure, attempt, delay);
    try {
      await sleep(delay, signal);
    } catch {
      throw giveUp();
    }
  }
}

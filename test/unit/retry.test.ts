// The runtime's retry loop and sleep: backoff delays, retriable classification passed in, reporting hooks, and the
// ways retrying stops (non-retriable error, abort during a wait, a stop condition).
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, retry } from '../../runtime/engine/retry';
import { sleep } from '../../runtime/engine/sleep';

const fast = { baseMs: 1, maxMs: 4, jitter: 0 };

class Transient extends Error {}

describe('backoffDelay', () => {
  it('doubles from baseMs up to maxMs, with the jitter factor around it', () => {
    expect([1, 2, 3, 4, 6, 7, 8, 100].map((n) => backoffDelay(n, DEFAULT_BACKOFF, 0.5))).toEqual([100, 200, 400, 800, 3200, 5000, 5000, 5000]);
    expect(backoffDelay(1, DEFAULT_BACKOFF, 0)).toBe(75);
    expect(backoffDelay(1, DEFAULT_BACKOFF, 0.999999)).toBeCloseTo(125, 3);
  });
});

describe('retry', () => {
  it('retries retriable failures with backoff until an attempt succeeds, reporting each retry and the success', async () => {
    const retries: [string, number, number][] = [];
    let succeeded: number | undefined;
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Transient(`down ${attempt}`);
        return `ok after ${attempt}`;
      },
      {
        retriable: (e) => e instanceof Transient,
        backoff: fast,
        onRetry: (e, attempt, delay) => retries.push([(e as Error).message, attempt, delay]),
        onSuccess: (attempts) => (succeeded = attempts),
      },
    );
    expect(result).toBe('ok after 3');
    expect(retries).toEqual([
      ['down 1', 1, 1],
      ['down 2', 2, 2],
    ]);
    expect(succeeded).toBe(3);
  });

  it('throws a non-retriable error at once, through nonRetriable when given', async () => {
    let attempts = 0;
    const failing = (): Promise<never> => {
      attempts++;
      return Promise.reject(new Error('WRONGTYPE'));
    };
    await expect(retry(failing, { retriable: () => false })).rejects.toThrow('WRONGTYPE');
    await expect(retry(failing, { retriable: () => false, nonRetriable: (e) => new Error(`node n: ${(e as Error).message}`) })).rejects.toThrow(
      'node n: WRONGTYPE',
    );
    expect(attempts).toBe(2);
  });

  it('ends at once when the signal aborts during a wait, with giveUp of the last error', async () => {
    const stop = new AbortController();
    let attempts = 0;
    const started = performance.now();
    setTimeout(() => stop.abort(), 30);
    await expect(
      retry(
        () => {
          attempts++;
          return Promise.reject(new Transient('unavailable'));
        },
        { retriable: () => true, backoff: { baseMs: 10_000, maxMs: 10_000, jitter: 0 }, signal: stop.signal, giveUp: (e) => new Error(`gave up: ${(e as Error).message}`) },
      ),
    ).rejects.toThrow('gave up: unavailable');
    expect(attempts).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('ends after a retriable failure once stopped() is true, or at once when the signal had aborted', async () => {
    let attempts = 0;
    const failing = (): Promise<never> => {
      attempts++;
      return Promise.reject(new Transient('still down'));
    };
    await expect(retry(failing, { retriable: () => true, backoff: fast, stopped: () => attempts >= 2 })).rejects.toThrow('still down');
    expect(attempts).toBe(2);
    await expect(retry(failing, { retriable: () => true, backoff: fast, signal: AbortSignal.abort() })).rejects.toThrow('still down');
    expect(attempts).toBe(3);
  });
});

describe('sleep', () => {
  it('resolves after the time, and rejects at once on abort with the reason (or "aborted")', async () => {
    const started = performance.now();
    await sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    const stop = new AbortController();
    const waiting = sleep(10_000, stop.signal);
    stop.abort(new Error('run stopped'));
    await expect(waiting).rejects.toThrow('run stopped');
    const other = new AbortController();
    other.abort('not an error');
    await expect(sleep(10, other.signal)).rejects.toThrow('aborted');
  });
});

/**
 * Preview limits (`tributary preview --records N`), applied by the engine to every source alike: a source's
 * deliveries are cut to N records in all, and the source is stopped once N were handed over. Sources read as in a run.
 */
import type { Deliver } from './observer';

/**
 * Wraps a source's `deliver` so that at most `limit` records pass in all: the batch that reaches the limit is cut to
 * fit and `stop` is called (once, at that moment; the delivery itself goes on); later batches are not delivered
 * (they resolve at once, with `onProcessed` called).
 * @param limit records to let through (0 or more)
 * @param stop stops the source (its `stop()`), called once the limit is reached
 */
export function limitDeliveries(deliver: Deliver, limit: number, stop: () => void): Deliver {
  let remaining = Math.max(0, limit);
  let stopped = false;
  const reached = (): void => {
    if (stopped) return;
    stopped = true;
    stop();
  };
  return (batch, onProcessed) => {
    if (remaining === 0) {
      reached();
      onProcessed?.();
      return Promise.resolve();
    }
    const passed = batch.length > remaining ? batch.slice(0, remaining) : batch;
    remaining -= passed.length;
    const delivered = deliver(passed, onProcessed);
    if (remaining === 0) reached();
    return delivered;
  };
}

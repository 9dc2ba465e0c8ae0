/**
 * Handing a value to a set of listeners (Node-only studio backend): the run supervisor, the sample poller and the
 * Attach session notify their subscribers through it.
 */

/** Calls every listener with `value`; a listener that throws does not stop the others (its failure is its own). */
export function notify<T>(listeners: Iterable<(value: T) => void>, value: T): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch {
      // A listener's failure is its own.
    }
  }
}

/**
 * Node counters: the figures a node reports besides records in, out and failed (a window's open windows, the batches
 * it holds, ...). The engine creates one set per node, hands it to the runtime as `ctx.counters`, and the telemetry
 * collector reads it into every frame; a node keeps no counters of its own.
 */
import type { NodeCounters } from './types';

/** Creates an empty counter set: every counter reads 0 until it is first added to. */
export function createNodeCounters(): NodeCounters {
  const values: Record<string, number> = {};
  let used = false;
  return {
    add(name: string, delta = 1): void {
      values[name] = (values[name] ?? 0) + delta;
      used = true;
    },
    get: (name: string): number => values[name] ?? 0,
    snapshot: (): Record<string, number> => ({ ...values }),
    get used(): boolean {
      return used;
    },
  };
}

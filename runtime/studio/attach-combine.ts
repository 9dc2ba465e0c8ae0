/**
 * Combining the telemetry of several headless instances of one flow (the studio's Attach) into the one frame the
 * canvas shows, and their samples into one list per node. Pure functions; `runtime/studio/attach.ts` polls the
 * instances and calls them.
 *
 * How each figure combines:
 * - counts (`in`, `out` per port, `errors`, `dropped`, edges, totals, node counters) are summed over every instance,
 *   the unreachable ones included with their last frame (a count is a total since that run started, it does not go
 *   stale);
 * - rates, the 60 s history (aligned on the newest second), `inFlight` are summed over the reachable instances only
 *   (an instance that stopped answering is not known to process anything now);
 * - latency quantiles (batch, sink acknowledgement, end to end) cannot be summed or averaged: the combined value is
 *   the largest of the reachable instances' (the slowest instance), so a p99 shown is never better than the worst;
 * - `backpressured` is true when any reachable instance holds back its upstream; `lastError` is that of the instance
 *   with the newest frame that has one;
 * - partitions: each comes from the reachable instance that owns it, marked with its `owner`; when two claim the same
 *   partition (a rebalance under way), the newer frame wins.
 */
import { byTopicPartition } from '../common/attach-protocol';
import { emptyNodeTelemetry, type LatencyQuantiles, type NodeSamples, type NodeTelemetry, type PartitionTelemetry, type SampleRecord, type TelemetryFrame } from '../common/telemetry';

/** Records kept per node and direction in combined samples: as many as one instance keeps (runtime/engine/telemetry.ts). */
export const COMBINED_SAMPLE_SIZE = 20;

/** One instance's latest view, as the poller keeps it. */
export interface InstanceFrame {
  /** Who owns what is shown as this label, `host:pid`. */
  label: string;
  /** The instance's last frame (null before the first, or when its telemetry is off). */
  frame: TelemetryFrame | null;
  /** False when its last poll failed: its counts still count, its rates, lag and partitions do not. */
  reachable: boolean;
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** The worse (larger) of two quantile pairs, field by field. */
export function worstQuantiles(a: LatencyQuantiles, b: LatencyQuantiles): LatencyQuantiles {
  return { p50: maxOf(a.p50, b.p50), p99: maxOf(a.p99, b.p99) };
}

/** Sums `b` into `a` key by key. */
function addCounts(a: Record<string, number>, b: Record<string, number>): void {
  for (const [key, n] of Object.entries(b)) a[key] = (a[key] ?? 0) + n;
}

/** Sums two per-second histories aligned on their newest (last) second. */
function addHistory(a: number[], b: readonly number[]): number[] {
  const length = Math.max(a.length, b.length);
  const sum = new Array<number>(length).fill(0);
  for (let i = 0; i < a.length; i++) sum[length - a.length + i]! += a[i]!;
  for (let i = 0; i < b.length; i++) sum[length - b.length + i]! += b[i]!;
  return sum;
}

function addNode(sum: NodeTelemetry, t: NodeTelemetry, reachable: boolean): void {
  sum.in += t.in;
  addCounts(sum.out, t.out);
  sum.errors += t.errors;
  sum.dropped += t.dropped;
  if (t.counters !== undefined) addCounts((sum.counters ??= {}), t.counters);
  if (!reachable) return;
  sum.rateIn1s += t.rateIn1s;
  sum.rateIn10s += t.rateIn10s;
  sum.rateOut1s += t.rateOut1s;
  sum.rateOut10s += t.rateOut10s;
  sum.batchLatency = worstQuantiles(sum.batchLatency, t.batchLatency);
  sum.history = addHistory(sum.history, t.history);
  sum.backpressured ||= t.backpressured;
}

/** A frame with no node, edge or partition and every figure at zero (time 0): what the instances' frames are summed into. */
export function emptyFrame(): TelemetryFrame {
  return {
    time: 0,
    uptimeMs: 0,
    nodes: {},
    edges: {},
    partitions: {},
    sinkAck: {},
    endToEnd: { p50: null, p99: null },
    totals: { in: 0, delivered: 0, errors: 0 },
    inFlight: 0,
  };
}

/**
 * Combines the instances' frames into one (see the module doc for each figure).
 * @returns undefined while no instance has sent a frame yet
 */
export function combineFrames(instances: readonly InstanceFrame[]): TelemetryFrame | undefined {
  const withFrames = instances.filter((i): i is InstanceFrame & { frame: TelemetryFrame } => i.frame !== null);
  if (withFrames.length === 0) return undefined;
  // Oldest frame first, so that later (newer) ones win partitions claimed twice and the last error.
  withFrames.sort((a, b) => a.frame.time - b.frame.time);
  const combined = emptyFrame();
  const owned = new Map<string, Map<string, PartitionTelemetry>>();
  for (const { label, frame, reachable } of withFrames) {
    combined.time = Math.max(combined.time, frame.time);
    combined.uptimeMs = Math.max(combined.uptimeMs, frame.uptimeMs);
    for (const [id, t] of Object.entries(frame.nodes)) {
      const sum = (combined.nodes[id] ??= emptyNodeTelemetry());
      addNode(sum, t, reachable);
      if (t.lastError !== undefined) sum.lastError = t.lastError;
    }
    addCounts(combined.edges, frame.edges);
    combined.totals.in += frame.totals.in;
    combined.totals.delivered += frame.totals.delivered;
    combined.totals.errors += frame.totals.errors;
    if (!reachable) continue;
    combined.inFlight += frame.inFlight;
    combined.endToEnd = worstQuantiles(combined.endToEnd, frame.endToEnd);
    for (const [id, ack] of Object.entries(frame.sinkAck)) combined.sinkAck[id] = worstQuantiles(combined.sinkAck[id] ?? { p50: null, p99: null }, ack);
    for (const [id, list] of Object.entries(frame.partitions)) {
      let byKey = owned.get(id);
      if (byKey === undefined) owned.set(id, (byKey = new Map()));
      for (const p of list) byKey.set(`${p.topic}\u0000${p.partition}`, { ...p, owner: label });
    }
  }
  for (const [id, byKey] of owned) {
    combined.partitions[id] = [...byKey.values()].sort(byTopicPartition);
  }
  return combined;
}

/**
 * `keep` records of several instances' lists (each oldest first), the instances taking turns from their newest record
 * back (so every instance that sent any is shown), returned oldest first by record timestamp.
 */
function newestOf<T extends SampleRecord>(lists: readonly (readonly T[])[], keep: number): T[] {
  const ranked = lists.flatMap((list) => list.map((record, i) => ({ record, age: list.length - 1 - i })));
  ranked.sort((a, b) => a.age - b.age || b.record.timestamp - a.record.timestamp);
  return ranked
    .slice(0, keep)
    .map((r) => r.record)
    .sort((a, b) => a.timestamp - b.timestamp);
}

/**
 * Combines the samples of one node from several instances: every instance's records, oldest first by record
 * timestamp, `limit` per direction kept with the instances taking turns from their newest record back (an instance
 * whose last records are a little older, e.g. another partition's last batch, still shows).
 * @param limit records kept per direction (default {@link COMBINED_SAMPLE_SIZE})
 */
export function combineSamples(nodeId: string, samples: readonly NodeSamples[], limit?: number): NodeSamples {
  const keep = limit ?? COMBINED_SAMPLE_SIZE;
  return {
    nodeId,
    in: newestOf(samples.map((s) => s.in), keep),
    out: newestOf(samples.map((s) => s.out), keep),
  };
}

// Combining the telemetry of headless instances for the studio's Attach: counts summed (unreachable instances too),
// rates and lag from the reachable ones, each partition from its owner, latencies the worst, samples merged by time.
import { describe, expect, it } from 'vitest';
import type { NodeSamples, PartitionTelemetry, SampleRecord, TelemetryFrame } from '../../runtime/common/telemetry';
import { combineFrames, combineSamples, emptyFrame, type InstanceFrame } from '../../runtime/studio/attach-combine';
import { nodeTelemetry } from '../support/telemetry';

function partition(p: number, lag: number, over: Partial<PartitionTelemetry> = {}): PartitionTelemetry {
  return { topic: 'orders', partition: p, committed: 100 - lag, highWatermark: 100, lag, paused: false, ...over };
}

function frame(time: number, over: Partial<TelemetryFrame> = {}): TelemetryFrame {
  return { ...emptyFrame(), time, uptimeMs: time - 1000, ...over };
}

const a: InstanceFrame = {
  label: 'host-a:11',
  reachable: true,
  frame: frame(5_000, {
    nodes: {
      src: nodeTelemetry({ in: 100, out: { out: 90, error: 10 }, errors: 10, rateIn1s: 20, rateIn10s: 15, history: [1, 2, 3], batchLatency: { p50: 2, p99: 9 } }),
      win: nodeTelemetry({ in: 90, counters: { open: 3 }, lastError: 'old error' }),
    },
    edges: { 'src:out->win:in': 90 },
    partitions: { src: [partition(0, 5), partition(1, 7)] },
    sinkAck: { win: { p50: 4, p99: 30 } },
    endToEnd: { p50: 10, p99: 50 },
    totals: { in: 100, delivered: 90, errors: 10 },
    inFlight: 4,
  }),
};
const b: InstanceFrame = {
  label: 'host-b:22',
  reachable: true,
  frame: frame(6_000, {
    nodes: {
      src: nodeTelemetry({ in: 50, out: { out: 50 }, rateIn1s: 5, rateIn10s: 4, history: [7], batchLatency: { p50: 3, p99: 4 }, backpressured: true }),
      win: nodeTelemetry({ in: 50, counters: { open: 2, closed: 1 }, lastError: 'new error' }),
    },
    edges: { 'src:out->win:in': 50 },
    partitions: { src: [partition(2, 1), partition(1, 3)] },
    sinkAck: { win: { p50: 8, p99: 12 } },
    endToEnd: { p50: 20, p99: null },
    totals: { in: 50, delivered: 50, errors: 0 },
    inFlight: 1,
  }),
};

describe('combineFrames', () => {
  it('sums counts, rates and histories, keeps the worst latencies and takes each partition from its (newest) owner', () => {
    const combined = combineFrames([b, a])!;
    expect(combined.time).toBe(6_000);
    const src = combined.nodes.src!;
    expect(src.in).toBe(150);
    expect(src.out).toEqual({ out: 140, error: 10 });
    expect(src.errors).toBe(10);
    expect([src.rateIn1s, src.rateIn10s]).toEqual([25, 19]);
    // Histories are aligned on their newest second.
    expect(src.history).toEqual([1, 2, 10]);
    expect(src.batchLatency).toEqual({ p50: 3, p99: 9 });
    expect(src.backpressured).toBe(true);
    expect(combined.nodes.win!.counters).toEqual({ open: 5, closed: 1 });
    expect(combined.nodes.win!.lastError).toBe('new error');
    expect(combined.edges).toEqual({ 'src:out->win:in': 140 });
    expect(combined.totals).toEqual({ in: 150, delivered: 140, errors: 10 });
    expect(combined.inFlight).toBe(5);
    expect(combined.sinkAck.win).toEqual({ p50: 8, p99: 30 });
    expect(combined.endToEnd).toEqual({ p50: 20, p99: 50 });
    // Partition 1 is claimed by both (a rebalance under way): b's frame is newer.
    expect(combined.partitions.src!.map((p) => [p.partition, p.lag, p.owner])).toEqual([
      [0, 5, 'host-a:11'],
      [1, 3, 'host-b:22'],
      [2, 1, 'host-b:22'],
    ]);
  });

  it('counts an unreachable instance with its last totals but not its rates, in-flight records or partitions', () => {
    const combined = combineFrames([a, { ...b, reachable: false }])!;
    expect(combined.nodes.src!.in).toBe(150);
    expect(combined.totals.delivered).toBe(140);
    expect(combined.nodes.src!.rateIn1s).toBe(20);
    expect(combined.nodes.src!.backpressured).toBe(false);
    expect(combined.inFlight).toBe(4);
    expect(combined.partitions.src!.map((p) => [p.partition, p.owner])).toEqual([
      [0, 'host-a:11'],
      [1, 'host-a:11'],
    ]);
  });

  it('has no frame before any instance sent one', () => {
    expect(combineFrames([{ label: 'x:1', reachable: true, frame: null }])).toBeUndefined();
    expect(combineFrames([])).toBeUndefined();
  });
});

describe('combineSamples', () => {
  const record = (timestamp: number, partition: number): SampleRecord => ({
    key: String(timestamp),
    value: { t: timestamp },
    headers: {},
    timestamp,
    meta: { source: 'src', topic: 'orders', partition },
  });
  it('merges every instance\'s records by timestamp and keeps the newest of each direction', () => {
    const fromA: NodeSamples = { nodeId: 'src', in: [record(1, 0), record(4, 0)], out: [{ ...record(4, 0), port: 'out' }] };
    const fromB: NodeSamples = { nodeId: 'src', in: [record(2, 1), record(3, 1)], out: [{ ...record(2, 1), port: 'out' }] };
    const merged = combineSamples('src', [fromA, fromB], 3);
    expect(merged.in.map((r) => r.timestamp)).toEqual([2, 3, 4]);
    expect(merged.out.map((r) => [r.timestamp, r.port])).toEqual([
      [2, 'out'],
      [4, 'out'],
    ]);
    // Without a limit: as many as one instance keeps (20).
    expect(combineSamples('src', [fromA, fromB]).in.map((r) => r.timestamp)).toEqual([1, 2, 3, 4]);
  });

  it('lets the instances take turns, so one whose last records are a little older still shows', () => {
    const batch = (partition: number, time: number): SampleRecord[] => Array.from({ length: 4 }, () => record(time, partition));
    const merged = combineSamples('src', [
      { nodeId: 'src', in: batch(0, 7), out: [] },
      { nodeId: 'src', in: batch(1, 9), out: [] },
      { nodeId: 'src', in: batch(2, 8), out: [] },
    ], 4);
    expect(merged.in).toHaveLength(4);
    expect(merged.in.map((r) => [r.meta.partition, r.timestamp])).toEqual([
      [0, 7],
      [2, 8],
      [1, 9],
      [1, 9],
    ]);
  });
});

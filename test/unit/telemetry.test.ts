// Telemetry building blocks: latency quantiles, per-second rates, sample truncation, frames.
import { describe, expect, it } from 'vitest';
import { LatencyHistogram, RateCounter, TelemetryCollector, WindowedLatency, SAMPLE_MAX_VALUE_CHARS, toSample } from '../../runtime/engine/telemetry';
import type { HistogramSnapshot } from '../../runtime/engine/duration-histogram';
import type { FlowRecord } from '../../runtime/engine/types';

const record = (value: unknown): FlowRecord => ({ key: null, value, headers: {}, timestamp: 0, meta: { source: 's' } });
/** A record stamped `timestamp` (epoch ms). */
const stamped = (timestamp: number): FlowRecord => ({ ...record(1), timestamp });
/** The count of the bucket with upper bound `le` (s) of a histogram snapshot. */
const bucket = (h: HistogramSnapshot, le: number): number => h.counts[h.bounds.indexOf(le)]!;

describe('LatencyHistogram', () => {
  it('gives quantiles within 5 % of the exact values', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) h.record(ms);
    expect(h.count).toBe(1000);
    const p50 = h.quantile(0.5)!;
    const p99 = h.quantile(0.99)!;
    expect(p50).toBeGreaterThanOrEqual(500);
    expect(p50).toBeLessThanOrEqual(500 * 1.05);
    expect(p99).toBeGreaterThanOrEqual(990);
    expect(p99).toBeLessThanOrEqual(990 * 1.05);
  });

  it('is empty until something is recorded', () => {
    expect(new LatencyHistogram().quantile(0.5)).toBeNull();
  });
});

describe('WindowedLatency', () => {
  it('forgets observations older than two windows', () => {
    const w = new WindowedLatency(1000, 0);
    w.record(100, 1, 0);
    expect(w.quantiles(500).p50).not.toBeNull();
    expect(w.quantiles(1500).p50).not.toBeNull(); // previous window still counts
    expect(w.quantiles(3500).p50).toBeNull();
  });
});

describe('RateCounter', () => {
  it('reports records/s over the last complete seconds and a 60 s history', () => {
    const r = new RateCounter(0);
    r.add(100, 100);
    r.add(50, 900);
    r.add(30, 1500);
    expect(r.rate(1, 2000)).toBe(30);
    expect(r.rate(10, 2000)).toBe((150 + 30) / 10);
    const history = r.history(2000);
    expect(history).toHaveLength(60);
    expect(history.slice(-2)).toEqual([150, 30]);
    expect(r.rate(1, 120_000)).toBe(0);
  });
});

describe('samples', () => {
  it('truncates values over 4 KB and marks them', () => {
    const big = toSample(record({ text: 'x'.repeat(10_000) }));
    expect(big.truncated).toBe(true);
    expect((big.value as string).length).toBe(SAMPLE_MAX_VALUE_CHARS);
    const small = toSample(record({ a: 1 }));
    expect(small.truncated).toBeUndefined();
    expect(small.value).toEqual({ a: 1 });
  });

  it('keeps the last 20 records in and out per node, oldest first', () => {
    const t = new TelemetryCollector(['a'], []);
    const batch = Array.from({ length: 30 }, (_, i) => record(i));
    t.recordIn('a', batch, false);
    t.recordOut('a', 'out', batch.slice(0, 5));
    t.recordOut('a', 'error', batch.slice(5, 7));
    const s = t.samples('a')!;
    expect(s.in.map((r) => r.value)).toEqual(Array.from({ length: 20 }, (_, i) => i + 10));
    expect(s.out.map((r) => [r.port, r.value])).toEqual([
      ['out', 0], ['out', 1], ['out', 2], ['out', 3], ['out', 4], ['error', 5], ['error', 6],
    ]);
    expect(t.samples('nope')).toBeUndefined();
  });

  it('keeps each sample\'s port when the ring wraps, oldest first', () => {
    const t = new TelemetryCollector(['a'], []);
    const batch = Array.from({ length: 25 }, (_, i) => record(i));
    t.recordOut('a', 'out', batch.slice(0, 15));
    t.recordOut('a', 'error', batch.slice(15, 25));
    const out = t.samples('a')!.out.map((r) => [r.port, r.value]);
    expect(out).toEqual([
      ...Array.from({ length: 10 }, (_, i) => ['out', i + 5]),
      ...Array.from({ length: 10 }, (_, i) => ['error', i + 15]),
    ]);
  });

  it('computes lag per partition in frames', () => {
    const t = new TelemetryCollector(['k'], []);
    t.reportPartitions('k', [
      { topic: 't', partition: 1, committed: 40, highWatermark: 100, paused: false },
      { topic: 't', partition: 0, committed: -1, highWatermark: 7, paused: true },
    ]);
    expect(t.frame().partitions.k).toEqual([
      { topic: 't', partition: 0, committed: -1, highWatermark: 7, paused: true, lag: 7 },
      { topic: 't', partition: 1, committed: 40, highWatermark: 100, paused: false, lag: 60 },
    ]);
  });
});

describe('end-to-end latency', () => {
  it('counts every acknowledged record once, also when runs of records share a timestamp', () => {
    const t = new TelemetryCollector(['sink'], ['sink']);
    const now = Date.now();
    // Runs of equal timestamps (a producer batch), a lone one, and a timestamp seen again after another.
    const batch = [now - 7_000, now - 7_000, now - 7_000, now - 45_000, now - 7_000, now - 7_000].map(stamped);
    t.recordSinkAck('sink', 2, batch);
    const e2e = t.histograms().endToEnd.sink!;
    expect(e2e.count).toBe(6);
    // Five records ~7 s old, one ~45 s old (the clock moved at most a little since `now`).
    expect(e2e.sum).toBeGreaterThanOrEqual(5 * 7 + 45);
    expect(e2e.sum).toBeLessThan(5 * 7 + 45 + 6);
    expect(bucket(e2e, 10)).toBe(5);
    expect(bucket(e2e, 60)).toBe(1);
    expect(t.frame().endToEnd.p50).toBeGreaterThanOrEqual(7_000);
  });
});

describe('source record age', () => {
  it('observes each record read by a source once, by its age at reading; other nodes observe none', () => {
    const t = new TelemetryCollector(['source', 'map'], []);
    const now = Date.now();
    t.recordIn('source', [stamped(now - 3_000), stamped(now - 3_000), stamped(now - 20_000)], true);
    t.recordIn('map', [stamped(now - 3_000)], false);
    const ages = t.histograms().sourceAge;
    expect(Object.keys(ages)).toEqual(['source']);
    const age = ages.source!;
    expect(age.count).toBe(3);
    expect(age.sum).toBeGreaterThanOrEqual(2 * 3 + 20);
    expect(age.sum).toBeLessThan(2 * 3 + 20 + 3);
    expect(bucket(age, 5)).toBe(2);
    expect(bucket(age, 30)).toBe(1);
  });
});

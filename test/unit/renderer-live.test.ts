/**
 * The studio's live telemetry store and sample helpers: edge rates from count deltas, stroke mapping, highlights,
 * unchanged nodes keeping their object (so only changed nodes re-render), samples (pause, table columns, filter),
 * expression evaluation on a sampled record (without eval) and field completion.
 */
import { describe, expect, it } from 'vitest';
import { nodeTelemetry } from '../support/telemetry';
import type { NodeTelemetry, SampleRecord, TelemetryFrame } from '../../runtime/common/telemetry';
import { cellText, completionsAt, fieldPaths, filterSamples, formatUptime, sampleColumns, sparklinePoints } from '../../renderer/store/samples';
import { edgeStroke, nodeAlert } from '../../renderer/store/live-display';
import { createTelemetryStore, ratesFromDeltas, toNodeLive } from '../../renderer/store/telemetry-store';

const node = nodeTelemetry;

function frame(time: number, nodes: Record<string, NodeTelemetry>, edges: Record<string, number>, over: Partial<TelemetryFrame> = {}): TelemetryFrame {
  return {
    time,
    uptimeMs: time - 1000,
    nodes,
    edges,
    partitions: {},
    sinkAck: {},
    endToEnd: { p50: 3, p99: 9 },
    totals: { in: 0, delivered: 0, errors: 0 },
    inFlight: 0,
    ...over,
  };
}

function record(value: unknown, over: Partial<SampleRecord> = {}): SampleRecord {
  return { key: 'k', value, headers: {}, timestamp: 0, meta: { source: 'src', topic: 't', partition: 0, offset: '1' }, ...over };
}

describe('edge rates from count deltas', () => {
  it('divides the count delta by the time between snapshots', () => {
    expect(ratesFromDeltas({ time: 1000, counts: { e: 100 } }, { time: 1500, counts: { e: 350 } })).toEqual({ e: 500 });
  });
  it('counts a new edge from 0; gives 0 without a previous snapshot or when a count went down', () => {
    expect(ratesFromDeltas(undefined, { time: 1000, counts: { e: 5 } })).toEqual({ e: 0 });
    expect(ratesFromDeltas({ time: 0, counts: {} }, { time: 1000, counts: { e: 5 } })).toEqual({ e: 5 });
    expect(ratesFromDeltas({ time: 0, counts: { e: 9 } }, { time: 1000, counts: { e: 5 } })).toEqual({ e: 0 });
  });
  it('the store measures rates over about one second of frames', () => {
    const store = createTelemetryStore();
    for (let i = 0; i <= 20; i++) store.getState().frameReceived(frame(1000 + i * 100, {}, { 'a:out->b:in': i * 50 }));
    // 50 records every 100 ms = 500/s
    expect(store.getState().edges['a:out->b:in']).toEqual({ count: 1000, rate: 500 });
    // The first frame of a run measures from the run's start (uptime).
    const fresh = createTelemetryStore();
    fresh.getState().frameReceived(frame(3000, {}, { 'a:out->b:in': 4000 }, { uptimeMs: 2000 }));
    expect(fresh.getState().edges['a:out->b:in']?.rate).toBe(2000);
    // Flow stops: the rate falls to 0 within a second.
    for (let i = 21; i <= 32; i++) store.getState().frameReceived(frame(1000 + i * 100, {}, { 'a:out->b:in': 1000 }));
    expect(store.getState().edges['a:out->b:in']?.rate).toBe(0);
  });
});

describe('edge stroke', () => {
  it('is thin and idle at 0, grows with the rate, capped', () => {
    expect(edgeStroke(0)).toEqual({ width: 1.5, active: false });
    const widths = [1, 10, 100, 1000, 10_000].map((r) => edgeStroke(r).width);
    for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeGreaterThan(widths[i - 1] as number);
    expect(edgeStroke(1).active).toBe(true);
    expect(edgeStroke(1e12).width).toBe(8);
  });
});

describe('telemetry store', () => {
  it('keeps the object of a node whose figures did not change (selectors by id do not fire)', () => {
    const store = createTelemetryStore();
    store.getState().frameReceived(frame(1000, { a: node({ in: 5, history: [1, 2] }), b: node({ in: 1 }) }, {}));
    const a1 = store.getState().nodes.a;
    const b1 = store.getState().nodes.b;
    store.getState().frameReceived(frame(1100, { a: node({ in: 5, history: [1, 2] }), b: node({ in: 2 }) }, {}));
    expect(store.getState().nodes.a).toBe(a1);
    expect(store.getState().nodes.b).not.toBe(b1);
    expect(store.getState().nodes.b?.in).toBe(2);
    expect(store.getState().frames).toBe(2);
  });
  it('sums output ports but error, and keeps unchanged partitions and sink acks', () => {
    const store = createTelemetryStore();
    const partitions = { src: [{ topic: 't', partition: 0, committed: 5, highWatermark: 9, lag: 4, paused: false }] };
    store.getState().frameReceived(frame(1000, { r: node({ out: { even: 2, odd: 3, error: 4 }, errors: 4 }) }, {}, { partitions, sinkAck: { s: { p50: 1, p99: 2 } } }));
    expect(store.getState().nodes.r?.out).toBe(5);
    const p1 = store.getState().partitions.src;
    const s1 = store.getState().sinkAck.s;
    store.getState().frameReceived(frame(1100, {}, {}, { partitions: structuredClone(partitions), sinkAck: { s: { p50: 1, p99: 2 } } }));
    expect(store.getState().partitions.src).toBe(p1);
    expect(store.getState().sinkAck.s).toBe(s1);
  });
  it('summarises the run for the status bar and forgets it when a run starts', () => {
    const store = createTelemetryStore();
    store.getState().frameReceived(frame(5000, {}, {}, { totals: { in: 10, delivered: 8, errors: 1 }, inFlight: 2 }));
    expect(store.getState().summary).toEqual({ uptimeMs: 4000, in: 10, delivered: 8, errors: 1, inFlight: 2, endToEnd: { p50: 3, p99: 9 } });
    store.getState().runStarted();
    expect(store.getState().summary).toBeNull();
    expect(store.getState().nodes).toEqual({});
  });
  it('ignores samples while paused', () => {
    const store = createTelemetryStore();
    store.getState().samplesReceived({ nodeId: 'm', in: [record(1)], out: [] });
    store.getState().samplesPausedChanged(true);
    store.getState().samplesReceived({ nodeId: 'm', in: [record(2)], out: [] });
    expect(store.getState().samples.m?.in[0]?.value).toBe(1);
    store.getState().samplesPausedChanged(false);
    store.getState().samplesReceived({ nodeId: 'm', in: [record(3)], out: [] });
    expect(store.getState().samples.m?.in[0]?.value).toBe(3);
  });
  it('highlights nodes with errors, backpressure or paused partitions', () => {
    expect(nodeAlert(undefined)).toBeUndefined();
    expect(nodeAlert(toNodeLive(node(), undefined))).toBeUndefined();
    expect(nodeAlert(toNodeLive(node({ errors: 1 }), undefined))).toBe('error');
    expect(nodeAlert(toNodeLive(node({ backpressured: true }), undefined))).toBe('backpressure');
    expect(nodeAlert(toNodeLive(node(), undefined), [{ topic: 't', partition: 0, committed: 0, highWatermark: 1, lag: 1, paused: true }])).toBe('backpressure');
  });
});

describe('samples', () => {
  const records = [
    { ...record({ id: 1, name: 'alpha' }), port: 'out' },
    { ...record({ id: 2, extra: { deep: true } }, { key: null }), port: 'out' },
    { ...record('plain text'), port: 'error' },
  ];
  it('table columns come from the records fields, in first-seen order', () => {
    expect(sampleColumns(records)).toEqual(['key', 'value', 'value.id', 'value.name', 'value.extra', 'port']);
    expect(sampleColumns([record({ a: 1 })])).toEqual(['key', 'value.a']);
    expect(cellText(records[1]!, 'value.extra')).toBe('{"deep":true}');
    expect(cellText(records[1]!, 'key')).toBe('null');
    expect(cellText(records[2]!, 'value')).toBe('plain text');
    expect(cellText(records[0]!, 'value')).toBe('');
  });
  it('the search filter matches key, value and headers, case-insensitively', () => {
    expect(filterSamples(records, '')).toHaveLength(3);
    expect(filterSamples(records, 'ALPHA').map((r) => r.value)).toEqual([{ id: 1, name: 'alpha' }]);
    expect(filterSamples(records, 'deep')).toHaveLength(1);
    expect(filterSamples(records, 'nothing like this')).toHaveLength(0);
  });
});

describe('expression feedback', () => {
  const input = record({ id: 7, amount: 21, customer: { name: 'Ada' } }, { headers: { source: 'web' } });
  it('completes field names from the sampled records', () => {
    const paths = fieldPaths([input]);
    expect(paths).toEqual(expect.arrayContaining(['value.id', 'value.amount', 'value.customer', 'value.customer.name', 'headers.source', 'meta.topic']));
    expect(completionsAt('value.a', 7, paths)).toEqual({ from: 0, options: ['value.amount'] });
    expect(completionsAt('x + value.', 10, paths).options).toEqual(['value.id', 'value.amount', 'value.customer']);
    expect(completionsAt('value.customer.', 15, paths).options).toEqual(['value.customer.name']);
    expect(completionsAt('1 + ', 4, paths).options).toEqual([]);
  });
});

describe('formatting', () => {
  it('uptime and sparkline points', () => {
    expect(formatUptime(65_000)).toBe('1:05');
    expect(formatUptime(3_723_000)).toBe('1:02:03');
    expect(sparklinePoints([0, 10], 100, 20)).toBe('0.0,19.0 100.0,1.0');
  });
});

/**
 * The canvas' batching live writer: all writes of a burst of telemetry frames happen in one scheduled frame, only for
 * writers whose entries changed, only for what is in view (from the viewport and node bounds, never the DOM), and
 * off-screen writers are written once they come into view; a frame budget spreads many writes over several frames.
 * Also the edge stroke hysteresis, the partition-row key and the store keeping unchanged node objects.
 */
import { describe, expect, it } from 'vitest';
import { nodeTelemetry } from '../support/telemetry';
import type { NodeTelemetry, PartitionTelemetry, TelemetryFrame } from '../../runtime/common/telemetry';
import type { FlowRect } from '../../renderer/store/canvas-geometry';
import { partitionLayout, strokeWidthToWrite, STROKE_HYSTERESIS_PX } from '../../renderer/store/live-display';
import { createLiveWriterHub, nodesVisible, type ViewportSource } from '../../renderer/store/live-writer';
import { createTelemetryStore, toNodeLive, type TelemetryState } from '../../renderer/store/telemetry-store';

const node = nodeTelemetry;

function frame(time: number, nodes: Record<string, NodeTelemetry>): TelemetryFrame {
  return {
    time,
    uptimeMs: time,
    nodes,
    edges: {},
    partitions: {},
    sinkAck: {},
    endToEnd: { p50: 1, p99: 2 },
    totals: { in: 0, delivered: 0, errors: 0 },
    inFlight: 0,
  };
}

/** A manual frame scheduler: `run()` plays the pending callbacks, as the next animation frame would. */
function manualScheduler(): { schedule: (cb: () => void) => void; run: () => void; readonly pending: number } {
  let queue: (() => void)[] = [];
  return {
    schedule: (cb) => void queue.push(cb),
    run() {
      const now = queue;
      queue = [];
      for (const cb of now) cb();
    },
    get pending() {
      return queue.length;
    },
  };
}

/** Nodes laid out on a row, 200 x 100 each, 300 apart: node i at x = 300 i. */
function rowSource(view: { current: FlowRect | undefined }): ViewportSource {
  return {
    visibleRect: () => view.current,
    nodeRect: (id) => {
      const i = Number(id.replace('n', ''));
      return Number.isNaN(i) ? undefined : { x: i * 300, y: 0, width: 200, height: 100 };
    },
  };
}

/** A writer of one node that records what it wrote. */
function recorder(id: string, log: string[]) {
  return {
    nodes: [id],
    changed: (state: TelemetryState, previous: TelemetryState) => state.nodes[id] !== previous.nodes[id],
    write: (state: TelemetryState) => void log.push(`${id}=${state.nodes[id]?.in ?? '-'}`),
  };
}

describe('live writer hub', () => {
  it('writes all changes of several store updates in one scheduled frame, only for the writers that changed', () => {
    const store = createTelemetryStore();
    const frames = manualScheduler();
    const hub = createLiveWriterHub(store, frames.schedule);
    const log: string[] = [];
    hub.register(recorder('a', log));
    hub.register(recorder('b', log));
    frames.run();
    expect(log).toEqual(['a=-', 'b=-']);
    log.length = 0;

    store.getState().frameReceived(frame(1000, { a: node({ in: 1 }), b: node({ in: 1 }) }));
    store.getState().frameReceived(frame(1100, { a: node({ in: 2 }), b: node({ in: 1 }) }));
    expect(frames.pending).toBe(1);
    expect(log).toEqual([]);
    frames.run();
    expect(log).toEqual(['a=2', 'b=1']);
    log.length = 0;

    // b unchanged: the store keeps its object, so only a is written.
    store.getState().frameReceived(frame(1200, { a: node({ in: 3 }), b: node({ in: 1 }) }));
    frames.run();
    expect(log).toEqual(['a=3']);
  });

  it('skips writers outside the viewport and writes them when they come into view', () => {
    const store = createTelemetryStore();
    const frames = manualScheduler();
    const hub = createLiveWriterHub(store, frames.schedule);
    const view: { current: FlowRect | undefined } = { current: { x: 0, y: 0, width: 500, height: 300 } };
    hub.setViewportSource(rowSource(view));
    const log: string[] = [];
    for (const id of ['n0', 'n1', 'n5']) hub.register(recorder(id, log));
    frames.run();
    expect(log).toEqual(['n0=-', 'n1=-']);
    expect(hub.pending).toBe(1);
    log.length = 0;

    store.getState().frameReceived(frame(1000, { n0: node({ in: 7 }), n1: node({ in: 7 }), n5: node({ in: 7 }) }));
    frames.run();
    expect(log).toEqual(['n0=7', 'n1=7']);

    // Pan right: n5 (x 1500..1700) comes into view and gets the latest figures; nothing else is written again.
    log.length = 0;
    view.current = { x: 1200, y: 0, width: 500, height: 300 };
    hub.viewportChanged();
    frames.run();
    expect(log).toEqual(['n5=7']);
    expect(hub.pending).toBe(0);
    // Nothing dirty: a viewport change schedules nothing.
    hub.viewportChanged();
    expect(frames.pending).toBe(0);
  });

  it('counts unknown viewports and unmeasured nodes as visible; an edge is visible when its span is', () => {
    const source = rowSource({ current: undefined });
    const view = { x: 350, y: 0, width: 100, height: 100 };
    // n0 ends at 200, n2 starts at 600: neither is in view, but the edge between them crosses it.
    expect(nodesVisible(['n0'], view, source)).toBe(false);
    expect(nodesVisible(['n2'], view, source)).toBe(false);
    expect(nodesVisible(['n0', 'n2'], view, source)).toBe(true);
    expect(nodesVisible(['unmeasured'], view, source)).toBe(true);

    const store = createTelemetryStore();
    const frames = manualScheduler();
    const hub = createLiveWriterHub(store, frames.schedule);
    hub.setViewportSource(source);
    const log: string[] = [];
    hub.register(recorder('n9', log));
    frames.run();
    expect(log).toEqual(['n9=-']);
  });

  it('stops writing a removed writer, and unsubscribes when none is left', () => {
    const store = createTelemetryStore();
    const frames = manualScheduler();
    const hub = createLiveWriterHub(store, frames.schedule);
    const log: string[] = [];
    const a = hub.register(recorder('a', log));
    frames.run();
    a.remove();
    store.getState().frameReceived(frame(1000, { a: node({ in: 1 }) }));
    expect(frames.pending).toBe(0);
    frames.run();
    expect(log).toEqual(['a=-']);
    // invalidate after remove does nothing; invalidate of a live writer writes it again.
    a.invalidate();
    expect(hub.pending).toBe(0);
    const b = hub.register(recorder('b', log));
    frames.run();
    b.invalidate();
    frames.run();
    expect(log).toEqual(['a=-', 'b=-', 'b=-']);
    expect(hub.writes).toBe(3);
  });

  it('spreads one frame of writes over several animation frames once the frame budget is spent, oldest first', () => {
    const store = createTelemetryStore();
    const frames = manualScheduler();
    // Each write costs 1 ms on this clock; the budget is 2 ms.
    let clock = 0;
    const hub = createLiveWriterHub(store, frames.schedule, { frameBudgetMs: 2, now: () => clock });
    const log: string[] = [];
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      const writer = recorder(id, log);
      hub.register({ ...writer, write: (state) => ((clock += 1), writer.write(state)) });
    }
    frames.run();
    expect(log).toEqual(['a=-', 'b=-']);
    expect(frames.pending).toBe(1);
    // A change to a written writer while others wait: it is written after them.
    store.getState().frameReceived(frame(1000, { a: node({ in: 1 }) }));
    frames.run();
    expect(log.slice(2)).toEqual(['c=-', 'd=-']);
    frames.run();
    expect(log.slice(4)).toEqual(['e=-', 'a=1']);
    frames.run();
    expect(frames.pending).toBe(0);
    expect(hub.pending).toBe(0);

    // At least one writer per frame, whatever it costs.
    const slow = createLiveWriterHub(store, frames.schedule, { frameBudgetMs: 0, now: () => (clock += 5) });
    const slowLog: string[] = [];
    slow.register(recorder('x', slowLog));
    slow.register(recorder('y', slowLog));
    frames.run();
    expect(slowLog).toEqual(['x=-']);
    frames.run();
    expect(slowLog).toEqual(['x=-', 'y=-']);
  });
});

describe('edge stroke hysteresis', () => {
  it('writes the first width, changes to or from idle, and changes of at least the hysteresis; skips noise', () => {
    expect(strokeWidthToWrite(Number.NaN, 1.5, 1.5)).toBe(1.5);
    expect(strokeWidthToWrite(1.5, 5.2, 1.5)).toBe(5.2);
    expect(strokeWidthToWrite(5.2, 1.5, 1.5)).toBe(1.5);
    expect(strokeWidthToWrite(5.2, 5.3, 1.5)).toBeUndefined();
    expect(strokeWidthToWrite(5.2, 5.1, 1.5)).toBeUndefined();
    expect(strokeWidthToWrite(5.2, 5.2, 1.5)).toBeUndefined();
    expect(strokeWidthToWrite(5.2, 5.2 + STROKE_HYSTERESIS_PX, 1.5)).toBeCloseTo(5.6);
    expect(strokeWidthToWrite(5.2, 4.2, 1.5)).toBe(4.2);
  });
});

describe('partition rows key', () => {
  const p = (partition: number, over: Partial<PartitionTelemetry> = {}): PartitionTelemetry => ({
    topic: 't',
    partition,
    committed: 10,
    highWatermark: 20,
    lag: 10,
    paused: false,
    ...over,
  });
  it('changes with the partitions and their paused flag, not with offsets or lag', () => {
    expect(partitionLayout(undefined)).toBe('');
    const base = partitionLayout([p(0), p(1)]);
    expect(partitionLayout([p(0, { committed: 99, lag: 0 }), p(1, { highWatermark: 500 })])).toBe(base);
    expect(partitionLayout([p(0), p(1, { paused: true })])).not.toBe(base);
    expect(partitionLayout([p(0)])).not.toBe(base);
  });
});

describe('store node figures', () => {
  it('keeps the previous object when nothing changed, and the previous history array when only it is equal', () => {
    const first = toNodeLive(node({ in: 5, out: { out: 3, error: 1, other: 2 }, history: [1, 2] }), undefined);
    expect(first.out).toBe(5);
    expect(toNodeLive(node({ in: 5, out: { out: 3, error: 1, other: 2 }, history: [1, 2] }), first)).toBe(first);
    const next = toNodeLive(node({ in: 6, out: { out: 3, error: 1, other: 2 }, history: [1, 2] }), first);
    expect(next).not.toBe(first);
    expect(next.history).toBe(first.history);
    expect(toNodeLive(node({ in: 6, lastError: 'boom', out: { out: 3, error: 1, other: 2 }, history: [1, 2] }), next).lastError).toBe('boom');
  });
});

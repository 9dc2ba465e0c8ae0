// Apply in the renderer, without a runtime: the plan (changed nodes, consumer group changes, positions no change),
// the status line, and the live figures across an Apply (unchanged nodes carry on, history merged by wall-clock
// second; changed nodes restart from 0).
import { describe, expect, it } from 'vitest';
import { formatApplied, planApply } from '../../runtime/common/apply-plan';
import { FlowSettingsSchema, type Flow } from '../../runtime/common/flow';
import type { NodeTelemetry, TelemetryFrame } from '../../runtime/common/telemetry';
import { createApplyStore, pendingPlan } from '../../renderer/store/apply-store';
import { createTelemetryStore } from '../../renderer/store/telemetry-store';
import { nodeTelemetry } from '../support/telemetry';

const flow = (filter: string, groupId = 'g1', x = 0): Flow => ({
  version: 1,
  name: 'f',
  settings: FlowSettingsSchema.parse({}),
  nodes: [
    { id: 'src', type: 'source.kafka', onError: 'stop', config: { brokers: ['b:9092'], topic: 't', groupId } },
    { id: 'filter', type: 'transform.filter', onError: 'stop', config: { expression: filter } },
    { id: 'map', type: 'transform.map', onError: 'stop', config: { expression: 'value' } },
  ],
  edges: [
    { from: 'src', to: 'filter' },
    { from: 'filter', to: 'map' },
  ],
  layout: { src: { x, y: 0 } },
});

function frame(time: number, uptimeMs: number, nodes: Record<string, NodeTelemetry>, edges: Record<string, number>, totalIn: number): TelemetryFrame {
  return { time, uptimeMs, nodes, edges, partitions: {}, sinkAck: {}, endToEnd: { p50: 1, p99: 2 }, totals: { in: totalIn, delivered: totalIn, errors: 0 }, inFlight: 0 };
}

/** 60 per-second counts, oldest first, with `tail` as the last ones. */
const history = (...tail: number[]): number[] => [...Array<number>(60 - tail.length).fill(0), ...tail];

describe('planApply', () => {
  it('lists changed nodes and ignores positions', () => {
    expect(planApply(flow('true'), flow('true', 'g1', 300))).toEqual({ changed: false, changedNodes: [], groupChanges: [] });
    expect(planApply(flow('true'), flow('value.ok'))).toEqual({ changed: true, changedNodes: ['filter'], groupChanges: [] });
  });

  it('names a Kafka source whose consumer group changes', () => {
    const plan = planApply(flow('true'), flow('value.ok', 'g2'));
    expect(plan.changedNodes).toEqual(['src', 'filter']);
    expect(plan.groupChanges).toEqual([{ nodeId: 'src', before: 'g1', after: 'g2' }]);
  });

  it('formats the status line', () => {
    const at = new Date(2026, 11, 1, 18, 40, 12).getTime();
    expect(formatApplied({ changedNodes: ['filter', 'map'] }, at)).toBe('Applied: 2 nodes changed (filter, map) at 18:40:12');
    expect(formatApplied({ changedNodes: ['filter'] }, at)).toBe('Applied: 1 node changed (filter) at 18:40:12');
  });
});

describe('telemetry across an Apply', () => {
  it('carries unchanged nodes, edges, totals and history; restarts changed nodes', () => {
    const store = createTelemetryStore();
    store.getState().runStarted();
    const t0 = 1_000_000_000;
    const edges = { 'src:out->filter:in': 100, 'filter:out->map:in': 40 };
    store.getState().frameReceived(
      frame(t0, 10_000, { src: nodeTelemetry({ in: 100, out: { out: 100 }, history: history(50, 50) }), filter: nodeTelemetry({ in: 100, out: { out: 40 } }), map: nodeTelemetry({ in: 40 }) }, edges, 100),
    );
    store.getState().runApplied(['map']);
    expect(store.getState().nodes.map).toBeUndefined();
    expect(store.getState().nodes.src?.in).toBe(100);

    // The new runtime, 3 s later: its counters start from 0.
    const t1 = t0 + 3_000;
    store.getState().frameReceived(
      frame(t1, 1_000, { src: nodeTelemetry({ in: 7, out: { out: 7 }, history: history(7) }), filter: nodeTelemetry({ in: 7, out: { out: 2 } }), map: nodeTelemetry({ in: 2 }) }, { 'src:out->filter:in': 7, 'filter:out->map:in': 2 }, 7),
    );
    const s = store.getState();
    expect(s.nodes.src?.in).toBe(107);
    expect(s.nodes.src?.out).toBe(107);
    expect(s.nodes.filter?.out).toBe(42);
    // The changed node and the edges that touch it restart.
    expect(s.nodes.map?.in).toBe(2);
    expect(s.edges['src:out->filter:in']?.count).toBe(107);
    expect(s.edges['filter:out->map:in']?.count).toBe(2);
    expect(s.summary?.in).toBe(107);
    expect(s.summary?.uptimeMs).toBe(13_000);
    // The old seconds (50, 50 ending 3 s earlier) are kept before the new one's 7.
    expect(s.nodes.src?.history.slice(-5)).toEqual([50, 50, 0, 0, 7]);
  });

  it('forgets the carried figures at a new Run', () => {
    const store = createTelemetryStore();
    store.getState().frameReceived(frame(5_000, 4_000, { src: nodeTelemetry({ in: 10 }) }, {}, 10));
    store.getState().runApplied([]);
    store.getState().runStarted();
    store.getState().frameReceived(frame(9_000, 1_000, { src: nodeTelemetry({ in: 3 }) }, {}, 3));
    expect(store.getState().nodes.src?.in).toBe(3);
  });
});

describe('apply store', () => {
  const v1 = { text: 'v1', flow: flow('true'), path: null };
  const v2 = { text: 'v2', flow: flow('value.ok'), path: null };

  it('keeps the flow that ran before a failed Apply for a retry', () => {
    const store = createApplyStore();
    store.getState().runStarted(v1);
    store.getState().applyStarted(planApply(v1.flow, v2.flow));
    store.getState().runCrashed('exited with code 1'); // while applying: the Apply's own answer decides
    expect(store.getState().failed).toBeNull();
    store.getState().applyFailed('cannot apply: the flow has 1 problem(s)');
    expect(store.getState().failed).toEqual({ error: 'cannot apply: the flow has 1 problem(s)', previous: v1 });
    expect(store.getState().running).toBe(v1);
  });

  it('reports the applied version crashing as a failed Apply, the previous flow kept', () => {
    const store = createApplyStore();
    store.getState().runStarted(v1);
    store.getState().applyStarted(planApply(v1.flow, v2.flow));
    store.getState().applySucceeded({ changedNodes: ['filter'], groupChanges: [], appliedAt: new Date(2026, 0, 1, 9, 5, 7).getTime() }, v2);
    expect(store.getState().applied).toBe('Applied: 1 node changed (filter) at 09:05:07');
    store.getState().runCrashed('ENOTDIR: /dev/null/out.jsonl');
    expect(store.getState().failed).toEqual({ error: 'the applied version stopped: ENOTDIR: /dev/null/out.jsonl', previous: v1 });
    expect(store.getState().applied).toBeNull();
  });

  it('takes the running flow from the backend after a reload, so Apply shows when the editor differs', () => {
    const store = createApplyStore(); // a reloaded studio: it did not press Run itself
    expect(pendingPlan(store.getState().running, v2.flow)).toBeNull();
    store.getState().runReported(v1);
    expect(store.getState().running).toBe(v1);
    expect(pendingPlan(store.getState().running, v2.flow)?.changed).toBe(true);
    expect(pendingPlan(store.getState().running, v1.flow)?.changed).toBe(false);
    store.getState().runReported({ ...v1 }); // the same flow again: kept as it is
    expect(store.getState().running).toBe(v1);
  });

  it('ignores the reported flow while an Apply is under way (the Apply sets it, keeping the previous one)', () => {
    const store = createApplyStore();
    store.getState().runStarted(v1);
    store.getState().applyStarted(planApply(v1.flow, v2.flow));
    store.getState().runReported(v2);
    expect(store.getState().running).toBe(v1);
    store.getState().applySucceeded({ changedNodes: ['filter'], groupChanges: [], appliedAt: 0 }, v2);
    expect(store.getState().previous).toBe(v1);
  });
});

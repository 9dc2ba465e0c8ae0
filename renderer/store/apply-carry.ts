/**
 * The live view across an Apply: the new runtime's counters start from 0, so the figures of the nodes the Apply did
 * not change (and of the edges between them, and the run's totals and uptime) are carried over from the old
 * runtime's last frame and added to every new frame; their 60 s input history is merged second by second (both
 * histories count events per wall-clock second, so the old seconds fill the new one's leading zeros). Changed,
 * added and renamed nodes restart from 0. Pure functions over frames; `telemetry-store.ts` applies them.
 */
import type { NodeTelemetry, TelemetryFrame } from '../../runtime/common/telemetry';

/** What an Apply carries over from the old runtime's last frame. */
export interface CarriedFigures {
  /** Wall-clock time of the old runtime's last frame (ms since the epoch). */
  time: number;
  uptimeMs: number;
  /** Unchanged nodes only. */
  nodes: Record<string, NodeTelemetry>;
  /** Edges between unchanged nodes only, keyed `from:port->to:port`. */
  edges: Record<string, number>;
  totals: TelemetryFrame['totals'];
}

/** The node ids of an edge key `from:port->to:port`. */
function edgeNodes(key: string): [string, string] {
  const [from = '', to = ''] = key.split('->');
  return [from.slice(0, from.lastIndexOf(':')), to.slice(0, to.lastIndexOf(':'))];
}

/**
 * The figures to carry from `last` (the old runtime's last frame, itself possibly carried) over an Apply that changed
 * the nodes `changed`.
 */
export function carryFrom(last: TelemetryFrame, changed: ReadonlySet<string>): CarriedFigures {
  const nodes: Record<string, NodeTelemetry> = {};
  for (const id in last.nodes) if (!changed.has(id)) nodes[id] = last.nodes[id] as NodeTelemetry;
  const edges: Record<string, number> = {};
  for (const [key, count] of Object.entries(last.edges)) {
    const [from, to] = edgeNodes(key);
    if (!changed.has(from) && !changed.has(to)) edges[key] = count;
  }
  return { time: last.time, uptimeMs: last.uptimeMs, nodes, edges, totals: last.totals };
}

/** `now` (60 per-second counts, oldest first, ending at `nowTime`) plus `old` (ending at `oldTime`), second by second. */
function mergeHistory(now: readonly number[], nowTime: number, old: readonly number[], oldTime: number): number[] {
  const shift = Math.floor(nowTime / 1000) - Math.floor(oldTime / 1000);
  return now.map((n, i) => n + (i + shift < old.length ? (old[i + shift] as number) : 0));
}

function carriedNode(t: NodeTelemetry, old: NodeTelemetry, frameTime: number, oldTime: number): NodeTelemetry {
  const out: Record<string, number> = { ...old.out };
  for (const port in t.out) out[port] = (out[port] ?? 0) + (t.out[port] as number);
  return {
    ...t,
    in: t.in + old.in,
    out,
    errors: t.errors + old.errors,
    dropped: t.dropped + old.dropped,
    history: mergeHistory(t.history, frameTime, old.history, oldTime),
    ...(t.lastError === undefined && old.lastError !== undefined ? { lastError: old.lastError } : {}),
  };
}

/** The new runtime's `frame` with `carried` added (counts, totals, history; uptime since the first Run). */
export function withCarried(frame: TelemetryFrame, carried: CarriedFigures): TelemetryFrame {
  const nodes: Record<string, NodeTelemetry> = {};
  for (const id in frame.nodes) {
    const t = frame.nodes[id] as NodeTelemetry;
    const old = carried.nodes[id];
    nodes[id] = old === undefined ? t : carriedNode(t, old, frame.time, carried.time);
  }
  const edges: Record<string, number> = {};
  for (const [key, count] of Object.entries(frame.edges)) edges[key] = count + (carried.edges[key] ?? 0);
  return {
    ...frame,
    uptimeMs: Math.max(frame.uptimeMs, carried.uptimeMs + frame.time - carried.time),
    nodes,
    edges,
    totals: {
      in: frame.totals.in + carried.totals.in,
      delivered: frame.totals.delivered + carried.totals.delivered,
      errors: frame.totals.errors + carried.totals.errors,
    },
  };
}

/**
 * The record trace shown on the canvas ("Trace" in the sample panel): the sampled record's trace (its hops as the
 * runtime recorded them, runtime/engine/trace.ts), what the canvas highlights for it (nodes, edges, ports, error
 * ports) and the rows of the hop list, in path order. Browser-safe; kept apart from the editor store so that showing
 * a trace never enters undo history.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { edgeKey, type SampleTrace, type TraceHopView } from '../../runtime/common/telemetry';

/** What the canvas highlights for a trace. */
export interface TraceHighlight {
  /** Nodes the record passed through. */
  nodes: ReadonlySet<string>;
  /** Edges it crossed, by edge key (`from:port->to:port`). */
  edges: ReadonlySet<string>;
  /** Per node: the output ports it left by (`error` included) and the input ports it arrived at. */
  ports: ReadonlyMap<string, { out: readonly string[]; in: readonly string[] }>;
  /** Nodes where it went to an `error` port. */
  errors: ReadonlySet<string>;
}

/** One row of the hop list: a hop, its depth in the path tree (fan-out branches indent) and its timing. */
export interface TraceRow {
  hop: TraceHopView;
  depth: number;
  /** From the first hop's start to this hop's start (ms). */
  offsetMs: number;
  /** Sinks: from this hop's start to the acknowledgement (ms); null when not acknowledged. */
  ackAfterMs: number | null;
}

const NO_HIGHLIGHT: TraceHighlight = { nodes: new Set(), edges: new Set(), ports: new Map(), errors: new Set() };

/** The highlight of `trace` (empty for null). */
export function traceHighlight(trace: SampleTrace | null): TraceHighlight {
  if (trace === null) return NO_HIGHLIGHT;
  const nodes = new Set<string>();
  const edges = new Set<string>();
  const errors = new Set<string>();
  const ports = new Map<string, { out: string[]; in: string[] }>();
  const portsOf = (id: string): { out: string[]; in: string[] } => {
    let p = ports.get(id);
    if (p === undefined) ports.set(id, (p = { out: [], in: [] }));
    return p;
  };
  for (const hop of trace.hops) {
    nodes.add(hop.nodeId);
    const own = portsOf(hop.nodeId);
    for (const port of hop.ports) if (!own.out.includes(port)) own.out.push(port);
    if (hop.ports.includes('error')) errors.add(hop.nodeId);
    if (hop.from !== null) {
      edges.add(edgeKey(hop.from.nodeId, hop.from.port, hop.nodeId, hop.from.toPort));
      if (!own.in.includes(hop.from.toPort)) own.in.push(hop.from.toPort);
    }
  }
  return { nodes, edges, ports, errors };
}

/** The hops of `trace` in path order: each hop followed by its children (depth-first, children by start time). */
export function traceRows(trace: SampleTrace): TraceRow[] {
  const bySpan = new Set(trace.hops.map((h) => h.spanId));
  const children = new Map<string | null, TraceHopView[]>();
  for (const hop of trace.hops) {
    const parent = hop.parentSpanId !== null && bySpan.has(hop.parentSpanId) ? hop.parentSpanId : null;
    children.set(parent, [...(children.get(parent) ?? []), hop]);
  }
  const start = Math.min(...trace.hops.map((h) => h.startMs));
  const rows: TraceRow[] = [];
  const visit = (parent: string | null, depth: number): void => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => a.startMs - b.startMs);
    for (const hop of list) {
      rows.push({ hop, depth, offsetMs: hop.startMs - start, ackAfterMs: hop.ackMs === null ? null : hop.ackMs - hop.startMs });
      visit(hop.spanId, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

/** The trace being shown and its highlight. */
export interface TraceState {
  trace: SampleTrace | null;
  highlight: TraceHighlight;
  /** Shows `trace` (the "Trace" action of a sampled record). */
  traceShown(trace: SampleTrace): void;
  /** Samples arrived: a newer view of the shown trace (more hops) replaces it. */
  samplesArrived(traces: readonly SampleTrace[]): void;
  traceClosed(): void;
}

/** The trace store of this window. */
export const traceStore: StoreApi<TraceState> = createStore<TraceState>()((set, get) => ({
  trace: null,
  highlight: NO_HIGHLIGHT,
  traceShown: (trace) => set({ trace, highlight: traceHighlight(trace) }),
  samplesArrived: (traces) => {
    const shown = get().trace;
    if (shown === null) return;
    const newer = traces.find((t) => t.traceId === shown.traceId && t.hops.length > shown.hops.length);
    if (newer !== undefined) set({ trace: { ...newer, spanId: shown.spanId }, highlight: traceHighlight(newer) });
  },
  traceClosed: () => set({ trace: null, highlight: NO_HIGHLIGHT }),
}));

/** Reads the trace store through a selector. */
export function useTrace<T>(selector: (state: TraceState) => T): T {
  return useStore(traceStore, selector);
}

/** How the canvas marks node `id` for the shown trace: '' (no trace shown), 'on', 'error' (left by `error`), 'off'. */
export function nodeTraceMark(state: TraceState, id: string): '' | 'on' | 'error' | 'off' {
  if (state.trace === null) return '';
  if (!state.highlight.nodes.has(id)) return 'off';
  return state.highlight.errors.has(id) ? 'error' : 'on';
}

/** The class names of node `id` for its {@link nodeTraceMark}. */
export function nodeTraceClass(mark: ReturnType<typeof nodeTraceMark>): string {
  return mark === '' ? '' : mark === 'off' ? ' trace-dim' : mark === 'error' ? ' traced traced-error' : ' traced';
}

/**
 * Record traces as data (Node-only, no engine imports): the trace a sampled record carries (`FlowRecord.trace`), its
 * hops, the W3C trace-context `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header:
 * `00-<trace id, 32 hex>-<parent span id, 16 hex>-<flags, 2 hex>`) and the view of a trace that samples carry to the
 * studio. The engine's recorder (runtime/engine/trace.ts) creates and updates hops.
 */
import type { SampleTrace, TraceHopView } from '../common/telemetry';

/** One record's trace, shared by every copy of the record on every branch (fan-out). */
export interface RecordTrace {
  /** W3C trace id: 32 lower-case hex digits (16 bytes), never all zeros. */
  readonly traceId: string;
  /** The span id of the upstream hop when the trace continues a `traceparent` header, else undefined. */
  readonly remoteParentSpanId: string | undefined;
  /** Every hop recorded so far, in the order they started. */
  readonly hops: TraceHop[];
}

/** What kind of node a hop is at. */
export type HopKind = 'source' | 'transform' | 'sink';

/** One node handling one traced record: a span of the trace. Mutable only by the recorder. */
export interface TraceHop {
  readonly trace: RecordTrace;
  /** W3C span id: 16 lower-case hex digits (8 bytes). */
  readonly spanId: string;
  /** The hop before this one (undefined for a source hop). */
  readonly parent: TraceHop | undefined;
  readonly nodeId: string;
  readonly kind: HopKind;
  /** The previous node's output port the record came by, and this node's input port (undefined for a source hop). */
  readonly fromPort: string | undefined;
  readonly toPort: string | undefined;
  /** When the node received the record (sources: delivered it), ms since the epoch with fractions. */
  readonly startMs: number;
  /** When the node was done with it (sinks: the write resolved), ms since the epoch; undefined while in the node. */
  endMs: number | undefined;
  /** Output ports the record left by, in order, each once. */
  readonly ports: string[];
  /** Sinks: when the target acknowledged the write; undefined when not (yet), rejected, or in preview. */
  ackMs: number | undefined;
  /** The failure that sent the record to an `error` port. */
  error: string | undefined;
}

/** A parsed `traceparent` header. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** The `sampled` flag (bit 0 of the flags): the upstream records this trace. */
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/**
 * Parses a `traceparent` header value (W3C trace-context level 1; a later version's extra fields are ignored, as the
 * spec asks). A header repeated (an array of values) or malformed, version `ff`, or all-zero ids give undefined.
 */
export function parseTraceparent(value: string | string[] | undefined): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags] = m as unknown as [string, string, string, string, string];
  if (version === 'ff' || (version === '00' && value.trim().length !== 55)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** The `traceparent` header value naming `hop` as the parent of what comes next (version 00, sampled). */
export function formatTraceparent(hop: TraceHop): string {
  return `00-${hop.trace.traceId}-${hop.spanId}-01`;
}

/** A hop as samples carry it (see {@link TraceHopView}). */
export function hopView(hop: TraceHop): TraceHopView {
  const view: TraceHopView = {
    spanId: hop.spanId,
    parentSpanId: hop.parent?.spanId ?? hop.trace.remoteParentSpanId ?? null,
    nodeId: hop.nodeId,
    kind: hop.kind,
    from:
      hop.parent === undefined || hop.fromPort === undefined
        ? null
        : { nodeId: hop.parent.nodeId, port: hop.fromPort, toPort: hop.toPort ?? 'in' },
    startMs: hop.startMs,
    durationMs: hop.endMs === undefined ? null : hop.endMs - hop.startMs,
    ports: [...hop.ports],
    ackMs: hop.ackMs ?? null,
  };
  if (hop.error !== undefined) view.error = hop.error;
  return view;
}

/** The trace of a record whose current hop is `hop`, as a sample carries it: every hop recorded so far. */
export function traceView(hop: TraceHop): SampleTrace {
  return { traceId: hop.trace.traceId, spanId: hop.spanId, hops: hop.trace.hops.map(hopView) };
}

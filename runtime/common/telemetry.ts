/**
 * Telemetry frames: what the runtime reports about a running flow, per node, edge, Kafka partition and sink. The
 * runtime sends them to the studio (over IPC, at most 10 per second) and serves them at `/samples/<node>`; the studio
 * keeps them in their own store keyed by node id. Browser-safe: types and pure helpers only.
 */

/** Latency quantiles in milliseconds over the last 10-20 s; `null` when nothing was measured yet. */
export interface LatencyQuantiles {
  p50: number | null;
  p99: number | null;
}

/** Live figures of one node. Counts are totals since the run started; rates are records/s. */
export interface NodeTelemetry {
  /** Records received on input ports (sources: records read). */
  in: number;
  /** Records emitted, by output port (including `error`). */
  out: Record<string, number>;
  /** Records that failed in this node (routed to `error`, dropped or stopping the run). */
  errors: number;
  /** Failed records dropped because `error` was not wired and `onError` is `drop`. */
  dropped: number;
  /** Input rate over the last 1 s and 10 s (records/s). */
  rateIn1s: number;
  rateIn10s: number;
  /** Output rate (all ports but `error`) over the last 1 s and 10 s (records/s). */
  rateOut1s: number;
  rateOut10s: number;
  /** Time to process one batch in this node (sinks: until acknowledged), ms. */
  batchLatency: LatencyQuantiles;
  /** Input records per second for each of the last 60 seconds, oldest first (for the sparkline). */
  history: number[];
  /** True while the node holds back its upstream: a sink retrying, or a source paused by backpressure. */
  backpressured: boolean;
  /** The last error message seen in this node, if any. */
  lastError?: string;
  /** The node's own counters by name (e.g. a window's `open`, `closed`), when it reports any. */
  counters?: Record<string, number>;
}

/** Telemetry of a node that has seen nothing yet: every count, rate and latency empty, no output port counted. */
export function emptyNodeTelemetry(): NodeTelemetry {
  return {
    in: 0,
    out: {},
    errors: 0,
    dropped: 0,
    rateIn1s: 0,
    rateIn10s: 0,
    rateOut1s: 0,
    rateOut10s: 0,
    batchLatency: { p50: null, p99: null },
    history: [],
    backpressured: false,
  };
}

/** Position and lag of one partition read by a Kafka source. */
export interface PartitionTelemetry {
  topic: string;
  partition: number;
  /** Next offset to commit (last acknowledged + 1), -1 when nothing was acknowledged yet. */
  committed: number;
  /** Broker high watermark as of the last fetch. */
  highWatermark: number;
  /** `highWatermark - committed` (records), 0 when nothing remains. */
  lag: number;
  paused: boolean;
  /** In frames combined across attached instances (studio Attach): the instance that owns the partition, `host:pid`. */
  owner?: string;
}

/** One telemetry frame. */
export interface TelemetryFrame {
  /** Wall-clock time of the frame (ms since the epoch). */
  time: number;
  /** Time since the run started (ms). */
  uptimeMs: number;
  /** Per node id. */
  nodes: Record<string, NodeTelemetry>;
  /** Records that crossed each edge, keyed `from:port->to:port`. */
  edges: Record<string, number>;
  /** Per Kafka source node id: its assigned partitions. */
  partitions: Record<string, PartitionTelemetry[]>;
  /** Per sink node id: write acknowledgement latency (ms). */
  sinkAck: Record<string, LatencyQuantiles>;
  /** From record timestamp to sink acknowledgement (ms), over every sink. */
  endToEnd: LatencyQuantiles;
  /** Records read by all sources and records acknowledged by all sinks. */
  totals: { in: number; delivered: number; errors: number };
  /** Records read but not yet acknowledged everywhere. */
  inFlight: number;
}

/** A sampled record, as shown in the studio's sample panel. Values longer than 4 KB are truncated and marked. */
export interface SampleRecord {
  key: string | null;
  value: unknown;
  headers: Record<string, string | string[]>;
  timestamp: number;
  meta: { source: string; topic?: string; partition?: number; offset?: string };
  error?: { nodeId: string; message: string; code: string };
  /** Set when `value` was longer than 4 KB as JSON: the value is then its first 4 KB as a string. */
  truncated?: boolean;
  /** Set on traced records (`settings.traceSampleRate`): the hops of the record's trace recorded so far. */
  trace?: SampleTrace;
}

/**
 * The trace of one sampled record (see docs/runtime.md, "Record traces"): W3C trace-context ids (trace id 32 hex
 * digits, span ids 16) and one hop per node the record (or a copy of it, on fan-out) passed through, in the order the
 * hops started. Times are ms since the epoch, with fractions.
 */
export interface SampleTrace {
  traceId: string;
  /** The span id of the hop the sample was taken at. */
  spanId: string;
  hops: TraceHopView[];
}

/** One hop of a {@link SampleTrace}: a node that handled the record, the edge it came by and the ports it left by. */
export interface TraceHopView {
  spanId: string;
  /** The previous hop's span id (or the upstream `traceparent`'s for a source continuing a trace); null for a root. */
  parentSpanId: string | null;
  nodeId: string;
  kind: 'source' | 'transform' | 'sink';
  /** The edge the record came by: the previous node, its output port and this node's input port; null for a source. */
  from: { nodeId: string; port: string; toPort: string } | null;
  /** When the node received the record (sources: when they delivered it). */
  startMs: number;
  /** Time spent in the node (sinks: until the write was acknowledged), ms; null while it is still there. */
  durationMs: number | null;
  /** Output ports the record left by (`error` included); empty when the node kept or dropped it (a filter). */
  ports: string[];
  /** Sinks: when the target acknowledged the write (ms since the epoch); null when not (yet) acknowledged. */
  ackMs: number | null;
  /** The failure that sent the record to an `error` port, if any. */
  error?: string;
}

/** The last records in and out of a node, newest last. */
export interface NodeSamples {
  nodeId: string;
  in: SampleRecord[];
  out: (SampleRecord & { port: string })[];
}

/** Key of an edge in {@link TelemetryFrame.edges}. */
export function edgeKey(from: string, fromPort: string, to: string, toPort: string): string {
  return `${from}:${fromPort}->${to}:${toPort}`;
}

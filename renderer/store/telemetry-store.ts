/**
 * Live telemetry, in its own store keyed by node id and edge key: never in React Flow node data, so a frame never
 * replaces the canvas' nodes or edges arrays. `frameReceived` keeps the previous object of every node, edge and
 * partition list whose figures did not change, so a selector on one node id (or a transient `subscribe` comparing
 * references) only fires for the nodes that changed. Edge rates are derived from count deltas between frames.
 * Vanilla (no React); unit tests drive it directly. What the canvas draws from these figures is in `live-display.ts`,
 * how it writes them into the DOM in `live-writer.ts`.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { carryFrom, withCarried, type CarriedFigures } from './apply-carry';
import type { LatencyQuantiles, NodeSamples, NodeTelemetry, PartitionTelemetry, TelemetryFrame } from '../../runtime/common/telemetry';

/** Figures of one node as the canvas shows them. */
export interface NodeLive {
  /** Records received (sources: read). */
  in: number;
  /** Records emitted on every port but `error`. */
  out: number;
  errors: number;
  dropped: number;
  /** records/s over the last second. */
  rateIn: number;
  rateOut: number;
  /** Batch latency (ms), null before the first measure. */
  p50: number | null;
  p99: number | null;
  /** Input records/s for each of the last 60 s, oldest first. */
  history: readonly number[];
  backpressured: boolean;
  lastError?: string;
}

/** Figures of one edge: records that crossed it and their rate (records/s, from count deltas). */
export interface EdgeLive {
  count: number;
  rate: number;
}

/** The whole run, for the status bar. */
export interface RunSummary {
  uptimeMs: number;
  in: number;
  delivered: number;
  errors: number;
  inFlight: number;
  endToEnd: LatencyQuantiles;
}

/** Telemetry state and its events. */
export interface TelemetryState {
  nodes: Record<string, NodeLive>;
  edges: Record<string, EdgeLive>;
  /** Per Kafka source node id. */
  partitions: Record<string, readonly PartitionTelemetry[]>;
  /** Per sink node id: acknowledgement latency (ms). */
  sinkAck: Record<string, LatencyQuantiles>;
  summary: RunSummary | null;
  /** Frames received since the run started. */
  frames: number;
  /** Last samples per node id (live runs). */
  samples: Record<string, NodeSamples>;
  /** While true, new samples are ignored (the sample panel's Pause). */
  samplesPaused: boolean;
  /** A run is starting: forget the last run's figures and samples. */
  runStarted(): void;
  /**
   * A new version of the flow replaced the running one (Apply): the figures of the nodes not in `changedNodes` (and
   * their history) carry on, added to the new runtime's; the changed ones restart from 0.
   */
  runApplied(changedNodes: readonly string[]): void;
  frameReceived(frame: TelemetryFrame): void;
  samplesReceived(samples: NodeSamples): void;
  samplesPausedChanged(paused: boolean): void;
}

/** Edge rates are measured over about this window (ms). */
export const RATE_WINDOW_MS = 1000;

/** Edge counts at one instant. */
export interface CountSnapshot {
  time: number;
  counts: Readonly<Record<string, number>>;
}

/**
 * Rate of every edge of `now` (records/s) from the count delta since `before`; an edge missing from `before` counted 0
 * then. No `before`, or an earlier or same-time one, gives 0; a count that went down (a new run) gives 0.
 */
export function ratesFromDeltas(before: CountSnapshot | undefined, now: CountSnapshot): Record<string, number> {
  const rates: Record<string, number> = {};
  const seconds = before === undefined ? 0 : (now.time - before.time) / 1000;
  for (const [key, count] of Object.entries(now.counts)) {
    const previous = before?.counts[key] ?? 0;
    rates[key] = seconds <= 0 || count < previous ? 0 : (count - previous) / seconds;
  }
  return rates;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The canvas figures of a frame's node; `previous` is returned unchanged when nothing differs (compared field by field
 * before anything is allocated: with hundreds of nodes at 10 Hz, most frames leave many nodes as they were).
 */
export function toNodeLive(t: NodeTelemetry, previous: NodeLive | undefined): NodeLive {
  let out = 0;
  for (const port in t.out) if (port !== 'error') out += t.out[port] as number;
  const sameHistory = previous !== undefined && sameNumbers(previous.history, t.history);
  if (
    previous !== undefined &&
    sameHistory &&
    previous.in === t.in &&
    previous.out === out &&
    previous.errors === t.errors &&
    previous.dropped === t.dropped &&
    previous.rateIn === t.rateIn1s &&
    previous.rateOut === t.rateOut1s &&
    previous.p50 === t.batchLatency.p50 &&
    previous.p99 === t.batchLatency.p99 &&
    previous.backpressured === t.backpressured &&
    previous.lastError === t.lastError
  ) {
    return previous;
  }
  const next: NodeLive = {
    in: t.in,
    out,
    errors: t.errors,
    dropped: t.dropped,
    rateIn: t.rateIn1s,
    rateOut: t.rateOut1s,
    p50: t.batchLatency.p50,
    p99: t.batchLatency.p99,
    history: sameHistory ? previous.history : t.history,
    backpressured: t.backpressured,
  };
  if (t.lastError !== undefined) next.lastError = t.lastError;
  return next;
}

function samePartitions(a: readonly PartitionTelemetry[], b: readonly PartitionTelemetry[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i] as PartitionTelemetry;
    return p.topic === q.topic && p.partition === q.partition && p.committed === q.committed && p.highWatermark === q.highWatermark && p.lag === q.lag && p.paused === q.paused;
  });
}

/** Creates a telemetry store (empty). */
export function createTelemetryStore(): StoreApi<TelemetryState> {
  /** Edge counts of the recent frames, oldest first, for rates over {@link RATE_WINDOW_MS}. */
  let window: CountSnapshot[] = [];
  /** The last frame received (carried figures included), and what the last Apply carries over. */
  let last: TelemetryFrame | undefined;
  let carried: CarriedFigures | undefined;
  return createStore<TelemetryState>()((set, get) => ({
    nodes: {},
    edges: {},
    partitions: {},
    sinkAck: {},
    summary: null,
    frames: 0,
    samples: {},
    samplesPaused: false,
    runStarted() {
      window = [];
      last = undefined;
      carried = undefined;
      set({ nodes: {}, edges: {}, partitions: {}, sinkAck: {}, summary: null, frames: 0, samples: {}, samplesPaused: false });
    },
    runApplied(changedNodes) {
      carried = last === undefined ? undefined : carryFrom(last, new Set(changedNodes));
      if (changedNodes.length === 0) return;
      const changed = new Set(changedNodes);
      set((s) => ({ nodes: Object.fromEntries(Object.entries(s.nodes).filter(([id]) => !changed.has(id))) }));
    },
    frameReceived(received) {
      const frame = carried === undefined ? received : withCarried(received, carried);
      last = frame;
      const state = get();
      const nodes: Record<string, NodeLive> = {};
      for (const id in frame.nodes) nodes[id] = toNodeLive(frame.nodes[id] as NodeTelemetry, state.nodes[id]);

      const now: CountSnapshot = { time: frame.time, counts: frame.edges };
      if (window.length > 0 && (window[window.length - 1] as CountSnapshot).time > frame.time) window = [];
      // Before the first frame, at the start of the run, every edge had carried 0 records.
      if (window.length === 0) window.push({ time: frame.time - frame.uptimeMs, counts: {} });
      // The oldest snapshot at most RATE_WINDOW_MS old (or the newest older one, when frames are sparse).
      while (window.length > 1 && frame.time - (window[1] as CountSnapshot).time >= RATE_WINDOW_MS) window.shift();
      const rates = ratesFromDeltas(window[0], now);
      window.push(now);
      const edges: Record<string, EdgeLive> = {};
      for (const [key, count] of Object.entries(frame.edges)) {
        const previous = state.edges[key];
        const rate = Math.round((rates[key] ?? 0) * 10) / 10;
        edges[key] = previous !== undefined && previous.count === count && previous.rate === rate ? previous : { count, rate };
      }

      const partitions: Record<string, readonly PartitionTelemetry[]> = {};
      for (const [id, list] of Object.entries(frame.partitions)) {
        const previous = state.partitions[id];
        partitions[id] = previous !== undefined && samePartitions(previous, list) ? previous : list;
      }
      const sinkAck: Record<string, LatencyQuantiles> = {};
      for (const [id, q] of Object.entries(frame.sinkAck)) {
        const previous = state.sinkAck[id];
        sinkAck[id] = previous !== undefined && previous.p50 === q.p50 && previous.p99 === q.p99 ? previous : q;
      }
      set({
        nodes,
        edges,
        partitions,
        sinkAck,
        frames: state.frames + 1,
        summary: { uptimeMs: frame.uptimeMs, ...frame.totals, inFlight: frame.inFlight, endToEnd: frame.endToEnd },
      });
    },
    samplesReceived(samples) {
      if (get().samplesPaused) return;
      set((s) => ({ samples: { ...s.samples, [samples.nodeId]: samples } }));
    },
    samplesPausedChanged(samplesPaused) {
      set({ samplesPaused });
    },
  }));
}

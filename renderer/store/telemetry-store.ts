/**
 * Live telemetry, in its own store keyed by node id and edge key: never in React Flow node data, so a frame never
 * replaces the canvas' nodes or edges arrays. `frameReceived` keeps the previous object of every node, edge and
 * partition list whose figures did not change, so a selector on one node id (or a transient `subscribe` comparing
 * references) only fires for the nodes that changed. Edge rates are derived from count deltas between frames.
 * Vanilla (no React); unit tests drive it directly.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
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

/** Stroke of an edge carrying `rate` records/s: width grows with log10 of the rate; idle edges are thin and dashed. */
export function edgeStroke(rate: number): { width: number; active: boolean } {
  if (!(rate > 0)) return { width: 1.5, active: false };
  return { width: Math.min(8, Math.round((2 + 1.2 * Math.log10(1 + rate)) * 10) / 10), active: true };
}

/** Why a node is highlighted: failed records, or holding back its upstream (sink retrying, paused partitions). */
export function nodeAlert(live: NodeLive | undefined, partitions?: readonly PartitionTelemetry[]): 'error' | 'backpressure' | undefined {
  if (live === undefined) return undefined;
  if (live.errors > 0) return 'error';
  if (live.backpressured || partitions?.some((p) => p.paused) === true) return 'backpressure';
  return undefined;
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
      set({ nodes: {}, edges: {}, partitions: {}, sinkAck: {}, summary: null, frames: 0, samples: {}, samplesPaused: false });
    },
    frameReceived(frame) {
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

/**
 * The shape of a source's partition list as one string (topic, partition and paused flag of each): the canvas'
 * partition rows re-render only when it changes, never for new offsets or lag.
 */
export function partitionLayout(partitions: readonly PartitionTelemetry[] | undefined): string {
  if (partitions === undefined) return '';
  let key = '';
  for (const p of partitions) key += `${p.topic}\u0000${p.partition}\u0000${p.paused ? 1 : 0}\u0001`;
  return key;
}

// ---- Writing live figures into the canvas DOM ----

/** A rectangle in flow coordinates (px at zoom 1). */
export interface FlowRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where the canvas looks and where its nodes are, both in flow coordinates. */
export interface ViewportSource {
  /** The visible area (plus any margin), or undefined when unknown: everything then counts as visible. */
  visibleRect(): FlowRect | undefined;
  /** A node's bounds, or undefined when unknown (not measured yet): it then counts as visible. */
  nodeRect(id: string): FlowRect | undefined;
}

/** One registered writer: the telemetry entries an element shows, and how to write them. */
export interface LiveWriter {
  /**
   * Node ids the element belongs to (a node: its id; an edge: its source and target). It is visible when the box
   * spanning these nodes intersects the visible area.
   */
  readonly nodes: readonly string[];
  /** Whether `state` differs from `previous` for this writer (compare its own entries by reference). */
  changed(state: TelemetryState, previous: TelemetryState): boolean;
  /** Writes `state` to the DOM. Must not read layout (offsetWidth, getBoundingClientRect, ...). */
  write(state: TelemetryState): void;
}

/** A registered writer's handle. */
export interface LiveWriterHandle {
  /** Writes this writer again at the next flush (when visible), e.g. after React re-rendered its elements. */
  invalidate(): void;
  /** Unregisters the writer. */
  remove(): void;
}

/** The batching writer of one telemetry store. */
export interface LiveWriterHub {
  /** Registers a writer; it is written at the next flush (when visible). */
  register(writer: LiveWriter): LiveWriterHandle;
  /** Sets (or clears) where the canvas looks; then writes what came into view. */
  setViewportSource(source: ViewportSource | undefined): void;
  /** The viewport moved: writers that came into view and are dirty are written at the next flush. */
  viewportChanged(): void;
  /**
   * Writes the dirty visible writers now, within the frame budget (normally called by the scheduled animation frame);
   * what is left over is scheduled for the next frame.
   */
  flush(): void;
  /** Writers waiting to be written (changed while off screen, or not flushed yet). */
  readonly pending: number;
  /** Writes done by all flushes so far (for tests and measurements). */
  readonly writes: number;
}

/** Runs a callback before the next paint. */
export type FrameScheduler = (callback: () => void) => void;

function defaultScheduler(): FrameScheduler {
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => number }).requestAnimationFrame;
  return raf === undefined ? (cb) => void setTimeout(cb, 16) : (cb) => void raf(cb);
}

/** Whether the box spanning `ids`' nodes intersects `view` (unknown nodes count as visible). */
export function nodesVisible(ids: readonly string[], view: FlowRect, source: ViewportSource): boolean {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const id of ids) {
    const r = source.nodeRect(id);
    if (r === undefined) return true;
    if (r.x < x0) x0 = r.x;
    if (r.y < y0) y0 = r.y;
    if (r.x + r.width > x1) x1 = r.x + r.width;
    if (r.y + r.height > y1) y1 = r.y + r.height;
  }
  if (x0 === Number.POSITIVE_INFINITY) return true;
  return x1 >= view.x && x0 <= view.x + view.width && y1 >= view.y && y0 <= view.y + view.height;
}

/** Time the batching writer spends writing in one animation frame by default (ms): see {@link LiveWriterHubOptions}. */
export const LIVE_WRITE_BUDGET_MS = 2;

/** Options of {@link createLiveWriterHub}. */
export interface LiveWriterHubOptions {
  /**
   * Writing time per animation frame (ms, default {@link LIVE_WRITE_BUDGET_MS}): once a flush has spent this long,
   * the remaining dirty writers are written in the next frame(s). The style, layout and paint that the writes cause
   * grow with them, so one telemetry frame's writes (all figures in view) are spread over a few animation frames
   * instead of making one frame miss its vsync. At least one writer is written per flush.
   */
  frameBudgetMs?: number;
  /** The clock (ms; default `performance.now`). */
  now?: () => number;
}

/**
 * Creates the batching writer of `store`. It subscribes to the store while at least one writer is registered.
 * @param schedule runs the flush before the next paint (default `requestAnimationFrame`)
 */
export function createLiveWriterHub(
  store: StoreApi<TelemetryState>,
  schedule: FrameScheduler = defaultScheduler(),
  options: LiveWriterHubOptions = {},
): LiveWriterHub {
  const budgetMs = options.frameBudgetMs ?? LIVE_WRITE_BUDGET_MS;
  const now = options.now ?? (() => performance.now());
  const writers = new Set<LiveWriter>();
  const dirty = new Set<LiveWriter>();
  let source: ViewportSource | undefined;
  let scheduled = false;
  let unsubscribe: (() => void) | undefined;
  let writes = 0;

  const flush = (): void => {
    scheduled = false;
    if (dirty.size === 0) return;
    const state = store.getState();
    const view = source?.visibleRect();
    const deadline = now() + budgetMs;
    let written = 0;
    for (const writer of dirty) {
      if (view !== undefined && source !== undefined && !nodesVisible(writer.nodes, view, source)) continue;
      // Over budget: the rest (still dirty, in the order they changed) in the next frame.
      if (written > 0 && now() >= deadline) {
        request();
        return;
      }
      dirty.delete(writer);
      writes++;
      written++;
      writer.write(state);
    }
  };
  const request = (): void => {
    if (scheduled || dirty.size === 0) return;
    scheduled = true;
    schedule(flush);
  };
  const onState = (state: TelemetryState, previous: TelemetryState): void => {
    for (const writer of writers) if (!dirty.has(writer) && writer.changed(state, previous)) dirty.add(writer);
    request();
  };

  return {
    register(writer) {
      writers.add(writer);
      unsubscribe ??= store.subscribe(onState);
      dirty.add(writer);
      request();
      return {
        invalidate() {
          if (!writers.has(writer)) return;
          dirty.add(writer);
          request();
        },
        remove() {
          writers.delete(writer);
          dirty.delete(writer);
          if (writers.size === 0 && unsubscribe !== undefined) {
            unsubscribe();
            unsubscribe = undefined;
          }
        },
      };
    },
    setViewportSource(next) {
      source = next;
      request();
    },
    viewportChanged: request,
    flush,
    get pending() {
      return dirty.size;
    },
    get writes() {
      return writes;
    },
  };
}

/** Edge stroke changes smaller than this (px) are not written (see {@link strokeWidthToWrite}). */
export const STROKE_HYSTERESIS_PX = 0.4;

/**
 * The stroke width (px) to write for an edge showing `shown` (NaN: nothing written yet) whose rate now maps to
 * `target`, or undefined to leave it: rate noise of a few percent moves the log-scaled width by ~0.1 px, and writing
 * that would repaint every visible edge on every telemetry frame. A change to or from the idle width always shows.
 */
export function strokeWidthToWrite(shown: number, target: number, idleWidth: number): number | undefined {
  if (shown === target) return undefined;
  if (Number.isNaN(shown) || shown === idleWidth || target === idleWidth) return target;
  return Math.abs(target - shown) >= STROKE_HYSTERESIS_PX ? target : undefined;
}

// Canvas geometry of the background grid and the minimap (CanvasBackground.tsx, CanvasMiniMap.tsx): what a pan or zoom
// changes, computed without the DOM, so that a pan only moves composited layers (a transform) and repaints nothing.

/** The background dot grid for one viewport: cell size and the layer's translation (screen px). */
export interface GridView {
  /** Distance between dots on screen (px): the grid gap times the zoom, doubled until it is at least `minCell`. */
  cell: number;
  /** Dot radius on screen (px). */
  radius: number;
  /** Translation of the grid layer (px, each in `[-cell, 0)`): moves the dots with the flow. */
  offsetX: number;
  offsetY: number;
}

/** Smallest distance between background dots on screen (px): closer dots are an unreadable haze. */
export const GRID_MIN_CELL_PX = 10;

/**
 * The dot grid for a React Flow transform `[x, y, zoom]`: dots sit at flow coordinates that are multiples of `gap` (flow
 * px); below `minCell` screen px apart every other dot is dropped (like a map's grid), so zoomed out the grid stays a
 * grid instead of 100,000 sub-pixel dots. The grid layer is one cell larger than the pane on each side and is
 * translated by `offset`, so a pan changes only its transform.
 */
export function gridView(transform: readonly [number, number, number], gap: number, minCell = GRID_MIN_CELL_PX): GridView {
  const [x, y, zoom] = transform;
  let cell = gap * zoom;
  if (!(cell > 0)) cell = gap;
  while (cell < minCell) cell *= 2;
  const offset = (v: number): number => {
    const m = ((v % cell) + cell) % cell;
    return m - cell;
  };
  return { cell, radius: Math.max(0.6, 0.5 * zoom), offsetX: offset(x), offsetY: offset(y) };
}

/**
 * Bounds of node rectangles with `padding` (a fraction of the larger side) around them; a 1×1 rectangle at the origin
 * when there are none.
 */
export function boundsOf(rects: readonly FlowRect[], padding = 0.05): FlowRect {
  if (rects.length === 0) return { x: 0, y: 0, width: 1, height: 1 };
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const r of rects) {
    minX = Math.min(minX, r.x);
    minY = Math.min(minY, r.y);
    maxX = Math.max(maxX, r.x + r.width);
    maxY = Math.max(maxY, r.y + r.height);
  }
  const pad = Math.max(maxX - minX, maxY - minY, 1) * padding;
  return { x: minX - pad, y: minY - pad, width: maxX - minX + 2 * pad, height: maxY - minY + 2 * pad };
}

/** How flow coordinates map onto a minimap of a given size: `map = (flow - origin) * scale + inset`. */
export interface MinimapFit {
  /** Minimap px per flow px. */
  scale: number;
  /** Flow coordinates shown at the minimap's `inset`. */
  originX: number;
  originY: number;
  /** Where `origin` lands in the minimap (px): centres the bounds on the shorter axis. */
  insetX: number;
  insetY: number;
}

/** Fits `bounds` (flow px) into a `width` × `height` minimap (px), centred, aspect ratio kept. */
export function fitMinimap(bounds: FlowRect, width: number, height: number): MinimapFit {
  const scale = Math.min(width / Math.max(bounds.width, 1), height / Math.max(bounds.height, 1));
  return {
    scale,
    originX: bounds.x,
    originY: bounds.y,
    insetX: (width - bounds.width * scale) / 2,
    insetY: (height - bounds.height * scale) / 2,
  };
}

/**
 * The visible part of the flow for a React Flow transform and pane size (screen px), as a rectangle in minimap px.
 */
export function viewportOnMinimap(transform: readonly [number, number, number], paneWidth: number, paneHeight: number, fit: MinimapFit): FlowRect {
  const [x, y, zoom] = transform;
  const z = zoom > 0 ? zoom : 1;
  return {
    x: (-x / z - fit.originX) * fit.scale + fit.insetX,
    y: (-y / z - fit.originY) * fit.scale + fit.insetY,
    width: (paneWidth / z) * fit.scale,
    height: (paneHeight / z) * fit.scale,
  };
}

/** One SVG path (`d`) drawing all `rects` (minimap px, rounded to 0.1 px): one element per colour instead of per node. */
export function rectsPath(rects: readonly FlowRect[]): string {
  const r = (v: number): number => Math.round(v * 10) / 10;
  return rects.map((rect) => `M${r(rect.x)} ${r(rect.y)}h${r(rect.width)}v${r(rect.height)}h${r(-rect.width)}z`).join('');
}

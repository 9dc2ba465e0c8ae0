/**
 * The canvas' batching live writer: writes live figures into the canvas DOM in scheduled animation frames, only for
 * writers whose telemetry entries changed, only for what is in view (from the viewport and node bounds, never the DOM),
 * within a time budget per frame.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { FlowRect } from './canvas-geometry';
import type { TelemetryState } from './telemetry-store';

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

/**
 * Runtime of `transform.window` (Node-only): keyed aggregates over tumbling or hopping windows.
 *
 * **State** is kept per source partition (`meta.source` + `meta.topic` + `meta.partition`; sources without partitions
 * have one state per source node): its open windows (one per key and window start, at most `maxKeys`), its newest event
 * time and its watermark (`newest event time - allowedLatenessMs`). Windows are `[start, start + sizeMs)` with `start`
 * a multiple of `advanceMs` (`sizeMs` for tumbling windows).
 *
 * **Closing.** Event time: after each batch, every window of a touched partition whose end is at or below the
 * partition's watermark closes. A partition that receives nothing never moves its watermark, so its windows stay open
 * until records arrive, unless `idleTimeoutMs` is set: then a timer closes every window of a partition idle for that
 * long (processing time) and raises its watermark to the end of those windows (records for them are late afterwards).
 * Processing time: windows follow `Date.now()` at `process()`; a timer closes each window {@link PROCESSING_GRACE_MS}
 * after its end (and `process()` closes any window already over before assigning new records). Beyond `maxKeys` open
 * windows in a partition, the oldest (lowest start, then first opened) closes early with a partial result.
 *
 * **At-least-once (holds).** Each `process()` call has one hold token: the first time a record of the batch enters a
 * window, the token takes `scope.hold()`; the token counts the windows that contain records of its batch and releases
 * the hold when that count drops to zero. Closed windows (by the watermark inside `process()`, by a timer, or early
 * by `maxKeys`) are always emitted with `await ctx.emit('out', ...)`, never returned on `out`, so their results are
 * counted as acknowledged only once every sink acknowledged them. A window's count is then dropped:
 * - processing time: as soon as its result was acknowledged;
 * - event time: once its result was acknowledged **and** the partition's acknowledged watermark (every window ending at
 *   or below it was closed and acknowledged) has reached its end, so batches are released in window-end order.
 * A source never commits an offset whose record sits in an open window. If an emit fails (the run is failing) nothing
 * is released.
 *
 * **Restart.** `close()` clears the timer and releases nothing: the engine abandons the batches still held, their
 * offsets stay uncommitted, and after a restart the source replays them, which rebuilds the open windows. Nothing is
 * lost; results emitted but not yet acknowledged at a crash may be emitted again (at-least-once). Event time, Kafka
 * sources: every offset commit stores {@link WindowCheckpoint} `{ w, a }` per partition (the watermark at the committed
 * offset, and the acknowledged watermark); after a restart or a rebalance, `restore()` gets it back, the replay starts
 * from watermark `w` (late records are late again) and a rebuilt window ending at or below `a` is not emitted again
 * (its complete result was acknowledged before; counted in {@link WindowStats.suppressed}). Since windows release
 * their batches in window-end order, every window with records below the committed offset ends at or below `a`.
 *
 * **Rebalance.** A transform is not told about partition revocations. When a partition is revoked and later assigned
 * back to this process, the source replays from the committed offset, into a state that still holds those records.
 * A record whose offset is at or below the highest offset seen for its partition and inside the offset range of a batch
 * whose records still sit in open windows (so not merely a batch that overtook another one in the graph) is therefore
 * taken as a replay: the partition's state is dropped (counted in {@link WindowStats.replays} and `droppedWindows`) and rebuilt from
 * the replay. The batches that held the dropped windows are not released at once (their offsets would be committed
 * while the replayed copies of their records sit in new windows): they stay held by every window of the partition that
 * opens or grows until the replay passes the last offset seen before it, and are released when those windows close.
 * State of a partition revoked for good lingers (bounded by `maxKeys`) until `idleTimeoutMs` closes it, which emits a
 * result the new owner emits too.
 */
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression, type ExpressionRecord } from '../../runtime/common/expression';
import {
  defineTransform,
  failRecord,
  type BatchScope,
  type FlowRecord,
  type NodeContext,
  type PartitionRef,
  type PortBatches,
  type Release,
  type TransformRuntime,
} from '../../runtime/engine/types';
import { windowTransformSpec, type WindowConfig } from './window.spec';

/**
 * Batches per partition whose watermark is remembered for {@link WindowTransformRuntime.checkpoint} between two
 * commits (a Kafka source commits every second, so a few hundred at most in practice).
 */
export const MAX_PROGRESS_ENTRIES = 10_000;

/** Processing time: how long after its end a window's timer fires (ms), so the timer never fires early. */
export const PROCESSING_GRACE_MS = 5;

/**
 * Counters of one window node, since it was created. They are the node's `ctx.counters` (reported by the engine with
 * its telemetry, under these names); {@link WindowTransformRuntime.stats} reads them back.
 */
export interface WindowStats {
  /** Windows closed and handed on (records on `out`), early-closed ones included. */
  closed: number;
  /** Windows closed early because their partition reached `maxKeys` (their results are partial). */
  evicted: number;
  /** Records sent to `late`. */
  late: number;
  /** Replays detected (a record whose offset is already in an open window of its partition); each dropped that partition's state. */
  replays: number;
  /** Open windows thrown away by replays (rebuilt from the replayed records). */
  droppedWindows: number;
  /** Windows open now, all partitions together. */
  open: number;
  /** Source batches held now (their acknowledgement waits for open windows). */
  heldBatches: number;
  /**
   * Windows rebuilt from a replay after a restart or a rebalance and not emitted again, because the restored checkpoint
   * says their result was emitted and acknowledged before (their end is at or below its acknowledged watermark).
   */
  suppressed: number;
  /** Checkpoints restored from the source's committed offsets (one per partition and assignment). */
  restored: number;
}

/**
 * What `transform.window` stores with a source's offset commit for one partition (event time only); `null` stands for
 * "no watermark yet" (-Infinity).
 */
export interface WindowCheckpoint {
  /** The partition's watermark after every record before the committed offset (ms since the epoch). */
  w: number | null;
  /**
   * The acknowledged watermark at the commit (ms since the epoch): every window of the partition ending at or below it
   * was emitted and its result acknowledged by every sink.
   */
  a: number | null;
}

/** The `transform.window` runtime: a transform plus a typed view of its counters. */
export interface WindowTransformRuntime extends TransformRuntime {
  /** A snapshot of the counters (from `ctx.counters`). */
  stats(): WindowStats;
  /** Event time: the partition's {@link WindowCheckpoint} for a commit at `offset`; undefined for processing time. */
  checkpoint(partition: PartitionRef, offset: string): WindowCheckpoint | undefined;
  /** Event time: takes a checkpoint the source resumes `partition` from at `offset` (malformed values are ignored). */
  restore(partition: PartitionRef, offset: string, value: unknown): void;
  /** Clears the timer; releases no hold (open windows are replayed after a restart). */
  close(): Promise<void>;
}

/** The hold of one processed batch, counting the open windows (and replay carries) that contain its records. */
interface Token {
  remaining: number;
  scope: BatchScope;
  release: Release | undefined;
  /** Per partition: the lowest and highest offsets of the batch's records that entered windows. */
  ranges: Map<PartitionState, { lo: string; hi: string }>;
}

/** Running state of one aggregate. */
type AggState =
  | { op: 'count'; n: number }
  | { op: 'sum' | 'avg'; sum: number; n: number }
  | { op: 'min' | 'max'; v: number | null }
  | { op: 'distinctCount'; seen: Set<string> };

interface OpenWindow {
  /** The partition whose state holds it. */
  partition: PartitionState;
  key: string | null;
  start: number;
  end: number;
  aggs: AggState[];
  tokens: Set<Token>;
  /** The last record that entered the window (its meta goes on the result). */
  last: FlowRecord;
}

interface PartitionState {
  /** Key in the node's partition map (source, topic, partition). */
  id: string;
  /** Open windows by start, then by encoded key, in opening order. */
  buckets: Map<number, Map<string, OpenWindow>>;
  /** Starts of {@link buckets}, ascending. */
  starts: number[];
  open: number;
  maxEventTime: number;
  watermark: number;
  /** Highest offset seen. */
  lastOffset: string | undefined;
  /** Tokens that put records into windows of this partition (some may be released already). */
  live: Set<Token>;
  /** Processing time of the last record (ms). */
  lastActivity: number;
  /** Tokens of windows dropped by a replay, held until the replay passes `until`. */
  carry: { tokens: Set<Token>; until: string } | undefined;
  /** Bumped by every replay: acknowledgements of results emitted before it no longer move this state. */
  generation: number;
  /** Event time: the watermark every window ending at or below was closed at (the last {@link closeUpTo} limit). */
  closedWatermark: number;
  /** Emitted groups of windows whose results are not acknowledged yet, with the lowest window end of each. */
  pending: Set<{ minEnd: number }>;
  /**
   * Event time: windows whose result was acknowledged, keeping their batches held until the acknowledged watermark
   * reaches their end (so the batches are released in window-end order; see the module doc).
   */
  waiting: OpenWindow[];
  /** Restored: windows ending at or below it were emitted and acknowledged before the restart, and are not emitted again. */
  suppressUpTo: number;
  /** Per processed batch: its highest offset and the watermark after it, for {@link WindowTransformRuntime.checkpoint}. */
  progress: { hi: string; watermark: number }[];
  /** Restored: the watermark before the first replayed offset. */
  baseWatermark: number;
}

/**
 * Compares two source offsets: Kafka offsets (decimal strings) numerically, Redis stream ids (`ms-seq`) part by part.
 * @returns negative, zero or positive, or undefined when the offsets are not comparable
 */
export function compareOffsets(a: string, b: string): number | undefined {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const ma = /^(\d+)-(\d+)$/.exec(a);
  const mb = /^(\d+)-(\d+)$/.exec(b);
  if (ma === null || mb === null) return undefined;
  const ms = BigInt(ma[1]!) - BigInt(mb[1]!);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(ma[2]!) - BigInt(mb[2]!);
  return seq < 0n ? -1 : seq > 0n ? 1 : 0;
}

/** A short description of a value's type for messages. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A watermark for a checkpoint: null for -Infinity (JSON has no infinities). */
function finite(ms: number): number | null {
  return Number.isFinite(ms) ? ms : null;
}

/** Reads a {@link WindowCheckpoint}; undefined when `value` is not one. */
function parseCheckpoint(value: unknown): { w: number; a: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { w, a } = value as Record<string, unknown>;
  const ms = (v: unknown): number | undefined => (v === null ? -Infinity : typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const wm = ms(w);
  const am = ms(a);
  return wm === undefined || am === undefined ? undefined : { w: wm, a: am };
}

/** A record that cannot be windowed; goes to `error` with code `E_EXPRESSION_RUNTIME`. */
class RecordFailure extends Error {}

/** Sentinel for an aggregate value to skip (null/undefined). */
const SKIP = Symbol('skip');

/**
 * Creates the `transform.window` runtime for one node (see the module doc for closing, holds, restart and rebalance).
 * `process(batch, scope)` emits the windows the batch closes (`ctx.emit('out', ...)`, awaited) and returns
 * `{ out: [], late, error }`: `late` late records (event time), `error` records whose keyBy/timestamp/aggregate
 * expression threw or gave an unusable value (`E_EXPRESSION_RUNTIME`).
 * @throws TributaryError `E_EXPRESSION` for a malformed expression, `E_CONFIG` for an impossible window shape
 */
export function createWindowTransform(config: WindowConfig, ctx: NodeContext): WindowTransformRuntime {
  const { nodeId, logger } = ctx;
  const compile = (field: string, source: string): ((r: ExpressionRecord) => unknown) => {
    try {
      return compileRecordExpression(source);
    } catch (error) {
      throw new TributaryError('E_EXPRESSION', `${field}: ${describeError(error)}`, { nodeId, cause: error });
    }
  };
  const size = config.sizeMs;
  const advance = config.type === 'hopping' ? config.advanceMs : size;
  if (advance === undefined || advance < 1 || advance > size) {
    throw new TributaryError('E_CONFIG', 'advanceMs: hopping windows need 1 <= advanceMs < sizeMs', { nodeId });
  }
  const eventTime = config.time === 'event';
  const keyOf = compile('keyBy', config.keyBy);
  const timeOf = config.timestampExpression === undefined ? undefined : compile('timestampExpression', config.timestampExpression);
  const aggregates = config.aggregates.map((a, i) => ({
    name: a.name,
    op: a.op,
    valueOf: a.expression === undefined ? undefined : compile(`aggregates[${i}].expression`, a.expression),
  }));
  const idleMs = eventTime ? config.idleTimeoutMs : undefined;

  const partitions = new Map<string, PartitionState>();
  const { counters } = ctx;
  /** Restored checkpoints by partition id, applied when the partition's state is created or its replay starts. */
  const restored = new Map<string, { offset: string; w: number; a: number }>();
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let closed = false;

  // ---------------------------------------------------------------- tokens

  const attach = (window: OpenWindow, token: Token): void => {
    if (window.tokens.has(token)) return;
    window.tokens.add(token);
    if (token.remaining++ === 0 && token.release === undefined) {
      token.release = token.scope.hold();
      counters.add('heldBatches', 1);
    }
  };
  const unref = (token: Token): void => {
    if (--token.remaining > 0 || token.release === undefined) return;
    const release = token.release;
    token.release = undefined;
    counters.add('heldBatches', -1);
    release();
  };
  /** The window's result was acknowledged (or is covered by the current pass): its batches need it no more. */
  const detach = (window: OpenWindow): void => {
    const tokens = [...window.tokens];
    window.tokens.clear();
    for (const token of tokens) unref(token);
  };

  // ---------------------------------------------------------------- state

  const idOf = (ref: PartitionRef): string => `${ref.source}\u0000${ref.topic ?? ''}\u0000${ref.partition ?? ''}`;

  /** Starts `p` over from a restored checkpoint: the watermark at the replay's first offset, and what was acknowledged. */
  const applyRestored = (p: PartitionState): void => {
    const r = restored.get(p.id);
    if (r === undefined) return;
    restored.delete(p.id);
    p.watermark = r.w;
    p.maxEventTime = r.w + config.allowedLatenessMs;
    p.closedWatermark = r.w;
    p.baseWatermark = r.w;
    p.suppressUpTo = r.a;
    counters.add('restored', 1);
  };

  const partitionOf = (record: FlowRecord): PartitionState => {
    const id = idOf(record.meta);
    let p = partitions.get(id);
    if (p === undefined) {
      p = {
        id,
        buckets: new Map(),
        starts: [],
        open: 0,
        maxEventTime: -Infinity,
        watermark: -Infinity,
        lastOffset: undefined,
        live: new Set(),
        lastActivity: Date.now(),
        carry: undefined,
        generation: 0,
        closedWatermark: -Infinity,
        pending: new Set(),
        waiting: [],
        suppressUpTo: -Infinity,
        progress: [],
        baseWatermark: -Infinity,
      };
      partitions.set(id, p);
      applyRestored(p);
    } else {
      const r = restored.get(id);
      const offset = record.meta.offset;
      // A restored partition that still has state: the source resumes it at the committed offset. The state in memory
      // is either being replayed or stale (another group member went on meanwhile): it starts over from the checkpoint.
      // Records below the committed offset are stragglers of the previous assignment.
      if (r !== undefined && offset !== undefined && (compareOffsets(offset, r.offset) ?? 0) >= 0) dropForReplay(p, p.lastOffset ?? offset);
    }
    return p;
  };

  const newAggs = (): AggState[] =>
    aggregates.map((a): AggState => {
      switch (a.op) {
        case 'count':
          return { op: 'count', n: 0 };
        case 'sum':
        case 'avg':
          return { op: a.op, sum: 0, n: 0 };
        case 'min':
        case 'max':
          return { op: a.op, v: null };
        case 'distinctCount':
          return { op: 'distinctCount', seen: new Set() };
      }
    });

  const removeWindow = (p: PartitionState, window: OpenWindow, encodedKey: string): void => {
    const bucket = p.buckets.get(window.start)!;
    bucket.delete(encodedKey);
    p.open--;
    counters.add('open', -1);
    if (bucket.size === 0) {
      p.buckets.delete(window.start);
      p.starts.splice(p.starts.indexOf(window.start), 1);
    }
  };

  /** Closes every window of `p` whose end is at or below `limit`, oldest first, into `into`. */
  const closeUpTo = (p: PartitionState, limit: number, into: OpenWindow[]): void => {
    while (p.starts.length > 0 && p.starts[0]! + size <= limit) {
      const start = p.starts[0]!;
      const bucket = p.buckets.get(start)!;
      for (const [encoded, window] of [...bucket]) {
        removeWindow(p, window, encoded);
        into.push(window);
      }
    }
  };

  /** Closes the oldest window of `p` (lowest start, first opened) early, into `into`. */
  const evictOldest = (p: PartitionState, into: OpenWindow[]): void => {
    const bucket = p.buckets.get(p.starts[0]!)!;
    const [encoded, window] = bucket.entries().next().value!;
    removeWindow(p, window, encoded);
    into.push(window);
    counters.add('evicted', 1);
    const evicted = counters.get('evicted');
    if (evicted === 1 || evicted % 1000 === 0) {
      logger.warn(
        { node: nodeId, evicted, maxKeys: config.maxKeys },
        `maxKeys (${config.maxKeys}) open windows reached in a partition: closed the oldest window early (partial result); ${evicted} so far`,
      );
    }
  };

  const windowFor = (p: PartitionState, start: number, key: string | null, record: FlowRecord, into: OpenWindow[]): OpenWindow => {
    const encoded = key === null ? 'n' : `s${key}`;
    let bucket = p.buckets.get(start);
    let window = bucket?.get(encoded);
    if (window !== undefined) return window;
    if (p.open >= config.maxKeys) {
      evictOldest(p, into);
      bucket = p.buckets.get(start);
    }
    if (bucket === undefined) {
      bucket = new Map();
      p.buckets.set(start, bucket);
      let i = p.starts.length;
      while (i > 0 && p.starts[i - 1]! > start) i--;
      p.starts.splice(i, 0, start);
    }
    window = { partition: p, key, start, end: start + size, aggs: newAggs(), tokens: new Set(), last: record };
    bucket.set(encoded, window);
    p.open++;
    counters.add('open', 1);
    return window;
  };

  /** Drops the state of `p` on a replay; the batches it held are carried until the replay passes `until`. */
  const dropForReplay = (p: PartitionState, until: string): void => {
    const carried = p.carry?.tokens ?? new Set<Token>();
    const windows: OpenWindow[] = [];
    for (const bucket of p.buckets.values()) windows.push(...bucket.values());
    // Results acknowledged but waiting for the acknowledged watermark hold their batches like open windows do.
    const held = [...windows, ...p.waiting];
    for (const window of held) {
      for (const token of window.tokens) {
        if (!carried.has(token)) {
          carried.add(token);
          token.remaining++; // the carry's own reference, dropped when the replay passes `until`
        }
      }
    }
    for (const window of held) detach(window);
    counters.add('replays', 1);
    counters.add('droppedWindows', windows.length);
    counters.add('open', -p.open);
    logger.warn(
      { node: nodeId, offset: p.lastOffset, windows: windows.length },
      'replay detected (an offset at or below the last one seen): dropped the partition\'s open windows; they are rebuilt from the replay',
    );
    p.buckets.clear();
    p.live.clear();
    p.starts = [];
    p.open = 0;
    p.maxEventTime = -Infinity;
    p.watermark = -Infinity;
    p.generation++;
    p.closedWatermark = -Infinity;
    p.pending = new Set();
    p.waiting = [];
    p.suppressUpTo = -Infinity;
    p.progress = [];
    p.baseWatermark = -Infinity;
    applyRestored(p);
    const previous = p.carry?.until;
    p.carry = { tokens: carried, until: previous !== undefined && (compareOffsets(previous, until) ?? 0) > 0 ? previous : until };
  };

  /**
   * True when `offset` (at or below the highest offset seen) belongs to a batch whose records still sit in open
   * windows of `p`: the source is replaying. A lower offset that is new (batches overtaking each other in the graph)
   * is not a replay.
   */
  const isReplayed = (p: PartitionState, offset: string, current: Token): boolean => {
    for (const t of p.live) {
      if (t.remaining === 0) {
        p.live.delete(t);
        continue;
      }
      if (t === current || p.carry?.tokens.has(t) === true) continue;
      const range = t.ranges.get(p);
      if (range !== undefined && (compareOffsets(offset, range.lo) ?? -1) >= 0 && (compareOffsets(offset, range.hi) ?? 1) <= 0) return true;
    }
    return false;
  };

  /** Notes that a record of `token`'s batch at `offset` entered windows of `p`. */
  const track = (p: PartitionState, token: Token, offset: string): void => {
    p.live.add(token);
    const range = token.ranges.get(p);
    if (range === undefined) token.ranges.set(p, { lo: offset, hi: offset });
    else {
      if ((compareOffsets(offset, range.lo) ?? 0) < 0) range.lo = offset;
      if ((compareOffsets(offset, range.hi) ?? 0) > 0) range.hi = offset;
    }
  };

  const endCarry = (p: PartitionState): void => {
    const tokens = p.carry!.tokens;
    p.carry = undefined;
    for (const token of tokens) unref(token);
  };

  // ---------------------------------------------------------------- records

  const keyFor = (record: FlowRecord): string | null => {
    let result: unknown;
    try {
      result = keyOf(record);
    } catch (error) {
      throw new RecordFailure(`keyBy threw: ${describeError(error)}`);
    }
    if (result === null || result === undefined) return null;
    return typeof result === 'string' ? result : String(result);
  };

  const eventTimeOf = (record: FlowRecord): number => {
    if (timeOf === undefined) {
      if (!Number.isFinite(record.timestamp)) throw new RecordFailure(`the record timestamp is ${record.timestamp}; it must be a finite number`);
      return record.timestamp;
    }
    let result: unknown;
    try {
      result = timeOf(record);
    } catch (error) {
      throw new RecordFailure(`timestampExpression threw: ${describeError(error)}`);
    }
    const ms = typeof result === 'number' ? result : result instanceof Date ? result.getTime() : typeof result === 'string' ? Date.parse(result) : NaN;
    if (!Number.isFinite(ms)) {
      throw new RecordFailure(
        `timestampExpression gave ${typeof result === 'string' ? JSON.stringify(result) : typeof result === 'number' ? result : typeName(result)}; ` +
          'it must give ms since the epoch, a Date or an ISO-8601 string',
      );
    }
    return ms;
  };

  /** The value each aggregate takes from the record ({@link SKIP} for null/undefined). */
  const valuesOf = (record: FlowRecord): unknown[] =>
    aggregates.map((a, i) => {
      if (a.valueOf === undefined) return true;
      let v: unknown;
      try {
        v = a.valueOf(record);
      } catch (error) {
        throw new RecordFailure(`aggregates[${i}] (${a.name}) threw: ${describeError(error)}`);
      }
      if (v === null || v === undefined) return SKIP;
      if (a.op === 'count') return true;
      if (a.op === 'distinctCount') {
        try {
          return typeof v === 'string' ? `s${v}` : `j${JSON.stringify(v)}`;
        } catch (error) {
          throw new RecordFailure(`aggregates[${i}] (${a.name}) gave a value that is not JSON: ${describeError(error)}`);
        }
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RecordFailure(
          `aggregates[${i}] (${a.name}) gave ${typeof v === 'number' ? v : typeName(v)}; ${a.op} needs a finite number`,
        );
      }
      return v;
    });

  const addTo = (window: OpenWindow, values: unknown[]): void => {
    window.aggs.forEach((agg, i) => {
      const v = values[i];
      if (v === SKIP) return;
      switch (agg.op) {
        case 'count':
          agg.n++;
          return;
        case 'sum':
        case 'avg':
          agg.sum += v as number;
          agg.n++;
          return;
        case 'min':
          if (agg.v === null || (v as number) < agg.v) agg.v = v as number;
          return;
        case 'max':
          if (agg.v === null || (v as number) > agg.v) agg.v = v as number;
          return;
        case 'distinctCount':
          agg.seen.add(v as string);
          return;
      }
    });
  };

  const resultOf = (window: OpenWindow): FlowRecord => {
    const value: Record<string, unknown> = { key: window.key, windowStart: window.start, windowEnd: window.end };
    window.aggs.forEach((agg, i) => {
      const name = aggregates[i]!.name;
      switch (agg.op) {
        case 'count':
          value[name] = agg.n;
          break;
        case 'sum':
          value[name] = agg.sum;
          break;
        case 'avg':
          value[name] = agg.n === 0 ? null : agg.sum / agg.n;
          break;
        case 'min':
        case 'max':
          value[name] = agg.v;
          break;
        case 'distinctCount':
          value[name] = agg.seen.size;
          break;
      }
    });
    return { key: window.key, value, headers: {}, timestamp: window.end, meta: { ...window.last.meta } };
  };

  /** Windows a time belongs to, latest start first. */
  const startsFor = (t: number): number[] => {
    const starts: number[] = [];
    for (let s = Math.floor(t / advance) * advance; s + size > t; s -= advance) starts.push(s);
    return starts;
  };

  // ---------------------------------------------------------------- emission and timers

  /**
   * The acknowledged watermark of `p` (event time): every window ending at or below it was closed and its result
   * acknowledged (or suppressed after a restore). Below the lowest end of a result still in flight, and never above
   * the watermark windows were closed at.
   */
  const ackedWatermark = (p: PartitionState): number => {
    let limit = p.closedWatermark;
    for (const group of p.pending) limit = Math.min(limit, group.minEnd - 1);
    return Math.max(limit, p.suppressUpTo);
  };

  /** Releases the batches of acknowledged windows of `p` that the acknowledged watermark has reached. */
  const settle = (p: PartitionState): void => {
    if (p.waiting.length === 0) return;
    const acked = ackedWatermark(p);
    const still: OpenWindow[] = [];
    const done: OpenWindow[] = [];
    for (const window of p.waiting) (window.end <= acked ? done : still).push(window);
    p.waiting = still;
    for (const window of done) detach(window);
  };

  /**
   * Emits closed windows, then releases the batches they held; windows a restored checkpoint says were acknowledged
   * before are not emitted again. Never rejects. Event time: a window's batches are released only once the acknowledged
   * watermark reaches its end, so every window with records below a committed offset ends at or below the acknowledged
   * watermark stored with that commit.
   */
  const emitAndRelease = async (windows: OpenWindow[]): Promise<void> => {
    if (windows.length === 0) return;
    const emit: OpenWindow[] = [];
    for (const window of windows) {
      if (window.end <= window.partition.suppressUpTo) {
        counters.add('suppressed', 1);
        detach(window);
      } else emit.push(window);
    }
    if (emit.length === 0) return;
    counters.add('closed', emit.length);
    const groups = new Map<PartitionState, { group: { minEnd: number }; generation: number }>();
    for (const window of emit) {
      const entry = groups.get(window.partition);
      if (entry === undefined) groups.set(window.partition, { group: { minEnd: window.end }, generation: window.partition.generation });
      else entry.group.minEnd = Math.min(entry.group.minEnd, window.end);
    }
    for (const [p, { group }] of groups) p.pending.add(group);
    try {
      await ctx.emit('out', emit.map(resultOf));
    } catch (error) {
      // The run is failing: the batches stay held, so their offsets are not committed and they are replayed.
      logger.warn({ node: nodeId, err: describeError(error), windows: emit.length }, 'could not emit closed windows; their input will be replayed');
      return;
    }
    for (const [p, { group }] of groups) p.pending.delete(group);
    for (const window of emit) {
      const p = window.partition;
      if (eventTime && groups.get(p)!.generation === p.generation) p.waiting.push(window);
      else detach(window);
    }
    for (const p of groups.keys()) settle(p);
  };

  /** When the timer must fire next (ms since the epoch), or Infinity. */
  const nextDue = (): number => {
    let due = Infinity;
    for (const p of partitions.values()) {
      if (p.open === 0) continue;
      if (!eventTime) due = Math.min(due, p.starts[0]! + size + PROCESSING_GRACE_MS);
      else if (idleMs !== undefined) due = Math.min(due, p.lastActivity + idleMs);
    }
    return due;
  };

  const schedule = (): void => {
    if (closed || (eventTime && idleMs === undefined)) return;
    const due = nextDue();
    if (due === timerAt) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    timerAt = due;
    if (due === Infinity) return;
    timer = setTimeout(onTimer, Math.max(0, due - Date.now()));
    timer.unref();
  };

  const onTimer = (): void => {
    timer = undefined;
    timerAt = Infinity;
    if (closed) return;
    const now = Date.now();
    const due: OpenWindow[] = [];
    for (const p of partitions.values()) {
      if (p.open === 0) continue;
      if (!eventTime) closeUpTo(p, now, due);
      else if (idleMs !== undefined && now - p.lastActivity >= idleMs) {
        const before = due.length;
        closeUpTo(p, Infinity, due);
        for (let i = before; i < due.length; i++) p.watermark = Math.max(p.watermark, due[i]!.end);
        p.closedWatermark = Math.max(p.closedWatermark, p.watermark);
      }
    }
    void emitAndRelease(due);
    schedule();
  };

  // ---------------------------------------------------------------- process

  return {
    async process(batch: FlowRecord[], scope: BatchScope): Promise<PortBatches> {
      const token: Token = { remaining: 0, scope, release: undefined, ranges: new Map() };
      const closedNow: OpenWindow[] = [];
      const late: FlowRecord[] = [];
      const error: FlowRecord[] = [];
      const now = Date.now();
      if (!eventTime) for (const p of partitions.values()) closeUpTo(p, now, closedNow);
      const touched = new Set<PartitionState>();
      /** Per partition: the highest offset of this batch. */
      const highest = new Map<PartitionState, string>();

      for (const record of batch) {
        const p = partitionOf(record);
        const offset = record.meta.offset;
        if (offset !== undefined) {
          const order = p.lastOffset === undefined ? 1 : (compareOffsets(offset, p.lastOffset) ?? 1);
          if (order <= 0 && isReplayed(p, offset, token)) dropForReplay(p, p.lastOffset!);
          if (order > 0) p.lastOffset = offset;
          const hi = highest.get(p);
          if (hi === undefined || (compareOffsets(offset, hi) ?? 0) > 0) highest.set(p, offset);
        }
        p.lastActivity = now;
        touched.add(p);
        let key: string | null;
        let t: number;
        let values: unknown[];
        try {
          key = keyFor(record);
          t = eventTime ? eventTimeOf(record) : now;
          values = valuesOf(record);
        } catch (e) {
          if (!(e instanceof RecordFailure)) throw e;
          error.push(failRecord(record, nodeId, e.message, 'E_EXPRESSION_RUNTIME'));
          continue;
        } finally {
          if (p.carry !== undefined && offset !== undefined && (compareOffsets(offset, p.carry.until) ?? 1) > 0) endCarry(p);
        }
        const starts = startsFor(t).filter((s) => s + size > p.watermark);
        if (starts.length === 0) {
          late.push(record);
          counters.add('late', 1);
          continue;
        }
        if (offset !== undefined) track(p, token, offset);
        for (const start of starts) {
          const window = windowFor(p, start, key, record, closedNow);
          addTo(window, values);
          window.last = record;
          attach(window, token);
          if (p.carry !== undefined) for (const carried of p.carry.tokens) attach(window, carried);
        }
        if (eventTime && t > p.maxEventTime) {
          p.maxEventTime = t;
          p.watermark = t - config.allowedLatenessMs;
        }
      }
      if (eventTime) {
        for (const p of touched) {
          closeUpTo(p, p.watermark, closedNow);
          p.closedWatermark = Math.max(p.closedWatermark, p.watermark);
        }
        for (const [p, hi] of highest) {
          p.progress.push({ hi, watermark: p.watermark });
          // Bounded (sources that never commit, e.g. Redis streams, never prune it): the oldest entry leaves, and its
          // watermark becomes the one before every entry kept.
          if (p.progress.length > MAX_PROGRESS_ENTRIES) p.baseWatermark = p.progress.shift()!.watermark;
        }
      }
      // Results always leave through ctx.emit, so the acknowledged watermark counts them only once acknowledged.
      await emitAndRelease(closedNow);
      if (eventTime) for (const p of touched) settle(p);
      schedule();
      return { out: [], late, error };
    },

    stats: (): WindowStats => ({
      closed: counters.get('closed'),
      evicted: counters.get('evicted'),
      late: counters.get('late'),
      replays: counters.get('replays'),
      droppedWindows: counters.get('droppedWindows'),
      open: counters.get('open'),
      heldBatches: counters.get('heldBatches'),
      suppressed: counters.get('suppressed'),
      restored: counters.get('restored'),
    }),

    checkpoint(ref: PartitionRef, offset: string): WindowCheckpoint | undefined {
      if (!eventTime) return undefined;
      const id = idOf(ref);
      const p = partitions.get(id);
      if (p === undefined) {
        const r = restored.get(id);
        return r === undefined ? undefined : { w: finite(r.w), a: finite(r.a) };
      }
      // The watermark after the batch with the highest offset below `offset` (records beyond it did not move it).
      let best: { hi: string; watermark: number } | undefined;
      for (const entry of p.progress) {
        if ((compareOffsets(entry.hi, offset) ?? 0) >= 0) continue;
        if (best === undefined || (compareOffsets(entry.hi, best.hi) ?? 0) > 0) best = entry;
      }
      if (best !== undefined) {
        // Commits only move forward: entries below the one found are not needed again.
        p.progress = p.progress.filter((e) => e === best || (compareOffsets(e.hi, best.hi) ?? 0) > 0);
      }
      return { w: finite(best?.watermark ?? p.baseWatermark), a: finite(ackedWatermark(p)) };
    },

    restore(ref: PartitionRef, offset: string, value: unknown): void {
      if (!eventTime) return;
      const parsed = parseCheckpoint(value);
      if (parsed === undefined) {
        logger.warn({ node: nodeId, partition: ref, value }, 'ignored a malformed window checkpoint in the committed offset metadata');
        return;
      }
      restored.set(idOf(ref), { offset, ...parsed });
    },

    async close(): Promise<void> {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      timerAt = Infinity;
    },
  };
}

/** Runtime of `transform.window`; see {@link createWindowTransform}. */
export const windowTransformRuntime = defineTransform(windowTransformSpec, createWindowTransform);

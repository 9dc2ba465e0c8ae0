/**
 * The engine's telemetry collector: per-node counts, rates, latency quantiles and record samples, per-edge counts,
 * Kafka partition positions, end-to-end latency and each node's own counters. Nodes contain no metrics code: the
 * engine's observers (runtime/engine/observer.ts) call this around them.
 *
 * Costs are per batch, not per record, except the end-to-end latency: one histogram increment per run of acknowledged
 * records with the same timestamp, in the windowed histogram and in the sink's cumulative one.
 *
 * Latencies are kept twice: windowed quantiles in ms (the last 10-20 s, for the studio's frames) and cumulative
 * histograms in seconds (runtime/engine/duration-histogram.ts, for Prometheus: {@link TelemetryCollector.histograms}).
 */
import type {
  LatencyQuantiles,
  NodeSamples,
  NodeTelemetry,
  PartitionTelemetry,
  SampleRecord,
  TelemetryFrame,
} from '../common/telemetry';
import { BATCH_DURATION_BUCKETS, DurationHistogram, END_TO_END_BUCKETS, type HistogramSnapshot } from './duration-histogram';
import { traceView } from './trace-context';
import type { FlowRecord, NodeCounters, PartitionPosition } from './types';

/** Records kept per node and direction in the sample ring buffers. */
export const SAMPLE_SIZE = 20;
/** Values longer than this (as JSON, in UTF-16 code units, ~bytes for ASCII) are truncated in samples. */
export const SAMPLE_MAX_VALUE_CHARS = 4096;

/**
 * A log-bucketed latency histogram from 0.01 ms to ~10 minutes with 5 % relative precision (the scheme of
 * HdrHistogram-style log buckets: bucket i covers [0.01·1.05^(i-1), 0.01·1.05^i) ms).
 */
export class LatencyHistogram {
  private static readonly MIN_MS = 0.01;
  private static readonly GROWTH = Math.log(1.05);
  private static readonly BUCKETS = 400;
  private counts = new Float64Array(LatencyHistogram.BUCKETS);
  private total = 0;

  /** Adds `count` observations of `ms` milliseconds. */
  record(ms: number, count = 1): void {
    let index = 0;
    if (ms > LatencyHistogram.MIN_MS) {
      index = Math.min(
        LatencyHistogram.BUCKETS - 1,
        1 + Math.floor(Math.log(ms / LatencyHistogram.MIN_MS) / LatencyHistogram.GROWTH),
      );
    }
    this.counts[index]! += count;
    this.total += count;
  }

  /** Number of observations. */
  get count(): number {
    return this.total;
  }

  /** Adds every observation of `other`. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < other.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
  }

  /** Clears all observations. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  /** The `q` quantile (0..1) in ms (the upper bound of its bucket), or null when empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i === 0 ? LatencyHistogram.MIN_MS : LatencyHistogram.MIN_MS * Math.exp(i * LatencyHistogram.GROWTH);
    }
    return null;
  }
}

/** Two histograms swapped every `windowMs`, so quantiles cover the last one to two windows. */
export class WindowedLatency {
  private current = new LatencyHistogram();
  private previous = new LatencyHistogram();
  private rotatedAt: number;
  constructor(private readonly windowMs = 10_000, now = Date.now()) {
    this.rotatedAt = now;
  }

  /** Adds `count` observations of `ms`. */
  record(ms: number, count = 1, now = Date.now()): void {
    this.rotate(now);
    this.current.record(ms, count);
  }

  /** p50 and p99 in ms over the last one to two windows. */
  quantiles(now = Date.now()): LatencyQuantiles {
    this.rotate(now);
    const merged = new LatencyHistogram();
    merged.merge(this.previous);
    merged.merge(this.current);
    return { p50: round(merged.quantile(0.5)), p99: round(merged.quantile(0.99)) };
  }

  private rotate(now: number): void {
    const elapsed = now - this.rotatedAt;
    if (elapsed < this.windowMs) return;
    if (elapsed < 2 * this.windowMs) {
      const old = this.previous;
      old.reset();
      this.previous = this.current;
      this.current = old;
    } else {
      this.previous.reset();
      this.current.reset();
    }
    this.rotatedAt = now;
  }
}

function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 100) / 100;
}

/** Ring slot of a second (61 slots: the current second and the 60 before it). */
function slot(second: number): number {
  return ((second % 61) + 61) % 61;
}

/** Counts per wall-clock second over the last 60 s: rates over 1 s and 10 s, and a sparkline history. */
export class RateCounter {
  private readonly seconds = new Float64Array(61);
  private currentSecond: number;
  constructor(now = Date.now()) {
    this.currentSecond = Math.floor(now / 1000);
  }

  /** Adds `n` events at `now` (ms). */
  add(n: number, now = Date.now()): void {
    this.advance(now);
    this.seconds[slot(this.currentSecond)]! += n;
  }

  /** Events per second over the last `span` complete seconds. */
  rate(span: number, now = Date.now()): number {
    this.advance(now);
    let sum = 0;
    for (let s = 1; s <= span; s++) sum += this.seconds[slot(this.currentSecond - s)]!;
    return sum / span;
  }

  /** Events in each of the last 60 complete seconds, oldest first. */
  history(now = Date.now()): number[] {
    this.advance(now);
    const out: number[] = [];
    for (let s = 60; s >= 1; s--) out.push(this.seconds[slot(this.currentSecond - s)]!);
    return out;
  }

  private advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (second <= this.currentSecond) return;
    const steps = Math.min(61, second - this.currentSecond);
    for (let s = 1; s <= steps; s++) this.seconds[slot(this.currentSecond + s)] = 0;
    this.currentSecond = second;
  }
}

/**
 * Fixed-size ring of the most recent items, each with a tag (a sample's output port). It holds references only: a
 * record and its tag go into two arrays, so sampling allocates nothing per record. (A copy per record, `{ ...r, port }`,
 * was 58 % of the bytes a 5,000 records/s run promoted to the old generation, by a sampling heap profile: at that rate
 * a batch is about as small as the ring, so nearly every record was copied.)
 */
class Ring<T, Tag = undefined> {
  private readonly items: T[] = [];
  private readonly tags: Tag[] = [];
  private next = 0;
  constructor(private readonly size: number) {}
  /** Keeps the last `size` items of `batch`, each tagged `tag`. */
  pushLast(batch: readonly T[], tag?: Tag): void {
    const start = Math.max(0, batch.length - this.size);
    for (let i = start; i < batch.length; i++) {
      if (this.items.length < this.size) {
        this.items.push(batch[i]!);
        this.tags.push(tag as Tag);
      } else {
        this.items[this.next] = batch[i]!;
        this.tags[this.next] = tag as Tag;
      }
      this.next = (this.next + 1) % this.size;
    }
  }
  /** Oldest first, each item mapped with its tag. */
  map<U>(f: (item: T, tag: Tag) => U): U[] {
    const n = this.items.length;
    const first = n < this.size ? 0 : this.next;
    const out = new Array<U>(n);
    for (let i = 0; i < n; i++) {
      const at = (first + i) % n;
      out[i] = f(this.items[at]!, this.tags[at]!);
    }
    return out;
  }
}

interface NodeStats {
  in: number;
  out: Record<string, number>;
  errors: number;
  dropped: number;
  rateIn: RateCounter;
  rateOut: RateCounter;
  latency: WindowedLatency;
  /** Cumulative batch durations (s), for Prometheus. */
  durations: DurationHistogram;
  backpressured: boolean;
  lastError: string | undefined;
  samplesIn: Ring<FlowRecord>;
  samplesOut: Ring<FlowRecord, string>;
  counters: NodeCounters | undefined;
}

/** Turns a record into a sample; values over {@link SAMPLE_MAX_VALUE_CHARS} as JSON are truncated and marked. */
export function toSample(record: FlowRecord): SampleRecord {
  const sample: SampleRecord = {
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
    meta: record.meta,
  };
  if (record.error !== undefined) sample.error = record.error;
  if (record.trace !== undefined) sample.trace = traceView(record.trace);
  let json: string | undefined;
  try {
    json = JSON.stringify(record.value);
  } catch {
    json = String(record.value);
    sample.value = json;
  }
  if (json !== undefined && json.length > SAMPLE_MAX_VALUE_CHARS) {
    sample.value = json.slice(0, SAMPLE_MAX_VALUE_CHARS);
    sample.truncated = true;
  }
  return sample;
}

/** The cumulative histograms of a run by node id (see {@link TelemetryCollector.histograms}). */
export interface DurationHistograms {
  /** Time to process one batch (transforms; sinks: until acknowledged, retries included), per node that measured any. */
  batchDuration: Record<string, HistogramSnapshot>;
  /** Sink write acknowledgement time, per sink. */
  sinkAck: Record<string, HistogramSnapshot>;
  /** From record timestamp to acknowledgement, per sink (one observation per record). */
  endToEnd: Record<string, HistogramSnapshot>;
  /**
   * From record timestamp to the moment its source read it, per source (one observation per record): how long
   * records waited upstream (producer, broker, fetch). `endToEnd` minus this is the time spent in the flow.
   */
  sourceAge: Record<string, HistogramSnapshot>;
}

/**
 * Calls `observe(ageMs, count)` for each run of records of `batch` with equal timestamps, their age at `now` (epoch
 * ms, at least 0). Records of a batch mostly share their timestamp (a producer's batch, ms resolution), so a histogram
 * fed this way costs per run rather than per record.
 */
function forEachAge(batch: readonly FlowRecord[], now: number, observe: (ageMs: number, count: number) => void): void {
  let i = 0;
  while (i < batch.length) {
    const timestamp = batch[i]!.timestamp;
    let count = 1;
    while (i + count < batch.length && batch[i + count]!.timestamp === timestamp) count++;
    observe(Math.max(0, now - timestamp), count);
    i += count;
  }
}

/** A sink's acknowledgement histograms, for Prometheus. */
interface SinkDurations {
  ack: DurationHistogram;
  endToEnd: DurationHistogram;
}

/** Collects telemetry of one run. Methods are cheap and per batch; {@link frame} builds the JSON frame. */
export class TelemetryCollector {
  private readonly nodes = new Map<string, NodeStats>();
  private readonly edges = new Map<string, number>();
  private readonly positions = new Map<string, Map<string, PartitionPosition>>();
  private readonly sinkAck = new Map<string, WindowedLatency>();
  private readonly sinkDurations = new Map<string, SinkDurations>();
  private readonly endToEnd = new WindowedLatency();
  private readonly sourceAge = new Map<string, DurationHistogram>();
  private readonly startedAt = Date.now();
  private totalIn = 0;
  private totalDelivered = 0;
  private totalErrors = 0;
  /** Records read but not yet acknowledged everywhere (kept by the engine). */
  inFlight = 0;

  /**
   * @param nodeIds every node of the plan, in display order
   * @param sinkIds the sink nodes (for acknowledgement latency)
   * @param sampleSize records kept per node and direction (default {@link SAMPLE_SIZE}; preview keeps all it reads)
   */
  constructor(nodeIds: readonly string[], sinkIds: readonly string[], sampleSize = SAMPLE_SIZE) {
    for (const id of nodeIds) {
      this.nodes.set(id, {
        in: 0,
        out: {},
        errors: 0,
        dropped: 0,
        rateIn: new RateCounter(),
        rateOut: new RateCounter(),
        latency: new WindowedLatency(),
        durations: new DurationHistogram(BATCH_DURATION_BUCKETS),
        backpressured: false,
        lastError: undefined,
        samplesIn: new Ring(sampleSize),
        samplesOut: new Ring(sampleSize),
        counters: undefined,
      });
    }
    for (const id of sinkIds) {
      this.sinkAck.set(id, new WindowedLatency());
      this.sinkDurations.set(id, { ack: new DurationHistogram(BATCH_DURATION_BUCKETS), endToEnd: new DurationHistogram(END_TO_END_BUCKETS) });
    }
  }

  private stats(nodeId: string): NodeStats {
    const stats = this.nodes.get(nodeId);
    if (stats === undefined) throw new Error(`telemetry: unknown node ${nodeId}`);
    return stats;
  }

  /** A batch entered a node (sources: was read). */
  recordIn(nodeId: string, batch: readonly FlowRecord[], isSource: boolean): void {
    const s = this.stats(nodeId);
    s.in += batch.length;
    s.rateIn.add(batch.length);
    if (isSource) {
      this.totalIn += batch.length;
      let age = this.sourceAge.get(nodeId);
      if (age === undefined) this.sourceAge.set(nodeId, (age = new DurationHistogram(END_TO_END_BUCKETS)));
      forEachAge(batch, Date.now(), (ms, count) => age.observe(ms / 1000, count));
    } else s.samplesIn.pushLast(batch);
  }

  /** A node emitted records on `port`. */
  recordOut(nodeId: string, port: string, batch: readonly FlowRecord[]): void {
    if (batch.length === 0) return;
    const s = this.stats(nodeId);
    s.out[port] = (s.out[port] ?? 0) + batch.length;
    if (port !== 'error') s.rateOut.add(batch.length);
    s.samplesOut.pushLast(batch, port);
  }

  /** `count` records failed in a node; `dropped` of them were dropped. */
  recordErrors(nodeId: string, count: number, dropped: number, message: string | undefined): void {
    const s = this.stats(nodeId);
    s.errors += count;
    s.dropped += dropped;
    this.totalErrors += count;
    if (message !== undefined) s.lastError = message;
  }

  /** A node took `ms` to process a batch. */
  recordLatency(nodeId: string, ms: number): void {
    const s = this.stats(nodeId);
    s.latency.record(ms);
    s.durations.observe(ms / 1000);
  }

  /** `count` records crossed the edge `key`. */
  recordEdge(key: string, count: number): void {
    this.edges.set(key, (this.edges.get(key) ?? 0) + count);
  }

  /** A sink acknowledged a batch after `ms`; end-to-end latency is measured from each record's timestamp. */
  recordSinkAck(nodeId: string, ms: number, batch: readonly FlowRecord[]): void {
    const now = Date.now();
    this.sinkAck.get(nodeId)?.record(ms, 1, now);
    const durations = this.sinkDurations.get(nodeId);
    durations?.ack.observe(ms / 1000);
    forEachAge(batch, now, (latency, count) => {
      this.endToEnd.record(latency, count, now);
      durations?.endToEnd.observe(latency / 1000, count);
    });
  }

  /** Records of a source batch were acknowledged everywhere. */
  recordDelivered(count: number): void {
    this.totalDelivered += count;
  }

  /** Marks a node as holding back its upstream (or not). */
  setBackpressured(nodeId: string, on: boolean): void {
    this.stats(nodeId).backpressured = on;
  }

  /** Reports `counters` (the node's `ctx.counters`) with the node's figures in every frame, once any was added to. */
  attachCounters(nodeId: string, counters: NodeCounters): void {
    this.stats(nodeId).counters = counters;
  }

  /** Replaces the positions of the partitions a Kafka source owns (the full set, after every change). */
  reportPartitions(nodeId: string, positions: readonly PartitionPosition[]): void {
    this.positions.set(nodeId, new Map(positions.map((p) => [`${p.topic}:${p.partition}`, p])));
  }

  /** The current frame. */
  frame(): TelemetryFrame {
    const now = Date.now();
    const nodes: Record<string, NodeTelemetry> = {};
    for (const [id, s] of this.nodes) {
      const node: NodeTelemetry = {
        in: s.in,
        out: { ...s.out },
        errors: s.errors,
        dropped: s.dropped,
        rateIn1s: s.rateIn.rate(1, now),
        rateIn10s: s.rateIn.rate(10, now),
        rateOut1s: s.rateOut.rate(1, now),
        rateOut10s: s.rateOut.rate(10, now),
        batchLatency: s.latency.quantiles(now),
        history: s.rateIn.history(now),
        backpressured: s.backpressured,
      };
      if (s.lastError !== undefined) node.lastError = s.lastError;
      if (s.counters?.used === true) node.counters = s.counters.snapshot();
      nodes[id] = node;
    }
    const partitions: Record<string, PartitionTelemetry[]> = {};
    for (const [id, map] of this.positions) {
      partitions[id] = [...map.values()]
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
        .map((p) => ({
          ...p,
          lag: Math.max(0, p.highWatermark - Math.max(p.committed, 0)),
        }));
    }
    const sinkAck: Record<string, LatencyQuantiles> = {};
    for (const [id, latency] of this.sinkAck) sinkAck[id] = latency.quantiles(now);
    return {
      time: now,
      uptimeMs: now - this.startedAt,
      nodes,
      edges: Object.fromEntries(this.edges),
      partitions,
      sinkAck,
      endToEnd: this.endToEnd.quantiles(now),
      totals: { in: this.totalIn, delivered: this.totalDelivered, errors: this.totalErrors },
      inFlight: this.inFlight,
    };
  }

  /** The cumulative duration histograms (seconds) of every node that measured any, and of every sink. */
  histograms(): DurationHistograms {
    const batchDuration: Record<string, HistogramSnapshot> = {};
    for (const [id, s] of this.nodes) {
      const snapshot = s.durations.snapshot();
      if (snapshot.count > 0 || this.sinkDurations.has(id)) batchDuration[id] = snapshot;
    }
    const sinkAck: Record<string, HistogramSnapshot> = {};
    const endToEnd: Record<string, HistogramSnapshot> = {};
    for (const [id, d] of this.sinkDurations) {
      sinkAck[id] = d.ack.snapshot();
      endToEnd[id] = d.endToEnd.snapshot();
    }
    const sourceAge: Record<string, HistogramSnapshot> = {};
    for (const [id, h] of this.sourceAge) sourceAge[id] = h.snapshot();
    return { batchDuration, sinkAck, endToEnd, sourceAge };
  }

  /** The last records in and out of `nodeId`, or undefined for an unknown node. */
  samples(nodeId: string): NodeSamples | undefined {
    const s = this.nodes.get(nodeId);
    if (s === undefined) return undefined;
    return {
      nodeId,
      in: s.samplesIn.map((r) => toSample(r)),
      out: s.samplesOut.map((r, port) => ({ ...toSample(r), port })),
    };
  }
}

/**
 * The trace recorder (issue #17, part 2): a sampled fraction of records carries a trace (`FlowRecord.trace`, W3C
 * trace-context ids), and for those records only the engine records one hop per node: when the node got the record,
 * when it was done, the edge it came by, the ports it left by (`error` included), and for sinks the acknowledgement.
 * A record copied to two edges (fan-out) gets one hop on each branch, both children of the same hop.
 *
 * Like observation (runtime/engine/observer.ts), tracing is wrapping: {@link traceNode} wraps a node's deliver,
 * outlet, process and sink write once at creation; with `settings.traceSampleRate` 0 nothing is wrapped.
 *
 * Cost for an untraced record: one field check (`record.trace`) per record and hop, in the outlet that sends a batch
 * on. The outlet remembers which indexes of the batch are traced (a WeakMap keyed by the batch array), so the next
 * node finds them with one lookup per batch and copies only the traced records (each copy carries its own hop, so
 * branches never share a hop). Sources pick records with a geometric skip count (the gaps between independent
 * Bernoulli(p) picks, Knuth TAOCP vol. 2, 3.4.1): one random draw per traced record, none per untraced one; and one
 * check of `headers.traceparent` per record read, to continue an upstream trace.
 */
import { performance } from 'node:perf_hooks';
import { randomFillSync } from 'node:crypto';
import type { Plan, PlanNode } from '../common/flow';
import { ERROR_PORT } from '../common/node-spec';
import type { Deliver, Outlet, Process, SinkWrite } from './observer';
import { parseTraceparent, type HopKind, type RecordTrace, type TraceHop, type TraceParent } from './trace-context';
import type { BatchScope, FlowRecord, PortBatches, SinkRejection } from './types';

/** Most hops kept per trace; a record multiplied beyond it (a flatten into thousands) stops being traced. */
export const MAX_HOPS_PER_TRACE = 256;

/** How a run traces records (see {@link createTracer}). */
export interface TracingOptions {
  /** Overrides `settings.traceSampleRate` (0..1). */
  sampleRate?: number;
  /**
   * Also traces the last record of every batch a source delivers: the studio's own runs set it, so that the newest
   * records, the ones its sample panel shows, carry a trace even at a 1 % sample rate.
   */
  lastOfBatch?: boolean;
  /** Called once per finished hop, after the ports it left by are known (the OTLP exporter, runtime/otlp-export.ts). */
  onHop?: (hop: TraceHop) => void;
}

/** Wraps one node's parts for tracing; every method returns a function with the same contract as the one given. */
export interface NodeTracer {
  /** A source's deliver: picks the records to trace and starts their source hops. */
  wrapDeliver(deliver: Deliver): Deliver;
  /** The node's outlet: records the port traced records leave by, and marks them for the next node. */
  wrapOutlet(outlet: Outlet): Outlet;
  /** A transform's process: a hop per traced record, from the call until it resolves. */
  wrapProcess(process: Process): Process;
  /** A sink's write (with retries): a hop per traced record until acknowledged (`acknowledged` false in preview). */
  wrapSinkWrite(write: SinkWrite, acknowledged: boolean): SinkWrite;
}

/** The pass-through tracer of a run without tracing. */
const UNTRACED: NodeTracer = {
  wrapDeliver: (deliver) => deliver,
  wrapOutlet: (outlet) => outlet,
  wrapProcess: (process) => process,
  wrapSinkWrite: (write) => write,
};

/** Which records of a batch sent on by an outlet are traced, and where the batch came from. */
interface Arrival {
  indexes: number[];
  from: string;
  port: string;
}

/** Wall-clock time in ms since the epoch, with the fractions of the monotonic clock. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Random hex ids from a pooled buffer (one `randomFillSync` per 512 span ids). */
class IdSource {
  private readonly pool = Buffer.alloc(4096);
  private offset = this.pool.length;

  private hex(bytes: number): string {
    if (this.offset + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const id = this.pool.toString('hex', this.offset, this.offset + bytes);
    this.offset += bytes;
    return /^0+$/.test(id) ? this.hex(bytes) : id;
  }

  traceId(): string {
    return this.hex(16);
  }

  spanId(): string {
    return this.hex(8);
  }
}

/** Records the traces of one run. Created by {@link createTracer}; its nodes' wrappers by {@link traceNode}. */
export class Tracer {
  private readonly arrivals = new WeakMap<readonly FlowRecord[], Arrival>();
  private readonly ids = new IdSource();
  private readonly rate: number;
  private readonly lastOfBatch: boolean;
  private readonly onHop: ((hop: TraceHop) => void) | undefined;
  /** Records still to skip before the next one picked by the sample rate. */
  private skip: number;
  private finished: TraceHop[] = [];
  private flushScheduled = false;

  /**
   * @param plan the run's plan (edges, for the input port a traced record arrives at)
   * @param rate the fraction of records to trace, 0..1
   */
  constructor(
    private readonly plan: Plan,
    rate: number,
    options: TracingOptions = {},
  ) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`trace sample rate ${rate} is not within 0..1`);
    this.rate = rate;
    this.lastOfBatch = options.lastOfBatch === true;
    this.onHop = options.onHop;
    this.skip = this.gap();
  }

  /** Records to skip before the next pick: geometric with parameter `rate` (Infinity at 0, 0 at 1). */
  private gap(): number {
    if (this.rate >= 1) return 0;
    if (this.rate <= 0) return Number.POSITIVE_INFINITY;
    return Math.floor(Math.log(1 - Math.random()) / Math.log(1 - this.rate));
  }

  /** Picks the records of a delivered batch to trace (upstream `traceparent`, the sample rate) and starts their hops. */
  sample(source: PlanNode, batch: FlowRecord[]): void {
    for (let i = 0; i < batch.length; i++) {
      const header = batch[i]!.headers.traceparent;
      if (header !== undefined && batch[i]!.trace === undefined) {
        const parent = parseTraceparent(header);
        if (parent?.sampled === true) this.start(source, batch[i]!, parent);
      }
    }
    let i = this.skip;
    while (i < batch.length) {
      const record = batch[i]!;
      if (record.trace === undefined) this.start(source, record, parseTraceparent(record.headers.traceparent));
      i += 1 + this.gap();
    }
    this.skip = i - batch.length;
    const last = batch[batch.length - 1];
    if (this.lastOfBatch && last !== undefined && last.trace === undefined) this.start(source, last, parseTraceparent(last.headers.traceparent));
  }

  /** Starts a trace at `record` with its source hop, continuing `upstream` (its parsed valid `traceparent`, if any). */
  private start(source: PlanNode, record: FlowRecord, upstream: TraceParent | undefined): void {
    const trace: RecordTrace = { traceId: upstream?.traceId ?? this.ids.traceId(), remoteParentSpanId: upstream?.spanId, hops: [] };
    record.trace = this.hop(trace, undefined, source.id, 'source', undefined, undefined);
  }

  private hop(
    trace: RecordTrace,
    parent: TraceHop | undefined,
    nodeId: string,
    kind: HopKind,
    fromPort: string | undefined,
    toPort: string | undefined,
  ): TraceHop {
    const hop: TraceHop = {
      trace,
      spanId: this.ids.spanId(),
      parent,
      nodeId,
      kind,
      fromPort,
      toPort,
      startMs: nowMs(),
      endMs: undefined,
      ports: [],
      ackMs: undefined,
      error: undefined,
    };
    trace.hops.push(hop);
    return hop;
  }

  /**
   * The outlet of `node` sends `records` on `port`: the traced ones record the port on their hop (a record the engine
   * failed on the node's behalf still carries the previous hop: it gets the node's own), and are marked for the next
   * node. The one per-record check of the recorder.
   */
  sent(node: PlanNode, kind: HopKind, port: string, records: readonly FlowRecord[]): void {
    let indexes: number[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (record.trace === undefined) continue;
      let hop: TraceHop | undefined = record.trace;
      if (hop.nodeId !== node.id) {
        hop = ownHop(hop, node.id);
        if (hop === undefined) continue;
        record.trace = hop;
      }
      if (!hop.ports.includes(port)) hop.ports.push(port);
      if (port === ERROR_PORT && record.error !== undefined) hop.error = record.error.message;
      if (kind === 'source') {
        hop.endMs ??= nowMs();
        this.finish(hop);
      }
      (indexes ??= []).push(i);
    }
    if (indexes !== undefined && (node.outputs.get(port)?.length ?? 0) > 0) this.arrivals.set(records, { indexes, from: node.id, port });
  }

  /**
   * `records` arrive at `node`: undefined when none is traced (one lookup), else a copy of the batch in which every
   * traced record is a copy carrying a new hop of this node, and those hops.
   */
  arrive(node: PlanNode, kind: HopKind, records: FlowRecord[]): { records: FlowRecord[]; hops: (TraceHop | undefined)[] } | undefined {
    const arrival = this.arrivals.get(records);
    if (arrival === undefined) return undefined;
    const copy = records.slice();
    const hops: (TraceHop | undefined)[] = [];
    const toPort = this.plan.byId.get(arrival.from)?.outputs.get(arrival.port)?.find((t) => t.nodeId === node.id)?.port;
    for (const index of arrival.indexes) {
      const record = records[index]!;
      const parent = record.trace;
      if (parent === undefined) continue;
      if (parent.trace.hops.length >= MAX_HOPS_PER_TRACE) {
        copy[index] = { ...record, trace: undefined };
        continue;
      }
      const hop = this.hop(parent.trace, parent, node.id, kind, arrival.port, toPort);
      copy[index] = { ...record, trace: hop };
      hops[index] = hop;
    }
    return { records: copy, hops };
  }

  /** The node is done with the records of `hops` (`error`: it threw). */
  left(hops: readonly (TraceHop | undefined)[], error?: unknown): void {
    const now = nowMs();
    for (const hop of hops) {
      if (hop === undefined) continue;
      hop.endMs = now;
      if (error !== undefined) hop.error = error instanceof Error ? error.message : String(error);
      this.finish(hop);
    }
  }

  /** A sink write resolved: its hops end, acknowledged unless rejected (or in preview). */
  acknowledged(hops: readonly (TraceHop | undefined)[], rejected: ReadonlySet<number> | undefined, acknowledged: boolean): void {
    const now = nowMs();
    hops.forEach((hop, index) => {
      if (hop === undefined) return;
      hop.endMs = now;
      if (acknowledged && rejected?.has(index) !== true) hop.ackMs = now;
      this.finish(hop);
    });
  }

  /** Hands a finished hop to `onHop` after the current turn, once its ports are known. */
  private finish(hop: TraceHop): void {
    if (this.onHop === undefined) return;
    this.finished.push(hop);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Hands every finished hop to `onHop` now. */
  flush(): void {
    this.flushScheduled = false;
    const hops = this.finished;
    this.finished = [];
    for (const hop of hops) this.onHop?.(hop);
  }
}

/** The hop of `nodeId` that is a child of `hop` (the newest), if any. */
function ownHop(hop: TraceHop, nodeId: string): TraceHop | undefined {
  const hops = hop.trace.hops;
  for (let i = hops.length - 1; i >= 0; i--) {
    if (hops[i]!.nodeId === nodeId && hops[i]!.parent === hop) return hops[i];
  }
  return undefined;
}

/**
 * The tracer of a run: undefined (nothing traced, nothing wrapped) when the sample rate is 0.
 * @param rate `settings.traceSampleRate` (overridden by `options.sampleRate`), 0..1
 * @throws RangeError for a rate outside 0..1
 */
export function createTracer(plan: Plan, rate: number, options: TracingOptions = {}): Tracer | undefined {
  const effective = options.sampleRate ?? rate;
  if (effective === 0) return undefined;
  return new Tracer(plan, effective, options);
}

/** The tracing wrappers of `node` (pass-through when `tracer` is undefined). */
export function traceNode(tracer: Tracer | undefined, node: PlanNode): NodeTracer {
  if (tracer === undefined) return UNTRACED;
  const kind: HopKind = node.spec.kind;
  return {
    wrapDeliver: (deliver) => (batch, onProcessed) => {
      if (batch.length > 0) tracer.sample(node, batch);
      return deliver(batch, onProcessed);
    },
    wrapOutlet: (outlet) => (port, records, scope) => {
      tracer.sent(node, kind, port, records);
      return outlet(port, records, scope);
    },
    wrapProcess: (process) => (records, scope) => {
      const arrived = tracer.arrive(node, kind, records);
      return arrived === undefined ? process(records, scope) : tracedProcess(tracer, process, arrived, scope);
    },
    wrapSinkWrite: (write, acknowledged) => (records) => {
      const arrived = tracer.arrive(node, kind, records);
      return arrived === undefined ? write(records) : tracedWrite(tracer, write, arrived, acknowledged);
    },
  };
}

/** Traced records that arrived at a node: the batch with their copies, and their hops by index. */
type Arrived = NonNullable<ReturnType<Tracer['arrive']>>;

/**
 * Runs a traced batch through `process` without changing its timing: the value `process` returned (synchronous, or
 * its very promise) is what the engine gets, and the hops are closed on a side branch. Chaining here would add a turn
 * of the event loop to traced chunks only, letting the next, untraced chunk of the same partition overtake this one on
 * its way to the sinks (an older value written after a newer one under the same key).
 */
function tracedProcess(tracer: Tracer, process: Process, arrived: Arrived, scope: BatchScope): PortBatches | Promise<PortBatches> {
  let out: PortBatches | Promise<PortBatches>;
  try {
    out = process(arrived.records, scope);
  } catch (error) {
    tracer.left(arrived.hops, error);
    throw error;
  }
  if (out instanceof Promise) {
    out.then(
      () => tracer.left(arrived.hops),
      (error: unknown) => tracer.left(arrived.hops, error),
    );
  } else tracer.left(arrived.hops);
  return out;
}

/** A traced sink write, timed as {@link tracedProcess} is: the write's own promise is returned. */
function tracedWrite(tracer: Tracer, write: SinkWrite, arrived: Arrived, acknowledged: boolean): Promise<SinkRejection[] | void> {
  let written: Promise<SinkRejection[] | void>;
  try {
    written = write(arrived.records);
  } catch (error) {
    tracer.left(arrived.hops, error);
    throw error;
  }
  written.then(
    (rejections) => tracer.acknowledged(arrived.hops, rejections === undefined ? undefined : new Set(rejections.map((r) => r.index)), acknowledged),
    (error: unknown) => tracer.left(arrived.hops, error),
  );
  return written;
}

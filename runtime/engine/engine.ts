/**
 * The engine: runs a compiled plan. It owns batching, acknowledgements, backpressure, error routing, retries, drain on
 * shutdown, and telemetry; node runtimes only transform batches.
 *
 * Acknowledgement model (at-least-once): a source hands the graph one batch at a time with `deliver(batch)`. The batch
 * travels through every transform and reaches every sink it is routed to; `deliver` resolves only when every sink
 * write for every record derived from the batch has been acknowledged (records routed to an `error` port count once
 * that port's sink acknowledges them; records filtered out count at once). A Kafka source resolves its offsets only
 * for the contiguous prefix of delivered batches, so a crash replays what was not acknowledged and loses nothing.
 *
 * Sources keep what may be committed in an acknowledgement ledger (runtime/engine/ack-ledger.ts).
 *
 * Backpressure: at most `settings.maxInFlightRecords` records are in flight (read, not yet acknowledged); `deliver`
 * waits beyond that. While any sink is retrying, `backpressured()` is true and Kafka sources pause their partitions
 * until the sink recovers. Memory stays bounded by the in-flight limit.
 *
 * Retries go through runtime/engine/retry.ts; preview limits through runtime/engine/preview-limit.ts. Telemetry is
 * observation by wrapping (runtime/engine/observer.ts): each node's deliver, outlet, process and sink write are wrapped
 * once at creation, so the delivery functions below only deliver.
 *
 * Health (runtime/engine/health.ts, `/healthz` and `/readyz`): sources report their group membership through
 * `ctx.ready()` / `ctx.unready(reason)`, the retry loop reports sinks failing and recovering, and the engine reports
 * draining and failure. Lifecycle events are logged once each at info level or above, with an `event` field: `started`
 * (flow, nodes), `joined` (by the sources: group and partitions), `sink-down` (warn) and `sink-recovered`, `draining`,
 * `stopped` (records in, out and failed per source and sink).
 */
import type { Logger } from 'pino';
import { TributaryError, type ErrorCode } from '../common/errors';
import type { Plan, PlanNode } from '../common/flow';
import { ERROR_PORT } from '../common/node-spec';
import type { NodeSamples, TelemetryFrame } from '../common/telemetry';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { createNodeCounters } from './counters';
import { RunHealth, type Liveness, type Readiness } from './health';
import { observeNode, type NodeObserver, type Outlet, type Process, type SinkWrite } from './observer';
import { limitDeliveries } from './preview-limit';
import { retry } from './retry';
import { TelemetryCollector } from './telemetry';
import { createTracer, traceNode, type NodeTracer, type Tracer, type TracingOptions } from './trace';
import type { RunningNodeMark } from './watchdog';
import {
  failRecord,
  type FlowRecord,
  type GroupMembership,
  type NodeContext,
  type NodeCounters,
  type NodeRuntime,
  type BatchScope,
  type PortBatches,
  type Release,
  type SinkRejection,
  type SinkRuntime,
  type SourceContext,
  type SourceRuntime,
  type TransformRuntime,
} from './types';

/** How the engine runs a plan. */
export interface EngineOptions {
  /** Runtimes by node type (normally `nodeRuntimes` from nodes/runtimes.ts). */
  runtimes: ReadonlyMap<string, NodeRuntime>;
  logger: Logger;
  /**
   * Preview mode (`tributary preview`): sources read `records` records each with a throwaway consumer group and commit
   * nothing; sinks are never created or called, but what reaches them is counted and sampled.
   */
  preview?: { records: number };
  /** Overrides `settings.telemetry` of the flow. */
  telemetry?: boolean;
  /**
   * Told which node runs (its index in `plan.nodes`) around each transform `process` and sink write, once per batch:
   * the block watchdog (runtime/engine/watchdog.ts) names that node when the event loop blocks.
   */
  watchdog?: RunningNodeMark | undefined;
  /** Record traces beyond `settings.traceSampleRate` (runtime/engine/trace.ts): the rate, studio picks, span export. */
  tracing?: TracingOptions;
}

/** The acknowledgement of one delivered source batch: done once the graph pass finished and every hold is released. */
class Delivery implements BatchScope {
  private holds = 0;
  private processed = false;
  private settle!: (error?: Error) => void;
  readonly acknowledged = new Promise<void>((resolve, reject) => {
    this.settle = (error) => (error === undefined ? resolve() : reject(error));
  });

  get held(): boolean {
    return this.holds > 0;
  }

  hold(): Release {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.check();
    };
  }

  /** The graph pass is over: acknowledged now, unless something still holds it. */
  passed(): void {
    this.processed = true;
    this.check();
  }

  /** Gives up on the acknowledgement (the run stopped with the batch still held). */
  abandon(error: Error): void {
    this.settle(error);
  }

  private check(): void {
    if (this.processed && this.holds === 0) this.settle();
  }
}

/** The scope of records emitted outside a source batch (`ctx.emit`): holds have nothing to defer. */
const UNHELD: BatchScope = { hold: () => () => undefined };

/**
 * A created node: its runtime and, as the engine calls them, its parts wrapped by the node's observer: `process` of a
 * transform, `write` of a sink (with retries; a no-op in preview, where the sink is never created).
 */
type Instance =
  | { kind: 'source'; node: PlanNode; runtime: SourceRuntime }
  | { kind: 'transform'; node: PlanNode; runtime: TransformRuntime; process: Process }
  | { kind: 'sink'; node: PlanNode; runtime: SinkRuntime | undefined; write: SinkWrite };

/** Classifies a sink failure for retries and observation. */
function classifySinkError(error: unknown): { retriable: boolean; message: string } {
  const e = asTributaryError(error, 'E_SINK');
  return { retriable: e.retriable, message: e.message };
}

/** Why a run ended. */
export type StopReason = 'finished' | 'signal' | 'error';

/**
 * Runs one plan once. Create, then `await run()`; call `stop()` (e.g. on SIGTERM) to drain and finish.
 * `run()` rejects with the fatal error when the run fails (a node with `onError: stop` failed, a sink failed for
 * good, a source crashed too often).
 */
export class Engine {
  /** Live telemetry; undefined when telemetry is switched off. */
  readonly telemetry: TelemetryCollector | undefined;
  private readonly instances = new Map<string, Instance>();
  /** Per node: its observer, and its outlet (how records leave its ports), observed. */
  private readonly observers = new Map<string, NodeObserver>();
  private readonly outlets = new Map<string, Outlet>();
  /** Per node: its tracing wrappers (pass-through with `settings.traceSampleRate` 0). */
  private readonly tracers = new Map<string, NodeTracer>();
  /** The run's trace recorder; undefined when nothing is traced. */
  readonly tracer: Tracer | undefined;
  private readonly counters = new Map<string, NodeCounters>();
  /** Index of each node in `plan.nodes`, the number marked for the watchdog. */
  private readonly nodeIndexes = new Map<string, number>();
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private readonly hardAbort = new AbortController();
  private readonly health: RunHealth;
  private readonly retryingSinks = new Set<string>();
  private readonly heldDeliveries = new Set<Delivery>();
  /** What the nodes of this run share (see {@link NodeContext.shared}). */
  private readonly shared = new Map<string, unknown>();
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Deliveries waiting for room in flight, in arrival order; admitted by {@link admit}, which counts them in flight. */
  private readonly admissions: { size: number; admit: () => void }[] = [];
  private waiters: (() => void)[] = [];
  private fatal: Error | undefined;
  private stopping: Promise<void> | undefined;
  private failed!: (error: Error) => void;
  private readonly failure = new Promise<never>((_, reject) => {
    this.failed = reject;
  });

  constructor(
    private readonly plan: Plan,
    private readonly options: EngineOptions,
  ) {
    this.logger = options.logger;
    this.maxInFlight = plan.flow.settings.maxInFlightRecords;
    this.failure.catch(() => undefined);
    this.health = new RunHealth(
      plan.sources.map((n) => n.id),
      plan.flow.settings.unreadyAfterMs,
    );
    const telemetry = options.telemetry ?? plan.flow.settings.telemetry;
    this.telemetry = telemetry
      ? new TelemetryCollector(
          plan.nodes.map((n) => n.id),
          plan.sinks.map((n) => n.id),
          options.preview === undefined ? undefined : Math.max(1, options.preview.records),
        )
      : undefined;
    this.tracer = createTracer(plan, plan.flow.settings.traceSampleRate, options.tracing);
    for (const node of plan.nodes) {
      this.nodeIndexes.set(node.id, this.nodeIndexes.size);
      const tracing = traceNode(this.tracer, node);
      this.tracers.set(node.id, tracing);
      const counters = createNodeCounters();
      const observer = observeNode(this.telemetry, node, counters);
      this.counters.set(node.id, counters);
      this.observers.set(node.id, observer);
      this.outlets.set(node.id, tracing.wrapOutlet(observer.wrapOutlet((port, records, scope) => this.route(node, port, records, scope))));
    }
  }

  /** True while the run is ready (see {@link readiness}). */
  get ready(): boolean {
    return this.health.readiness().ready;
  }

  /** Liveness (`/healthz`): live until the run failed. */
  liveness(): Liveness {
    return this.health.liveness();
  }

  /**
   * Readiness (`/readyz`): every source holds its group membership, no sink has been failing for longer than
   * `settings.unreadyAfterMs`, the run is neither draining nor failed; otherwise a reason per node.
   */
  readiness(): Readiness {
    return this.health.readiness();
  }

  /** The flow's name (`name` of the flow file), the `flow` label of the run's metrics. */
  get flowName(): string {
    return this.plan.flow.name;
  }

  /** The fatal error of the run, if it failed. */
  get error(): Error | undefined {
    return this.fatal;
  }

  /** The current telemetry frame, or undefined when telemetry is off. */
  frame(): TelemetryFrame | undefined {
    if (this.telemetry !== undefined) this.telemetry.inFlight = this.inFlight;
    return this.telemetry?.frame();
  }

  /** The consumer-group membership of every source that has one (joined), by node id. Not on the record path. */
  memberships(): Record<string, GroupMembership> {
    const result: Record<string, GroupMembership> = {};
    for (const [id, instance] of this.instances) {
      const membership = instance.kind === 'source' ? instance.runtime.membership?.() : undefined;
      if (membership !== undefined) result[id] = membership;
    }
    return result;
  }

  /** The last records in and out of a node, or undefined (unknown node, telemetry off). */
  samples(nodeId: string): NodeSamples | undefined {
    return this.telemetry?.samples(nodeId);
  }

  /**
   * Creates every runtime, opens the sinks, runs the sources until they finish or {@link stop} is called, drains
   * in-flight records, then closes everything.
   * @throws the fatal error of the run (see class doc); creation errors are thrown as they are
   */
  async run(): Promise<void> {
    try {
      await this.create();
      this.logger.info(
        { event: 'started', flow: this.plan.flow.name, nodes: this.plan.nodes.map((n) => ({ id: n.id, type: n.spec.type })) },
        `flow ${this.plan.flow.name} started: ${this.plan.nodes.length} nodes`,
      );
      // A stop (or a failure) while a sink still retries its open, its service down at the start, ends the run at
      // once: no record was read yet, so nothing drains. The open is abandoned (the sink is closed by the stop).
      const opened = this.openSinks();
      opened.catch(() => undefined);
      await Promise.race([opened, this.stopRequested()]);
      if (this.abort.signal.aborted) return;
      const sources = [...this.instances.values()].filter((i) => i.kind === 'source');
      const runs = Promise.all(
        sources.map(async (i) => {
          await i.runtime.run();
          this.logger.debug({ node: i.node.id }, 'source finished');
        }),
      );
      await Promise.race([runs, this.failure]);
    } catch (error) {
      if (this.fatal === undefined) this.fatal = error instanceof Error ? error : new Error(String(error));
      this.health.failed(this.fatal);
    } finally {
      await this.stop();
    }
    if (this.fatal !== undefined) throw this.fatal;
  }

  /**
   * Graceful stop: sources stop reading, in-flight records drain through the sinks, then sinks and transforms close.
   * After `settings.shutdownTimeoutMs` pending work is abandoned (its offsets stay uncommitted). Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.abort.abort();
    this.health.draining();
    this.logger.info({ event: 'draining', inFlight: this.inFlight }, 'draining: sources stop reading, in-flight records go through the sinks');
    const timeoutMs = this.plan.flow.settings.shutdownTimeoutMs;
    const timer = setTimeout(() => {
      this.logger.warn({ timeoutMs, inFlight: this.inFlight }, 'shutdown timeout reached: abandoning in-flight records');
      this.hardAbort.abort();
      this.wake();
    }, timeoutMs);
    timer.unref();
    const sources = [...this.instances.values()].filter((i) => i.kind === 'source');
    await Promise.allSettled(sources.map((i) => i.runtime.stop()));
    await this.idle();
    clearTimeout(timer);
    // Batches still held by stateful transforms (open windows) are not acknowledged: their offsets stay uncommitted
    // and the records are replayed after a restart, which rebuilds the open state.
    for (const delivery of this.heldDeliveries) {
      delivery.abandon(new TributaryError('E_INTERNAL', 'the run stopped while this batch was held in open state; it will be replayed'));
    }
    this.heldDeliveries.clear();
    for (const instance of this.instances.values()) {
      try {
        if (instance.kind === 'sink') await instance.runtime?.close?.();
        else if (instance.kind === 'transform') await instance.runtime.close?.();
      } catch (error) {
        this.logger.warn({ node: instance.node.id, err: error }, 'error while closing node');
      }
    }
    this.logStopped();
  }

  /** The `stopped` lifecycle line: records in, out (every port) and failed per source and sink (with telemetry on). */
  private logStopped(): void {
    const frame = this.frame();
    const counts: Record<string, { in: number; out: number; errors: number }> = {};
    if (frame !== undefined) {
      for (const node of [...this.plan.sources, ...this.plan.sinks]) {
        const t = frame.nodes[node.id];
        if (t === undefined) continue;
        counts[node.id] = { in: t.in, out: Object.values(t.out).reduce((a, b) => a + b, 0), errors: t.errors };
      }
    }
    const outcome = this.fatal === undefined ? 'drained' : 'failed';
    this.logger.info(
      { event: 'stopped', flow: this.plan.flow.name, outcome, ...(frame === undefined ? {} : { nodes: counts, totals: frame.totals }) },
      `flow ${this.plan.flow.name} stopped (${outcome})`,
    );
  }

  /** Ends the run with `error`: sources stop, nothing more is delivered, `run()` rejects with it. */
  fail(error: Error): void {
    if (this.fatal !== undefined) return;
    this.fatal = error;
    this.health.failed(error);
    this.logger.error({ err: error }, 'run failed');
    this.failed(error);
    this.abort.abort();
    this.wake();
  }

  private nodeContext(node: PlanNode): NodeContext {
    return {
      nodeId: node.id,
      spec: node.spec,
      logger: this.logger.child({ node: node.id }),
      preview: this.options.preview !== undefined,
      signal: this.abort.signal,
      emit: (port, records) => this.emit(node, port, records, UNHELD),
      counters: this.counters.get(node.id)!,
      delivery: this.plan.flow.settings.delivery,
      shared: this.shared,
    };
  }

  private async create(): Promise<void> {
    for (const node of this.plan.nodes) {
      const runtime = this.options.runtimes.get(node.spec.type);
      if (runtime === undefined) {
        throw new TributaryError('E_CONFIG', `node ${node.id}: no runtime for type ${node.spec.type}`, { nodeId: node.id });
      }
      const observer = this.observers.get(node.id)!;
      const tracing = this.tracers.get(node.id)!;
      if (runtime.kind === 'source') {
        let deliver = tracing.wrapDeliver(observer.wrapDeliver((batch, onProcessed) => this.deliver(node, batch, onProcessed)));
        const preview = this.options.preview;
        if (preview !== undefined) {
          // Preview: the engine stops each source after `records` records (the source reads as in a run).
          deliver = limitDeliveries(deliver, preview.records, () => {
            const instance = this.instances.get(node.id);
            if (instance?.kind === 'source') void instance.runtime.stop().catch(() => undefined);
          });
        }
        const ctx: SourceContext = {
          ...this.nodeContext(node),
          deliver,
          backpressured: () => this.backpressured(),
          whenRelieved: () => this.whenRelieved(),
          reportPartitions: (positions) => this.telemetry?.reportPartitions(node.id, positions),
          ready: () => {
            if (this.health.sourceReady(node.id)) this.logger.info('all sources ready');
          },
          unready: (reason) => this.health.sourceUnready(node.id, reason),
          fail: (error) => this.fail(error),
          checkpointing: () => this.statefulTransforms().length > 0,
          checkpoint: (topic, partition, offset) => this.checkpoint(node, topic, partition, offset),
          restore: (topic, partition, offset, metadata) => this.restore(node, topic, partition, offset, metadata),
          batchSize: this.plan.flow.settings.batchSize,
          sourceUnavailableTimeoutMs: this.plan.flow.settings.sourceUnavailableTimeoutMs,
        };
        this.instances.set(node.id, { kind: 'source', node, runtime: await runtime.create(node.config, ctx) });
      } else if (runtime.kind === 'transform') {
        const transform = await runtime.create(node.config, this.nodeContext(node));
        const process = tracing.wrapProcess(observer.wrapProcess((records, scope) => transform.process(records, scope)));
        this.instances.set(node.id, { kind: 'transform', node, runtime: transform, process });
      } else if (this.options.preview === undefined) {
        const sink = observer.wrapSink(await runtime.create(node.config, this.nodeContext(node)), classifySinkError);
        const write = tracing.wrapSinkWrite(observer.wrapSinkWrite((records) => this.withRetry(node, 'write', () => sink.write(records)), true), true);
        this.instances.set(node.id, { kind: 'sink', node, runtime: sink, write });
      } else {
        // In preview, sinks are never created: nothing is written anywhere (what reaches them is still observed).
        const write = tracing.wrapSinkWrite(observer.wrapSinkWrite(() => Promise.resolve(), false), false);
        this.instances.set(node.id, { kind: 'sink', node, runtime: undefined, write });
      }
    }
  }

  /** Transforms that keep checkpoints (see {@link TransformRuntime.checkpoint}). */
  private statefulTransforms(): { node: PlanNode; runtime: TransformRuntime }[] {
    const found: { node: PlanNode; runtime: TransformRuntime }[] = [];
    for (const instance of this.instances.values()) {
      if (instance.kind === 'transform' && instance.runtime.checkpoint !== undefined) found.push(instance);
    }
    return found;
  }

  /** The commit metadata for `source`'s partition at `offset`: every stateful transform's checkpoint, encoded. */
  private checkpoint(source: PlanNode, topic: string, partition: number | undefined, offset: string): string | null {
    const values: Record<string, unknown> = {};
    for (const { node, runtime } of this.statefulTransforms()) {
      const value = runtime.checkpoint!({ source: source.id, topic, partition }, offset);
      if (value !== undefined) values[node.id] = value;
    }
    try {
      return encodeCheckpoint(values);
    } catch (error) {
      this.logger.warn({ node: source.id, topic, partition, err: (error as Error).message }, 'checkpoint too large: committed without it');
      return null;
    }
  }

  /** Hands the checkpoints found in a committed offset's metadata to the stateful transforms. */
  private restore(source: PlanNode, topic: string, partition: number | undefined, offset: string, metadata: string | null): void {
    const values = decodeCheckpoint(metadata);
    if (values === undefined) return;
    for (const { node, runtime } of this.statefulTransforms()) {
      if (node.id in values) runtime.restore?.({ source: source.id, topic, partition }, offset, values[node.id]);
    }
  }

  /** Opens every sink, retrying retriable failures with backoff until the run stops. */
  /** Resolves when a stop or a failure is requested (at once when it was). */
  private stopRequested(): Promise<void> {
    const { signal } = this.abort;
    return new Promise((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  private async openSinks(): Promise<void> {
    await Promise.all(
      [...this.instances.values()].map(async (instance) => {
        if (instance.kind !== 'sink' || instance.runtime?.open === undefined) return;
        const sink = instance.runtime;
        await this.withRetry(instance.node, 'open', () => sink.open!());
      }),
    );
  }

  // ------------------------------------------------------------------ delivery

  private backpressured(): boolean {
    return this.retryingSinks.size > 0 || this.inFlight >= this.maxInFlight;
  }

  private wake(): void {
    this.admit();
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Admits waiting deliveries in arrival order while they fit in flight (all of them once the run failed). */
  private admit(): void {
    while (this.admissions.length > 0) {
      const head = this.admissions[0]!;
      if (this.fatal === undefined && this.inFlight > 0 && this.inFlight + head.size > this.maxInFlight) return;
      this.admissions.shift();
      this.inFlight += head.size;
      head.admit();
    }
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async whenRelieved(): Promise<void> {
    while (this.backpressured() && !this.abort.signal.aborted && this.fatal === undefined) await this.waitForChange();
  }

  private async idle(): Promise<void> {
    while (this.inFlight > 0 && !this.hardAbort.signal.aborted) await this.waitForChange();
  }

  private async deliver(source: PlanNode, batch: FlowRecord[], onProcessed?: () => void): Promise<void> {
    if (batch.length === 0) {
      onProcessed?.();
      return;
    }
    // Admitted in arrival order: a smaller batch never overtakes a waiting one (a source's chunks keep their order).
    if (this.admissions.length > 0 || (this.inFlight > 0 && this.inFlight + batch.length > this.maxInFlight)) {
      await new Promise<void>((admit) => {
        this.admissions.push({ size: batch.length, admit });
        this.admit();
      });
    } else {
      this.inFlight += batch.length;
    }
    if (this.fatal !== undefined) {
      this.inFlight -= batch.length;
      this.wake();
      throw this.fatal;
    }
    const delivery = new Delivery();
    try {
      let failed: FlowRecord[] | undefined;
      let good = batch;
      for (let i = 0; i < batch.length; i++) {
        if (batch[i]!.error !== undefined) {
          failed = batch.filter((r) => r.error !== undefined);
          good = batch.filter((r) => r.error === undefined);
          break;
        }
      }
      if (failed === undefined) await this.emit(source, 'out', good, delivery);
      else await Promise.all([this.emit(source, 'out', good, delivery), this.emit(source, ERROR_PORT, failed, delivery)]);
      if (this.fatal !== undefined) throw this.fatal;
    } finally {
      this.inFlight -= batch.length;
      this.wake();
    }
    onProcessed?.();
    delivery.passed();
    if (delivery.held) {
      this.heldDeliveries.add(delivery);
      try {
        await delivery.acknowledged;
      } finally {
        this.heldDeliveries.delete(delivery);
      }
    }
  }

  /** Sends `records` out of `node`'s `port` through its (observed) outlet; resolves when all downstream sinks acknowledged. */
  private emit(node: PlanNode, port: string, records: FlowRecord[], scope: BatchScope): Promise<void> {
    return this.outlets.get(node.id)!(port, records, scope);
  }

  /** The outlet of `node`: hands `records` of `port` to every target. */
  private async route(node: PlanNode, port: string, records: FlowRecord[], scope: BatchScope): Promise<void> {
    if (records.length === 0) return;
    const targets = node.outputs.get(port) ?? [];
    if (targets.length === 0) {
      if (port === ERROR_PORT) this.unwiredErrors(node, records);
      return;
    }
    if (targets.length === 1) return this.process(targets[0]!.nodeId, records, scope);
    await Promise.all(targets.map((t) => this.process(t.nodeId, records, scope)));
  }

  /** Applies `onError` to failed records of a node whose `error` port is not wired. */
  private unwiredErrors(node: PlanNode, records: FlowRecord[]): void {
    const first = records[0]!;
    const where = describeRecord(first);
    const message = first.error?.message ?? 'record failed';
    if (node.onError === 'drop') {
      this.logger.warn(
        { node: node.id, count: records.length, code: first.error?.code, record: where },
        `dropped ${records.length} failed record(s) (onError: drop): ${message}`,
      );
      return;
    }
    const code: ErrorCode = first.error?.code ?? 'E_INTERNAL';
    this.fail(
      new TributaryError(
        code,
        `node ${node.id}: ${message} (record ${where}); wire its error port or set onError: drop to go on`,
        { nodeId: node.id },
      ),
    );
  }

  /** Hands `records` to the node `nodeId` (a transform or a sink); resolves when all downstream sinks acknowledged. */
  private async process(nodeId: string, records: FlowRecord[], scope: BatchScope): Promise<void> {
    if (this.fatal !== undefined) throw this.fatal;
    const instance = this.instances.get(nodeId)!;
    const node = instance.node;
    if (instance.kind === 'transform') {
      let out: PortBatches;
      try {
        out = await this.running(nodeId, () => instance.process(records, scope));
      } catch (error) {
        const e = asTributaryError(error, 'E_INTERNAL');
        out = { [ERROR_PORT]: records.map((r) => failRecord(r, node.id, e.message, e.code)) };
      }
      const ports = Object.keys(out);
      if (ports.length === 1) return this.emit(node, ports[0]!, out[ports[0]!]!, scope);
      await Promise.all(ports.map((port) => this.emit(node, port, out[port]!, scope)));
      return;
    }
    if (instance.kind === 'sink') {
      let rejections: SinkRejection[] | void;
      try {
        rejections = await this.running(nodeId, () => instance.write(records));
      } catch (error) {
        if (this.fatal !== undefined || this.hardAbort.signal.aborted) throw error;
        // Not retriable: the whole batch goes to the sink's error port.
        const e = asTributaryError(error, 'E_SINK');
        this.logger.warn({ node: node.id, err: e.message }, 'sink rejected a batch (not retriable): records go to its error port');
        rejections = records.map((_, index) => ({ index, message: e.message, code: e.code }));
      }
      if (rejections !== undefined && rejections.length > 0) {
        await this.emit(
          node,
          ERROR_PORT,
          rejections.map((r) => failRecord(records[r.index]!, node.id, r.message, r.code ?? 'E_SINK')),
          scope,
        );
      }
      return;
    }
    throw new TributaryError('E_INTERNAL', `node ${node.id}: a source cannot receive records`, { nodeId: node.id });
  }

  /** Calls `call` with `nodeId` marked as running for the watchdog (its synchronous part: until it returns). */
  private running<T>(nodeId: string, call: () => T): T {
    const watchdog = this.options.watchdog;
    if (watchdog === undefined) return call();
    const previous = watchdog.enter(this.nodeIndexes.get(nodeId)!);
    try {
      return call();
    } finally {
      watchdog.leave(previous);
    }
  }

  /**
   * Runs a sink operation, retrying retriable failures with exponential backoff (runtime/engine/retry.ts: 100 ms
   * doubling to 5 s, with jitter) while marking the sink as backpressured.
   * @throws TributaryError naming the node on a non-retriable failure; the run's fatal error after a hard stop
   */
  private withRetry<T>(node: PlanNode, operation: 'open' | 'write', attempt: () => Promise<T>): Promise<T> {
    return retry(attempt, {
      retriable: (error) => classifySinkError(error).retriable,
      signal: this.hardAbort.signal,
      stopped: () => this.fatal !== undefined,
      nonRetriable: (error) => {
        const e = asTributaryError(error, 'E_SINK');
        return new TributaryError(e.code, `node ${node.id}: ${e.message}`, { nodeId: node.id, cause: error });
      },
      giveUp: (error) => this.fatal ?? asTributaryError(error, 'E_SINK'),
      onRetry: (error, tries, delay) => {
        this.retryingSinks.add(node.id);
        const e = asTributaryError(error, 'E_SINK');
        const down = this.health.sinkFailing(node.id, e.message);
        if (down || tries % 10 === 0) {
          this.logger.warn(
            { ...(down ? { event: 'sink-down' } : {}), node: node.id, tries, delayMs: Math.round(delay), err: e.message },
            `sink ${operation} failed; retrying`,
          );
        }
      },
      onSuccess: (tries) => {
        const downMs = this.health.sinkRecovered(node.id);
        if (this.retryingSinks.delete(node.id)) {
          this.logger.info({ event: 'sink-recovered', node: node.id, tries, downMs }, `sink recovered: ${operation} succeeded`);
          this.wake();
        }
      },
    });
  }
}

/** `topic/partition@offset` or the source node id, for messages. */
export function describeRecord(record: FlowRecord): string {
  const m = record.meta;
  return m.topic !== undefined ? `${m.topic}/${m.partition}@${m.offset}` : `from ${m.source}`;
}

/** Wraps anything thrown into a {@link TributaryError}, keeping `retriable` from kafkajs/ioredis-style errors. */
export function asTributaryError(error: unknown, code: ErrorCode): TributaryError {
  if (error instanceof TributaryError) return error;
  const e = error as { message?: unknown; retriable?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return new TributaryError(code, message, { retriable: e?.retriable === true, cause: error });
}

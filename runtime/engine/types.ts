/**
 * The contract between the engine and node runtimes (Node-only). A node runtime transforms a batch, and that is all:
 * the engine owns batching, acknowledgements, offsets, backpressure, metrics and sampling.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ErrorCode } from '../common/errors';
import type { NodeSpec } from '../common/node-spec';
import type { ConnectionTest } from '../common/studio-api';
import type { TraceHop } from './trace-context';

/** Where a record came from. Kafka sources fill topic/partition/offset; other sources leave them undefined. */
export interface RecordMeta {
  /** Id of the source node that read the record. */
  source: string;
  topic?: string;
  partition?: number;
  /** Kafka offset, as a decimal string (offsets exceed 2^53). */
  offset?: string;
}

/** What went wrong with a record routed to an `error` port. */
export interface RecordError {
  /** Id of the node where the record failed. */
  nodeId: string;
  message: string;
  code: ErrorCode;
}

/**
 * Header values of a record by name: one value as a string; a header that occurs more than once (Kafka allows
 * repeated headers) as the array of its values in record order. Kafka header values are decoded as UTF-8.
 */
export type RecordHeaders = Record<string, string | string[]>;

/**
 * A record moving through a flow. `timestamp` is ms since the epoch (Kafka record timestamp, or read time). `key` is
 * text: a key that a source decodes into a structured value (`keyFormat` json or a schema registry format) is kept as
 * its JSON text.
 */
export interface FlowRecord {
  key: string | null;
  value: unknown;
  headers: RecordHeaders;
  timestamp: number;
  meta: RecordMeta;
  /** Set on records routed to an `error` port. */
  error?: RecordError;
  /** Set on traced records (`settings.traceSampleRate`): the record's current hop (runtime/engine/trace.ts). */
  trace?: TraceHop | undefined;
}

/** Records by output port name, e.g. `{ out: [...], error: [...] }`. Ports absent from the object emit nothing. */
export type PortBatches = Record<string, FlowRecord[]>;

/**
 * The counters of one node (see runtime/engine/counters.ts): the engine reports them with the node's telemetry. Names
 * are camelCase nouns (`closed`, `heldBatches`); a counter may go down (`add(name, -1)`) for figures such as "open now".
 */
export interface NodeCounters {
  /** Adds `delta` (default 1; negative to decrease) to the counter `name`. */
  add(name: string, delta?: number): void;
  /** The counter's current value (0 before its first `add`). */
  get(name: string): number;
  /** Every counter added to so far, by name. */
  snapshot(): Record<string, number>;
  /** True once any counter was added to. */
  readonly used: boolean;
}

/** What every runtime gets when it is created. */
export interface NodeContext {
  nodeId: string;
  spec: NodeSpec;
  logger: Logger;
  /** True in `tributary preview`: sinks are never called, sources read with a throwaway group and commit nothing. */
  preview: boolean;
  /** Aborted when the run stops. */
  signal: AbortSignal;
  /**
   * Emits records from this node outside `process()` (e.g. a window closed by a timer). Resolves when every sink
   * downstream acknowledged them; rejects when the run fails.
   */
  emit(port: string, records: FlowRecord[]): Promise<void>;
  /** The node's own counters, reported by the engine with its telemetry (e.g. a window's open windows). */
  counters: NodeCounters;
  /** The flow's delivery guarantee (`settings.delivery`); undefined means at-least-once. */
  delivery?: 'at-least-once' | 'exactly-once';
  /**
   * Objects the nodes of one run share, by a key the owning node type chooses: e.g. the Kafka transactions of an
   * exactly-once flow, which `source.kafka` begins and commits and `sink.kafka` produces into
   * (nodes/kafka-transaction.runtime.ts). Undefined outside an engine run.
   */
  shared?: Map<string, unknown>;
}

/** Ends a hold taken with {@link BatchScope.hold}; calling it more than once does nothing. */
export type Release = () => void;

/** What a transform may do with the acknowledgement of the batch it is processing. */
export interface BatchScope {
  /**
   * Holds the acknowledgement of the source batch the records being processed came from until the returned function
   * is called. Stateful transforms use it: a window holds while a record sits in an open window, and releases once
   * the window's result was emitted and acknowledged (`await ctx.emit(...)`). Until every hold is released, the
   * source does not commit the batch's offsets, so open state is rebuilt from Kafka after a crash or a restart.
   */
  hold(): Release;
}

/** A partition of a source: the source node's id, and the topic and partition for Kafka sources. */
export interface PartitionRef {
  source: string;
  topic?: string;
  partition?: number;
}

/** A transform node's runtime. */
export interface TransformRuntime {
  /**
   * Transforms one batch. Records that fail go to the `error` port with `error` set (use {@link failRecord}); a thrown
   * error fails the whole batch (every record to `error`). `scope` defers the batch's acknowledgement (windows).
   */
  process(batch: FlowRecord[], scope: BatchScope): PortBatches | Promise<PortBatches>;
  /**
   * Stateful transforms: a small JSON value to store with the source's offset commit of `partition` at `offset` (the
   * next offset to read after a restart), or undefined for nothing. Called at commit time; what it returns must stay
   * true for a replay that starts at `offset` (see {@link restore}).
   */
  checkpoint?(partition: PartitionRef, offset: string): unknown;
  /**
   * Stateful transforms: `partition` was (re)assigned and will be replayed from `offset`, where `value` is what
   * {@link checkpoint} returned for that commit. Called before the first record of the replay arrives.
   */
  restore?(partition: PartitionRef, offset: string, value: unknown): void;
  /** Releases resources (connections, timers). */
  close?(): Promise<void>;
}

/** A record a sink rejected without retry (the engine routes it to the sink's `error` port). */
export interface SinkRejection {
  /** Index of the record in the batch given to {@link SinkRuntime.write}. */
  index: number;
  message: string;
  code?: ErrorCode;
}

/** A sink node's runtime. */
export interface SinkRuntime {
  /** Connects; throws (retriable or not) when the target cannot be reached. */
  open?(): Promise<void>;
  /**
   * Writes a batch and resolves once the target acknowledged it. Rejecting with a retriable error (network, broker or
   * server unavailable) makes the engine retry the same batch with backoff, pausing the sources meanwhile; a
   * non-retriable error sends the whole batch to `error`. Records the target refused one by one are returned, and only
   * those go to `error`.
   */
  write(batch: FlowRecord[]): Promise<SinkRejection[] | void>;
  /** Flushes and disconnects. */
  close?(): Promise<void>;
}

/** Per-partition position of a Kafka source, reported to telemetry. */
export interface PartitionPosition {
  topic: string;
  partition: number;
  /** Next offset to be committed (last committed + 1), or -1 when nothing was committed yet. */
  committed: number;
  /** High watermark: offset of the next record the broker will append. */
  highWatermark: number;
  /** True while the source paused the partition (backpressure). */
  paused: boolean;
}

/** What a source gets from the engine. */
export interface SourceContext extends NodeContext {
  /**
   * Hands a batch to the graph. Records with `error` set (e.g. undecodable values) leave through the source's `error`
   * port, the others through `out`. Resolves when every record derived from it was acknowledged by every sink it reached
   * (at-least-once); rejects only when the run stops with an error. Waits first while too many records are in flight
   * (backpressure), so a source that awaits it never outruns the sinks. `onProcessed` is called once the batch has
   * passed through the graph and every sink write is done, which may be long before the acknowledgement when a
   * stateful transform holds it (see {@link BatchScope.hold}); sources use it to pipeline further batches.
   */
  deliver(batch: FlowRecord[], onProcessed?: () => void): Promise<void>;
  /** True while sinks are retrying or in-flight work is at its bound: sources should pause reading. */
  backpressured(): boolean;
  /** Resolves when {@link backpressured} becomes false (or the run stops). */
  whenRelieved(): Promise<void>;
  /** Reports the positions of every partition the source owns now (the full set), for lag telemetry. */
  reportPartitions(positions: PartitionPosition[]): void;
  /**
   * Reports that the source holds its group membership (joined its Kafka consumer group, created its Redis stream
   * group and reads); call it again after every {@link unready}. `/readyz` answers 200 only while every source holds it.
   */
  ready(): void;
  /**
   * Reports that the source lost its membership for now, with the reason `/readyz` shows for the node (e.g.
   * `rebalancing`, `consumer crashed, restarting: ...`, `reads fail: ...`); {@link ready} again once it holds it.
   */
  unready(reason: string): void;
  /** Stops the run with an error (e.g. the consumer crashed more often than allowed). */
  fail(error: Error): void;
  /** True when a transform of the flow keeps checkpoints (see {@link TransformRuntime.checkpoint}). */
  checkpointing(): boolean;
  /**
   * The checkpoints of the flow's stateful transforms for a commit of `offset` (the first offset a restart would read
   * again) on `topic`/`partition` (a Redis stream has no partition), encoded as the commit's metadata string (see
   * runtime/engine/checkpoint.ts), or null when there is none.
   */
  checkpoint(topic: string, partition: number | undefined, offset: string): string | null;
  /**
   * Hands the metadata of the offset a (re)assigned partition resumes from to the flow's stateful transforms; call it
   * before delivering the partition's first batch. Metadata not written by Tributary is ignored.
   */
  restore(topic: string, partition: number | undefined, offset: string, metadata: string | null): void;
  /**
   * Maximum records per delivered batch (flow setting `batchSize`). In preview the engine lets only the first records
   * through `deliver` and then calls the source's `stop()`: sources read the same way in both.
   */
  batchSize: number;
  /**
   * How long the source may find its broker or server unavailable before it fails the run (ms, flow setting
   * `sourceUnavailableTimeoutMs`); meanwhile it reconnects with backoff and reports itself unready.
   */
  sourceUnavailableTimeoutMs: number;
}

/** A source node's runtime. */
export interface SourceRuntime {
  /**
   * Starts reading and delivering; resolves when the source is finished (bounded sources) or after {@link stop}.
   * Rejects when the source fails for good.
   */
  run(): Promise<void>;
  /** Stops reading; in-flight deliveries still complete. */
  stop(): Promise<void>;
  /** Consumer-group sources: the group and this member's id in it, once joined (shown by `/live`, the studio's Attach). */
  membership?(): GroupMembership | undefined;
}

/** A source's place in its consumer group: the group id and the member id the group coordinator gave it. */
export interface GroupMembership {
  groupId: string;
  memberId: string;
}

/** The config type of a spec, after parsing and defaults. */
export type ConfigOf<S extends NodeSpec> = z.output<S['config']>;

/**
 * The runtime half of a node type: its spec and how to build an instance from the parsed, defaulted config.
 * Built with {@link defineSource}, {@link defineTransform} or {@link defineSink}; listed in `nodes/runtimes.ts`.
 */
export type NodeRuntime = (
  | { kind: 'source'; spec: NodeSpec; create(config: unknown, ctx: SourceContext): SourceRuntime | Promise<SourceRuntime> }
  | { kind: 'transform'; spec: NodeSpec; create(config: unknown, ctx: NodeContext): TransformRuntime | Promise<TransformRuntime> }
  | { kind: 'sink'; spec: NodeSpec; create(config: unknown, ctx: NodeContext): SinkRuntime | Promise<SinkRuntime> }
) & {
  /**
   * "Test connection": connects to the service the node talks to (Kafka, Redis) with the node's own client factory and
   * defaults, and says in one line whether it answered. Present exactly when the spec declares `connectionCheck`.
   * `config` is the node's config as the studio's inspector holds it, `${VAR}` references already substituted and not
   * yet validated (other fields may be missing): a check reads only its connection fields. Never rejects.
   */
  check?: ConnectionCheck;
};

/** The connection check of a node type (see {@link NodeRuntime} `check`); resolves within a few seconds. */
export type ConnectionCheck = (config: unknown) => Promise<ConnectionTest>;

/** Declares a source runtime for `spec`; `create` receives the config typed from the spec's zod schema. */
export function defineSource<S extends NodeSpec>(
  spec: S,
  create: (config: ConfigOf<S>, ctx: SourceContext) => SourceRuntime | Promise<SourceRuntime>,
): NodeRuntime {
  return { kind: 'source', spec, create: create as (config: unknown, ctx: SourceContext) => SourceRuntime | Promise<SourceRuntime> };
}

/** Declares a transform runtime for `spec`. */
export function defineTransform<S extends NodeSpec>(
  spec: S,
  create: (config: ConfigOf<S>, ctx: NodeContext) => TransformRuntime | Promise<TransformRuntime>,
): NodeRuntime {
  return { kind: 'transform', spec, create: create as (config: unknown, ctx: NodeContext) => TransformRuntime | Promise<TransformRuntime> };
}

/** Declares a sink runtime for `spec`. */
export function defineSink<S extends NodeSpec>(
  spec: S,
  create: (config: ConfigOf<S>, ctx: NodeContext) => SinkRuntime | Promise<SinkRuntime>,
): NodeRuntime {
  return { kind: 'sink', spec, create: create as (config: unknown, ctx: NodeContext) => SinkRuntime | Promise<SinkRuntime> };
}

/** Returns a copy of `record` routed to an error port, with `error` set. */
export function failRecord(record: FlowRecord, nodeId: string, message: string, code: ErrorCode): FlowRecord {
  return { ...record, error: { nodeId, message, code } };
}

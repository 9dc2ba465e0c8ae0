/**
 * `source.kafka` runtime: a kafkajs consumer-group member that hands records to the engine batch by batch and commits
 * offsets only for what every sink acknowledged (at-least-once).
 *
 * Two positions are kept per partition:
 * - the **fetch position** (kafkajs `resolveOffset`, `eachBatchAutoResolve: false`): advanced once a chunk has passed
 *   through the graph, so the next fetch continues after it;
 * - the **commit position** (`autoCommit: false`; committed by this source): the end of the contiguous prefix of chunks
 *   acknowledged everywhere, kept by the engine's acknowledgement ledger (runtime/engine/ack-ledger.ts, one lane per
 *   partition). A chunk held by a stateful transform (an open window) is processed long before it is acknowledged;
 *   the commit position waits for it, so a restart or a rebalance replays it and rebuilds the state.
 *
 * Per fetched batch (kafkajs `eachBatch`): the messages are decoded and cut into chunks of `settings.batchSize`
 * records; up to {@link PIPELINE_DEPTH} chunks per partition are in the graph at once; `isRunning()` / `isStale()` stop
 * dispatching (a stop or a rebalance); a heartbeat runs every 2 s while the batch is processed; while the engine is
 * backpressured (a sink retrying, in-flight bound reached) the partition is paused and resumes by itself. Acknowledged
 * offsets are committed at the end of every batch and every {@link COMMIT_INTERVAL_MS} while held chunks get released.
 * In preview the engine stops the source after the records it previews; the source commits nothing.
 *
 * **Membership.** The source reports its group membership to the engine for `/readyz`: held at every group join
 * (`ctx.ready()`), lost while the group rebalances or the consumer restarts after a crash (`ctx.unready(reason)`); a
 * crash beyond `restartLimit` fails the run.
 *
 * **Checkpoints.** When the flow has stateful transforms (windows), every commit carries their checkpoints in the
 * offset commit's metadata (`ctx.checkpoint`), and after every group join the source reads the committed offsets'
 * metadata of its partitions (admin `fetchOffsets`) and hands it back (`ctx.restore`) before delivering a partition's
 * first batch, so a window resumed by any group member knows which results were already acknowledged.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { TributaryError } from '../../runtime/common/errors';
import { AckLedger, type AckTicket } from '../../runtime/engine/ack-ledger';
import { defineSource, type FlowRecord, type PartitionPosition, type SourceContext, type SourceRuntime } from '../../runtime/engine/types';
import { createKafkaClient } from '../kafka-common.runtime';
import { checkKafkaConnection } from '../kafka-check.runtime';
import { applyStartPosition, resolveStartFrom } from '../kafka-start-position.runtime';
import { createKafkaRecordDecoder, type KafkaRecordDecoder } from '../kafka-record-decode.runtime';
import { kafkaSourceSpec } from './kafka.spec';
import type { z } from 'zod';

type KafkaSourceConfig = z.output<typeof kafkaSourceSpec.config>;

/** Chunks of one partition that may be in the graph at the same time. */
export const PIPELINE_DEPTH = 4;
/** Heartbeat interval while a batch is being processed (ms); below the 3 s kafkajs default session heartbeat. */
const HEARTBEAT_MS = 2_000;
/** How often acknowledged offsets are committed when no batch is being processed (ms). */
const COMMIT_INTERVAL_MS = 1_000;
/** How often a partition being processed checks the engine's backpressure state (ms). */
const BACKPRESSURE_CHECK_MS = 100;
/** In preview: stop after this long without new records once the group has joined (ms). */
const PREVIEW_IDLE_MS = 3_000;

class KafkaSource implements SourceRuntime {
  private consumer: Consumer | undefined;
  private stopping: Promise<void> | undefined;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => {
    this.finish = resolve;
  });
  private readonly positions = new Map<string, PartitionPosition>();
  /**
   * Per `topic:partition` (a lane): the chunks delivered and not yet acknowledged, by the offset of their last record;
   * the commit position is the next offset to read after the acknowledged prefix.
   */
  private readonly ledger = new AckLedger<string, number>({ positionAfter: (last) => Number(last) + 1, compare: (a, b) => a - b });
  private commitTimer: NodeJS.Timeout | undefined;
  private restarts = 0;
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  /** Per `topic:partition` assigned at the last join: its committed offset and metadata, to restore before its first batch. */
  private toRestore = new Map<string, Promise<{ offset: string; metadata: string | null } | undefined>>();
  private previewIdle: NodeJS.Timeout | undefined;
  /** Decodes keys, values and headers (nodes/kafka-record-decode.runtime.ts); made at the first batch. */
  private decoder: KafkaRecordDecoder | undefined;

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly ctx: SourceContext,
  ) {}

  async run(): Promise<void> {
    const { config, ctx } = this;
    const kafka = createKafkaClient(config, { defaultClientId: `tributary-${ctx.nodeId}`, logger: ctx.logger, nodeId: ctx.nodeId });
    this.kafka = kafka;
    const groupId = ctx.preview ? `tributary-preview-${randomBytes(6).toString('hex')}` : config.groupId;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: config.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      retry: {
        retries: 5,
        restartOnFailure: async (error) => {
          this.restarts++;
          const restart = this.restarts <= config.restartLimit;
          ctx.logger.warn({ err: error.message, restarts: this.restarts, restart }, 'consumer crashed');
          return restart;
        },
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assigned = event.payload.memberAssignment;
      const owned = new Map<string, PartitionPosition>();
      for (const topic of Object.keys(assigned)) {
        for (const partition of assigned[topic] ?? []) {
          const key = `${topic}:${partition}`;
          owned.set(key, this.positions.get(key) ?? { topic, partition, committed: -1, highWatermark: 0, paused: false });
        }
      }
      this.positions.clear();
      for (const [key, p] of owned) this.positions.set(key, p);
      // Partitions lost in a rebalance: their unacknowledged chunks are replayed by the new owner from the commit
      // position, so nothing more is committed for them here.
      this.ledger.retain((key) => owned.has(key));
      // Every assigned partition resumes from its committed offset: its checkpoint goes back to the stateful transforms.
      if (!ctx.preview && ctx.checkpointing()) this.fetchCheckpoints(groupId, owned);
      this.report();
      const partitions = Object.values(assigned).reduce((n, list) => n + (list?.length ?? 0), 0);
      ctx.logger.info({ event: 'joined', groupId, assigned }, `joined consumer group ${groupId}: ${partitions} partition(s)`);
      ctx.ready();
      if (ctx.preview) this.armPreviewIdle();
    });
    // Readiness follows the group membership: lost while the group rebalances or the consumer restarts after a crash,
    // held again at the next join.
    consumer.on(consumer.events.REBALANCING, () => {
      if (this.stopping === undefined) ctx.unready(`rebalancing: rejoining consumer group ${groupId}`);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.stopping !== undefined) return;
      if (event.payload.restart) {
        ctx.unready(`consumer crashed, restarting (${this.restarts} of restartLimit ${config.restartLimit}): ${event.payload.error.message}`);
        return;
      }
      ctx.fail(
        new TributaryError(
          'E_SOURCE',
          `node ${ctx.nodeId}: the Kafka consumer crashed ${this.restarts} time(s) (restartLimit ${config.restartLimit}): ${event.payload.error.message}`,
          { nodeId: ctx.nodeId, cause: event.payload.error },
        ),
      );
      this.finish();
    });

    const topics = config.topics ?? [config.topic!];
    try {
      await consumer.connect();
      // startFrom: a partition without a committed offset begins where it says (preview: from the beginning).
      const start = ctx.preview
        ? { fromBeginning: true }
        : await applyStartPosition({ kafka, groupId, topics, position: resolveStartFrom(config), logger: ctx.logger, nodeId: ctx.nodeId });
      await consumer.subscribe({ topics, fromBeginning: start.fromBeginning });
      if (!ctx.preview) {
        this.commitTimer = setInterval(() => void this.commit().catch(() => undefined), COMMIT_INTERVAL_MS);
        this.commitTimer.unref();
      }
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw new TributaryError('E_SOURCE', `node ${ctx.nodeId}: cannot consume ${topics.join(', ')}: ${(error as Error).message}`, {
        nodeId: ctx.nodeId,
        retriable: true,
        cause: error,
      });
    }
    await this.finished;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.previewIdle !== undefined) clearTimeout(this.previewIdle);
      if (this.commitTimer !== undefined) clearInterval(this.commitTimer);
      // disconnect() stops fetching, waits for the running eachBatch calls (each commits what was acknowledged before
      // it returns) and leaves the group.
      await this.consumer?.disconnect();
      await this.admin?.disconnect().catch(() => undefined);
      this.finish();
    })();
    return this.stopping;
  }

  /** Starts reading the committed offsets and metadata of the partitions assigned at a join (one request per topic). */
  private fetchCheckpoints(groupId: string, owned: Map<string, PartitionPosition>): void {
    const byTopic = new Map<string, number[]>();
    for (const p of owned.values()) {
      let list = byTopic.get(p.topic);
      if (list === undefined) byTopic.set(p.topic, (list = []));
      list.push(p.partition);
    }
    this.toRestore = new Map();
    for (const [topic, partitions] of byTopic) {
      const fetched = (async () => {
        if (this.admin === undefined) {
          this.admin = this.kafka!.admin();
          await this.admin.connect();
        }
        const [result] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
        return new Map((result?.partitions ?? []).map((p) => [p.partition, { offset: p.offset, metadata: p.metadata }]));
      })().catch((error: unknown) => {
        this.ctx.logger.warn({ topic, err: (error as Error).message }, 'could not read the committed checkpoints: windows resume without them');
        return new Map<number, { offset: string; metadata: string | null }>();
      });
      for (const partition of partitions) this.toRestore.set(`${topic}:${partition}`, fetched.then((m) => m.get(partition)));
    }
  }

  /** Before a partition's first batch after a join: hands its committed checkpoint to the stateful transforms. */
  private async restoreCheckpoint(key: string, topic: string, partition: number): Promise<void> {
    const pending = this.toRestore.get(key);
    if (pending === undefined) return;
    this.toRestore.delete(key);
    const committed = await pending;
    if (committed === undefined || Number(committed.offset) < 0) return;
    this.ctx.restore(topic, partition, committed.offset, committed.metadata);
  }

  private report(): void {
    this.ctx.reportPartitions([...this.positions.values()].map((p) => ({ ...p })));
  }

  private armPreviewIdle(): void {
    if (this.previewIdle !== undefined) clearTimeout(this.previewIdle);
    this.previewIdle = setTimeout(() => void this.stop(), PREVIEW_IDLE_MS);
  }

  private position(topic: string, partition: number): PartitionPosition {
    const key = `${topic}:${partition}`;
    let p = this.positions.get(key);
    if (p === undefined) this.positions.set(key, (p = { topic, partition, committed: -1, highWatermark: 0, paused: false }));
    return p;
  }

  /** Records that a chunk was acknowledged; when that moved the partition's commit position, reports it. */
  private acknowledge(ticket: AckTicket<string>, position: PartitionPosition): void {
    if (this.ledger.acknowledge(ticket).length === 0) return;
    position.committed = this.ledger.position(ticket.lane)!;
    this.report();
  }

  /** Commits the acknowledged prefix of every owned partition that moved since its last commit. */
  private async commit(commitOffsets?: EachBatchPayload['commitOffsetsIfNecessary']): Promise<void> {
    if (this.ctx.preview) return;
    const offsets: CommitEntry[] = [];
    const checkpointing = this.ctx.checkpointing();
    const lanes = this.ledger.uncommitted().filter((lane) => this.positions.has(lane.lane));
    for (const lane of lanes) {
      const p = this.positions.get(lane.lane)!;
      const offset = String(lane.position);
      const metadata = checkpointing ? this.ctx.checkpoint(p.topic, p.partition, offset) : null;
      offsets.push({ topic: p.topic, partition: p.partition, offset, metadata });
    }
    if (offsets.length === 0) return;
    if (commitOffsets !== undefined) {
      await commitOffsets({ topics: groupByTopic(offsets) });
    } else {
      await this.consumer?.commitOffsets(offsets);
    }
    for (const lane of lanes) lane.markCommitted();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    const { ctx, config } = this;
    const { topic, partition } = batch;
    const key = `${topic}:${partition}`;
    const position = this.position(topic, partition);
    position.highWatermark = Number(batch.highWatermark);
    this.report();
    if (ctx.preview) this.armPreviewIdle();
    await this.restoreCheckpoint(key, topic, partition);

    const beat = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_MS);
    // While the engine is backpressured (a sink retrying, too much in flight) the partition is paused, so no more is
    // fetched for it; it resumes by itself once the engine is relieved.
    const watch = setInterval(() => this.followBackpressure(topic, partition, position), BACKPRESSURE_CHECK_MS);
    const dispatched: { last: string; processed: boolean; done: Promise<void> }[] = [];
    let fetchResolved = 0;
    const resolveProcessedPrefix = (): void => {
      while (fetchResolved < dispatched.length && dispatched[fetchResolved]!.processed) {
        resolveOffset(dispatched[fetchResolved]!.last);
        fetchResolved++;
      }
    };
    let failure: unknown;
    let inGraph = 0;
    const slotFreed: (() => void)[] = [];
    try {
      const messages = batch.messages;
      const size = ctx.batchSize;
      for (let start = 0; start < messages.length; start += size) {
        if (!isRunning() || isStale() || this.stopping !== undefined || failure !== undefined) break;
        if (ctx.backpressured()) {
          this.followBackpressure(topic, partition, position);
          await ctx.whenRelieved();
          if (!isRunning() || isStale() || this.stopping !== undefined) break;
        }
        const slice = messages.slice(start, start + size);
        const records: FlowRecord[] = new Array<FlowRecord>(slice.length);
        const decoder = (this.decoder ??= createKafkaRecordDecoder(config, ctx.nodeId));
        const fetching = decoder.prepare(slice);
        if (fetching !== undefined) await fetching;
        for (let i = 0; i < slice.length; i++) records[i] = decoder.decode(slice[i]!, topic, partition);
        const last = slice[slice.length - 1]!.offset;
        const ticket = this.ledger.deliver(key, last);
        let markDone!: () => void;
        const entry = { last, processed: false, done: new Promise<void>((resolve) => (markDone = resolve)) };
        dispatched.push(entry);
        inGraph++;
        let left = false;
        const leaveGraph = (): void => {
          if (left) return;
          left = true;
          inGraph--;
          markDone();
          slotFreed.shift()?.();
        };
        const delivery = ctx.deliver(records, () => {
          entry.processed = true;
          resolveProcessedPrefix();
          leaveGraph();
        });
        delivery.then(
          () => this.acknowledge(ticket, position),
          (error: unknown) => {
            failure ??= error;
            leaveGraph();
          },
        );
        // Pipelining: at most PIPELINE_DEPTH chunks of this partition in the graph at once. A chunk held by a stateful
        // transform has left the graph; only its commit waits.
        if (inGraph >= PIPELINE_DEPTH) await new Promise<void>((resolve) => slotFreed.push(resolve));
      }
      await Promise.all(dispatched.map((d) => d.done));
      // A chunk no transform holds is acknowledged right after it passed through the graph: one turn of the event loop
      // lets those acknowledgements reach the ledger, so the commit below (the last one at a stop) includes them.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (failure !== undefined && this.stopping === undefined && !ctx.signal.aborted) throw failure;
      await this.commit(commitOffsetsIfNecessary);
    } finally {
      clearInterval(beat);
      clearInterval(watch);
      if (position.paused) this.setPaused(topic, partition, position, false);
    }
  }

  /** Pauses or resumes the partition to follow the engine's backpressure state. */
  private followBackpressure(topic: string, partition: number, position: PartitionPosition): void {
    const backpressured = this.ctx.backpressured();
    if (backpressured !== position.paused) this.setPaused(topic, partition, position, backpressured);
  }

  private setPaused(topic: string, partition: number, position: PartitionPosition, paused: boolean): void {
    const consumer = this.consumer!;
    if (paused) consumer.pause([{ topic, partitions: [partition] }]);
    else consumer.resume([{ topic, partitions: [partition] }]);
    position.paused = paused;
    this.report();
    this.ctx.logger.debug({ topic, partition }, paused ? 'partition paused: backpressure' : 'partition resumed');
  }
}

/** One partition's commit: the next offset to read and the checkpoint metadata (null for none). */
interface CommitEntry {
  topic: string;
  partition: number;
  offset: string;
  metadata: string | null;
}

/** Groups commit entries as kafkajs `commitOffsetsIfNecessary` takes them (its partitions carry `metadata` as is). */
function groupByTopic(offsets: CommitEntry[]): { topic: string; partitions: { partition: number; offset: string; metadata: string | null }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>();
  for (const o of offsets) {
    let list = byTopic.get(o.topic);
    if (list === undefined) byTopic.set(o.topic, (list = []));
    list.push({ partition: o.partition, offset: o.offset, metadata: o.metadata });
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** The `source.kafka` runtime. */
export const kafkaSourceRuntime = { ...defineSource(kafkaSourceSpec, (config, ctx) => new KafkaSource(config, ctx)), check: checkKafkaConnection };

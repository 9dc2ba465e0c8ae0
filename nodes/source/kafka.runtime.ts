/**
 * `source.kafka` runtime: a kafkajs consumer-group member that hands records to the engine batch by batch and commits
 * offsets only for what every sink acknowledged (at-least-once).
 *
 * Per fetched batch of a partition (kafkajs `eachBatch`, `eachBatchAutoResolve: false`):
 * - the messages are decoded and cut into chunks of `settings.batchSize` records;
 * - up to {@link PIPELINE_DEPTH} chunks per partition are in the graph at once (pipelining);
 * - when a chunk is acknowledged everywhere, the contiguous prefix of acknowledged chunks is resolved with
 *   `resolveOffset`, so an offset is never resolved while an earlier record is still in flight; kafkajs commits the
 *   resolved offsets after the batch (and on stop);
 * - `isRunning()` / `isStale()` stop dispatching (a stop or a rebalance); dispatched chunks still complete;
 * - a heartbeat runs every 2 s while the batch is processed, so a long batch (slow sink) keeps the membership;
 * - while the engine is backpressured (a sink retrying, in-flight bound reached) the partition is paused and resumes
 *   by itself when the engine is relieved.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { TributaryError } from '../../runtime/common/errors';
import { defineSource, type FlowRecord, type PartitionPosition, type SourceContext, type SourceRuntime } from '../../runtime/engine/types';
import { createKafkaClient } from '../kafka-common.runtime';
import { kafkaSourceSpec } from './kafka.spec';
import type { z } from 'zod';

type KafkaSourceConfig = z.output<typeof kafkaSourceSpec.config>;

/** Chunks of one partition that may be in the graph at the same time. */
export const PIPELINE_DEPTH = 4;
/** Heartbeat interval while a batch is being processed (ms); below the 3 s kafkajs default session heartbeat. */
const HEARTBEAT_MS = 2_000;
/** How often a partition being processed checks the engine's backpressure state (ms). */
const BACKPRESSURE_CHECK_MS = 100;
/** In preview: stop after this long without new records once the group has joined (ms). */
const PREVIEW_IDLE_MS = 3_000;

/** Decodes one Kafka message into a record; undecodable values become records with `error` set (E_DECODE). */
export function decodeMessage(
  message: KafkaMessage,
  topic: string,
  partition: number,
  format: KafkaSourceConfig['format'],
  nodeId: string,
): FlowRecord {
  const headers: Record<string, string> = {};
  if (message.headers !== undefined) {
    for (const name of Object.keys(message.headers)) {
      const raw = message.headers[name];
      const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (last !== undefined) headers[name] = last.toString();
    }
  }
  const record: FlowRecord = {
    key: message.key === null || message.key === undefined ? null : message.key.toString(),
    value: null,
    headers,
    timestamp: Number(message.timestamp),
    meta: { source: nodeId, topic, partition, offset: message.offset },
  };
  const bytes = message.value;
  if (bytes === null) return record;
  if (format === 'bytes') {
    record.value = bytes.toString('base64');
    return record;
  }
  const text = bytes.toString('utf8');
  if (format === 'string') {
    record.value = text;
    return record;
  }
  try {
    record.value = JSON.parse(text);
  } catch (error) {
    record.value = text;
    record.error = { nodeId, code: 'E_DECODE', message: `value is not JSON: ${(error as Error).message}` };
  }
  return record;
}

class KafkaSource implements SourceRuntime {
  private consumer: Consumer | undefined;
  private stopping: Promise<void> | undefined;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => {
    this.finish = resolve;
  });
  private readonly positions = new Map<string, PartitionPosition>();
  private restarts = 0;
  private previewDelivered = 0;
  private previewIdle: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly ctx: SourceContext,
  ) {}

  async run(): Promise<void> {
    const { config, ctx } = this;
    const kafka = createKafkaClient(config, { defaultClientId: `tributary-${ctx.nodeId}`, logger: ctx.logger });
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
      this.report();
      ctx.logger.info({ groupId, assigned }, 'joined consumer group');
      ctx.ready();
      if (ctx.preview) this.armPreviewIdle();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart) return;
      if (this.stopping !== undefined) return;
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
      await consumer.subscribe({ topics, fromBeginning: ctx.preview ? true : config.fromBeginning });
      await consumer.run({
        autoCommit: !ctx.preview,
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
      // disconnect() stops fetching, waits for the running eachBatch calls (which wait for their chunks to be
      // acknowledged), commits the resolved offsets and leaves the group.
      await this.consumer?.disconnect();
      this.finish();
    })();
    return this.stopping;
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

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { ctx, config } = this;
    const { topic, partition } = batch;
    const position = this.position(topic, partition);
    position.highWatermark = Number(batch.highWatermark);
    this.report();
    if (ctx.preview) this.armPreviewIdle();

    const beat = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_MS);
    // While the engine is backpressured (a sink retrying, too much in flight) the partition is paused, so no more is
    // fetched for it; it resumes by itself once the engine is relieved.
    const watch = setInterval(() => this.followBackpressure(topic, partition, position), BACKPRESSURE_CHECK_MS);
    const chunks: { last: string; done: boolean; delivery: Promise<void> }[] = [];
    let resolved = 0;
    const resolvePrefix = (): void => {
      while (resolved < chunks.length && chunks[resolved]!.done) {
        const last = chunks[resolved]!.last;
        resolveOffset(last);
        position.committed = Number(last) + 1;
        resolved++;
      }
      this.report();
    };
    try {
      const messages = batch.messages;
      const size = ctx.batchSize;
      for (let start = 0; start < messages.length; start += size) {
        if (!isRunning() || isStale() || this.stopping !== undefined) break;
        if (ctx.backpressured()) {
          this.followBackpressure(topic, partition, position);
          await ctx.whenRelieved();
          if (!isRunning() || isStale() || this.stopping !== undefined) break;
        }
        let slice = messages.slice(start, start + size);
        if (ctx.previewRecords !== undefined) {
          slice = slice.slice(0, Math.max(0, ctx.previewRecords - this.previewDelivered));
          if (slice.length === 0) break;
          this.previewDelivered += slice.length;
        }
        const records = slice.map((m) => decodeMessage(m, topic, partition, config.format, ctx.nodeId));
        const chunk = { last: slice[slice.length - 1]!.offset, done: false, delivery: Promise.resolve() };
        chunk.delivery = ctx.deliver(records).then(() => {
          chunk.done = true;
          resolvePrefix();
        });
        chunk.delivery.catch(() => undefined);
        chunks.push(chunk);
        const pending = chunks.slice(resolved).filter((c) => !c.done);
        if (pending.length >= PIPELINE_DEPTH) await Promise.race(pending.map((c) => c.delivery));
      }
      await Promise.all(chunks.map((c) => c.delivery));
      if (ctx.previewRecords !== undefined && this.previewDelivered >= ctx.previewRecords) void this.stop();
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

/** The `source.kafka` runtime. */
export const kafkaSourceRuntime = defineSource(kafkaSourceSpec, (config, ctx) => new KafkaSource(config, ctx));

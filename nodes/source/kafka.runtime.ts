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
 * offsets are committed in the background after every batch (one commit at a time; batches that end while one is in
 * flight are coalesced into the next, which follows at once) and every {@link COMMIT_INTERVAL_MS}; the last batch
 * before a stop or a rebalance awaits its commit, and a stop commits everything acknowledged before leaving the group.
 * In preview the engine stops the source after the records it previews; the source commits nothing.
 *
 * **Membership.** The source reports its group membership to the engine for `/readyz` (through
 * {@link GroupHealth}): held at every group join, lost while the group rebalances, the consumer restarts after a crash,
 * or a heartbeat or commit finds the member out of its group. Such an error (`UNKNOWN_MEMBER_ID`,
 * `REBALANCE_IN_PROGRESS`, `ILLEGAL_GENERATION`, `NOT_COORDINATOR_FOR_GROUP`; e.g. after a broker restart) is never
 * swallowed: the running `eachBatch` stops dispatching and rethrows it (the next one rethrows it before dispatching
 * anything), which is what makes kafkajs 2.2.4 rejoin (src/consumer/runner.js `scheduleFetchManager`). The chunks
 * acknowledged meanwhile stay in the ledger and are committed after the join; what was processed but not committed is
 * replayed from the committed offset (at-least-once); after `REBALANCE_IN_PROGRESS` or `NOT_COORDINATOR_FOR_GROUP` the
 * member, still known to the group, first commits what was acknowledged, so less is replayed. A commit counts only once
 * kafkajs reported it sent (`COMMIT_OFFSETS`), so a commit kafkajs skipped is tried again.
 *
 * **Outages.** The client and the consumer retry with bounded exponential backoff ({@link reconnectRetry}: 300 ms
 * doubling to 5 s) for as long as `settings.sourceUnavailableTimeoutMs`, instead of crashing, so the consumer keeps its
 * member id and, once the broker is back, goes on without a rebalance. An unavailable error (heartbeat, commit, crash)
 * or no answer from the cluster for {@link SILENCE_PROBE_MS} (checked with an admin request) starts an outage: `/readyz` is false with the cause, commits wait, and an outage longer than
 * `settings.sourceUnavailableTimeoutMs` fails the run with one line. `restartLimit` counts only crashes that are not
 * outages.
 *
 * **Checkpoints.** When the flow has stateful transforms (windows), every commit carries their checkpoints in the
 * offset commit's metadata (`ctx.checkpoint`), and after every group join the source reads the committed offsets'
 * metadata of its partitions (admin `fetchOffsets`) and hands it back (`ctx.restore`) before delivering a partition's
 * first batch, so a window resumed by any group member knows which results were already acknowledged.
 *
 * **Exactly-once** (`settings.delivery: exactly-once`; nodes/kafka-transaction.runtime.ts): each fetched batch of a
 * partition runs in one Kafka transaction of that partition's transactional producer: begun before its first chunk,
 * the `sink.kafka` nodes produce into it, and committed with the position after the last chunk dispatched
 * (`sendOffsets`); aborted, and the partition moved back to the batch's first offset, on any failure. One chunk of a
 * partition is in the graph at a time (the transaction keeps the order of its sends). No plain offset commit happens
 * (no commit timer, no ledger). Stateful transforms and `isolationLevel: read_uncommitted` are refused at start.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { TributaryError } from '../../runtime/common/errors';
import { AckLedger, type AckTicket } from '../../runtime/engine/ack-ledger';
import { defineSource, type FlowRecord, type GroupMembership, type PartitionPosition, type SourceContext, type SourceRuntime } from '../../runtime/engine/types';
import { createKafkaClient, groupMembershipError, isKafkaUnavailableError, isRetriableKafkaError, kafkaErrorMessage } from '../kafka-common.runtime';
import { GroupHealth, reconnectRetry } from './kafka-group-health.runtime';
import { checkKafkaConnection } from '../kafka-check.runtime';
import { applyStartPosition, resolveStartFrom } from '../kafka-start-position.runtime';
import { createKafkaRecordDecoder, type KafkaRecordDecoder } from '../kafka-record-decode.runtime';
import { KafkaTransactions, registerTransactions, type PartitionTransaction } from '../kafka-transaction.runtime';
import { sleep } from '../../runtime/engine/sleep';
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
/**
 * Without any answer from the cluster for this long (ms), the source asks it with an admin request whether it is
 * unavailable. A healthy member hears from it at least every ~5 s: an idle fetch returns after 5 s (kafkajs
 * `maxWaitTimeInMs`), a heartbeat is sent every 3 s while a batch is processed.
 */
export const SILENCE_PROBE_MS = 8_000;
/** How often the silence is checked (ms). */
const SILENCE_CHECK_MS = 1_000;
/**
 * Exactly-once: aborted transactions of the same batch in a row after which a failure that is not retriable (e.g. a
 * record larger than the broker takes) fails the run instead of being replayed again.
 */
export const MAX_TRANSACTION_ATTEMPTS = 5;

/** Longest a stop waits for its commit before leaving the group (ms); a commit still pending then is abandoned. */
const STOP_COMMIT_WAIT_MS = 5_000;
/** Logged when the commit at a stop fails. */
const LAST_COMMIT_FAILED = 'last offset commit failed: the records since the previous commit are replayed at the next start';

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
  /** Crashes that were not outages (those are bounded by `settings.sourceUnavailableTimeoutMs` instead). */
  private restarts = 0;
  private readonly health: GroupHealth;
  private silenceCheck: NodeJS.Timeout | undefined;
  private probing = false;
  /** The background commit running now, if any (never two at once). */
  private backgroundCommit: Promise<void> | undefined;
  /** A batch ended while a background commit was in flight: one more commit follows it, with that batch's offsets. */
  private commitAgain = false;
  /** The last background commit error logged, so that a failing commit is logged once, not every second. */
  private commitError: string | undefined;
  /** Per `topic:partition`: the last offset kafkajs reported committed (`COMMIT_OFFSETS`). */
  private readonly confirmed = new Map<string, string>();
  /** Set once the run failed (Kafka unavailable for too long, or too many crashes): nothing restarts afterwards. */
  private failed = false;
  private kafka: Kafka | undefined;
  /** The group and member id of the last join (GROUP_JOIN), for {@link membership}. */
  private member: GroupMembership | undefined;
  private admin: Admin | undefined;
  private adminReady: Promise<Admin> | undefined;
  /** Per `topic:partition` assigned at the last join: its committed offset and metadata, to restore before its first batch. */
  private toRestore = new Map<string, Promise<{ offset: string; metadata: string | null } | undefined>>();
  private previewIdle: NodeJS.Timeout | undefined;
  /** Decodes keys, values and headers (nodes/kafka-record-decode.runtime.ts); made at the first batch. */
  private decoder: KafkaRecordDecoder | undefined;
  /** Exactly-once flows: the transactions of the partitions owned (nodes/kafka-transaction.runtime.ts). */
  private transactions: KafkaTransactions | undefined;
  /** Exactly-once: per `topic:partition`, the batch whose transactions were aborted in a row, and how often. */
  private readonly aborts = new Map<string, { offset: string; count: number }>();

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly ctx: SourceContext,
  ) {
    this.health = new GroupHealth({
      nodeId: ctx.nodeId,
      unavailableTimeoutMs: ctx.sourceUnavailableTimeoutMs,
      logger: ctx.logger,
      ready: () => ctx.ready(),
      unready: (reason) => ctx.unready(reason),
      fail: (error) => this.failRun(error),
    });
  }

  async run(): Promise<void> {
    const { config, ctx } = this;
    // Client and consumer retry with the same bounded backoff for as long as an outage may last: a consumer that does
    // not crash keeps its member id (no rebalance once the broker is back); the deadline is the source's own.
    const kafka = createKafkaClient(config, {
      defaultClientId: `tributary-${ctx.nodeId}`,
      logger: ctx.logger,
      nodeId: ctx.nodeId,
      retry: reconnectRetry(ctx.sourceUnavailableTimeoutMs),
    });
    this.kafka = kafka;
    const groupId = ctx.preview ? `tributary-preview-${randomBytes(6).toString('hex')}` : config.groupId;
    if (ctx.delivery === 'exactly-once' && !ctx.preview) this.transactions = this.exactlyOnce(kafka, groupId);
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: config.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      readUncommitted: config.isolationLevel === 'read_uncommitted',
      retry: {
        ...reconnectRetry(ctx.sourceUnavailableTimeoutMs),
        restartOnFailure: (error) => Promise.resolve(this.restartAfter(error)),
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.member = { groupId, memberId: event.payload.memberId };
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
      this.transactions?.retain((key) => owned.has(key));
      // Every assigned partition resumes from its committed offset: its checkpoint goes back to the stateful transforms.
      if (!ctx.preview && ctx.checkpointing()) this.fetchCheckpoints(groupId, owned);
      this.report();
      const partitions = Object.values(assigned).reduce((n, list) => n + (list?.length ?? 0), 0);
      ctx.logger.info({ event: 'joined', groupId, assigned }, `joined consumer group ${groupId}: ${partitions} partition(s)`);
      this.health.joined();
      if (ctx.preview) this.armPreviewIdle();
    });
    // Readiness follows the group membership: lost while the group rebalances or the consumer restarts after a crash,
    // held again at the next join.
    consumer.on(consumer.events.REBALANCING, () => {
      if (this.stopping === undefined) this.health.left(`rebalancing: rejoining consumer group ${groupId}`);
    });
    // An answer of the group coordinator is a contact: it ends an outage. (Not FETCH: kafkajs emits it also after a
    // fetch that failed on a closed connection.)
    consumer.on(consumer.events.HEARTBEAT, () => this.health.contact());
    consumer.on(consumer.events.COMMIT_OFFSETS, (event) => {
      this.health.contact();
      for (const { topic, partitions } of event.payload.topics) {
        for (const p of partitions) this.confirmed.set(`${topic}:${p.partition}`, String(p.offset));
      }
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.stopping !== undefined || this.failed) return;
      const error = event.payload.error;
      if (event.payload.restart) {
        if (isKafkaUnavailableError(error)) return; // the outage is reported already
        this.health.left(`consumer crashed, restarting (${this.restarts} of restartLimit ${config.restartLimit}): ${kafkaErrorMessage(error)}`);
        return;
      }
      this.failRun(
        new TributaryError(
          'E_SOURCE',
          `node ${ctx.nodeId}: the Kafka consumer crashed ${Math.max(1, this.restarts)} time(s) (restartLimit ${config.restartLimit}): ${kafkaErrorMessage(error)}`,
          { nodeId: ctx.nodeId },
        ),
      );
    });

    const topics = config.topics ?? [config.topic!];
    // From the start: a broker that is down when the run starts is an outage too.
    this.silenceCheck = setInterval(() => this.checkSilence(), SILENCE_CHECK_MS);
    this.silenceCheck.unref();
    const setUp = this.setUp(kafka, consumer, groupId, topics);
    setUp.catch(() => undefined); // a step abandoned at a stop may fail later: nothing to report then
    try {
      // A stop while a step still retries through an outage (a broker down at the start) ends the run at once.
      await Promise.race([setUp, this.finished]);
    } catch (error) {
      // A step that failed because the stop disconnected the consumer: the stop ends the run, not this error.
      if (this.stopping !== undefined) return this.finished;
      if (this.silenceCheck !== undefined) clearInterval(this.silenceCheck);
      this.health.close();
      await consumer.disconnect().catch(() => undefined);
      // No `cause`: the message names it once already, and a logged error's causes are appended to its message again.
      const cause =
        (error as { type?: unknown }).type === 'UNKNOWN_TOPIC_OR_PARTITION'
          ? `no such topic on the cluster (or not visible to this client): create it or correct the name (${kafkaErrorMessage(error)})`
          : kafkaErrorMessage(error);
      throw new TributaryError('E_SOURCE', `node ${ctx.nodeId}: cannot consume ${topics.join(', ')}: ${cause}`, {
        nodeId: ctx.nodeId,
        retriable: true,
      });
    }
    await this.finished;
  }

  /**
   * Connects, positions a new group (`startFrom`), subscribes and starts the consumer; each step retries for as long
   * as an outage may last. After a stop it goes no further: a consumer whose connect ends after the stop's disconnect
   * is disconnected again.
   * @throws the step's error (kafkajs), when it gives up before a stop
   */
  private async setUp(kafka: Kafka, consumer: Consumer, groupId: string, topics: string[]): Promise<void> {
    const { config, ctx } = this;
    const stopped = async (): Promise<boolean> => {
      if (this.stopping === undefined) return false;
      await consumer.disconnect().catch(() => undefined);
      return true;
    };
    await consumer.connect();
    if (await stopped()) return;
    // startFrom: a partition without a committed offset begins where it says (preview: from the beginning).
    const start = ctx.preview
      ? { fromBeginning: true }
      : await applyStartPosition({ kafka, groupId, topics, position: resolveStartFrom(config), logger: ctx.logger, nodeId: ctx.nodeId });
    if (await stopped()) return;
    await consumer.subscribe({ topics, fromBeginning: start.fromBeginning });
    if (await stopped()) return;
    if (!ctx.preview && this.transactions === undefined) {
      this.commitTimer = setInterval(() => this.commitInBackground(), COMMIT_INTERVAL_MS);
      this.commitTimer.unref();
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  membership(): GroupMembership | undefined {
    return this.member;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.previewIdle !== undefined) clearTimeout(this.previewIdle);
      if (this.commitTimer !== undefined) clearInterval(this.commitTimer);
      if (this.silenceCheck !== undefined) clearInterval(this.silenceCheck);
      await this.commitBeforeLeaving();
      this.health.close();
      // disconnect() stops fetching, waits for the running eachBatch calls (each commits what was acknowledged before
      // it returns) and leaves the group.
      await this.consumer?.disconnect();
      await this.transactions?.close();
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
        const admin = await this.connectedAdmin();
        const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
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

  /** The admin client (checkpoints, availability probes), connected on first use and again after a failed connect. */
  private connectedAdmin(): Promise<Admin> {
    this.adminReady ??= (async () => {
      // Few retries of its own: a probe should say "unavailable" in seconds, not ride the outage out.
      const admin = this.kafka!.admin({ retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 1_000 } });
      this.admin = admin;
      try {
        await admin.connect();
        return admin;
      } catch (error) {
        this.adminReady = undefined;
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
    })();
    return this.adminReady;
  }

  /**
   * kafkajs `restartOnFailure`: a crash because Kafka is unavailable restarts the consumer without counting (the
   * outage is bounded by `sourceUnavailableTimeoutMs`); any other crash counts against `restartLimit`.
   */
  private restartAfter(error: Error): boolean {
    if (this.stopping !== undefined || this.failed) return false;
    if (isKafkaUnavailableError(error)) {
      this.health.unavailableNow(error);
      return true;
    }
    this.restarts++;
    const restart = this.restarts <= this.config.restartLimit;
    this.ctx.logger.warn({ err: kafkaErrorMessage(error), restarts: this.restarts, restart }, 'consumer crashed');
    return restart;
  }

  /** Fails the run once with `error` (its message is the one line the run ends with). */
  private failRun(error: Error): void {
    if (this.failed || this.stopping !== undefined) return;
    this.failed = true;
    this.health.close();
    this.ctx.fail(error);
    this.finish();
  }

  /** A heartbeat or commit of join `join` found the member out of its group: the running batches stop and rethrow it. */
  private membershipLost(error: Error & { type: string }, join: number): void {
    if (this.stopping !== undefined || !this.health.membershipLost(error, join)) return;
    this.ctx.logger.warn(
      { event: 'membership-lost', type: error.type, err: error.message },
      `consumer group membership lost (${error.type}): rejoining; records processed since the last commit are replayed`,
    );
  }

  /** A heartbeat failed: a membership error sends the member back to its group, an unavailable cluster starts an outage. */
  private heartbeatFailed(error: unknown, join: number, startedAt: number): void {
    const lost = groupMembershipError(error);
    if (lost !== undefined) this.membershipLost(lost, join);
    else if (isKafkaUnavailableError(error)) this.health.unavailableNow(error, startedAt);
    else this.ctx.logger.debug({ err: kafkaErrorMessage(error) }, 'heartbeat failed');
  }

  /**
   * The commit timer: commits what was acknowledged, one commit at a time, not during an outage. A failure is logged
   * once (until commits succeed again) and acted on: a membership error sends the member back to its group.
   */
  private commitInBackground(): void {
    if (this.health.unavailable || this.stopping !== undefined || this.failed) return;
    if (this.backgroundCommit !== undefined) {
      // Coalesced, not dropped: offsets acknowledged after the in-flight commit read the ledger go in the next one.
      this.commitAgain = true;
      return;
    }
    const join = this.health.join;
    const startedAt = this.health.clock();
    this.backgroundCommit = this.commit()
      .then(
        () => {
          if (this.commitError === undefined) return;
          this.commitError = undefined;
          this.ctx.logger.info('offset commits succeed again');
        },
        (error: unknown) => {
          if (this.stopping !== undefined) return;
          const message = kafkaErrorMessage(error);
          if (message !== this.commitError) {
            this.commitError = message;
            this.ctx.logger.warn({ err: message }, `offset commit failed, tried again: ${message}`);
          }
          const lost = groupMembershipError(error);
          if (lost !== undefined) this.membershipLost(lost, join);
          else if (isKafkaUnavailableError(error)) this.health.unavailableNow(error, startedAt);
        },
      )
      .finally(() => {
        this.backgroundCommit = undefined;
        if (!this.commitAgain) return;
        this.commitAgain = false;
        this.commitInBackground();
      });
  }

  /**
   * At a stop, before the consumer leaves its group: waits for the background commits, then commits what was
   * acknowledged since (a batch that ended while a commit was in flight left its offsets to the next one). Batches still
   * running commit their own offsets when they end. Skipped in an outage, after a failure and under exactly-once
   * (offsets travel in the transactions).
   */
  private async commitBeforeLeaving(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_COMMIT_WAIT_MS)));
    await Promise.race([this.finalCommit(), bounded]);
    clearTimeout(timer);
  }

  /** {@link commitBeforeLeaving} without its bound. */
  private async finalCommit(): Promise<void> {
    while (this.backgroundCommit !== undefined) await this.backgroundCommit;
    if (this.transactions !== undefined || this.health.unavailable || this.failed) return;
    try {
      await this.commit();
    } catch (error) {
      const message = kafkaErrorMessage(error);
      this.ctx.logger.warn({ err: message }, LAST_COMMIT_FAILED);
    }
  }

  /** The last commit of a batch; see {@link eachBatch}. */
  private async commitAfterBatch(commitOffsets: EachBatchPayload['commitOffsetsIfNecessary'], join: number, isRunning: () => boolean): Promise<void> {
    const startedAt = this.health.clock();
    try {
      await this.commit(commitOffsets);
    } catch (error) {
      const message = kafkaErrorMessage(error);
      // The consumer stops or restarted meanwhile: there is nothing to rejoin for this batch; a later commit (or the
      // replay after a restart) carries its offsets.
      if (this.stopping !== undefined) {
        this.ctx.logger.warn({ err: message }, LAST_COMMIT_FAILED);
        return;
      }
      if (!isRunning()) return;
      const lost = groupMembershipError(error);
      if (lost !== undefined) {
        this.membershipLost(lost, join);
        throw lost;
      }
      if (isKafkaUnavailableError(error)) {
        this.health.unavailableNow(error, startedAt);
        return; // the commit timer tries again once the cluster answers
      }
      throw error;
    }
  }

  /**
   * Before a rejoin: a member that is still known to the group (a rebalance started, the coordinator moved) may commit
   * with its generation, as a Java consumer does before giving its partitions up, so the next owner (itself, mostly)
   * replays only what was not acknowledged. After `NOT_COORDINATOR_FOR_GROUP` kafkajs looks the coordinator up again,
   * so the commit is tried twice. A member the group forgot (`UNKNOWN_MEMBER_ID`, `ILLEGAL_GENERATION`) cannot commit.
   */
  private async commitBeforeRejoin(lost: Error, commitOffsets: EachBatchPayload['commitOffsetsIfNecessary']): Promise<void> {
    const type = (lost as { type?: string }).type;
    if (type !== 'REBALANCE_IN_PROGRESS' && type !== 'NOT_COORDINATOR_FOR_GROUP') return;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        await this.commit(commitOffsets);
        return;
      } catch (error) {
        this.ctx.logger.debug({ err: kafkaErrorMessage(error), attempt }, 'commit before rejoining failed');
      }
    }
  }

  /** No answer from the cluster for a while: one admin request tells whether it is unavailable. */
  private checkSilence(): void {
    if (this.probing || this.stopping !== undefined || this.failed || this.health.unavailable) return;
    if (this.health.silentForMs() < SILENCE_PROBE_MS) return;
    this.probing = true;
    const startedAt = this.health.clock();
    void (async () => {
      try {
        const admin = await this.connectedAdmin();
        await admin.describeCluster();
        this.health.contact();
      } catch (error) {
        if (isKafkaUnavailableError(error)) this.health.unavailableNow(error, startedAt);
        else this.ctx.logger.debug({ err: kafkaErrorMessage(error) }, 'availability probe failed');
      } finally {
        this.probing = false;
      }
    })();
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
    // kafkajs skips a commit silently while its consumer is not running (restarting after a crash): only an offset it
    // reported sent (COMMIT_OFFSETS) counts as committed; the others are tried again.
    lanes.forEach((lane, i) => {
      if (this.confirmed.get(lane.lane) === offsets[i]!.offset) lane.markCommitted();
    });
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
    // The member is out of its group (a heartbeat or commit said so): abandon the batch before dispatching anything, so
    // kafkajs rejoins and it is fetched again from the committed offset.
    const join = this.health.join;
    const lost = this.health.lostMembership();
    if (lost !== undefined && isRunning() && this.stopping === undefined) throw lost;
    await this.restoreCheckpoint(key, topic, partition);
    // Exactly-once: the batch's records are produced in one transaction of the partition, committed with its offsets.
    const txn = this.transactions?.of(topic, partition);

    const beat = setInterval(() => {
      const startedAt = this.health.clock();
      void heartbeat().catch((error: unknown) => this.heartbeatFailed(error, join, startedAt));
    }, HEARTBEAT_MS);
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
      // Begun with the heartbeat running: a first transaction may wait seconds for the transaction coordinator.
      if (txn !== undefined && !(await this.beginTransaction(txn, payload))) return;
      const messages = batch.messages;
      const size = ctx.batchSize;
      for (let start = 0; start < messages.length; start += size) {
        if (!isRunning() || isStale() || this.stopping !== undefined || failure !== undefined) break;
        if (this.health.lostMembership() !== undefined) break;
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
        const ticket = txn === undefined ? this.ledger.deliver(key, last) : undefined;
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
          () => ticket !== undefined && this.acknowledge(ticket, position),
          (error: unknown) => {
            failure ??= error;
            leaveGraph();
          },
        );
        // Pipelining: at most PIPELINE_DEPTH chunks of this partition in the graph at once. A chunk held by a stateful
        // transform has left the graph; only its commit waits. Exactly-once: one chunk at a time, since chunks in the
        // graph together may reach the sinks in another order (an async transform, a traced chunk's extra hops), and a
        // transaction keeps the order its records were sent in.
        if (inGraph >= (txn === undefined ? PIPELINE_DEPTH : 1)) await new Promise<void>((resolve) => slotFreed.push(resolve));
      }
      await Promise.all(dispatched.map((d) => d.done));
      // A chunk no transform holds is acknowledged right after it passed through the graph: one turn of the event loop
      // lets those acknowledgements reach the ledger, so the commit below (the last one at a stop) includes them.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (txn !== undefined) {
        await this.endTransaction(txn, payload, dispatched.length === 0 ? undefined : dispatched[dispatched.length - 1]!.last, failure);
        const lostNow = this.health.lostMembership();
        if (lostNow !== undefined && isRunning() && this.stopping === undefined) throw lostNow;
        return;
      }
      if (failure !== undefined && this.stopping === undefined && !ctx.signal.aborted) throw failure;
      // Membership lost meanwhile: rethrown (the kafkajs protocol error itself, not a wrapper) so kafkajs rejoins; what
      // was acknowledged is committed after the join, the rest is replayed.
      const lostNow = this.health.lostMembership();
      if (lostNow !== undefined && isRunning() && this.stopping === undefined) {
        await this.commitBeforeRejoin(lostNow, commitOffsetsIfNecessary);
        throw lostNow;
      }
      // The last batch before a stop or a rebalance commits before it returns (kafkajs leaves the group or rejoins
      // right after). Any other batch only starts a background commit: an awaited commit here would add its round trip
      // to every fetch cycle, since kafkajs fetches a partition again only once its batch returned, and each record
      // would wait that much longer in the broker (issue #19: p99 at 5,000 records/s).
      if (this.stopping !== undefined || !isRunning() || isStale()) await this.commitAfterBatch(commitOffsetsIfNecessary, join, isRunning);
      else this.commitInBackground();
    } finally {
      clearInterval(beat);
      clearInterval(watch);
      if (position.paused) this.setPaused(topic, partition, position, false);
    }
  }

  /**
   * Exactly-once: checks that the flow can run so (read_committed, no stateful transform) and makes the transactions
   * the flow's `sink.kafka` nodes produce into.
   * @throws TributaryError E_CONFIG naming the node and what prevents exactly-once
   */
  private exactlyOnce(kafka: Kafka, groupId: string): KafkaTransactions {
    const { ctx, config } = this;
    const refuse = (why: string): TributaryError =>
      new TributaryError('E_CONFIG', `node ${ctx.nodeId}: settings.delivery exactly-once ${why}`, { nodeId: ctx.nodeId });
    if (config.isolationLevel === 'read_uncommitted') {
      throw refuse('reads read_committed: remove isolationLevel read_uncommitted (it would read records of aborted transactions)');
    }
    if (ctx.checkpointing()) {
      throw refuse(
        'does not support stateful transforms (windows) yet: their checkpoints travel in offset-commit metadata, which ' +
          'a transaction does not carry; use at-least-once',
      );
    }
    if (ctx.shared === undefined) throw refuse('needs the engine (no shared run state)');
    const transactions = new KafkaTransactions(kafka, groupId, ctx.logger, () => this.connectedAdmin());
    registerTransactions(ctx.shared, ctx.nodeId, transactions);
    return transactions;
  }

  /**
   * Exactly-once, before a batch is dispatched: begins the partition's transaction. After a new producer initialised
   * (fencing any previous owner) the committed offset is read again; when it is not where the batch starts (another
   * member committed after this one joined), the partition is moved there and the batch is left.
   * @returns true when the batch is to be dispatched in the open transaction
   * @throws a group membership error (kafkajs rejoins)
   */
  private async beginTransaction(txn: PartitionTransaction, payload: EachBatchPayload): Promise<boolean> {
    const { topic, partition, messages } = payload.batch;
    const first = messages[0]?.offset;
    if (first === undefined || !payload.isRunning() || payload.isStale()) return false;
    let committed: string | undefined;
    try {
      committed = await txn.begin();
    } catch (error) {
      const lost = groupMembershipError(error);
      if (lost !== undefined) throw lost;
      await this.replay(txn, payload, error);
      return false;
    }
    if (committed === undefined || committed === '-1' || committed === first) return true;
    this.ctx.logger.info(
      { topic, partition, committed, first },
      `partition ${topic}/${partition} continues from its committed offset ${committed} (the batch started at ${first})`,
    );
    await txn.abort();
    this.consumer!.seek({ topic, partition, offset: committed });
    return false;
  }

  /**
   * Exactly-once, after a batch: commits its transaction with the position after `last` (the last record
   * dispatched; records not dispatched because of a stop or a rebalance are read again), or aborts it and replays the
   * batch when a delivery or a send failed or the commit fails.
   */
  private async endTransaction(txn: PartitionTransaction, payload: EachBatchPayload, last: string | undefined, failure: unknown): Promise<void> {
    const { topic, partition } = payload.batch;
    if (last === undefined) {
      await txn.abort();
      return;
    }
    if (failure !== undefined) {
      // The run fails (a delivery rejects only then): abort, the next start replays.
      await txn.abort(failure);
      return;
    }
    const offset = String(BigInt(last) + 1n);
    try {
      await txn.commit(offset);
    } catch (error) {
      await this.replay(txn, payload, error);
      return;
    }
    this.aborts.delete(`${topic}:${partition}`);
    const position = this.position(topic, partition);
    position.committed = Number(offset);
    this.report();
  }

  /**
   * Exactly-once: aborts the partition's transaction and moves the partition back to the batch's first offset (the
   * committed one), after a backoff (300 ms doubling to 5 s) that grows while the same batch keeps failing. A failure
   * that is not retriable fails the run once the same batch failed {@link MAX_TRANSACTION_ATTEMPTS} times in a row.
   */
  private async replay(txn: PartitionTransaction, payload: EachBatchPayload, error: unknown): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const first = messages[0]!.offset;
    await txn.abort(error);
    const key = `${topic}:${partition}`;
    const previous = this.aborts.get(key);
    const count = previous?.offset === first ? previous.count + 1 : 1;
    this.aborts.set(key, { offset: first, count });
    if (count >= MAX_TRANSACTION_ATTEMPTS && !isRetriableKafkaError(error) && groupMembershipError(error) === undefined) {
      this.failRun(
        new TributaryError(
          'E_SINK',
          `node ${this.ctx.nodeId}: the transaction of ${topic}/${partition} from offset ${first} failed ${count} times in a row: ${kafkaErrorMessage(error)}`,
          { nodeId: this.ctx.nodeId },
        ),
      );
      return;
    }
    if (this.stopping === undefined) this.consumer!.seek({ topic, partition, offset: first });
    await sleep(Math.min(300 * 2 ** (count - 1), 5_000), this.ctx.signal).catch(() => undefined);
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

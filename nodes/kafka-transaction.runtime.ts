/**
 * Kafka transactions of an exactly-once flow (`settings.delivery: exactly-once`, Node-only): the `source.kafka` node
 * begins one transaction per fetched batch of an input partition, the `sink.kafka` nodes produce the records derived
 * from that batch into it, and the source commits the consumed offsets (`sendOffsets`) in the same transaction, so
 * the output records and the input position become visible together or not at all.
 *
 * **One transactional id per input partition**, `tributary-<group>-<topic>-<partition>` ({@link transactionalId}).
 * kafkajs 2.2.4 sends `TxnOffsetCommit` without the consumer group's generation (no KIP-447 fencing), so fencing is the
 * transactional id's: the member that takes a partition over initialises a producer with its id (`InitProducerId`),
 * which bumps the producer epoch, aborts the previous owner's open transaction and makes every later send or commit of
 * that owner (a zombie: paused, cut off, not yet aware of the rebalance) fail with a fencing error. This is the scheme
 * of Kafka Streams before KIP-447 ("exactly_once", one producer per input partition).
 *
 * **After every initialisation** the committed offset of the partition is read again (admin `fetchOffsets`): a
 * transaction the previous owner committed between this member's join and its `InitProducerId` moved it, and the
 * partition then continues from there instead of re-processing what is already committed
 * ({@link PartitionTransaction.begin} says where to continue).
 *
 * Records sent by sinks go through one promise chain per partition, so they reach the transaction in the order the
 * sinks wrote them (per-key order). A failed send does not reject the sink's write: it marks the transaction failed,
 * and the source aborts it and replays the batch from its first offset.
 */
import type { Admin, CompressionTypes, Kafka, Message, Producer, Transaction } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaErrorMessage } from './kafka-common.runtime';

/** First part of every transactional id the runtime uses (ACLs: grant `TransactionalId` prefixed `tributary-`). */
export const TRANSACTIONAL_ID_PREFIX = 'tributary';

/** Key of the run's {@link KafkaTransactions} registry in the shared map of a run (`NodeContext.shared`). */
const SHARED_KEY = 'kafka-transactions';

/**
 * The transactional id of input partition `topic`/`partition` read by consumer group `groupId`.
 * @returns `tributary-<groupId>-<topic>-<partition>`
 */
export function transactionalId(groupId: string, topic: string, partition: number): string {
  return `${TRANSACTIONAL_ID_PREFIX}-${groupId}-${topic}-${partition}`;
}

/** What a sink produces into a transaction: like kafkajs `send` (acks are always all in a transaction). */
export interface TransactionalSend {
  topic: string;
  messages: Message[];
  compression: CompressionTypes;
}

/** The transaction of one input partition, from `begin` to `commit` or `abort`. */
export class PartitionTransaction {
  private producer: Producer | undefined;
  private transaction: Transaction | undefined;
  private failure: unknown;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly owner: KafkaTransactions,
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** True between {@link begin} and the end of the transaction. */
  get open(): boolean {
    return this.transaction !== undefined;
  }

  /**
   * Begins the transaction of the next batch. The first time (and after a fencing or another failure dropped the
   * producer) it connects a new producer and initialises it, fencing any other holder of the transactional id, then
   * reads the committed offset of the partition again.
   * @returns the committed offset read after a new initialisation (`-1`: none committed), or undefined when the
   *   producer was already initialised (nobody else can have committed meanwhile)
   * @throws the kafkajs error when the producer cannot connect or initialise; nothing is open then
   */
  async begin(): Promise<string | undefined> {
    let committed: string | undefined;
    if (this.producer === undefined) {
      const producer = this.owner.kafka.producer({
        transactionalId: transactionalId(this.owner.groupId, this.topic, this.partition),
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: true,
      });
      try {
        await producer.connect();
        this.transaction = await producer.transaction();
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        throw error;
      }
      this.producer = producer;
      committed = await this.owner.committedOffset(this.topic, this.partition);
    } else {
      this.transaction = await this.producer.transaction();
    }
    this.failure = undefined;
    this.chain = Promise.resolve();
    return committed;
  }

  /**
   * Produces `send` in the open transaction, after the sends before it. Never rejects: a failure (or no open
   * transaction) marks the transaction failed, so that the source aborts it and replays the batch.
   */
  send(send: TransactionalSend): Promise<void> {
    const transaction = this.transaction;
    if (transaction === undefined) {
      this.failure ??= new Error(`no open transaction for ${this.topic}/${this.partition}`);
      return Promise.resolve();
    }
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await transaction.send({ topic: send.topic, messages: send.messages, compression: send.compression, acks: -1 });
      } catch (error) {
        this.failure ??= error;
      }
    });
    return this.chain;
  }

  /**
   * Commits the transaction with the consumed position `offset` (the next offset to read) of the partition.
   * @throws the first failure of a send, or the kafkajs error of `sendOffsets` / `commit`; the caller aborts then
   */
  async commit(offset: string): Promise<void> {
    const transaction = this.transaction;
    if (transaction === undefined) throw new Error(`no open transaction for ${this.topic}/${this.partition}`);
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
    await transaction.sendOffsets({
      consumerGroupId: this.owner.groupId,
      topics: [{ topic: this.topic, partitions: [{ partition: this.partition, offset }] }],
    });
    await transaction.commit();
    this.transaction = undefined;
  }

  /**
   * Aborts the open transaction (nothing it produced becomes visible to read_committed readers). When the abort
   * cannot be sent (a commit failed half-way) or itself fails (fenced: another member owns the partition now; or the connection is gone) the producer is dropped,
   * and the next {@link begin} initialises a new one, which reads the committed offset again.
   * @param reason why, logged as a warning; none for a transaction that produced nothing
   */
  async abort(reason?: unknown): Promise<void> {
    const transaction = this.transaction;
    this.transaction = undefined;
    await this.chain;
    if (reason !== undefined) {
      this.owner.logger.warn(
        { topic: this.topic, partition: this.partition, err: kafkaErrorMessage(reason) },
        `transaction aborted, the batch is replayed: ${kafkaErrorMessage(reason)}`,
      );
    }
    if (transaction === undefined) return;
    // A commit that failed half-way (COMMITTING) may have committed on the broker: only a new producer, whose
    // initialisation reads the committed offset again, can tell where to continue.
    if (!transaction.isActive()) {
      await this.close();
      return;
    }
    try {
      await transaction.abort();
    } catch (error) {
      this.owner.logger.debug({ topic: this.topic, partition: this.partition, err: kafkaErrorMessage(error) }, 'abort failed: producer dropped');
      await this.close();
    }
  }

  /** Disconnects the producer (an open transaction is left to be aborted by the next owner or its timeout). */
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.transaction = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}

/**
 * The transactions of one exactly-once `source.kafka` node: one {@link PartitionTransaction} (and producer) per input
 * partition it owns, made at the partition's first batch and closed when the partition is lost.
 */
export class KafkaTransactions {
  private readonly partitions = new Map<string, PartitionTransaction>();

  /**
   * @param kafka the source's client (its brokers, security and retries); transactions and sinks use the same cluster
   * @param groupId the source's consumer group, whose offsets commit with the transactions
   * @param admin connects the source's admin client (reads committed offsets)
   */
  constructor(
    readonly kafka: Kafka,
    readonly groupId: string,
    readonly logger: Logger,
    private readonly admin: () => Promise<Admin>,
  ) {}

  /** The transaction of `topic`/`partition`, made on first use. */
  of(topic: string, partition: number): PartitionTransaction {
    const key = `${topic}:${partition}`;
    let found = this.partitions.get(key);
    if (found === undefined) this.partitions.set(key, (found = new PartitionTransaction(this, topic, partition)));
    return found;
  }

  /** The open transaction of `topic`/`partition`, or undefined (not owned, or between batches). */
  openOf(topic: string, partition: number): PartitionTransaction | undefined {
    const found = this.partitions.get(`${topic}:${partition}`);
    return found?.open === true ? found : undefined;
  }

  /** Closes the producers of the partitions `owned` does not hold (lost in a rebalance). */
  retain(owned: (key: string) => boolean): void {
    for (const [key, transaction] of this.partitions) {
      if (owned(key)) continue;
      this.partitions.delete(key);
      void transaction.close();
    }
  }

  /**
   * The committed offset of `topic`/`partition` for the group, as the broker has it now.
   * @returns the offset, `-1` when none is committed
   */
  async committedOffset(topic: string, partition: number): Promise<string> {
    const admin = await this.admin();
    const [result] = await admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
    return result?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
  }

  /** Disconnects every producer. */
  async close(): Promise<void> {
    const all = [...this.partitions.values()];
    this.partitions.clear();
    await Promise.all(all.map((t) => t.close()));
  }
}

/** Makes `transactions` the ones of source node `sourceId` in the run whose shared map is `shared`. */
export function registerTransactions(shared: Map<string, unknown>, sourceId: string, transactions: KafkaTransactions): void {
  let registry = shared.get(SHARED_KEY) as Map<string, KafkaTransactions> | undefined;
  if (registry === undefined) shared.set(SHARED_KEY, (registry = new Map()));
  registry.set(sourceId, transactions);
}

/** The transactions of source node `sourceId` in the run whose shared map is `shared`, or undefined. */
export function transactionsOf(shared: Map<string, unknown>, sourceId: string): KafkaTransactions | undefined {
  return (shared.get(SHARED_KEY) as Map<string, KafkaTransactions> | undefined)?.get(sourceId);
}

/**
 * Runtime of `sink.kafka` (Node-only): a kafkajs producer, one `send` per batch; in an exactly-once flow the batch goes
 * into the Kafka transaction of the input partition its records came from (nodes/kafka-transaction.runtime.ts).
 */
import { Partitioners, type Message, type Producer } from 'kafkajs';
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression, type ExpressionRecord } from '../../runtime/common/expression';
import { defineSink, type FlowRecord, type NodeContext, type RecordHeaders, type SinkRejection, type SinkRuntime } from '../../runtime/engine/types';
import { formatTraceparent } from '../../runtime/engine/trace-context';
import { createKafkaClient, isRetriableKafkaError, kafkaErrorMessage } from '../kafka-common.runtime';
import { checkKafkaConnection } from '../kafka-check.runtime';
import { kafkaCompressionType } from '../kafka-codecs.runtime';
import { createKafkaRecordEncoder, RecordEncodeError } from '../kafka-record-encode.runtime';
import { transactionsOf } from '../kafka-transaction.runtime';
import { DEAD_LETTER_HEADERS, kafkaSinkSpec, type KafkaSinkConfig } from './kafka.spec';

/** Longest error message copied into the `tributary-error-message` header (characters). */
export const MAX_ERROR_HEADER_CHARS = 4096;

/** A record whose message could not be built; becomes a rejection with code `E_EXPRESSION_RUNTIME`. */
class RecordFailure extends Error {}

/**
 * The record's headers plus, for traced records, a W3C `traceparent` naming this sink's hop (runtime/engine/trace.ts)
 * and, for records carrying `error`, the dead-letter headers (see {@link DEAD_LETTER_HEADERS}).
 */
export function kafkaHeaders(record: FlowRecord): RecordHeaders {
  const own = record.trace === undefined ? record.headers : { ...record.headers, traceparent: formatTraceparent(record.trace) };
  if (record.error === undefined) return own;
  const headers: RecordHeaders = {
    ...own,
    [DEAD_LETTER_HEADERS.node]: record.error.nodeId,
    [DEAD_LETTER_HEADERS.code]: record.error.code,
    [DEAD_LETTER_HEADERS.message]: record.error.message.slice(0, MAX_ERROR_HEADER_CHARS),
  };
  if (record.meta.topic !== undefined) headers[DEAD_LETTER_HEADERS.topic] = record.meta.topic;
  if (record.meta.partition !== undefined) headers[DEAD_LETTER_HEADERS.partition] = String(record.meta.partition);
  if (record.meta.offset !== undefined) headers[DEAD_LETTER_HEADERS.offset] = record.meta.offset;
  return headers;
}

/**
 * Creates the `sink.kafka` runtime for one node.
 * - `open()` resolves the schema registry schemas of `format` / `keyFormat` (nodes/kafka-record-encode.runtime.ts) and
 *   connects the producer; throws a `TributaryError` (`E_SINK`, retriable when the brokers or the registry are
 *   unreachable).
 * - `write(batch)` sends the batch with one `producer.send` and resolves once the brokers acknowledged it (per
 *   `acks`); keys and values are encoded by `keyFormat` and `format`, a record that does not fit them (e.g. not its
 *   Avro schema) is returned as a rejection (`E_SINK`, the field path in the message) and not sent; records whose
 *   key/value expression throws are returned as rejections (`E_EXPRESSION_RUNTIME`) and not
 *   sent; a kafkajs failure throws `TributaryError` `E_SINK`, retriable when kafkajs says so (connection, timeout,
 *   leader not available, ...), otherwise not (e.g. message too large, not authorized).
 * - `close()` disconnects the producer.
 *
 * In an exactly-once flow (`settings.delivery`) the node's own producer is never connected: `write(batch)` produces
 * each run of records from the same source partition into that partition's open transaction (begun and committed by
 * the `source.kafka` node, on its cluster; `acks` is all there), in order. A send that fails marks the transaction
 * failed (the source aborts and replays the batch) rather than rejecting; a record without an open transaction of its
 * source partition (not read by an exactly-once `source.kafka`) fails the batch, not retriable.
 * @throws TributaryError `E_EXPRESSION` for a malformed expression
 */
export function createKafkaSink(config: KafkaSinkConfig, ctx: NodeContext): SinkRuntime {
  const { nodeId } = ctx;
  const compile = (field: string, source: string | undefined): ((r: ExpressionRecord) => unknown) | undefined => {
    if (source === undefined) return undefined;
    try {
      return compileRecordExpression(source);
    } catch (error) {
      throw new TributaryError('E_EXPRESSION', `${field}: ${(error as Error).message}`, { nodeId, cause: error });
    }
  };
  const keyOf = compile('key', config.key);
  const valueOf = compile('value', config.value);
  const evaluate = (field: string, fn: (r: ExpressionRecord) => unknown, record: FlowRecord): unknown => {
    try {
      return fn(record);
    } catch (error) {
      throw new RecordFailure(`${field} threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const transactional = ctx.delivery === 'exactly-once' && !ctx.preview;
  const kafka = createKafkaClient(config, { defaultClientId: `tributary-${nodeId}`, logger: ctx.logger, nodeId });
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: true,
    idempotent: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const compression = kafkaCompressionType(config.compression);
  const encoder = createKafkaRecordEncoder(config, nodeId);
  let connected = false;
  // kafkajs disconnects the producer for good on some fatal errors; the next write then connects again.
  producer.on(producer.events.DISCONNECT, () => {
    connected = false;
  });

  const failure = (what: string, error: unknown): TributaryError => {
    const retriable = isRetriableKafkaError(error);
    return new TributaryError('E_SINK', `Kafka ${what} (topic ${config.topic}): ${kafkaErrorMessage(error)}`, {
      nodeId,
      retriable,
      cause: error,
    });
  };
  const connect = async (): Promise<void> => {
    try {
      await producer.connect();
      connected = true;
    } catch (error) {
      throw failure(`producer could not connect to ${config.brokers.join(',')}`, error);
    }
  };

  /** Exactly-once: produces each run of messages whose records share a source partition into its transaction. */
  const sendInTransactions = async (messages: Message[], origins: FlowRecord[]): Promise<void> => {
    for (let start = 0; start < messages.length; ) {
      const meta = origins[start]!.meta;
      let end = start + 1;
      while (end < messages.length && sameOrigin(origins[end]!.meta, meta)) end++;
      const open = meta.topic === undefined || meta.partition === undefined || ctx.shared === undefined
        ? undefined
        : transactionsOf(ctx.shared, meta.source)?.openOf(meta.topic, meta.partition);
      if (open === undefined) {
        throw new TributaryError(
          'E_SINK',
          `exactly-once: no open Kafka transaction for records from ${meta.topic === undefined ? `node ${meta.source}` : `${meta.topic}/${meta.partition}`} ` +
            '(only records read by source.kafka in an exactly-once flow can be produced transactionally)',
          { nodeId, retriable: false },
        );
      }
      await open.send({ topic: config.topic, messages: messages.slice(start, end), compression });
      start = end;
    }
  };

  return {
    async open() {
      await encoder.open();
      if (!transactional) await connect();
    },

    async write(batch: FlowRecord[]): Promise<SinkRejection[]> {
      // Resolves the registry schemas when open() could not (registry unreachable then); nothing to do otherwise.
      await encoder.open();
      const rejections: SinkRejection[] = [];
      const messages: Message[] = [];
      // Exactly-once: the record of each message, whose source partition names its transaction.
      const origins: FlowRecord[] | undefined = transactional ? [] : undefined;
      batch.forEach((record, index) => {
        try {
          const key = encoder.key(keyOf === undefined ? record.key : evaluate('key', keyOf, record));
          const value = encoder.value(valueOf === undefined ? record.value : evaluate('value', valueOf, record));
          // No timestamp: the broker's produce time, so retention never drops re-produced old records at once.
          messages.push({ key, value, headers: kafkaHeaders(record) });
          origins?.push(record);
        } catch (error) {
          if (error instanceof RecordEncodeError) {
            rejections.push({ index, message: `cannot encode the record: ${error.message}`, code: 'E_SINK' });
            return;
          }
          if (!(error instanceof RecordFailure)) {
            rejections.push({ index, message: `cannot encode the record: ${(error as Error).message}`, code: 'E_SINK' });
            return;
          }
          rejections.push({ index, message: error.message, code: 'E_EXPRESSION_RUNTIME' });
        }
      });
      if (messages.length === 0) return rejections;
      if (origins !== undefined) {
        await sendInTransactions(messages, origins);
        return rejections;
      }
      if (!connected) await connect();
      try {
        await producer.send({ topic: config.topic, messages, acks: config.acks, compression });
      } catch (error) {
        throw failure('refused the batch', error);
      }
      return rejections;
    },

    async close(): Promise<void> {
      connected = false;
      await producer.disconnect();
    },
  };
}

/** True when two records come from the same source partition (the same transaction in an exactly-once flow). */
function sameOrigin(a: FlowRecord['meta'], b: FlowRecord['meta']): boolean {
  return a.partition === b.partition && a.topic === b.topic && a.source === b.source;
}

/** Runtime of `sink.kafka`; see {@link createKafkaSink}. */
export const kafkaSinkRuntime = { ...defineSink(kafkaSinkSpec, createKafkaSink), check: checkKafkaConnection };

/**
 * `source.kafka`: reads records from Kafka topics as a member of a consumer group, at-least-once (exactly-once into
 * `sink.kafka` with `settings.delivery: exactly-once`).
 */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { defineNodeSpec } from '../../runtime/common/node-spec';
import { kafkaConnectionFields } from '../kafka-common.spec';
import { checkStartFrom, startFromField } from '../kafka-start-position.spec';
import { checkRegistryNeeded, REGISTRY_FORMAT_OPTIONS, REGISTRY_FORMATS, registryField } from '../schema-registry.spec';

export const kafkaSourceConfig = z
  .strictObject({
    ...kafkaConnectionFields,
    topic: z.string().min(1).optional().describe('Topic to read. Give either topic or topics.')
      .apply(withFieldMeta, { examples: ['orders'] }),
    topics: z.array(z.string().min(1)).min(1).optional().describe('Topics to read, when more than one.')
      .apply(withFieldMeta, { examples: [['orders', 'refunds']] }),
    groupId: z
      .string()
      .min(1)
      .describe('Consumer group id. Instances of the flow with the same group share the partitions between them.')
      .apply(withFieldMeta, { examples: ['orders-to-redis'] }),
    startFrom: startFromField,
    fromBeginning: z
      .boolean()
      .optional()
      .describe('Older form of startFrom, still read: true is startFrom earliest, false is latest. Give one of the two.')
      .apply(withFieldMeta, { advanced: true }),
    format: z
      .enum(['json', 'string', 'bytes', ...REGISTRY_FORMATS])
      .default('json')
      .describe(
        'How record values are decoded. json: parsed JSON (bad JSON goes to the error port with code E_DECODE); ' +
          'string: UTF-8 text; bytes: base64 text of the raw bytes; avro, protobuf, json-schema: the Confluent wire ' +
          'format, decoded with the schema of its schema id from `registry` (a value that does not decode goes to ' +
          'the error port with code E_DECODE and the reason).',
      )
      .apply(withFieldMeta, {
        options: {
          json: 'parsed JSON (bad JSON goes to the error port with code E_DECODE)',
          string: 'UTF-8 text',
          bytes: 'base64 text of the raw bytes',
          ...REGISTRY_FORMAT_OPTIONS,
        },
      }),
    keyFormat: z
      .enum(['string', 'bytes', 'json', ...REGISTRY_FORMATS])
      .default('string')
      .describe(
        'How record keys are decoded. string: UTF-8 text; bytes: base64 text of the raw bytes; json, avro, protobuf, ' +
          'json-schema: decoded, a structured key kept as its JSON text (keys are text in a flow). A key that does not ' +
          'decode sends the record to the error port with code E_DECODE.',
      )
      .apply(withFieldMeta, {
        options: {
          string: 'UTF-8 text (lossy for invalid bytes)',
          bytes: 'base64 text of the raw bytes',
          json: 'JSON, kept as its text (a JSON string as the string itself)',
          ...REGISTRY_FORMAT_OPTIONS,
        },
        advanced: true,
      }),
    registry: registryField,
    invalidUtf8: z
      .enum(['error', 'replace'])
      .default('error')
      .describe(
        'What a value that is not valid UTF-8 does (format json or string). error: the record goes to the error port ' +
          'with code E_DECODE, the offset of the first bad byte and the value as base64 of its bytes; replace: bad bytes become U+FFFD (lossy).',
      )
      .apply(withFieldMeta, {
        options: {
          error: 'the record goes to the error port with code E_DECODE (never rewritten)',
          replace: 'invalid bytes are replaced with U+FFFD, as a lossy decoder does',
        },
        appliesWhen: { field: 'format', values: ['json', 'string'] },
        advanced: true,
      }),
    isolationLevel: z
      .enum(['read_committed', 'read_uncommitted'])
      .default('read_committed')
      .describe(
        'Which records of transactional producers are read. read_committed (default, and what kafkajs did before this ' +
          'option): only records of committed transactions, never those of aborted ones; on a topic no transactional ' +
          'producer writes to it costs nothing. read_uncommitted: also records of open and aborted transactions (lower ' +
          'latency, may see records that were rolled back). An exactly-once flow (settings.delivery) reads read_committed.',
      )
      .apply(withFieldMeta, {
        options: {
          read_committed: 'only records of committed transactions (default)',
          read_uncommitted: 'also records of open and aborted transactions',
        },
        advanced: true,
      }),
    sessionTimeoutMs: z
      .number()
      .int()
      .min(6000)
      .max(300_000)
      .default(30_000)
      .describe('Consumer group session timeout (ms): how long the broker waits for a heartbeat before rebalancing.')
      .apply(withFieldMeta, { advanced: true }),
    partitionsConsumedConcurrently: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe('Partitions processed in parallel by this instance.')
      .apply(withFieldMeta, { advanced: true }),
    maxBytesPerPartition: z
      .number()
      .int()
      .min(1024)
      .default(262_144)
      .describe('Largest fetch per partition (bytes). Larger fetches help little past a few hundred KB and cost memory.')
      .apply(withFieldMeta, { advanced: true }),
    restartLimit: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(5)
      .describe(
        'How many times a crashed consumer is restarted before the run exits with the error. Only crashes that are not ' +
          'outages count: while the brokers are unreachable the consumer reconnects with backoff, and the run fails ' +
          'once that lasts longer than settings.sourceUnavailableTimeoutMs.',
      )
      .apply(withFieldMeta, { advanced: true }),
  })
  .refine((c) => (c.topic === undefined) !== (c.topics === undefined), {
    message: 'give exactly one of topic or topics',
    path: ['topic'],
  })
  .superRefine(checkStartFrom)
  .superRefine(checkRegistryNeeded);

export const kafkaSourceSpec = defineNodeSpec({
  type: 'source.kafka',
  kind: 'source',
  version: 1,
  title: 'Kafka',
  description:
    'Reads records from Kafka topics as a member of a consumer group. Offsets are committed only after every record ' +
    'derived from them has been acknowledged by every sink (at-least-once); in an exactly-once flow ' +
    '(settings.delivery) they are committed in the Kafka transaction of the records produced from them.',
  inputs: [],
  outputs: [{ name: 'out', description: 'Decoded records with key, value, headers, timestamp and topic/partition/offset.' }],
  config: kafkaSourceConfig,
  connectionCheck: 'kafka',
  example: { brokers: ['${KAFKA_BROKERS:-127.0.0.1:9092}'], topic: 'orders', groupId: 'orders-to-redis', startFrom: 'earliest', format: 'json' },
});

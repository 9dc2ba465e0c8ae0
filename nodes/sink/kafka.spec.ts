/** `sink.kafka`: produces records to a Kafka topic; also the dead-letter sink for `error` ports. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, defineNodeSpec } from '../../runtime/common/node-spec';
import { kafkaConnectionFields } from '../kafka-common.spec';

/** Headers added to records that carry `error` (records from an `error` port), so the topic works as a dead-letter topic. */
export const DEAD_LETTER_HEADERS = {
  node: 'tributary-error-node',
  code: 'tributary-error-code',
  message: 'tributary-error-message',
  topic: 'tributary-source-topic',
  partition: 'tributary-source-partition',
  offset: 'tributary-source-offset',
} as const;

/** Config of `sink.kafka`. */
export const kafkaSinkConfigSchema = z.strictObject({
  ...kafkaConnectionFields,
  topic: z
    .string()
    .min(1)
    .max(249)
    .regex(/^[A-Za-z0-9._-]+$/, 'topic names use only letters, digits, ".", "_" and "-"')
    .describe('Topic to produce to; created on first write when the cluster allows automatic topic creation.')
    .apply(withFieldMeta, { examples: ['orders-enriched'] }),
  key: z
    .string()
    .optional()
    .describe(
      'Expression for the message key; strings as-is, bytes raw, null/undefined = no key, objects as JSON, other values ' +
        'with `String`. Absent: the record key is kept.',
    ),
  value: z
    .string()
    .optional()
    .describe(
      'Expression for the message value; strings and bytes as-is, null/undefined = null (a tombstone), others as JSON. ' +
        'Absent: the record value, encoded the same way.',
    ),
  acks: z
    .literal([-1, 0, 1])
    .default(-1)
    .describe('Acknowledgements to wait for: -1 = all in-sync replicas (safest), 1 = the partition leader only, 0 = none (fire and forget).')
    .apply(withFieldMeta, {
      options: { '-1': 'all in-sync replicas (safest)', '0': 'none (fire and forget)', '1': 'the partition leader only' },
    }),
  compression: z
    .enum(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
    .default('none')
    .describe(
      'Compression codec of produced batches; consumers of the topic must support it (every current Kafka client does).',
    )
    .apply(withFieldMeta, {
      options: {
        none: 'uncompressed',
        gzip: 'gzip: small batches, the most CPU',
        snappy: 'snappy: fast, moderate ratio',
        lz4: 'lz4: the fastest, moderate ratio',
        zstd: 'zstd: the best ratio at moderate CPU (brokers from Kafka 2.1)',
      },
    }),
});

/** Parsed config of `sink.kafka`. */
export type KafkaSinkConfig = z.output<typeof kafkaSinkConfigSchema>;

/** Spec of `sink.kafka`. */
export const kafkaSinkSpec = defineNodeSpec({
  type: 'sink.kafka',
  kind: 'sink',
  version: 1,
  title: 'Kafka',
  description:
    'Produces each record to a Kafka topic with its key and headers. Records from an `error` port get ' +
    '`tributary-error-*` and `tributary-source-*` headers, so the node doubles as a dead-letter topic.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to produce.' }],
  outputs: [],
  config: kafkaSinkConfigSchema,
  connectionCheck: 'kafka',
  expressions: ['key', 'value'],
  example: { brokers: ['127.0.0.1:9092'], topic: 'orders-enriched', key: 'String(value.customerId)', acks: -1 },
});

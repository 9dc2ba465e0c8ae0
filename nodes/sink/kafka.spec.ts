/** `sink.kafka`: produces records to a Kafka topic; also the dead-letter sink for `error` ports. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, defineNodeSpec } from '../../runtime/common/node-spec';
import { kafkaConnectionFields } from '../kafka-common.spec';
import { checkRegistryNeeded, REGISTRY_FORMAT_OPTIONS, REGISTRY_FORMATS, registryField, schemaChoiceField } from '../schema-registry.spec';

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
  format: z
    .enum(['json', 'string', 'bytes', ...REGISTRY_FORMATS])
    .default('json')
    .describe(
      'How values are encoded. json: strings and bytes as-is, null a tombstone, anything else as JSON; string: the ' +
        'value as text (`String`); bytes: a base64 string (as source.kafka format bytes gives) written as its raw ' +
        'bytes; avro, protobuf, json-schema: the Confluent wire format with the schema of `valueSchema` from ' +
        '`registry` (a value that does not fit goes to the error port with the field path).',
    )
    .apply(withFieldMeta, {
      options: {
        json: 'strings and bytes as-is, others as JSON',
        string: 'the value as text',
        bytes: 'a base64 string written as its raw bytes',
        ...REGISTRY_FORMAT_OPTIONS,
      },
    }),
  keyFormat: z
    .enum(['string', 'bytes', 'json', ...REGISTRY_FORMATS])
    .default('string')
    .describe(
      'How keys are encoded. string: strings as-is, objects as JSON, others with `String`; bytes: a base64 string ' +
        'written as its raw bytes; json: the key as JSON; avro, protobuf, json-schema: the Confluent wire format with ' +
        'the schema of `keySchema` (a key that is the JSON text of an object or array, as source.kafka keeps ' +
        'structured keys, is encoded as that object).',
    )
    .apply(withFieldMeta, {
      options: {
        string: 'strings as-is, objects as JSON',
        bytes: 'a base64 string written as its raw bytes',
        json: 'the key as JSON',
        ...REGISTRY_FORMAT_OPTIONS,
      },
      advanced: true,
    }),
  registry: registryField,
  valueSchema: schemaChoiceField('value').apply(withFieldMeta, { appliesWhen: { field: 'format', values: [...REGISTRY_FORMATS] } }),
  keySchema: schemaChoiceField('key').apply(withFieldMeta, { appliesWhen: { field: 'keyFormat', values: [...REGISTRY_FORMATS] }, advanced: true }),
}).superRefine(checkRegistryNeeded);

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

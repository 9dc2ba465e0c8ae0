/**
 * Schema Registry fields shared by `source.kafka` and `sink.kafka`: the record formats, the registry's address and
 * credentials, and (sink) which schema encodes keys and values. Browser-safe (zod only).
 */
import { z } from 'zod';
import { withFieldMeta } from '../runtime/common/field-meta';

/** Formats whose bytes are in the Confluent wire format, with the schema id of a schema registry. */
export const REGISTRY_FORMATS = ['avro', 'protobuf', 'json-schema'] as const;
/** One of {@link REGISTRY_FORMATS}. */
export type RegistryFormat = (typeof REGISTRY_FORMATS)[number];

/** True for a format that needs `registry`. */
export function isRegistryFormat(format: string): format is RegistryFormat {
  return (REGISTRY_FORMATS as readonly string[]).includes(format);
}

/** What each registry format means, for the inspector and the node docs. */
export const REGISTRY_FORMAT_OPTIONS = {
  avro: 'Avro through the schema registry (Confluent wire format: magic byte 0 + schema id)',
  protobuf: 'Protobuf through the schema registry (magic byte 0 + schema id + message indexes)',
  'json-schema': 'JSON validated by a JSON Schema of the schema registry (magic byte 0 + schema id)',
} as const;

/** `registry`: where the schema registry is (Confluent Schema Registry API) and how to sign in. */
export const registryField = z
  .strictObject({
    url: z
      .string()
      .refine((url) => /^https?:\/\/[^/\s]/.test(url) || url.includes('${'), 'a schema registry URL starts with http:// or https://')
      .describe(
        'Base URL of the Confluent-compatible Schema Registry API, e.g. `https://psrc-xxxx.confluent.cloud`, ' +
          '`http://registry:8081`, or Apicurio Registry\'s `http://registry:8080/apis/ccompat/v7`.',
      )
      .apply(withFieldMeta, { examples: ['${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081}'] }),
    auth: z
      .strictObject({
        username: z.string().min(1).describe('Username (Confluent Cloud: the Schema Registry API key).'),
        password: z
          .string()
          .min(1)
          .describe('Password (Confluent Cloud: the API secret). Write a ${VAR} reference.')
          .apply(withFieldMeta, { secret: true, examples: ['${SCHEMA_REGISTRY_PASSWORD}'] }),
      })
      .optional()
      .describe('HTTP basic authentication; absent: none.'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(10_000)
      .describe('How long one request to the registry may take (ms) before it counts as unreachable.')
      .apply(withFieldMeta, { advanced: true }),
  })
  .optional()
  .describe('The schema registry; required when format or keyFormat is avro, protobuf or json-schema.');

/** Parsed `registry` field. */
export type RegistryConfig = NonNullable<z.output<typeof registryField>>;

/** `valueSchema` / `keySchema` of `sink.kafka`: which registered schema encodes the records. */
export function schemaChoiceField(part: 'value' | 'key') {
  return z
    .strictObject({
      subject: z
        .string()
        .min(1)
        .optional()
        .describe(`Subject of the schema; default \`<topic>-${part}\` (the topic name strategy).`),
      version: z
        .union([z.number().int().min(1), z.literal('latest')])
        .default('latest')
        .describe('Version of the subject to encode with when no `schema` is given: a number or `latest`.')
        .apply(withFieldMeta, { variantLabels: { integer: 'Version number', latest: 'Latest' } }),
      schema: z
        .union([z.string().min(1), z.record(z.string(), z.unknown())])
        .optional()
        .describe(
          'The schema itself (Avro JSON, a .proto text, or a JSON Schema; Avro and JSON Schema also as YAML objects). ' +
            'Registered under the subject when the node opens (the registry returns the id it already has for the ' +
            'same schema); absent: the registered `version` is used.',
        )
        .apply(withFieldMeta, { variantLabels: { string: 'Text', '{}': 'Object' } }),
      messageType: z
        .string()
        .min(1)
        .optional()
        .describe('Protobuf: the full name of the message type to encode (e.g. `shop.Order`); default the first message of the file.'),
    })
    .optional()
    .describe(`Schema of the ${part}s when ${part === 'value' ? 'format' : 'keyFormat'} is avro, protobuf or json-schema; default the latest version of subject \`<topic>-${part}\`.`);
}

/** A zod refinement: `registry` must be given when `format` or `keyFormat` is a registry format. */
export function checkRegistryNeeded(config: { format?: string; keyFormat?: string; registry?: unknown }, ctx: z.RefinementCtx): void {
  if (config.registry !== undefined) return;
  const field = isRegistryFormat(config.format ?? '') ? 'format' : isRegistryFormat(config.keyFormat ?? '') ? 'keyFormat' : undefined;
  if (field === undefined) return;
  ctx.addIssue({
    code: 'custom',
    path: ['registry'],
    message: `${field} ${field === 'format' ? config.format : config.keyFormat} needs registry: { url } (the schema registry's address)`,
  });
}

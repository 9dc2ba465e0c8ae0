/**
 * Encoding of record keys and values into Kafka message bytes for `sink.kafka`, by `keyFormat` and `format`: plain
 * (string, bytes, json) or through a schema registry (avro, protobuf, json-schema in the Confluent wire format).
 * Node-only. (Headers need no encoding: kafkajs writes an array value, a repeated header, as one header per element.)
 *
 * Registry schemas are resolved once, in {@link KafkaRecordEncoder.open}: from the subject (default `<topic>-value` /
 * `<topic>-key`, the topic name strategy) at a version (default `latest`), or, when the schema is given inline,
 * registered under that subject (the registry returns the id it already has for an identical schema). A value that
 * does not fit the schema is the record's fault ({@link RecordEncodeError}: the record goes to the error port); a
 * registry that does not answer is not (a retriable `TributaryError` from `open`).
 */
import { TributaryError } from '../runtime/common/errors';
import { SCHEMA_TYPE_OF_FORMAT, SchemaMismatchError, type ReferencedSchema, type SchemaCodec } from './schema-codec.runtime';
import { RegistryUnavailableError, SchemaRegistryClient, type RegisteredSchema } from './schema-registry.runtime';
import { isRegistryFormat, type RegistryConfig, type RegistryFormat } from './schema-registry.spec';
import type { KeyFormat } from './kafka-record-decode.runtime';

/** A key or value that cannot be encoded as its format asks; the record goes to the error port with the message. */
export class RecordEncodeError extends Error {}

/** Which registered schema encodes a part (`valueSchema` / `keySchema` of `sink.kafka`). */
export interface SchemaChoice {
  subject?: string | undefined;
  version: number | 'latest';
  schema?: string | Record<string, unknown> | undefined;
  messageType?: string | undefined;
}

/** The encoding settings of `sink.kafka`. */
export interface EncodeConfig {
  topic: string;
  format: 'json' | 'string' | 'bytes' | RegistryFormat;
  keyFormat: KeyFormat;
  registry?: RegistryConfig | undefined;
  valueSchema?: SchemaChoice | undefined;
  keySchema?: SchemaChoice | undefined;
}

/** Encodes the keys and values of one `sink.kafka` node; see the file comment. */
export interface KafkaRecordEncoder {
  /**
   * Resolves the registry schemas (nothing to do for plain formats).
   * @throws TributaryError `E_SINK`: retriable when the registry is unreachable, not when the subject or version does
   *   not exist, the schema is refused (incompatible, invalid) or is of another type than the format
   */
  open(): Promise<void>;
  /** @throws RecordEncodeError when the key does not fit its format */
  key(key: unknown): string | Buffer | null;
  /** @throws RecordEncodeError when the value does not fit its format */
  value(value: unknown): string | Buffer | null;
}

/** Bytes from a base64 string (format bytes); Uint8Array as-is. */
function bytesOf(value: unknown, part: string): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0) return Buffer.from(value, 'base64');
  throw new RecordEncodeError(`${part} is not base64 text (format bytes): ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value}`);
}

/** The key as source.kafka keeps structured keys (their JSON text) turned back into the object, for registry formats. */
function structuredKey(key: unknown): unknown {
  if (typeof key !== 'string') return key;
  const first = key.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) return key; // { or [
  try {
    return JSON.parse(key) as unknown;
  } catch {
    return key;
  }
}

function plainKey(key: unknown, keyFormat: Exclude<KeyFormat, RegistryFormat>): string | Buffer | null {
  if (key === null || key === undefined) return null;
  if (keyFormat === 'bytes') return bytesOf(key, 'key');
  if (keyFormat === 'json') return JSON.stringify(structuredKey(key)) ?? null;
  if (typeof key === 'string') return key;
  if (key instanceof Uint8Array) return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  if (typeof key === 'object') return JSON.stringify(key);
  return String(key);
}

function plainValue(value: unknown, format: 'json' | 'string' | 'bytes'): string | Buffer | null {
  if (value === null || value === undefined) return null;
  if (format === 'bytes') return bytesOf(value, 'value');
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (format === 'string') return typeof value === 'object' ? JSON.stringify(value) : String(value);
  return (JSON.stringify(value) as string | undefined) ?? null;
}

/** The schema text to register: Avro and JSON Schema given as objects become their JSON. */
function schemaText(schema: string | Record<string, unknown>): string {
  return typeof schema === 'string' ? schema : JSON.stringify(schema);
}

/**
 * Creates the encoder of a `sink.kafka` node.
 * @throws TributaryError `E_CONFIG` when a registry format is asked for without `registry` (the spec refuses that first)
 */
export function createKafkaRecordEncoder(config: EncodeConfig, nodeId: string): KafkaRecordEncoder {
  const { format, keyFormat } = config;
  const needsRegistry = isRegistryFormat(format) || isRegistryFormat(keyFormat);
  if (needsRegistry && config.registry === undefined) {
    throw new TributaryError('E_CONFIG', `node ${nodeId}: registry: required for format ${format} / keyFormat ${keyFormat}`, { nodeId });
  }
  const client = needsRegistry ? new SchemaRegistryClient(config.registry!) : undefined;
  let valueCodec: SchemaCodec | undefined;
  let keyCodec: SchemaCodec | undefined;

  const resolve = async (part: 'value' | 'key', want: RegistryFormat, choice: SchemaChoice | undefined): Promise<SchemaCodec> => {
    const subject = choice?.subject ?? `${config.topic}-${part}`;
    const field = part === 'value' ? 'valueSchema' : 'keySchema';
    let registered: RegisteredSchema;
    let referenced: ReferencedSchema[] = [];
    try {
      if (choice?.schema !== undefined) {
        const text = schemaText(choice.schema);
        const id = await client!.register(subject, SCHEMA_TYPE_OF_FORMAT[want], text);
        registered = { id, schemaType: SCHEMA_TYPE_OF_FORMAT[want], schema: text, references: [] };
      } else {
        registered = await client!.subjectVersion(subject, choice?.version ?? 'latest');
        referenced = await client!.referencedSchemas(registered);
      }
    } catch (error) {
      const hint = choice?.schema === undefined ? ` (give ${field}.schema to register one, or ${field}.subject)` : '';
      throw new TributaryError('E_SINK', `node ${nodeId}: ${field}: ${(error as Error).message}${hint}`, {
        nodeId,
        retriable: error instanceof RegistryUnavailableError,
        cause: error,
      });
    }
    if (registered.schemaType !== SCHEMA_TYPE_OF_FORMAT[want]) {
      throw new TributaryError('E_SINK', `node ${nodeId}: ${field}: subject ${subject} holds a ${registered.schemaType} schema (id ${registered.id}), not ${want}`, { nodeId });
    }
    // The schema libraries load with the first schema (a flow without registry formats never loads them).
    const { createSchemaCodec } = await import('./registry-codecs.runtime');
    try {
      return createSchemaCodec(registered, choice?.messageType, referenced);
    } catch (error) {
      throw new TributaryError('E_SINK', `node ${nodeId}: ${field}: schema id ${registered.id} of subject ${subject}: ${(error as Error).message}`, { nodeId, cause: error });
    }
  };

  const encodeWith = (codec: SchemaCodec, value: unknown, part: string): Buffer => {
    try {
      return codec.encode(value);
    } catch (error) {
      if (error instanceof SchemaMismatchError) throw new RecordEncodeError(`${part} ${error.message}`);
      throw new RecordEncodeError(`${part} cannot be encoded: ${(error as Error).message}`);
    }
  };

  return {
    async open() {
      if (isRegistryFormat(format)) valueCodec ??= await resolve('value', format, config.valueSchema);
      if (isRegistryFormat(keyFormat)) keyCodec ??= await resolve('key', keyFormat, config.keySchema);
    },
    key(key) {
      if (keyCodec === undefined) return plainKey(key, keyFormat as Exclude<KeyFormat, RegistryFormat>);
      if (key === null || key === undefined) return null;
      return encodeWith(keyCodec, structuredKey(key), 'key');
    },
    value(value) {
      if (valueCodec === undefined) return plainValue(value, format as 'json' | 'string' | 'bytes');
      // null stays a tombstone: deletes in a compacted topic carry no schema.
      if (value === null || value === undefined) return null;
      return encodeWith(valueCodec, value, 'value');
    },
  };
}

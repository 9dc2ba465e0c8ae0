/**
 * Decoding of Kafka messages into records for `source.kafka`: headers (every value of a repeated header), the key by
 * `keyFormat` and the value by `format`, plain (json, string, bytes) or through a schema registry (avro, protobuf,
 * json-schema in the Confluent wire format). Node-only.
 *
 * A message that does not decode becomes a record with `error` set (E_DECODE, for the error port), never a crash:
 * bad JSON, invalid UTF-8, bytes not in the Confluent wire format (first byte not 0), an unknown schema id, a schema
 * of another type than the format, a payload that does not decode with its schema. A registry that does not answer
 * is not the record's fault: {@link KafkaRecordDecoder.prepare} throws a retriable `TributaryError` and the batch is
 * read again (the consumer's retry and restart).
 *
 * The plain formats cost what they did before registry formats existed: one record object, one headers object, no
 * promise. Registry schemas are fetched once per schema id (before the chunk that first uses it is decoded) and their
 * codecs kept for the life of the source.
 */
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { TributaryError } from '../runtime/common/errors';
import { decodeUtf8, type InvalidUtf8 } from '../runtime/common/utf8-decode';
import type { FlowRecord, RecordHeaders } from '../runtime/engine/types';
import { MAGIC_BYTE, readWireHeader, WIRE_HEADER_BYTES, WireFormatError } from './confluent-wire-format.runtime';
import { SCHEMA_TYPE_OF_FORMAT, type ReferencedSchema, type SchemaCodec } from './schema-codec.runtime';
import { RegistryNotFoundError, RegistryUnavailableError, SchemaRegistryClient } from './schema-registry.runtime';
import { isRegistryFormat, type RegistryConfig, type RegistryFormat } from './schema-registry.spec';
import { parseJson } from '../runtime/common/json-parse';

/** Value formats of `source.kafka`. */
export type ValueFormat = 'json' | 'string' | 'bytes' | RegistryFormat;
/** Key formats of `source.kafka` and `sink.kafka`. */
export type KeyFormat = 'string' | 'bytes' | 'json' | RegistryFormat;
/** The formats decoded without a registry. */
export type PlainValueFormat = Exclude<ValueFormat, RegistryFormat>;

/**
 * Header values by name, decoded as UTF-8: a header that occurs once as a string, a repeated one as the array of its
 * values in record order (kafkajs gives repeated headers as arrays).
 */
export function decodeHeaders(raw: IHeaders | undefined): RecordHeaders {
  const headers: RecordHeaders = {};
  if (raw === undefined) return headers;
  // for…in rather than Object.keys: no array per record (kafkajs gives a plain object, nothing inherited).
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined) continue;
    if (!Array.isArray(value)) {
      headers[name] = value.toString();
    } else if (value.length === 1) {
      headers[name] = value[0]!.toString();
    } else if (value.length > 1) {
      headers[name] = value.map((v) => v.toString());
    }
  }
  return headers;
}

/**
 * A record with every field it may get on the hot path (`trace` included, undefined), in the order `transform.map`
 * builds its records, so records keep one hidden class from the source to the sinks (monomorphic property access)
 * whether or not the tracer picks some of them.
 */
function baseRecord(message: KafkaMessage, topic: string, partition: number, nodeId: string): FlowRecord {
  return {
    key: null,
    value: null,
    headers: decodeHeaders(message.headers),
    timestamp: Number(message.timestamp),
    meta: { source: nodeId, topic, partition, offset: message.offset },
    trace: undefined,
  };
}

/** Marks `record` as undecodable (the first reason wins: a bad key and a bad value report the key). */
function fail(record: FlowRecord, nodeId: string, message: string): void {
  record.error ??= { nodeId, code: 'E_DECODE', message };
}

/** A structured key is kept as its JSON text (FlowRecord.key is text); a string as itself. */
function keyText(decoded: unknown): string | null {
  if (decoded === null || decoded === undefined) return null;
  return typeof decoded === 'string' ? decoded : (JSON.stringify(decoded) ?? null);
}

function decodePlainValue(record: FlowRecord, bytes: Buffer, format: PlainValueFormat, nodeId: string, invalidUtf8: InvalidUtf8): void {
  if (format === 'bytes') {
    record.value = bytes.toString('base64');
    return;
  }
  let text: string;
  try {
    text = decodeUtf8(bytes, invalidUtf8);
  } catch (error) {
    // Kept as base64 so that the dead-letter record carries the bytes as they were.
    record.value = bytes.toString('base64');
    fail(record, nodeId, (error as Error).message);
    return;
  }
  if (format === 'string') {
    record.value = text;
    return;
  }
  try {
    record.value = parseJson(text);
  } catch (error) {
    record.value = text;
    fail(record, nodeId, `value is not JSON: ${(error as Error).message}`);
  }
}

function decodePlainKey(record: FlowRecord, bytes: Buffer, keyFormat: Exclude<KeyFormat, RegistryFormat>, nodeId: string, invalidUtf8: InvalidUtf8): void {
  if (keyFormat === 'string') {
    record.key = bytes.toString();
    return;
  }
  if (keyFormat === 'bytes') {
    record.key = bytes.toString('base64');
    return;
  }
  try {
    record.key = keyText(parseJson(decodeUtf8(bytes, invalidUtf8)));
  } catch (error) {
    record.key = bytes.toString('base64');
    fail(record, nodeId, `key is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Decodes one Kafka message into a record with a plain value format (json, string, bytes) and key format (string,
 * bytes, json); undecodable keys and values become records with `error` set (E_DECODE): bad JSON (the text kept as the
 * value) and, unless `invalidUtf8` is `replace`, bytes that are not valid UTF-8 (the value kept as base64 of the
 * bytes, the message naming the offset of the first bad byte).
 */
export function decodeMessage(
  message: KafkaMessage,
  topic: string,
  partition: number,
  format: PlainValueFormat,
  nodeId: string,
  invalidUtf8: InvalidUtf8 = 'error',
  keyFormat: Exclude<KeyFormat, RegistryFormat> = 'string',
): FlowRecord {
  const record = baseRecord(message, topic, partition, nodeId);
  if (message.key !== null && message.key !== undefined) decodePlainKey(record, message.key, keyFormat, nodeId, invalidUtf8);
  if (message.value !== null) decodePlainValue(record, message.value, format, nodeId, invalidUtf8);
  return record;
}

/** The decoding settings of `source.kafka`. */
export interface DecodeConfig {
  format: ValueFormat;
  keyFormat: KeyFormat;
  invalidUtf8: InvalidUtf8;
  registry?: RegistryConfig | undefined;
}

/** Decodes the messages of one `source.kafka` node; see the file comment. */
export interface KafkaRecordDecoder {
  /**
   * Fetches the registry schemas that `messages` use and this decoder does not have yet; undefined (nothing to wait
   * for) with plain formats or when every schema id is known.
   * @throws TributaryError `E_SOURCE`, retriable when the registry is unreachable or failed (HTTP 5xx), not when it
   *   refused the request (e.g. 401: check registry.auth)
   */
  prepare(messages: readonly KafkaMessage[]): Promise<void> | undefined;
  /** Decodes one message (after `prepare` of its chunk resolved). Never throws: failures set `error` (E_DECODE). */
  decode(message: KafkaMessage, topic: string, partition: number): FlowRecord;
}

/** The schema id of bytes in the wire format, or undefined when they are not (decode says why). */
function schemaIdOf(bytes: Buffer | null | undefined): number | undefined {
  if (bytes === null || bytes === undefined || bytes.length < WIRE_HEADER_BYTES || bytes[0] !== MAGIC_BYTE) return undefined;
  return bytes.readInt32BE(1);
}

/**
 * Creates the decoder of a `source.kafka` node.
 * @throws TributaryError `E_CONFIG` when a registry format is asked for without `registry` (the spec refuses that first)
 */
export function createKafkaRecordDecoder(config: DecodeConfig, nodeId: string): KafkaRecordDecoder {
  const { format, keyFormat, invalidUtf8 } = config;
  const valueViaRegistry = isRegistryFormat(format);
  const keyViaRegistry = isRegistryFormat(keyFormat);
  if (!valueViaRegistry && !keyViaRegistry) {
    return {
      prepare: () => undefined,
      decode: (message, topic, partition) => decodeMessage(message, topic, partition, format as PlainValueFormat, nodeId, invalidUtf8, keyFormat as Exclude<KeyFormat, RegistryFormat>),
    };
  }
  if (config.registry === undefined) {
    throw new TributaryError('E_CONFIG', `node ${nodeId}: registry: required for format ${format} / keyFormat ${keyFormat}`, { nodeId });
  }
  const client = new SchemaRegistryClient(config.registry);
  /** Codecs by schema id; a schema that does not parse keeps its reason (every record using it goes to error). */
  const codecs = new Map<number, SchemaCodec | string>();
  /** Schema ids the registry answered 404 for, while the chunk being decoded is prepared. */
  let unknownIds = new Set<number>();

  const fetchSchemas = async (ids: Set<number>): Promise<void> => {
    unknownIds = new Set();
    await Promise.all(
      [...ids].map(async (id) => {
        try {
          const schema = await client.schemaById(id);
          let referenced: ReferencedSchema[];
          try {
            referenced = await client.referencedSchemas(schema);
          } catch (error) {
            if (!(error instanceof RegistryNotFoundError)) throw error;
            codecs.set(id, `schema id ${id} references a schema that is not in the registry: ${error.message}`);
            return;
          }
          // The schema libraries load with the first schema (a flow without registry formats never loads them).
          const { createSchemaCodec } = await import('./registry-codecs.runtime');
          try {
            codecs.set(id, createSchemaCodec(schema, undefined, referenced));
          } catch (error) {
            codecs.set(id, `schema id ${id} does not parse: ${(error as Error).message}`);
          }
        } catch (error) {
          if (error instanceof RegistryNotFoundError) {
            unknownIds.add(id);
            return;
          }
          throw new TributaryError('E_SOURCE', `node ${nodeId}: ${(error as Error).message}`, {
            nodeId,
            retriable: error instanceof RegistryUnavailableError,
            cause: error,
          });
        }
      }),
    );
  };

  /** Decodes `bytes` with the codec of their schema id; returns the value, or a string with the reason it failed. */
  const decodeWire = (bytes: Buffer, want: RegistryFormat, part: 'key' | 'value'): { value: unknown } | string => {
    let schemaId: number;
    let offset: number;
    try {
      ({ schemaId, offset } = readWireHeader(bytes));
    } catch (error) {
      if (error instanceof WireFormatError) return `${part}: ${error.message}`;
      throw error;
    }
    const codec = codecs.get(schemaId);
    if (codec === undefined) {
      return unknownIds.has(schemaId) ? `${part}: unknown schema id ${schemaId} (the schema registry has no schema with that id)` : `${part}: schema id ${schemaId} was not fetched`;
    }
    if (typeof codec === 'string') return `${part}: ${codec}`;
    if (codec.schemaType !== SCHEMA_TYPE_OF_FORMAT[want]) {
      return `${part}: schema id ${schemaId} is a ${codec.schemaType} schema, not ${want} (${part === 'key' ? 'keyFormat' : 'format'})`;
    }
    try {
      return { value: codec.decode(bytes, offset) };
    } catch (error) {
      return `${part}: does not decode with ${codec.schemaType} schema id ${schemaId}: ${(error as Error).message}`;
    }
  };

  return {
    prepare(messages) {
      let missing: Set<number> | undefined;
      for (const message of messages) {
        const ids = [valueViaRegistry ? schemaIdOf(message.value) : undefined, keyViaRegistry ? schemaIdOf(message.key) : undefined];
        for (const id of ids) {
          if (id === undefined || codecs.has(id)) continue;
          (missing ??= new Set()).add(id);
        }
      }
      return missing === undefined ? undefined : fetchSchemas(missing);
    },

    decode(message, topic, partition) {
      const record = baseRecord(message, topic, partition, nodeId);
      const key = message.key;
      if (key !== null && key !== undefined) {
        if (isRegistryFormat(keyFormat)) {
          const decoded = decodeWire(key, keyFormat, 'key');
          if (typeof decoded === 'string') {
            record.key = key.toString('base64');
            fail(record, nodeId, decoded);
          } else {
            record.key = keyText(decoded.value);
          }
        } else {
          decodePlainKey(record, key, keyFormat, nodeId, invalidUtf8);
        }
      }
      const bytes = message.value;
      if (bytes === null) return record;
      if (isRegistryFormat(format)) {
        const decoded = decodeWire(bytes, format, 'value');
        if (typeof decoded === 'string') {
          // Kept as base64 so that the dead-letter record carries the bytes as they were.
          record.value = bytes.toString('base64');
          fail(record, nodeId, decoded);
        } else {
          record.value = decoded.value;
        }
      } else {
        decodePlainValue(record, bytes, format, nodeId, invalidUtf8);
      }
      return record;
    },
  };
}

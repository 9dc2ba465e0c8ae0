/**
 * What a schema registry codec is, without the schema libraries (Node-only): the codec interface, its mismatch error
 * and the registry's schema type names. `source.kafka` and `sink.kafka` import this statically and
 * `registry-codecs.runtime.ts` (ajv, avsc, protobufjs) only when a registry schema is first used, so a flow without
 * registry formats never loads those libraries (issue #19, idle runtime RSS).
 */
import type { RegisteredSchema } from './schema-registry.runtime';

/** A record whose value does not fit the schema; `message` names the field path. */
export class SchemaMismatchError extends Error {}

/** Encodes and decodes the records of one registered schema. */
export interface SchemaCodec {
  readonly schemaType: RegisteredSchema['schemaType'];
  /**
   * Decodes `bytes` from `offset` (just after the schema id) to their end.
   * @throws Error with the reason when the bytes do not decode with this schema
   */
  decode(bytes: Buffer, offset: number): unknown;
  /**
   * The complete wire format bytes of `value` (magic byte, schema id, Protobuf message indexes, payload).
   * @throws SchemaMismatchError when the value does not fit the schema
   */
  encode(value: unknown): Buffer;
}

/** The registry's name of each schema type, as `format` names it. */
export const SCHEMA_TYPE_OF_FORMAT = { avro: 'AVRO', protobuf: 'PROTOBUF', 'json-schema': 'JSON' } as const;

/** A schema another one references, with the name it is referenced by (a .proto file name, a `$ref` URI). */
export type ReferencedSchema = RegisteredSchema & { name: string };

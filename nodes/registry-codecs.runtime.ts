/**
 * Codecs for the schemas of a schema registry, one per registered schema: Avro (avsc), Protobuf (protobufjs) and JSON
 * Schema (ajv). A codec turns a record's payload (after magic byte and schema id) into a JSON-like value and back into
 * the complete Confluent wire format bytes. Node-only.
 *
 * Decoded values are what a flow can carry as JSON: Avro records as objects (unions unwrapped when unambiguous, avsc's
 * `wrapUnions: 'auto'`; bytes and fixed as base64 text, turned back into bytes on encoding), Protobuf messages as objects with their field names as in the .proto file, 64-bit integers as
 * decimal strings, enums as their names, bytes as base64, and every field present (defaults filled in).
 *
 * `source.kafka` and `sink.kafka` import this module on the first registry schema they use (the codec interface is in
 * `schema-codec.runtime.ts`), so the schema libraries load only in flows with registry formats.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019';
import { Ajv2020 } from 'ajv/dist/2020';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { readMessageIndexes, wireHeader } from './confluent-wire-format.runtime';
import type { RegisteredSchema } from './schema-registry.runtime';
import { SchemaMismatchError, type ReferencedSchema, type SchemaCodec } from './schema-codec.runtime';

export { SchemaMismatchError, type ReferencedSchema, type SchemaCodec } from './schema-codec.runtime';

/**
 * Builds the codec of a registered schema.
 * @param messageType Protobuf only: the full name of the message type that `encode` writes (default the first
 *   top-level message); decoding follows the message indexes of each record.
 * @param referenced the schemas `schema` references, every one after those it references
 *   (`SchemaRegistryClient.referencedSchemas`): Avro named types, imported .proto files, JSON Schema `$ref`s.
 * @throws Error when the schema does not parse (with the parser's reason) or `messageType` is not in it
 */
export function createSchemaCodec(schema: RegisteredSchema, messageType?: string, referenced: readonly ReferencedSchema[] = []): SchemaCodec {
  switch (schema.schemaType) {
    case 'AVRO':
      return avroCodec(schema, referenced);
    case 'PROTOBUF':
      return protobufCodec(schema, messageType, referenced);
    case 'JSON':
      return jsonSchemaCodec(schema, referenced);
  }
}

/** The Avro types inside `type` (record fields, array items, map values, union branches, logical types' underlying). */
function avroChildren(type: avro.Type): avro.Type[] {
  const t = type as unknown as { fields?: { type: avro.Type }[]; itemsType?: avro.Type; valuesType?: avro.Type; types?: avro.Type[]; underlyingType?: avro.Type };
  return [...(t.fields?.map((f) => f.type) ?? []), ...(t.itemsType ? [t.itemsType] : []), ...(t.valuesType ? [t.valuesType] : []), ...(t.types ?? []), ...(t.underlyingType ? [t.underlyingType] : [])];
}

/** True when `type` holds bytes or fixed anywhere (their values are base64 text in a flow). */
function holdsBytes(type: avro.Type, seen = new Set<avro.Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  if (type.typeName === 'bytes' || type.typeName === 'fixed') return true;
  return avroChildren(type).some((child) => holdsBytes(child, seen));
}

/** A decoded Avro value with bytes and fixed as base64 text and records as plain objects. */
function withBase64(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(withBase64);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(value)) out[name] = withBase64(v);
    return out;
  }
  return value;
}

/** The inverse of {@link withBase64} along `type`: base64 text where the schema has bytes or fixed becomes bytes. */
function withBuffers(type: avro.Type, value: unknown): unknown {
  const t = type as unknown as { fields?: { name: string; type: avro.Type }[]; itemsType?: avro.Type; valuesType?: avro.Type; types?: avro.Type[]; underlyingType?: avro.Type };
  switch (type.typeName) {
    case 'bytes':
    case 'fixed':
      return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    case 'record':
    case 'error': {
      if (value === null || typeof value !== 'object') return value;
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const field of t.fields ?? []) if (field.name in out) out[field.name] = withBuffers(field.type, out[field.name]);
      return out;
    }
    case 'array':
      return Array.isArray(value) ? value.map((item) => withBuffers(t.itemsType!, item)) : value;
    case 'map': {
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withBuffers(t.valuesType!, v)]));
    }
    case 'union:unwrapped':
      for (const branch of t.types ?? []) {
        const candidate = withBuffers(branch, value);
        if (branch.isValid(candidate)) return candidate;
      }
      return value;
    case 'union:wrapped': {
      if (value === null || typeof value !== 'object') return value;
      const [name] = Object.keys(value);
      const branch = (t.types ?? []).find((b) => b.branchName === name);
      return branch === undefined ? value : { [name!]: withBuffers(branch, (value as Record<string, unknown>)[name!]) };
    }
    default:
      return t.underlyingType !== undefined ? withBuffers(t.underlyingType, value) : value;
  }
}

function avroCodec(schema: RegisteredSchema, referenced: readonly ReferencedSchema[]): SchemaCodec {
  // Referenced named types go into one registry that the schema's own parse then finds them in.
  const registry: Record<string, avro.Type> = {};
  for (const ref of referenced) avro.Type.forSchema(JSON.parse(ref.schema) as avro.Schema, { wrapUnions: 'auto', registry });
  const type = avro.Type.forSchema(JSON.parse(schema.schema) as avro.Schema, { wrapUnions: 'auto', registry });
  const header = wireHeader(schema.id);
  // Only schemas with bytes or fixed pay for the conversion between base64 text and bytes.
  const bytesInside = holdsBytes(type);
  return {
    schemaType: 'AVRO',
    decode(bytes, offset) {
      const value = type.fromBuffer(bytes.subarray(offset)) as unknown;
      return bytesInside ? withBase64(value) : value;
    },
    encode(json) {
      const value = bytesInside ? withBuffers(type, json) : json;
      const paths: string[] = [];
      if (!type.isValid(value, { errorHook: (path, v: unknown) => paths.push(`${path.join('.') || '(value)'} = ${describe(v)}`) })) {
        throw new SchemaMismatchError(`does not fit Avro schema id ${schema.id}: ${paths.slice(0, 5).join('; ')}`);
      }
      return Buffer.concat([header, type.toBuffer(value)]);
    },
  };
}

/** The message types of a namespace in declaration order (the order message indexes count in). */
function messagesOf(namespace: protobuf.NamespaceBase): protobuf.Type[] {
  return namespace.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
}

function protobufCodec(schema: RegisteredSchema, messageType: string | undefined, referenced: readonly ReferencedSchema[]): SchemaCodec {
  const parsed = protobuf.parse(schema.schema, { keepCase: true });
  const root = parsed.root;
  // Imported files of other subjects join the same root (after the schema's own, so its message order is kept).
  for (const ref of referenced) {
    const imported = protobuf.parse(ref.schema, root, { keepCase: true });
    parsed.imports = [...(parsed.imports ?? []), ...(imported.imports ?? [])];
  }
  // The well-known types (google/protobuf/timestamp.proto, struct.proto, wrappers.proto...) ship with protobufjs.
  for (const file of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    const common = protobuf.common.get(file);
    if (common !== null && common.nested !== undefined) root.addJSON(common.nested);
  }
  root.resolveAll();
  const file: protobuf.NamespaceBase = parsed.package === undefined ? root : root.lookup(parsed.package) as protobuf.Namespace;
  const top = messagesOf(file);
  if (top.length === 0) throw new Error(`Protobuf schema id ${schema.id} declares no message`);
  const byIndexes = new Map<string, protobuf.Type>();
  const typeAt = (indexes: number[]): protobuf.Type => {
    const key = indexes.join(',');
    let type = byIndexes.get(key);
    if (type !== undefined) return type;
    let list = top;
    for (const index of indexes) {
      type = list[index];
      if (type === undefined) throw new Error(`message indexes [${key}] name no message of Protobuf schema id ${schema.id}`);
      list = messagesOf(type);
    }
    byIndexes.set(key, type!);
    return type!;
  };
  // The message type to encode and its indexes (its path from the file's top-level messages).
  let target: { type: protobuf.Type; indexes: number[] } = { type: top[0]!, indexes: [0] };
  if (messageType !== undefined) {
    const wanted = messageType.replace(/^\./, '');
    const find = (list: protobuf.Type[], path: number[]): typeof target | undefined => {
      for (let i = 0; i < list.length; i++) {
        const t = list[i]!;
        if (t.fullName.replace(/^\./, '') === wanted) return { type: t, indexes: [...path, i] };
        const inner = find(messagesOf(t), [...path, i]);
        if (inner !== undefined) return inner;
      }
      return undefined;
    };
    const found = find(top, []);
    if (found === undefined) throw new Error(`messageType ${messageType} is not a message of Protobuf schema id ${schema.id} (messages: ${top.map((t) => t.fullName.replace(/^\./, '')).join(', ')})`);
    target = found;
  }
  const header = wireHeader(schema.id, target.indexes);
  const toObject = { longs: String, enums: String, bytes: String, defaults: true } as const;
  return {
    schemaType: 'PROTOBUF',
    decode(bytes, offset) {
      const { indexes, offset: payload } = readMessageIndexes(bytes, offset);
      const type = typeAt(indexes);
      return type.toObject(type.decode(bytes.subarray(payload)), toObject);
    },
    encode(value) {
      const type = target.type;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new SchemaMismatchError(`does not fit Protobuf message ${type.name} (schema id ${schema.id}): the value is ${describe(value)}, not an object`);
      }
      const unknownField = Object.keys(value).find((name) => type.fields[name] === undefined && type.oneofs?.[name] === undefined);
      if (unknownField !== undefined) {
        throw new SchemaMismatchError(`does not fit Protobuf message ${type.name} (schema id ${schema.id}): it has no field ${unknownField}`);
      }
      let message: protobuf.Message;
      try {
        // fromObject takes what decoding gives (64-bit integers as strings, enum names, base64 bytes).
        message = type.fromObject(value as Record<string, unknown>);
      } catch (error) {
        throw new SchemaMismatchError(`does not fit Protobuf message ${type.name} (schema id ${schema.id}): ${(error as Error).message}`);
      }
      const problem = type.verify(message);
      if (problem !== null) throw new SchemaMismatchError(`does not fit Protobuf message ${type.name} (schema id ${schema.id}): ${problem}`);
      return Buffer.concat([header, type.encode(message).finish()]);
    },
  };
}

function jsonSchemaCodec(schema: RegisteredSchema, referenced: readonly ReferencedSchema[]): SchemaCodec {
  const parsed = JSON.parse(schema.schema) as Record<string, unknown> | boolean;
  const dialect = typeof parsed === 'object' && typeof parsed.$schema === 'string' ? parsed.$schema : '';
  const options = { allErrors: true, strict: false, validateFormats: false } as const;
  const ajv = dialect.includes('2020-12') ? new Ajv2020(options) : dialect.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  // A `$ref` to another subject's schema names it by the reference's name.
  for (const ref of referenced) ajv.addSchema(JSON.parse(ref.schema) as object, ref.name);
  const validate: ValidateFunction = ajv.compile(parsed);
  const header = wireHeader(schema.id);
  return {
    schemaType: 'JSON',
    decode: (bytes, offset) => JSON.parse(bytes.toString('utf8', offset)) as unknown,
    encode(value) {
      if (!validate(value)) {
        throw new SchemaMismatchError(`does not fit JSON Schema id ${schema.id}: ${(validate.errors ?? []).slice(0, 5).map(ajvMessage).join('; ')}`);
      }
      return Buffer.concat([header, Buffer.from(JSON.stringify(value), 'utf8')]);
    },
  };
}

function ajvMessage(error: ErrorObject): string {
  return `${error.instancePath === '' ? '(value)' : error.instancePath} ${error.message ?? 'is invalid'}`;
}

/** A short description of a value for an error message (at most 60 characters). */
function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return `${value.length} byte(s)`;
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// The Confluent wire format (magic byte, schema id, Protobuf message indexes), the registry codecs on schemas given
// here (Avro, Protobuf, JSON Schema), key formats, repeated headers, and what source.kafka does with bytes that are not
// in the wire format. The registry itself is exercised in test/integration/schema-registry.test.ts.
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readMessageIndexes, readWireHeader, wireHeader, WireFormatError } from '../../nodes/confluent-wire-format.runtime';
import { createKafkaRecordDecoder, decodeHeaders, decodeMessage } from '../../nodes/kafka-record-decode.runtime';
import { createKafkaRecordEncoder, RecordEncodeError } from '../../nodes/kafka-record-encode.runtime';
import { createSchemaCodec, SchemaMismatchError } from '../../nodes/registry-codecs.runtime';
import { kafkaSourceConfig } from '../../nodes/source/kafka.spec';
import { kafkaSinkConfigSchema } from '../../nodes/sink/kafka.spec';
import { closedPort } from '../support/ports';

const message = (value: Buffer | null, key: Buffer | null = null): KafkaMessage =>
  ({ key, value, timestamp: '1700000000000', attributes: 0, offset: '7', headers: {} }) as KafkaMessage;

const PROTO = `syntax = "proto3";
package shop;
message Order { string id = 1; int64 cents = 2; Status status = 3; message Line { string sku = 1; } repeated Line lines = 4; }
message Refund { string order_id = 1; bytes note = 2; }
enum Status { NEW = 0; PAID = 1; }
`;

describe('Confluent wire format framing', () => {
  it('writes magic byte 0 and the schema id big-endian, and reads them back', () => {
    const header = wireHeader(0x01020304);
    expect([...header]).toEqual([0, 1, 2, 3, 4]);
    expect(readWireHeader(Buffer.concat([header, Buffer.from('x')]))).toEqual({ schemaId: 0x01020304, offset: 5 });
  });

  it('writes the Protobuf message indexes [0] as one 0 byte and others as zigzag varints (count, then indexes)', () => {
    expect([...wireHeader(7, [0])]).toEqual([0, 0, 0, 0, 7, 0]);
    // [1]: count 1 -> zigzag 2, index 1 -> zigzag 2; [2, 70]: count 2 -> 4, 2 -> 4, 70 -> 140 = 0x8c 0x01.
    expect([...wireHeader(7, [1])]).toEqual([0, 0, 0, 0, 7, 2, 2]);
    expect([...wireHeader(7, [2, 70])]).toEqual([0, 0, 0, 0, 7, 4, 4, 0x8c, 0x01]);
    for (const indexes of [[0], [1], [2, 70], [0, 0, 3]]) {
      const bytes = Buffer.concat([wireHeader(7, indexes), Buffer.from([0x0a])]);
      const read = readMessageIndexes(bytes, 5);
      expect(read.indexes).toEqual(indexes);
      expect(bytes[read.offset]).toBe(0x0a);
    }
  });

  it('refuses bytes that are not the wire format with the first byte, and short bytes with their length', () => {
    expect(() => readWireHeader(Buffer.from('{"a":1}'))).toThrow(new WireFormatError('not the Confluent wire format (first byte 0x7b, expected the magic byte 0x00)'));
    expect(() => readWireHeader(Buffer.from([0, 0, 1]))).toThrow(/3 byte\(s\), fewer than the 5/);
    expect(() => readMessageIndexes(Buffer.from([0, 0, 0, 0, 1, 0x04, 0x02]), 5)).toThrow(/message indexes cut short/);
    expect(() => readMessageIndexes(Buffer.from([0, 0, 0, 0, 1, 0x01]), 5)).toThrow(/message index count -1/);
  });
});

/** A decoded Avro value as plain objects (avsc decodes records as instances of generated classes). */
const withoutClasses = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('registry codecs', () => {
  it('Avro: encodes into the wire format and decodes to the same value; a value that does not fit names the field', () => {
    const schema = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }, { name: 'cents', type: 'long' }, { name: 'note', type: ['null', 'string'], default: null }] };
    const codec = createSchemaCodec({ id: 42, schemaType: 'AVRO', schema: JSON.stringify(schema), references: [] });
    const bytes = codec.encode({ id: 'o-1', cents: 1250, note: 'gift' });
    expect(readWireHeader(bytes).schemaId).toBe(42);
    expect({ ...(codec.decode(bytes, 5) as object) }).toEqual({ id: 'o-1', cents: 1250, note: 'gift' });
    expect(() => codec.encode({ id: 'o-1', cents: 'lots' })).toThrow(SchemaMismatchError);
    expect(() => codec.encode({ id: 'o-1', cents: 'lots' })).toThrow(/cents = "lots"/);
    expect(() => codec.decode(Buffer.concat([wireHeader(42), Buffer.from([0x06])]), 5)).toThrow();
  });

  it('Avro: bytes and fixed (also in arrays, maps and unions) are base64 text in a flow and bytes on the wire', () => {
    const schema = {
      type: 'record',
      name: 'Blob',
      fields: [
        { name: 'raw', type: 'bytes' },
        { name: 'digest', type: { type: 'fixed', name: 'Digest', size: 2 } },
        { name: 'parts', type: { type: 'array', items: 'bytes' } },
        { name: 'tags', type: { type: 'map', values: ['null', 'bytes'] } },
      ],
    };
    const codec = createSchemaCodec({ id: 5, schemaType: 'AVRO', schema: JSON.stringify(schema), references: [] });
    const value = { raw: Buffer.from('hello').toString('base64'), digest: 'AQI=', parts: ['AA==', '/w=='], tags: { a: 'Kg==', b: null } };
    const bytes = codec.encode(value);
    expect(codec.decode(bytes, 5)).toEqual(value);
    expect(bytes.subarray(5, 11)).toEqual(Buffer.from([10, ...Buffer.from('hello')]));
    expect(() => codec.encode({ ...value, digest: 'AQID' })).toThrow(/: digest = 3 byte\(s\)$/);
  });

  it('Protobuf: the message type chosen by name is written with its indexes, and decoding follows the indexes', () => {
    const registered = { id: 9, schemaType: 'PROTOBUF' as const, schema: PROTO, references: [] };
    const orders = createSchemaCodec(registered);
    const order = { id: 'o-1', cents: '9007199254740993', status: 'PAID', lines: [{ sku: 'a' }, { sku: 'b' }] };
    const orderBytes = orders.encode(order);
    expect([...orderBytes.subarray(0, 6)]).toEqual([0, 0, 0, 0, 9, 0]);
    expect(orders.decode(orderBytes, 5)).toEqual(order);

    const refunds = createSchemaCodec(registered, 'shop.Refund');
    const refundBytes = refunds.encode({ order_id: 'o-1', note: Buffer.from('late').toString('base64') });
    expect([...refundBytes.subarray(0, 7)]).toEqual([0, 0, 0, 0, 9, 2, 2]);
    // Any codec of the schema decodes any of its messages: the indexes say which.
    expect(orders.decode(refundBytes, 5)).toEqual({ order_id: 'o-1', note: Buffer.from('late').toString('base64') });
    expect(() => orders.encode({ id: 'o-1', colour: 'red' })).toThrow(/has no field colour/);
    expect(() => createSchemaCodec(registered, 'shop.Nope')).toThrow(/messageType shop.Nope is not a message .* \(messages: shop.Order, shop.Refund\)/);
  });

  it('Protobuf: imports of the well-known types (timestamp, wrappers) resolve', () => {
    const schema = `syntax = "proto3";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
message Event { google.protobuf.Timestamp at = 1; google.protobuf.StringValue note = 2; }
`;
    const codec = createSchemaCodec({ id: 11, schemaType: 'PROTOBUF', schema, references: [] });
    const event = { at: { seconds: '1700000000', nanos: 5 }, note: { value: 'x' } };
    expect(codec.decode(codec.encode(event), 5)).toEqual(event);
  });

  it('referenced schemas: Avro named types, imported .proto files and JSON Schema $refs of other subjects resolve', () => {
    const ref = (name: string, schemaType: 'AVRO' | 'PROTOBUF' | 'JSON', schema: string) => ({ id: 100, schemaType, schema, references: [], name });
    const address = ref('shop.Address', 'AVRO', JSON.stringify({ type: 'record', name: 'Address', namespace: 'shop', fields: [{ name: 'city', type: 'string' }] }));
    const customer = { type: 'record', name: 'Customer', namespace: 'shop', fields: [{ name: 'name', type: 'string' }, { name: 'home', type: 'shop.Address' }] };
    const avroCodec = createSchemaCodec({ id: 1, schemaType: 'AVRO', schema: JSON.stringify(customer), references: [] }, undefined, [address]);
    expect(withoutClasses(avroCodec.decode(avroCodec.encode({ name: 'Ann', home: { city: 'Oslo' } }), 5))).toEqual({ name: 'Ann', home: { city: 'Oslo' } });

    const common = ref('common.proto', 'PROTOBUF', 'syntax = "proto3"; package shop.common; message Money { int64 cents = 1; string currency = 2; }');
    const order = 'syntax = "proto3"; package shop; import "common.proto"; message Order { string id = 1; shop.common.Money total = 2; }';
    const protoCodec = createSchemaCodec({ id: 2, schemaType: 'PROTOBUF', schema: order, references: [] }, undefined, [common]);
    const bytes = protoCodec.encode({ id: 'o', total: { cents: '5', currency: 'EUR' } });
    expect(bytes[5]).toBe(0);
    expect(protoCodec.decode(bytes, 5)).toEqual({ id: 'o', total: { cents: '5', currency: 'EUR' } });

    const money = ref('money.json', 'JSON', JSON.stringify({ type: 'object', required: ['cents'], properties: { cents: { type: 'integer' } } }));
    const jsonCodec = createSchemaCodec({ id: 3, schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { total: { $ref: 'money.json' } } }), references: [] }, undefined, [money]);
    expect(jsonCodec.decode(jsonCodec.encode({ total: { cents: 5 } }), 5)).toEqual({ total: { cents: 5 } });
    expect(() => jsonCodec.encode({ total: {} })).toThrow(/\/total must have required property 'cents'/);
  });

  it('JSON Schema: validates before encoding and decodes the JSON after the header', () => {
    const schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' }, n: { type: 'integer' } } };
    const codec = createSchemaCodec({ id: 3, schemaType: 'JSON', schema: JSON.stringify(schema), references: [] });
    const bytes = codec.encode({ id: 'x', n: 2 });
    expect(bytes.subarray(5).toString()).toBe('{"id":"x","n":2}');
    expect(codec.decode(bytes, 5)).toEqual({ id: 'x', n: 2 });
    expect(() => codec.encode({ n: 'two' })).toThrow(/\(value\) must have required property 'id'; \/n must be integer/);
  });
});

describe('keys and headers', () => {
  it('keeps every value of a repeated header, a single one as a string', () => {
    expect(decodeHeaders({ one: Buffer.from('a'), many: [Buffer.from('1'), Buffer.from('2'), '3'], single: [Buffer.from('s')], gone: undefined })).toEqual({
      one: 'a',
      many: ['1', '2', '3'],
      single: 's',
    });
  });

  it('decodes keys as string (default), bytes, or JSON kept as its text, and a bad JSON key is E_DECODE', () => {
    const value = Buffer.from('{}');
    expect(decodeMessage(message(value, Buffer.from('k')), 't', 0, 'json', 's').key).toBe('k');
    expect(decodeMessage(message(value, Buffer.from([1, 2])), 't', 0, 'json', 's', 'error', 'bytes').key).toBe('AQI=');
    expect(decodeMessage(message(value, Buffer.from(' {"id": 1} ')), 't', 0, 'json', 's', 'error', 'json').key).toBe('{"id":1}');
    expect(decodeMessage(message(value, Buffer.from('"plain"')), 't', 0, 'json', 's', 'error', 'json').key).toBe('plain');
    const bad = decodeMessage(message(value, Buffer.from('nope')), 't', 0, 'json', 's', 'error', 'json');
    expect(bad.error).toMatchObject({ code: 'E_DECODE', nodeId: 's' });
    expect(bad.error!.message).toMatch(/^key is not JSON/);
  });

  it('encodes keys by keyFormat and bytes values from base64; a value that is not base64 is the record\'s fault', async () => {
    const encoder = createKafkaRecordEncoder({ topic: 't', format: 'bytes', keyFormat: 'json' }, 'out');
    await encoder.open();
    expect(encoder.key('{"id":1}')).toBe('{"id":1}');
    expect(encoder.key('k')).toBe('"k"');
    expect(encoder.value('AQI=')).toEqual(Buffer.from([1, 2]));
    expect(() => encoder.value('not base64!')).toThrow(RecordEncodeError);
    const plain = createKafkaRecordEncoder({ topic: 't', format: 'json', keyFormat: 'string' }, 'out');
    expect([plain.key({ a: 1 }), plain.key(5), plain.value({ a: 1 }), plain.value('s'), plain.value(null)]).toEqual(['{"a":1}', '5', '{"a":1}', 's', null]);
  });
});

describe('source.kafka with a registry format', () => {
  it('sends bytes that are not the wire format to error (E_DECODE) with the first byte, without asking the registry', () => {
    // The registry URL answers nothing: prepare() has no schema id to fetch, so it is never asked.
    const decoder = createKafkaRecordDecoder({ format: 'avro', keyFormat: 'string', invalidUtf8: 'error', registry: { url: 'http://127.0.0.1:9', timeoutMs: 500 } }, 'src');
    const messages = [message(Buffer.from('{"a":1}')), message(Buffer.from([0, 1]))];
    expect(decoder.prepare(messages)).toBeUndefined();
    const [json, short] = messages.map((m) => decoder.decode(m, 'orders', 0));
    expect(json!.error).toEqual({ nodeId: 'src', code: 'E_DECODE', message: 'value: not the Confluent wire format (first byte 0x7b, expected the magic byte 0x00)' });
    expect(json!.value).toBe(Buffer.from('{"a":1}').toString('base64'));
    expect(short!.error!.message).toMatch(/^value: not the Confluent wire format \(2 byte/);
  });

  it('a registry that does not answer is a retriable source error, not a bad record', async () => {
    const port = await closedPort();
    const decoder = createKafkaRecordDecoder({ format: 'avro', keyFormat: 'string', invalidUtf8: 'error', registry: { url: `http://127.0.0.1:${port}`, timeoutMs: 2000 } }, 'src');
    const fetching = decoder.prepare([message(Buffer.concat([wireHeader(5), Buffer.from([2])]))]);
    expect(fetching).toBeDefined();
    await expect(fetching).rejects.toMatchObject({ code: 'E_SOURCE', retriable: true, message: `node src: schema registry unreachable at http://127.0.0.1:${port} (schema id 5): ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port})` });
  });

  it('the specs ask for registry when a format needs it, at the registry path', () => {
    const source = kafkaSourceConfig.safeParse({ topic: 't', groupId: 'g', format: 'protobuf' });
    expect(source.success).toBe(false);
    expect(source.error!.issues[0]).toMatchObject({ path: ['registry'], message: 'format protobuf needs registry: { url } (the schema registry\'s address)' });
    const sink = kafkaSinkConfigSchema.safeParse({ topic: 't', keyFormat: 'avro' });
    expect(sink.error!.issues[0]).toMatchObject({ path: ['registry'], message: expect.stringMatching(/^keyFormat avro needs registry/) as unknown });
    expect(kafkaSinkConfigSchema.parse({ topic: 't', format: 'avro', registry: { url: 'http://r:8081' }, valueSchema: { subject: 's' } }).valueSchema).toEqual({ subject: 's', version: 'latest' });
  });
});

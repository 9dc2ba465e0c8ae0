// source.kafka decoding and the shared broker-list handling.
import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { decodeMessage } from '../../nodes/kafka-record-decode.runtime';
import { splitBrokers } from '../../nodes/kafka-common.runtime';
import { applySet } from '../../runtime/flow-file';
import { FlowSchema } from '../../runtime/common/flow';

const message = (value: string | null, extra: Partial<KafkaMessage> = {}): KafkaMessage =>
  ({
    key: Buffer.from('k1'),
    value: value === null ? null : Buffer.from(value),
    timestamp: '1700000000000',
    attributes: 0,
    offset: '41',
    headers: { trace: Buffer.from('abc'), multi: [Buffer.from('a'), Buffer.from('b')] },
    ...extra,
  }) as KafkaMessage;

describe('decodeMessage', () => {
  it('decodes JSON values with key, headers, timestamp and source position', () => {
    expect(decodeMessage(message('{"id":1}'), 'orders', 3, 'json', 'src')).toEqual({
      key: 'k1',
      value: { id: 1 },
      headers: { trace: 'abc', multi: ['a', 'b'] },
      timestamp: 1700000000000,
      meta: { source: 'src', topic: 'orders', partition: 3, offset: '41' },
    });
  });

  it('marks values that are not JSON with E_DECODE and keeps the raw text', () => {
    const r = decodeMessage(message('{oops'), 'orders', 0, 'json', 'src');
    expect(r.value).toBe('{oops');
    expect(r.error).toMatchObject({ nodeId: 'src', code: 'E_DECODE' });
    expect(r.error!.message).toMatch(/^value is not JSON: /);
  });

  it('keeps strings, base64-encodes bytes and maps tombstones to null', () => {
    expect(decodeMessage(message('plain'), 't', 0, 'string', 's').value).toBe('plain');
    expect(decodeMessage(message('\u0001\u0002'), 't', 0, 'bytes', 's').value).toBe('AQI=');
    const tombstone = decodeMessage(message(null, { key: null }), 't', 0, 'json', 's');
    expect([tombstone.key, tombstone.value, tombstone.error]).toEqual([null, null, undefined]);
  });
});

describe('splitBrokers', () => {
  it('splits ${KAFKA_BROKERS}-style comma lists and drops blanks', () => {
    expect(splitBrokers(['a:9092, b:9092', 'c:9092', ''])).toEqual(['a:9092', 'b:9092', 'c:9092']);
  });
});

describe('--set overrides', () => {
  const flow = () =>
    FlowSchema.parse({ version: 1, name: 'f', nodes: [{ id: 'orders', type: 'source.kafka', config: { topic: 'a' } }] });

  it('sets config fields as YAML scalars', () => {
    const f = flow();
    applySet(f, 'orders.topic=orders-v2');
    applySet(f, 'orders.fromBeginning=true');
    applySet(f, 'orders.sasl.username=svc');
    expect(f.nodes[0]!.config).toEqual({ topic: 'orders-v2', fromBeginning: true, sasl: { username: 'svc' } });
  });

  it('refuses malformed overrides and unknown nodes', () => {
    expect(() => applySet(flow(), 'orders')).toThrow(/expected <node>\.<config field>=<value>/);
    expect(() => applySet(flow(), 'nope.topic=x')).toThrow(/no node nope/);
    expect(() => applySet(flow(), 'orders.__proto__.x=1')).toThrow(/bad field path/);
  });
});

// sink.kafka against the real local Kafka broker: records are produced with their keys, values and headers (read back
// with a consumer), error records carry the dead-letter headers, expression failures are rejections for exactly their
// records, and broker failures are classified retriable or not.
import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../runtime/common/errors';
import type { FlowRecord, NodeContext, SinkRuntime } from '../../runtime/engine/types';
import { kafkaSinkRuntime } from '../../nodes/sink/kafka.runtime';
import { DEAD_LETTER_HEADERS, kafkaSinkSpec } from '../../nodes/sink/kafka.spec';
import type { KafkaMessage } from 'kafkajs';
import { createTopic, kafkaBrokers, readTopic, uniqueName } from '../support/services';
import { testNodeContext } from '../support/node-context';

function context(): NodeContext {
  return testNodeContext('kafka-out', kafkaSinkSpec);
}

/** Parses `config` with the spec (brokers default to the test broker), creates the sink; call close() when done. */
async function sink(config: Record<string, unknown>): Promise<SinkRuntime> {
  if (kafkaSinkRuntime.kind !== 'sink') throw new Error('sink.kafka is not a sink runtime');
  return kafkaSinkRuntime.create(kafkaSinkSpec.config.parse({ brokers: kafkaBrokers, ...config }), context());
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) out[name] = String(value);
  return out;
}

function record(fields: Partial<FlowRecord> & { value: unknown }): FlowRecord {
  return { key: null, headers: {}, timestamp: 1_700_000_000_000, meta: { source: 'src' }, ...fields };
}

describe('sink.kafka against a real broker', () => {
  it('produces records with their keys, headers and values (strings as-is, others JSON, null as tombstone)', async () => {
    const topic = uniqueName('kafka-sink');
    await createTopic(topic, 1);
    const s = await sink({ topic });
    try {
      await s.open!();
      const result = await s.write([
        record({ key: 'k1', value: { id: 1, tags: ['a'] }, headers: { trace: 't-1', 'content-type': 'application/json' } }),
        record({ key: null, value: 'plain text' }),
        record({ key: 'k3', value: null, headers: { h: '' } }),
        record({ key: 'k4', value: 42 }),
      ]);
      expect(result).toEqual([]);
    } finally {
      await s.close!();
    }
    const messages = await readTopic(topic, 4);
    expect(messages.map((m) => [m.key?.toString() ?? null, m.value?.toString() ?? null, headersOf(m)])).toEqual([
      ['k1', '{"id":1,"tags":["a"]}', { trace: 't-1', 'content-type': 'application/json' }],
      [null, 'plain text', {}],
      ['k3', null, { h: '' }],
      ['k4', '42', {}],
    ]);
  });

  it('applies key and value expressions, with gzip and acks 1, and rejects records whose expression throws', async () => {
    const topic = uniqueName('kafka-sink-expr');
    await createTopic(topic, 1);
    const s = await sink({
      topic,
      key: 'value.id === 3 ? null : value.id',
      value: "({ id: value.id, label: value.name.toUpperCase() })",
      acks: 1,
      compression: 'gzip',
    });
    let result: unknown;
    try {
      result = await s.write([
        record({ key: 'old', value: { id: 1, name: 'ann' } }),
        record({ value: { id: 2 } }),
        record({ value: { id: 3, name: 'cid' } }),
      ]);
    } finally {
      await s.close!();
    }
    expect(result).toHaveLength(1);
    expect(result).toEqual([{ index: 1, message: expect.stringMatching(/^value threw: /) as unknown as string, code: 'E_EXPRESSION_RUNTIME' }]);
    const messages = await readTopic(topic, 2);
    expect(messages.map((m) => [m.key?.toString() ?? null, m.value?.toString()])).toEqual([
      ['1', '{"id":1,"label":"ANN"}'],
      [null, '{"id":3,"label":"CID"}'],
    ]);
  });

  it('adds dead-letter headers to records that carry an error', async () => {
    const topic = uniqueName('kafka-sink-dlq');
    await createTopic(topic, 1);
    const s = await sink({ topic });
    try {
      const result = await s.write([
        record({
          key: 'order-7',
          value: '{not json',
          headers: { trace: 't-7' },
          meta: { source: 'orders', topic: 'orders', partition: 3, offset: '12345678901234567' },
          error: { nodeId: 'orders', message: 'value is not JSON: Unexpected token n', code: 'E_DECODE' },
        }),
        record({
          value: { id: 8 },
          meta: { source: 'gen' },
          error: { nodeId: 'map1', message: 'expression threw: no qty', code: 'E_EXPRESSION_RUNTIME' },
        }),
        record({ key: 'ok', value: { fine: true } }),
      ]);
      expect(result).toEqual([]);
    } finally {
      await s.close!();
    }
    const messages = await readTopic(topic, 3);
    expect(messages.map((m) => [m.key?.toString() ?? null, m.value?.toString(), headersOf(m)])).toEqual([
      [
        'order-7',
        '{not json',
        {
          trace: 't-7',
          [DEAD_LETTER_HEADERS.node]: 'orders',
          [DEAD_LETTER_HEADERS.code]: 'E_DECODE',
          [DEAD_LETTER_HEADERS.message]: 'value is not JSON: Unexpected token n',
          [DEAD_LETTER_HEADERS.topic]: 'orders',
          [DEAD_LETTER_HEADERS.partition]: '3',
          [DEAD_LETTER_HEADERS.offset]: '12345678901234567',
        },
      ],
      [
        null,
        '{"id":8}',
        {
          'tributary-error-node': 'map1',
          'tributary-error-code': 'E_EXPRESSION_RUNTIME',
          'tributary-error-message': 'expression threw: no qty',
        },
      ],
      ['ok', '{"fine":true}', {}],
    ]);
  });

  it('creates the topic on first write when it does not exist', async () => {
    const topic = uniqueName('kafka-sink-auto');
    const s = await sink({ topic });
    try {
      expect(await s.write([record({ key: 'a', value: 'auto' })])).toEqual([]);
    } finally {
      await s.close!();
    }
    const messages = await readTopic(topic, 1);
    expect(messages.map((m) => m.value?.toString())).toEqual(['auto']);
  });

  it('fails with a non-retriable E_SINK error when the broker refuses the batch (message too large)', async () => {
    const topic = uniqueName('kafka-sink-large');
    await createTopic(topic, 1);
    const s = await sink({ topic });
    try {
      const error = await s.write([record({ value: 'x'.repeat(2 * 1024 * 1024) })]).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(TributaryError);
      expect(error).toMatchObject({ code: 'E_SINK', retriable: false, nodeId: 'kafka-out' });
      expect((error as Error).message).toMatch(/too large|larger than/i);
    } finally {
      await s.close!();
    }
  });

  it('fails open() and write() with a retriable E_SINK error when no broker is reachable', async () => {
    const s = await sink({ brokers: ['127.0.0.1:9099'], topic: 'never-created' });
    try {
      const error = await s.open!().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(TributaryError);
      expect(error).toMatchObject({ code: 'E_SINK', retriable: true, nodeId: 'kafka-out' });
      expect((error as Error).message).toContain('127.0.0.1:9099');
      // A write on a sink that never connected tries to connect and fails the same way, so the engine retries it.
      await expect(s.write([record({ value: 1 })])).rejects.toMatchObject({ code: 'E_SINK', retriable: true });
    } finally {
      await s.close!();
    }
  });
});

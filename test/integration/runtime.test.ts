// The runtime end to end: `tributary run` as a real process, on the real Kafka broker and Redis server.
// Flow under test: source.kafka -> transform.map -> transform.filter -> sink.redis.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testKafka, testRedis, uniqueName } from '../support/services';
import { countKeys, groupProgress, seedTopic, startCli, tempDir, waitFor, writeFlow, type RunningCli, killAllCli } from '../support/runtime';

const RECORDS = 50_000;
/** Records whose id is a multiple of 5 are filtered out. */
const KEPT = RECORDS - RECORDS / 5;

interface PipelineOptions {
  topic: string;
  groupId: string;
  prefix: string;
  /** `set` writes the mapped value; `incrby` counts deliveries per record (to measure duplicates). */
  command: 'set' | 'incrby';
  redis?: string;
}

/** The flow of these tests, as a flow-file object. */
function pipelineFlow(o: PipelineOptions): unknown {
  const sink =
    o.command === 'set'
      ? { url: o.redis ?? redisUrl, command: 'set', key: `'${o.prefix}' + value.id` }
      : { url: o.redis ?? redisUrl, command: 'incrby', key: `'${o.prefix}' + value.id`, incrementExpression: '1' };
  return {
    version: 1,
    name: 'runtime-test',
    settings: { batchSize: 500 },
    nodes: [
      { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic: o.topic, groupId: o.groupId, fromBeginning: true, format: 'json' } },
      { id: 'double', type: 'transform.map', config: { expression: '({ id: value.id, total: value.amount * 2, tag: fn.upper(value.tag) })' } },
      { id: 'keep', type: 'transform.filter', config: { expression: 'value.id % 5 !== 0' } },
      { id: 'store', type: 'sink.redis', config: sink },
    ],
    edges: [
      { from: 'orders', to: 'double' },
      { from: 'double', to: 'keep' },
      { from: 'keep', to: 'store' },
    ],
  };
}

const orderValue = (i: number): unknown => ({ id: i, amount: i % 1000, tag: `t${i % 7}` });

async function stopGracefully(run: RunningCli): Promise<number | string> {
  run.child.kill('SIGTERM');
  return run.exited;
}

async function valuesOf(redis: Redis, prefix: string, count: number): Promise<(string | null)[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const out: (string | null)[] = [];
  for (let i = 0; i < keys.length; i += 5000) out.push(...(await redis.mget(keys.slice(i, i + 5000))));
  return out;
}

describe('tributary run (real Kafka and Redis)', () => {
  afterEach(killAllCli);
  let redis: Redis;
  const dir = tempDir();
  const prefixes: string[] = [];

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
  });

  function names(label: string): PipelineOptions & { flowFile: string } {
    const topic = uniqueName(label);
    const prefix = `${topic}:`;
    prefixes.push(prefix);
    return { topic, groupId: `${topic}-group`, prefix, command: 'set', flowFile: '' };
  }

  it('moves 50,000 records through map and filter into Redis exactly, and commits every offset', async () => {
    const o = names('rt-exact');
    await createTopic(o.topic, 4);
    await seedTopic(o.topic, RECORDS, orderValue);
    const flowFile = writeFlow(dir, 'exact.flow.yaml', pipelineFlow(o));
    const run = startCli(['run', flowFile]);
    await waitFor('every offset committed', async () => (await groupProgress(o.groupId, o.topic)).committed === RECORDS, 120_000, 500);
    expect(await stopGracefully(run)).toBe(0);

    expect(await countKeys(redis, `${o.prefix}*`)).toBe(KEPT);
    const values = await valuesOf(redis, o.prefix, RECORDS);
    values.forEach((raw, id) => {
      if (id % 5 === 0) expect(raw).toBeNull();
      else expect(JSON.parse(raw!)).toEqual({ id, total: (id % 1000) * 2, tag: `T${id % 7}` });
    });
  });

  it('loses nothing when killed with SIGKILL mid-run and restarted (duplicates reported)', async () => {
    const o = { ...names('rt-kill9'), command: 'incrby' as const };
    await createTopic(o.topic, 4);
    await seedTopic(o.topic, RECORDS, orderValue);
    const flowFile = writeFlow(dir, 'kill9.flow.yaml', pipelineFlow(o));
    const first = startCli(['run', flowFile]);
    await waitFor('a fifth of the records', async () => (await countKeys(redis, `${o.prefix}*`)) >= KEPT / 5, 60_000, 50);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const written = await countKeys(redis, `${o.prefix}*`);
    expect(written).toBeLessThan(KEPT);

    const second = startCli(['run', flowFile]);
    await waitFor('every offset committed', async () => (await groupProgress(o.groupId, o.topic)).committed === RECORDS, 120_000, 500);
    expect(await stopGracefully(second)).toBe(0);

    const values = await valuesOf(redis, o.prefix, RECORDS);
    let lost = 0;
    let duplicates = 0;
    values.forEach((raw, id) => {
      if (id % 5 === 0) return expect(raw).toBeNull();
      if (raw === null) lost++;
      else duplicates += Number(raw) - 1;
    });
    console.log(`kill -9 after ${written} of ${KEPT} records: lost ${lost}, duplicates ${duplicates}`);
    expect(lost).toBe(0);
  });

  it('loses nothing and duplicates nothing when stopped with SIGTERM mid-run and restarted', async () => {
    const o = { ...names('rt-term'), command: 'incrby' as const };
    await createTopic(o.topic, 4);
    await seedTopic(o.topic, RECORDS, orderValue);
    const flowFile = writeFlow(dir, 'term.flow.yaml', pipelineFlow(o));
    const first = startCli(['run', flowFile]);
    await waitFor('a fifth of the records', async () => (await countKeys(redis, `${o.prefix}*`)) >= KEPT / 5, 60_000, 50);
    expect(await stopGracefully(first)).toBe(0);
    const afterFirst = await countKeys(redis, `${o.prefix}*`);
    expect(afterFirst).toBeLessThan(KEPT);
    expect(first.output.stderr).toContain('stopping: draining in-flight records');

    const second = startCli(['run', flowFile]);
    await waitFor('every offset committed', async () => (await groupProgress(o.groupId, o.topic)).committed === RECORDS, 120_000, 500);
    expect(await stopGracefully(second)).toBe(0);

    const values = await valuesOf(redis, o.prefix, RECORDS);
    values.forEach((raw, id) => {
      if (id % 5 === 0) expect(raw).toBeNull();
      else expect(raw).toBe('1');
    });
  });

  it('routes undecodable records to a dead-letter topic with their partition and offset', async () => {
    const o = names('rt-dlq');
    const dlqTopic = `${o.topic}-dlq`;
    await createTopic(o.topic, 4);
    await createTopic(dlqTopic, 1);
    // 200 records, every tenth is not JSON: 180 reach Redis (the filter keeps everything here), 20 the dead-letter topic.
    await seedTopic(o.topic, 200, (i) => (i % 10 === 3 ? `{not json ${i}` : { id: i, amount: i, tag: 'x' }));
    const flow = pipelineFlow(o) as { nodes: Record<string, unknown>[]; edges: Record<string, string>[] };
    flow.nodes[2] = { id: 'keep', type: 'transform.filter', config: { expression: 'true' } };
    flow.nodes.push({ id: 'dlq', type: 'sink.kafka', config: { brokers: kafkaBrokers, topic: dlqTopic } });
    flow.edges.push({ from: 'orders:error', to: 'dlq' });
    const flowFile = writeFlow(dir, 'dlq.flow.yaml', flow);
    const run = startCli(['run', flowFile]);
    await waitFor('every offset committed', async () => (await groupProgress(o.groupId, o.topic)).committed === 200, 60_000, 300);
    expect(await stopGracefully(run)).toBe(0);

    expect(await countKeys(redis, `${o.prefix}*`)).toBe(180);
    const consumer = testKafka().consumer({ groupId: uniqueName('dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    const dead: { key: string; value: string; headers: Record<string, string> }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
            dead.push({ key: message.key!.toString(), value: message.value!.toString(), headers });
            if (dead.length === 20) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(dead).toHaveLength(20);
    const admin = testKafka().admin();
    await admin.connect();
    const sourcePartitions = new Map<string, { partition: string; offset: string }>();
    for (const d of dead) {
      const i = Number(d.key);
      expect(i % 10).toBe(3);
      expect(d.value).toBe(`{not json ${i}`);
      expect(d.headers['tributary-error-node']).toBe('orders');
      expect(d.headers['tributary-error-code']).toBe('E_DECODE');
      expect(d.headers['tributary-source-topic']).toBe(o.topic);
      sourcePartitions.set(d.key, { partition: d.headers['tributary-source-partition']!, offset: d.headers['tributary-source-offset']! });
    }
    await admin.disconnect();
    // The headers name the exact place of each original record: read it back there.
    const reader = testKafka().consumer({ groupId: uniqueName('dlq-check') });
    await reader.connect();
    await reader.subscribe({ topic: o.topic, fromBeginning: true });
    const at = new Map<string, string>();
    await new Promise<void>((resolve, reject) => {
      let seen = 0;
      reader
        .run({
          eachMessage: async ({ partition, message }) => {
            at.set(`${partition}@${message.offset}`, message.key!.toString());
            if (++seen === 200) resolve();
          },
        })
        .catch(reject);
    });
    await reader.disconnect();
    for (const [key, place] of sourcePartitions) expect(at.get(`${place.partition}@${place.offset}`)).toBe(key);
  });

  it('shares a 4-partition topic between two instances of the same consumer group', async () => {
    const o = { ...names('rt-group'), command: 'incrby' as const };
    await createTopic(o.topic, 4);
    const flowFile = writeFlow(dir, 'group.flow.yaml', pipelineFlow(o));
    const a = startCli(['run', flowFile, '--metrics-port', '19464']);
    const b = startCli(['run', flowFile, '--metrics-port', '19465']);
    // Records arrive once both instances are members of the group, each with its share of the 4 partitions.
    const admin = testKafka().admin();
    await admin.connect();
    await waitFor('a stable group of two members', async () => {
      const { groups } = await admin.describeGroups([o.groupId]);
      return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
    }, 60_000, 300);
    await admin.disconnect();
    await seedTopic(o.topic, RECORDS, orderValue);
    await waitFor('every offset committed', async () => (await groupProgress(o.groupId, o.topic)).committed === RECORDS, 120_000, 500);
    const readIn = async (port: number): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('tributary_node_records_in_total{node="orders",'));
      return line === undefined ? 0 : Number(line.split(' ').pop());
    };
    const [inA, inB] = [await readIn(19464), await readIn(19465)];
    expect(await stopGracefully(a)).toBe(0);
    expect(await stopGracefully(b)).toBe(0);

    const values = await valuesOf(redis, o.prefix, RECORDS);
    values.forEach((raw, id) => {
      if (id % 5 === 0) expect(raw).toBeNull();
      else expect(Number(raw)).toBeGreaterThanOrEqual(1);
    });
    // Both instances did part of the work (a rebalance may make them read some records twice: at-least-once).
    expect(inA).toBeGreaterThan(0);
    expect(inB).toBeGreaterThan(0);
    expect(inA + inB).toBeGreaterThanOrEqual(RECORDS);
  });
});

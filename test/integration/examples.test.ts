// The example flows of examples/ run end to end against the real Kafka and Redis: each is validated, seeded by its own
// seed script (examples/seed/*.ts) under fresh topic, key, stream and file names, run with `tributary run` as a child
// process, and its output is compared exactly with what the flow's rules give for the seed data (computed here, from
// the same generators), then the run is stopped with SIGTERM and must exit 0.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Consumer, IHeaders } from 'kafkajs';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedClickstream, type PageView } from '../../examples/seed/clickstream';
import { seedOrders, type Order } from '../../examples/seed/orders';
import { seedSensors } from '../../examples/seed/sensors';
import { countKeys, killAllCli, runCli, startCli, tempDir, waitFor, type RunningCli } from '../support/runtime';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testKafka, testRedis, uniqueName } from '../support/services';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const flowFile = (name: string): string => join(EXAMPLES, name);

let redis: Redis;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  redis = testRedis();
});

afterEach(async () => {
  killAllCli();
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
});

afterAll(async () => {
  await redis.quit();
});

// ------------------------------------------------------------------------------------------------------------ helpers

/** `tributary validate <flow>` with `env` must exit 0 and say "valid". */
async function expectValid(flow: string, env: Record<string, string>): Promise<void> {
  const result = await runCli(['validate', flow], env);
  expect(result.stdout + result.stderr).toContain(`${flow}: valid`);
  expect(result.code).toBe(0);
}

/** Runs `tributary run <flow>` with `env` (on top of the service addresses). */
function runFlow(flow: string, env: Record<string, string>): RunningCli {
  return startCli(['run', flow], { KAFKA_BROKERS: kafkaBrokers.join(','), REDIS_URL: redisUrl, ...env });
}

/** Stops a run with SIGTERM; it must exit 0. */
async function stop(run: RunningCli): Promise<void> {
  run.child.kill('SIGTERM');
  const code = await run.exited;
  expect(code, `exit code; stderr:\n${run.output.stderr.slice(-4000)}`).toBe(0);
}

/** A Kafka message read back: key, value and headers as strings. */
interface ReadMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name] = Array.isArray(value) ? value.join(',') : String(value);
  return out;
}

/** Reads `topic` from the beginning with a fresh consumer group, collecting every message until cleanup. */
async function collectTopic(topic: string): Promise<ReadMessage[]> {
  const consumer: Consumer = testKafka('tributary-test-examples-reader').consumer({ groupId: uniqueName('examples-reader') });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  cleanups.push(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: headerStrings(message.headers) });
    },
  });
  return messages;
}

/** Total number of messages in `topic` (sum of the partitions' high watermarks). */
async function topicSize(topic: string): Promise<number> {
  const admin = testKafka('tributary-test-admin').admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The lines of a JSONL file, parsed (none while it does not exist). */
function jsonLines(path: string): unknown[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

const byJson = (a: unknown, b: unknown): number => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0);

/** A window of the reference model, with the records it holds in arrival order. */
interface ModelWindow<T> {
  key: string;
  start: number;
  end: number;
  records: T[];
}

/**
 * Reference model of `transform.window` with event time on ONE partition read in order (as the examples are set up):
 * windows `[k * advance, k * advance + size)`; watermark = newest event time - lateness; a record enters only its
 * windows that end after the current watermark, and is late when there are none; at the end the windows whose end is
 * at or below the final watermark are the closed (emitted) ones, the others are still open.
 */
function modelWindows<T>(
  records: readonly T[],
  o: { sizeMs: number; advanceMs: number; latenessMs: number; keyOf: (r: T) => string; timeOf: (r: T) => number },
): { closed: ModelWindow<T>[]; late: T[]; open: ModelWindow<T>[] } {
  const windows = new Map<string, ModelWindow<T>>();
  const late: T[] = [];
  let watermark = -Infinity;
  for (const record of records) {
    const t = o.timeOf(record);
    const starts: number[] = [];
    for (let s = Math.floor(t / o.advanceMs) * o.advanceMs; s + o.sizeMs > t; s -= o.advanceMs) if (s + o.sizeMs > watermark) starts.push(s);
    if (starts.length === 0) {
      late.push(record);
      continue;
    }
    for (const start of starts) {
      const id = `${start}\u0000${o.keyOf(record)}`;
      let window = windows.get(id);
      if (window === undefined) windows.set(id, (window = { key: o.keyOf(record), start, end: start + o.sizeMs, records: [] }));
      window.records.push(record);
    }
    watermark = Math.max(watermark, t - o.latenessMs);
  }
  const all = [...windows.values()];
  return { closed: all.filter((w) => w.end <= watermark), open: all.filter((w) => w.end > watermark), late };
}

// ------------------------------------------------------------------------------------------------------------- orders

describe('examples/orders.flow.yaml', () => {
  it('stores every valid order as a Redis hash, alerts the risky ones and dead-letters the broken ones', async () => {
    const flow = flowFile('orders.flow.yaml');
    const topics = { topic: uniqueName('ex-orders'), alertsTopic: uniqueName('ex-order-alerts'), dlqTopic: uniqueName('ex-orders-dlq') };
    const prefix = `${uniqueName('ex-orders')}:order:`;
    const env = {
      ORDERS_TOPIC: topics.topic,
      ORDERS_ALERTS_TOPIC: topics.alertsTopic,
      ORDERS_DLQ_TOPIC: topics.dlqTopic,
      ORDERS_GROUP: uniqueName('ex-orders-group'),
      ORDERS_KEY_PREFIX: prefix,
    };
    cleanups.push(() => deleteKeys(redis, `${prefix}*`));
    await expectValid(flow, env);

    const messages = await seedOrders(kafkaBrokers, topics);

    // What the flow's rules give for the seed data.
    const valid = messages.filter((m) => m.defect === undefined).map((m) => JSON.parse(m.value) as Order);
    const priced = valid.map((o) => ({
      orderId: o.orderId,
      customerId: o.customerId,
      amountEur: o.amountCents / 100,
      itemCount: o.items.reduce((n, item) => n + item.qty, 0),
      paymentMethod: o.paymentMethod,
      shippingCountry: o.shippingCountry,
      riskScore: Math.min(
        100,
        (o.amountCents >= 50_000 ? 40 : o.amountCents >= 20_000 ? 20 : 0) +
          (o.shippingCountry !== o.billingCountry ? 30 : 0) +
          (o.accountAgeDays < 7 ? 25 : 0) +
          (o.paymentMethod === 'gift_card' ? 15 : 0),
      ),
      createdAt: o.createdAt,
    }));
    const risky = priced.filter((p) => p.riskScore >= 60);
    const broken = messages.filter((m) => m.defect !== undefined);
    expect(valid.length).toBeGreaterThan(30);
    expect(risky.length).toBeGreaterThan(0);
    expect(risky.length).toBeLessThan(valid.length);
    expect(broken.map((m) => m.rejectedBy).sort()).toEqual(['orders', 'validate', 'validate', 'validate', 'validate', 'validate']);

    const alerts = await collectTopic(topics.alertsTopic);
    const dead = await collectTopic(topics.dlqTopic);
    const run = runFlow(flow, env);
    await waitFor(
      'every order stored, alerted or dead-lettered',
      async () => (await countKeys(redis, `${prefix}*`)) >= valid.length && alerts.length >= risky.length && dead.length >= broken.length,
      90_000,
      250,
    );
    await stop(run);

    // One hash per valid order, fields = the priced order's top-level fields (strings as-is, numbers as JSON).
    expect(await countKeys(redis, `${prefix}*`)).toBe(valid.length);
    for (const p of priced) {
      const expected = Object.fromEntries(Object.entries(p).map(([field, v]) => [field, typeof v === 'string' ? v : JSON.stringify(v)]));
      expect(await redis.hgetall(`${prefix}${p.orderId}`)).toEqual(expected);
    }

    // Exactly the risky orders on the alerts topic, keyed by order id, with the priced value.
    expect(await topicSize(topics.alertsTopic)).toBe(risky.length);
    expect(alerts.map((m) => ({ key: m.key, value: JSON.parse(m.value!) as unknown })).sort(byJson)).toEqual(
      risky.map((p) => ({ key: p.orderId, value: p })).sort(byJson),
    );

    // Exactly the broken messages on the dead-letter topic, unchanged, with the node that rejected them.
    expect(await topicSize(topics.dlqTopic)).toBe(broken.length);
    expect(
      dead
        .map((m) => ({ key: m.key, value: m.value, node: m.headers['tributary-error-node'], code: m.headers['tributary-error-code'], topic: m.headers['tributary-source-topic'] }))
        .sort(byJson),
    ).toEqual(broken.map((m) => ({ key: m.key, value: m.value, node: m.rejectedBy, code: 'E_DECODE', topic: topics.topic })).sort(byJson));
    for (const m of dead.filter((d) => d.headers['tributary-error-node'] === 'validate')) {
      expect((JSON.parse(m.headers['tributary-validation-errors']!) as unknown[]).length).toBeGreaterThan(0);
    }
  });
});

// -------------------------------------------------------------------------------------------------------- clickstream

describe('examples/clickstream.flow.yaml', () => {
  it('writes one leaderboard per closed 10 s window, sends late views to the late topic and broken ones to the DLQ', async () => {
    const flow = flowFile('clickstream.flow.yaml');
    const topics = { topic: uniqueName('ex-page-views'), lateTopic: uniqueName('ex-page-views-late'), dlqTopic: uniqueName('ex-page-views-dlq') };
    const prefix = `${uniqueName('ex-clicks')}:top-pages:`;
    const env = {
      CLICKS_TOPIC: topics.topic,
      CLICKS_LATE_TOPIC: topics.lateTopic,
      CLICKS_DLQ_TOPIC: topics.dlqTopic,
      CLICKS_GROUP: uniqueName('ex-clicks-group'),
      CLICKS_KEY_PREFIX: prefix,
    };
    cleanups.push(() => deleteKeys(redis, `${prefix}*`));
    await expectValid(flow, env);

    const views = await seedClickstream(kafkaBrokers, topics);

    // Crawlers are filtered; a view without ts fails in the window (to the DLQ); the rest is windowed.
    const humans = views.filter((v) => !/bot|crawler|spider/i.test(v.userAgent));
    const broken = humans.filter((v) => v.ts === undefined);
    const model = modelWindows(
      humans.filter((v) => v.ts !== undefined),
      { sizeMs: 10_000, advanceMs: 10_000, latenessMs: 2_000, keyOf: (v: PageView) => v.page, timeOf: (v: PageView) => v.ts! },
    );
    const leaderboards = new Map<string, Record<string, number>>();
    for (const w of model.closed) {
      const key = `${prefix}${new Date(w.start).toISOString()}`;
      leaderboards.set(key, { ...leaderboards.get(key), [w.key]: w.records.length });
    }
    expect(views.length - humans.length).toBeGreaterThan(0);
    expect(leaderboards.size).toBe(3);
    expect(model.open.length).toBeGreaterThan(0);
    expect(model.late.length).toBeGreaterThan(0);
    expect(broken).toHaveLength(1);

    const late = await collectTopic(topics.lateTopic);
    const dead = await collectTopic(topics.dlqTopic);
    const run = runFlow(flow, env);
    const expectedMembers = [...leaderboards.values()].reduce((n, board) => n + Object.keys(board).length, 0);
    await waitFor(
      'every closed window in Redis, late and broken views on their topics',
      async () => {
        let members = 0;
        for (const key of leaderboards.keys()) members += await redis.zcard(key);
        return members >= expectedMembers && late.length >= model.late.length && dead.length >= broken.length;
      },
      90_000,
      250,
    );
    await stop(run);

    // Exactly one sorted set per closed window: member = page, score = views of humans in that window.
    expect(await countKeys(redis, `${prefix}*`)).toBe(leaderboards.size);
    for (const [key, board] of leaderboards) {
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
      const actual: Record<string, number> = {};
      for (let i = 0; i < flat.length; i += 2) actual[flat[i]!] = Number(flat[i + 1]);
      expect(actual, key).toEqual(board);
      expect(await redis.ttl(key)).toBeGreaterThan(0);
    }

    // The views that came after their window closed, unchanged.
    expect(await topicSize(topics.lateTopic)).toBe(model.late.length);
    expect(late.map((m) => JSON.parse(m.value!) as unknown).sort(byJson)).toEqual([...model.late].sort(byJson));
    // The view without a timestamp, dead-lettered by the window.
    expect(await topicSize(topics.dlqTopic)).toBe(broken.length);
    expect(dead.map((m) => ({ value: JSON.parse(m.value!) as unknown, node: m.headers['tributary-error-node'], code: m.headers['tributary-error-code'] }))).toEqual(
      broken.map((v) => ({ value: v, node: 'perPage', code: 'E_EXPRESSION_RUNTIME' })),
    );
  });
});

// ------------------------------------------------------------------------------------------------------------ sensors

describe('examples/sensors.flow.yaml', () => {
  it('averages deduplicated readings per device over hopping windows to Kafka and a JSONL file, and keeps the discards', async () => {
    const flow = flowFile('sensors.flow.yaml');
    const base = uniqueName('ex-sensors');
    const dir = tempDir('tributary-examples-');
    const names = {
      stream: `${base}:readings`,
      dedupePrefix: `${base}:dedupe:`,
      topic: uniqueName('ex-sensor-averages'),
      averagesFile: join(dir, 'out', 'sensor-averages.jsonl'),
      discardedFile: join(dir, 'out', 'sensor-discarded.jsonl'),
    };
    const env = {
      SENSOR_STREAM: names.stream,
      SENSOR_GROUP: uniqueName('ex-sensors-group'),
      SENSOR_CONSUMER: 'test-consumer',
      SENSOR_DEDUPE_PREFIX: names.dedupePrefix,
      SENSOR_AVG_TOPIC: names.topic,
      SENSOR_AVG_FILE: names.averagesFile,
      SENSOR_DISCARDED_FILE: names.discardedFile,
    };
    cleanups.push(() => deleteKeys(redis, `${base}:*`));
    await expectValid(flow, env);
    await createTopic(names.topic, 1);

    const entries = await seedSensors(redisUrl, names.stream);

    // parse (csv, 4 columns, JSON numbers inferred) -> dedupe (device:seq) -> window (a temperature that is no number fails).
    type Reading = { deviceId: string; ts: number; tempC: number | string; seq: number };
    const infer = (text: string): number | string => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
    const discarded: unknown[] = [];
    const seen = new Set<string>();
    const windowed: Reading[] = [];
    for (const { line } of entries) {
      const fields = line.split(',');
      if (fields.length !== 4) {
        discarded.push(line); // parse error: the record value is still the line
        continue;
      }
      const reading: Reading = { deviceId: fields[0]!, ts: infer(fields[1]!) as number, tempC: infer(fields[2]!), seq: infer(fields[3]!) as number };
      const id = `${reading.deviceId}:${reading.seq}`;
      if (seen.has(id)) {
        discarded.push(reading); // duplicate
        continue;
      }
      seen.add(id);
      if (typeof reading.tempC === 'number') windowed.push(reading);
      else discarded.push(reading); // the window's avg/min/max fail on it: error
    }
    const model = modelWindows(windowed, {
      sizeMs: 30_000,
      advanceMs: 10_000,
      latenessMs: 5_000,
      keyOf: (r: Reading) => r.deviceId,
      timeOf: (r: Reading) => r.ts,
    });
    discarded.push(...model.late);
    const averages = model.closed.map((w) => {
      const temps = w.records.map((r) => r.tempC as number);
      return {
        deviceId: w.key,
        windowStart: new Date(w.start).toISOString(),
        windowEnd: new Date(w.end).toISOString(),
        readings: temps.length,
        avgTempC: Math.round((temps.reduce((a, b) => a + b, 0) / temps.length) * 100) / 100,
        minTempC: Math.min(...temps),
        maxTempC: Math.max(...temps),
      };
    });
    expect(windowed.length).toBeGreaterThan(40);
    expect(model.late).toHaveLength(1);
    expect(model.open.length).toBeGreaterThan(0);
    expect(discarded.length).toBeGreaterThanOrEqual(8);

    const topicMessages = await collectTopic(names.topic);
    const run = runFlow(flow, env);
    await waitFor(
      'every closed window on the topic and in the file, every discard in the discarded file',
      () =>
        topicMessages.length >= averages.length && jsonLines(names.averagesFile).length >= averages.length && jsonLines(names.discardedFile).length >= discarded.length,
      90_000,
      250,
    );
    await stop(run);

    const sorted = [...averages].sort(byJson);
    expect(await topicSize(names.topic)).toBe(averages.length);
    expect(topicMessages.map((m) => ({ key: m.key, value: JSON.parse(m.value!) as unknown })).sort(byJson)).toEqual(
      averages.map((a) => ({ key: a.deviceId, value: a })).sort(byJson),
    );
    expect(jsonLines(names.averagesFile).sort(byJson)).toEqual(sorted);
    const discardLines = jsonLines(names.discardedFile) as { key: string; value: unknown }[];
    expect(discardLines.map((l) => l.value).sort(byJson)).toEqual([...discarded].sort(byJson));
    for (const l of discardLines) expect(l.key).toMatch(/^\d+-\d+$/); // the stream entry id
  });
});

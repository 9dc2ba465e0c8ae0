// Schema Registry formats against the real Kafka broker and a real registry (Apicurio Registry, started by
// scripts/registry.sh; TRIBUTARY_REGISTRY_URL points at another): for Avro, Protobuf and JSON Schema, a `tributary run`
// flow encodes JSON records with sink.kafka through the registry (keys too, repeated headers kept) and decodes them
// again with source.kafka, and the values, keys and headers come out equal; records that are not in the wire format
// or name an unknown schema id land on the error port (a dead-letter topic) with E_DECODE and the reason; records that
// Confluent's own Avro serializer (Python confluent-kafka) wrote decode, and what sink.kafka writes decodes with its
// deserializer.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wireHeader } from '../../nodes/confluent-wire-format.runtime';
import { createKafkaRecordDecoder } from '../../nodes/kafka-record-decode.runtime';
import { kafkaSinkRuntime } from '../../nodes/sink/kafka.runtime';
import { kafkaSinkSpec } from '../../nodes/sink/kafka.spec';
import type { SinkRuntime } from '../../runtime/engine/types';
import { testNodeContext } from '../support/node-context';
import { killAllCli, startCli, tempDir, waitFor, writeFlow, type RunningCli } from '../support/runtime';
import { createTopic, kafkaBrokers, readTopic, testKafka, uniqueName } from '../support/services';

/** The Confluent-compatible API of the registry that `scripts/registry.sh up` starts, or TRIBUTARY_REGISTRY_URL. */
const REGISTRY_URL = process.env.TRIBUTARY_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const COUNT = 20;
const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
/** How long runUntil waits for a run's output (ms). */
const RUN_UNTIL_MS = 120_000;
/** How long a run may take to exit after SIGTERM (ms). */
const STOP_MS = 30_000;
/** How long one step of Confluent's Python client (produce, consume) may take (ms). */
const CONFLUENT_STEP_MS = 90_000;
/** How long installing Confluent's Python client from PyPI may take (ms): a clean clone installs it here. */
const SERDES_INSTALL_MS = 600_000;

interface Order {
  id: string;
  cents: number;
  paid: boolean;
}
const orderOf = (i: number): Order => ({ id: `o-${i}`, cents: 100 * i + 5, paid: i % 2 === 0 });

const AVRO_ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'cents', type: 'int' },
    { name: 'paid', type: 'boolean' },
  ],
};
const AVRO_KEY = { type: 'record', name: 'OrderKey', namespace: 'shop', fields: [{ name: 'customer', type: 'string' }] };
// Two messages: the second one is encoded, so the records carry message indexes [1], not the shortcut [0].
const PROTO_ORDER = `syntax = "proto3";
package shop;
message Header { string trace = 1; }
message Order { string id = 1; int32 cents = 2; bool paid = 3; }
`;
const JSON_ORDER = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['id', 'cents', 'paid'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, cents: { type: 'integer' }, paid: { type: 'boolean' } },
};

const FORMATS = [
  { format: 'avro', valueSchema: { schema: AVRO_ORDER }, keyFormat: 'avro', keySchema: { schema: AVRO_KEY } },
  { format: 'protobuf', valueSchema: { schema: PROTO_ORDER, messageType: 'shop.Order' }, keyFormat: 'json' },
  { format: 'json-schema', valueSchema: { schema: JSON_ORDER }, keyFormat: 'string' },
] as const;

/** A request to the registry's Confluent-compatible API; the parsed JSON answer. */
async function registry(path: string, init?: { method: string; body: unknown }): Promise<unknown> {
  const response = await fetch(`${REGISTRY_URL}${path}`, {
    method: init?.method ?? 'GET',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: init === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

/** Produces JSON records `orderOf(i)` with key `{"customer":"c<i % 3>"}` and a header `tag` repeated twice. */
async function seedOrders(topic: string): Promise<void> {
  const producer = testKafka('tributary-test-seed').producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: Array.from({ length: COUNT }, (_, i) => ({
        key: JSON.stringify({ customer: `c${i % 3}` }),
        value: JSON.stringify(orderOf(i)),
        headers: { tag: ['first', `second-${i}`], trace: `t${i}` },
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

function linesOf(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
}

/** Waits until `path` has `count` lines (or the run exits), then stops the run, which must exit 0. */
async function runUntil(cli: RunningCli, what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  try {
    await waitFor(what, async () => cli.child.exitCode !== null || (await done()), RUN_UNTIL_MS, 500);
  } catch (error) {
    throw new Error(`${(error as Error).message}; stderr:\n${cli.output.stderr.slice(-4000)}`, { cause: error });
  }
  expect(cli.child.exitCode, `the run ended early; stderr:\n${cli.output.stderr.slice(-4000)}`).toBeNull();
  cli.child.kill('SIGTERM');
  const late = new Promise<string>((resolveLate) => setTimeout(() => resolveLate(`no exit within ${STOP_MS} ms of SIGTERM`), STOP_MS).unref());
  expect(await Promise.race([cli.exited, late]), `exit code; stderr:\n${cli.output.stderr.slice(-4000)}`).toBe(0);
}

beforeAll(async () => {
  try {
    await registry('/subjects');
  } catch (error) {
    throw new Error(`no schema registry answers at ${REGISTRY_URL} (${(error as Error).message}): run scripts/registry.sh up, or set TRIBUTARY_REGISTRY_URL`, { cause: error });
  }
});

afterEach(() => {
  killAllCli();
});

describe('Schema Registry formats through a real registry', () => {
  for (const f of FORMATS) {
    it(`${f.format}: sink.kafka encodes through the registry, source.kafka decodes, records come out equal`, async () => {
      const dir = tempDir(`tributary-registry-${f.format}-`);
      const input = uniqueName(`sr-in-${f.format}`);
      const encoded = uniqueName(`sr-${f.format}`);
      await createTopic(input, 1);
      await createTopic(encoded, 1);
      await seedOrders(input);
      const registryConfig = { url: REGISTRY_URL };
      const flow = writeFlow(dir, 'registry.flow.yaml', {
        version: 1,
        name: `registry-${f.format}`,
        // The headers must come back exactly as written: no record picked for tracing gains a traceparent.
        settings: { traceSampleRate: 0 },
        nodes: [
          { id: 'read-json', type: 'source.kafka', config: { brokers: kafkaBrokers, topic: input, groupId: `${input}-group`, startFrom: 'earliest', format: 'json', keyFormat: 'json' } },
          {
            id: 'encode',
            type: 'sink.kafka',
            config: { brokers: kafkaBrokers, topic: encoded, format: f.format, valueSchema: f.valueSchema, keyFormat: f.keyFormat, ...('keySchema' in f ? { keySchema: f.keySchema } : {}), registry: registryConfig },
          },
          { id: 'read-encoded', type: 'source.kafka', config: { brokers: kafkaBrokers, topic: encoded, groupId: `${encoded}-group`, startFrom: 'earliest', format: f.format, keyFormat: f.keyFormat, registry: registryConfig } },
          { id: 'decoded', type: 'sink.file', config: { path: join(dir, 'decoded.jsonl'), envelope: true } },
          { id: 'undecodable', type: 'sink.file', config: { path: join(dir, 'errors.jsonl'), envelope: true } },
        ],
        edges: [
          { from: 'read-json', to: 'encode' },
          { from: 'read-encoded', to: 'decoded' },
          { from: 'read-encoded:error', to: 'undecodable' },
        ],
      });
      const cli = startCli(['run', flow]);
      await runUntil(cli, `${COUNT} decoded ${f.format} records`, () => linesOf(join(dir, 'decoded.jsonl')).length + linesOf(join(dir, 'errors.jsonl')).length >= COUNT);

      expect(linesOf(join(dir, 'errors.jsonl'))).toEqual([]);
      const records = linesOf(join(dir, 'decoded.jsonl')).map((line) => JSON.parse(line) as { key: string; value: Order; headers: Record<string, unknown> });
      expect(records.map((r) => ({ ...r.value }))).toEqual(Array.from({ length: COUNT }, (_, i) => orderOf(i)));
      expect(records.map((r) => r.key)).toEqual(Array.from({ length: COUNT }, (_, i) => JSON.stringify({ customer: `c${i % 3}` })));
      expect(records.map((r) => r.headers)).toEqual(Array.from({ length: COUNT }, (_, i) => ({ tag: ['first', `second-${i}`], trace: `t${i}` })));

      // The bytes on the topic are the Confluent wire format with the id the registry gave the subject <topic>-value.
      const latest = (await registry(`/subjects/${encoded}-value/versions/latest`)) as { id: number; schemaType?: string };
      const [first] = await readTopic(encoded, 1);
      const header = f.format === 'protobuf' ? wireHeader(latest.id, [1]) : wireHeader(latest.id);
      expect([...first!.value!.subarray(0, header.length)]).toEqual([...header]);
      if (f.keyFormat === 'avro') {
        const key = (await registry(`/subjects/${encoded}-key/versions/latest`)) as { id: number };
        expect([...first!.key!.subarray(0, 5)]).toEqual([...wireHeader(key.id)]);
      }
    });
  }

  it('records not in the wire format or with an unknown schema id land on error (E_DECODE) with the reason', async () => {
    const dir = tempDir('tributary-registry-bad-');
    const topic = uniqueName('sr-bad');
    const dlq = uniqueName('sr-bad-dlq');
    await createTopic(topic, 1);
    await createTopic(dlq, 1);
    const { id } = (await registry(`/subjects/${topic}-value/versions`, { method: 'POST', body: { schema: JSON.stringify(AVRO_ORDER) } })) as { id: number };
    const avsc = (await import('avsc')).default;
    const good = Buffer.concat([wireHeader(id), avsc.Type.forSchema(AVRO_ORDER as never).toBuffer(orderOf(1))]);
    const unknownId = 2_000_000_000;
    const producer = testKafka('tributary-test-seed').producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'json', value: JSON.stringify(orderOf(0)) },
        { key: 'unknown-id', value: Buffer.concat([wireHeader(unknownId), Buffer.from([2, 0x61])]) },
        { key: 'good', value: good },
        { key: 'truncated', value: good.subarray(0, 7) },
      ],
    });
    await producer.disconnect();
    const flow = writeFlow(dir, 'bad.flow.yaml', {
      version: 1,
      name: 'registry-bad',
      nodes: [
        { id: 'read', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId: `${topic}-group`, startFrom: 'earliest', format: 'avro', registry: { url: REGISTRY_URL } } },
        { id: 'decoded', type: 'sink.file', config: { path: join(dir, 'decoded.jsonl'), envelope: true } },
        { id: 'dlq', type: 'sink.kafka', config: { brokers: kafkaBrokers, topic: dlq } },
      ],
      edges: [
        { from: 'read', to: 'decoded' },
        { from: 'read:error', to: 'dlq' },
      ],
    });
    const cli = startCli(['run', flow]);
    await runUntil(cli, 'the good record in the file', () => linesOf(join(dir, 'decoded.jsonl')).length >= 1);
    const dead = await readTopic(dlq, 3);

    expect(linesOf(join(dir, 'decoded.jsonl')).map((line) => (JSON.parse(line) as { key: string; value: Order }))).toEqual([
      expect.objectContaining({ key: 'good', value: orderOf(1) }),
    ]);
    const reasons = dead.map((m) => ({
      key: m.key!.toString(),
      code: m.headers!['tributary-error-code']!.toString(),
      message: m.headers!['tributary-error-message']!.toString(),
      offset: m.headers!['tributary-source-offset']!.toString(),
    }));
    expect(reasons).toEqual([
      { key: 'json', code: 'E_DECODE', offset: '0', message: 'value: not the Confluent wire format (first byte 0x7b, expected the magic byte 0x00)' },
      { key: 'unknown-id', code: 'E_DECODE', offset: '1', message: expect.stringMatching(new RegExp(`^value: unknown schema id ${unknownId} \\(the schema registry has no schema with that id\\)$`)) as unknown },
      { key: 'truncated', code: 'E_DECODE', offset: '3', message: expect.stringMatching(new RegExp(`^value: does not decode with AVRO schema id ${id}: `)) as unknown },
    ]);
    // The dead-letter records carry the bytes as they were read (base64 of the value, as format bytes would give).
    expect(Buffer.from(dead[0]!.value!.toString(), 'base64').toString()).toBe(JSON.stringify(orderOf(0)));
  });

  describe("Confluent's own serializer (Python confluent-kafka)", () => {
    let python = '';
    // Installed from PyPI once per cache (scripts/test.sh installs it before the tests; alone, this hook does).
    beforeAll(async () => {
      const { stdout } = await run('bash', [join(ROOT, 'scripts', 'registry.sh'), 'serdes'], { timeout: SERDES_INSTALL_MS });
      python = stdout.trim();
    }, SERDES_INSTALL_MS + 5_000);

    it("Avro records of Confluent's own serializer decode, and sink.kafka's decode with Confluent's deserializer", async () => {
      const script = join(ROOT, 'test', 'support', 'confluent_avro.py');
      const dir = tempDir('tributary-registry-confluent-');
      const theirs = uniqueName('sr-confluent-in');
      const ours = uniqueName('sr-confluent-out');
      await createTopic(theirs, 1);
      await createTopic(ours, 1);
      await new Promise<void>((resolveProduce, reject) => {
        const child = spawn(python, [script, 'produce', REGISTRY_URL, kafkaBrokers[0]!, theirs, JSON.stringify(AVRO_ORDER)], { stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`confluent_avro.py produce did not end within ${CONFLUENT_STEP_MS} ms: ${stderr}`));
        }, CONFLUENT_STEP_MS);
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolveProduce();
          else reject(new Error(`confluent_avro.py produce exited ${code}: ${stderr}`));
        });
        child.stdin.end(Array.from({ length: COUNT }, (_, i) => `${JSON.stringify(orderOf(i))}\n`).join(''));
      });
      const registryConfig = { url: REGISTRY_URL };
      const flow = writeFlow(dir, 'confluent.flow.yaml', {
        version: 1,
        name: 'registry-confluent',
        nodes: [
          { id: 'read', type: 'source.kafka', config: { brokers: kafkaBrokers, topic: theirs, groupId: `${theirs}-group`, startFrom: 'earliest', format: 'avro', registry: registryConfig } },
          { id: 'decoded', type: 'sink.file', config: { path: join(dir, 'decoded.jsonl') } },
          { id: 'undecodable', type: 'sink.file', config: { path: join(dir, 'errors.jsonl'), envelope: true } },
          { id: 'write', type: 'sink.kafka', config: { brokers: kafkaBrokers, topic: ours, format: 'avro', valueSchema: { schema: AVRO_ORDER }, registry: registryConfig } },
        ],
        edges: [
          { from: 'read', to: 'decoded' },
          { from: 'read', to: 'write' },
          { from: 'read:error', to: 'undecodable' },
        ],
      });
      const cli = startCli(['run', flow]);
      await runUntil(cli, `${COUNT} records of Confluent's serializer decoded`, () => linesOf(join(dir, 'decoded.jsonl')).length + linesOf(join(dir, 'errors.jsonl')).length >= COUNT);
      expect(linesOf(join(dir, 'errors.jsonl'))).toEqual([]);
      expect(linesOf(join(dir, 'decoded.jsonl')).map((line) => JSON.parse(line) as unknown)).toEqual(Array.from({ length: COUNT }, (_, i) => orderOf(i)));

      const { stdout } = await run(python, [script, 'consume', REGISTRY_URL, kafkaBrokers[0]!, ours, String(COUNT)], { timeout: CONFLUENT_STEP_MS });
      expect(stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown)).toEqual(Array.from({ length: COUNT }, (_, i) => orderOf(i)));
    }, 2 * CONFLUENT_STEP_MS + RUN_UNTIL_MS + STOP_MS + 30_000);
  });

  it('sink.kafka: a value that does not fit is rejected with its field path; a missing subject and an incompatible schema stop open()', async () => {
    const create = async (config: Record<string, unknown>): Promise<SinkRuntime> => {
      if (kafkaSinkRuntime.kind !== 'sink') throw new Error('sink.kafka is not a sink runtime');
      return kafkaSinkRuntime.create(kafkaSinkSpec.config.parse({ brokers: kafkaBrokers, registry: { url: REGISTRY_URL }, ...config }), testNodeContext('out', kafkaSinkSpec));
    };
    const topic = uniqueName('sr-sink');
    await createTopic(topic, 1);
    const sink = await create({ topic, format: 'avro', valueSchema: { schema: AVRO_ORDER } });
    await sink.open!();
    try {
      const meta = { source: 'src' };
      const rejections = await sink.write([
        { key: 'a', value: orderOf(1), headers: {}, timestamp: 0, meta },
        { key: 'b', value: { ...orderOf(2), cents: 'lots' }, headers: {}, timestamp: 0, meta },
      ]);
      expect(rejections).toEqual([{ index: 1, code: 'E_SINK', message: expect.stringMatching(/^cannot encode the record: value does not fit Avro schema id \d+: cents = "lots"$/) as unknown }]);
    } finally {
      await sink.close!();
    }
    expect((await readTopic(topic, 1)).map((m) => m.key!.toString())).toEqual(['a']);

    const missing = await create({ topic: uniqueName('sr-none'), format: 'avro' });
    await expect(missing.open!()).rejects.toMatchObject({ code: 'E_SINK', retriable: false, message: expect.stringMatching(/^node out: valueSchema: version latest of subject sr-none-\w+-value not found in the schema registry .*\(give valueSchema.schema to register one, or valueSchema.subject\)$/) as unknown });

    // The subject's compatibility rule (BACKWARD) refuses a new required field without a default.
    await registry(`/config/${topic}-value`, { method: 'PUT', body: { compatibility: 'BACKWARD' } });
    const incompatible = await create({ topic, format: 'avro', valueSchema: { schema: { ...AVRO_ORDER, fields: [...AVRO_ORDER.fields, { name: 'region', type: 'string' }] } } });
    await expect(incompatible.open!()).rejects.toMatchObject({ code: 'E_SINK', retriable: false, message: expect.stringMatching(/^node out: valueSchema: schema registry .* refused registering a schema under subject sr-sink-\w+-value: HTTP 409/) as unknown });
  });

  it('Avro schemas that reference another subject encode (sink.kafka, latest version) and decode (source decoder)', async () => {
    const topic = uniqueName('sr-refs');
    await createTopic(topic, 1);
    const address = { type: 'record', name: 'Address', namespace: 'shop', fields: [{ name: 'city', type: 'string' }] };
    await registry(`/subjects/${topic}-address/versions`, { method: 'POST', body: { schema: JSON.stringify(address) } });
    const customer = { type: 'record', name: 'Customer', namespace: 'shop', fields: [{ name: 'name', type: 'string' }, { name: 'home', type: 'shop.Address' }] };
    const { id } = (await registry(`/subjects/${topic}-value/versions`, {
      method: 'POST',
      body: { schema: JSON.stringify(customer), references: [{ name: 'shop.Address', subject: `${topic}-address`, version: 1 }] },
    })) as { id: number };
    if (kafkaSinkRuntime.kind !== 'sink') throw new Error('sink.kafka is not a sink runtime');
    const sink = await kafkaSinkRuntime.create(kafkaSinkSpec.config.parse({ brokers: kafkaBrokers, topic, format: 'avro', registry: { url: REGISTRY_URL } }), testNodeContext('out', kafkaSinkSpec));
    await sink.open!();
    try {
      expect(await sink.write([{ key: 'c1', value: { name: 'Ann', home: { city: 'Oslo' } }, headers: {}, timestamp: 0, meta: { source: 'src' } }])).toEqual([]);
    } finally {
      await sink.close!();
    }
    const messages = await readTopic(topic, 1);
    expect(messages[0]!.value!.readInt32BE(1)).toBe(id);
    // A decoder of its own: the schema id and its reference are fetched from the registry, nothing is cached yet.
    const decoder = createKafkaRecordDecoder({ format: 'avro', keyFormat: 'string', invalidUtf8: 'error', registry: { url: REGISTRY_URL, timeoutMs: 10_000 } }, 'in');
    await decoder.prepare(messages);
    const record = decoder.decode(messages[0]!, topic, 0);
    expect(record.error).toBeUndefined();
    expect(JSON.parse(JSON.stringify(record.value))).toEqual({ name: 'Ann', home: { city: 'Oslo' } });
  });
});

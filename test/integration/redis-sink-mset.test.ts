// sink.redis `set` without ttlSeconds writes batches as MSET commands: against the real local Redis the keys and values
// are exactly those of one SET per record in order (across several MSET commands, a repeated key keeping its last
// value, failed key expressions rejected by index); against a private redis-server whose ACL refuses MSET the batch is
// written again with one SET per record, so exactly the records Redis refuses are rejected.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord, SinkRuntime } from '../../runtime/engine/types';
import { MSET_RECORDS, redisSinkRuntime } from '../../nodes/sink/redis.runtime';
import { redisSinkSpec } from '../../nodes/sink/redis.spec';
import { redisUrl } from '../support/services';
import { testNodeContext } from '../support/node-context';
import { redisTestScope } from '../support/redis-scope';
import { redisAnswers, startPrivateRedis } from '../support/private-redis';
import { tempDir, waitFor } from '../support/runtime';

/** This file's private redis-server (task port range 19420–19439). */
const PRIVATE_PORT = 19421;
const privateUrl = `redis://127.0.0.1:${PRIVATE_PORT}`;
const { redis, prefix, P, track } = redisTestScope('redis-mset');
/** Sinks on the private redis-server, closed before it stops. */
const privateSinks: SinkRuntime[] = [];

async function sink(config: Record<string, unknown>): Promise<SinkRuntime> {
  if (redisSinkRuntime.kind !== 'sink') throw new Error('sink.redis is not a sink runtime');
  const runtime = await redisSinkRuntime.create(redisSinkSpec.config.parse({ url: redisUrl, ...config }), testNodeContext('redis1', redisSinkSpec));
  if (config.url === privateUrl) privateSinks.push(runtime);
  else track(runtime);
  await runtime.open!();
  return runtime;
}

function record(value: unknown): FlowRecord {
  return { key: null, value, headers: {}, timestamp: 1_700_000_000_000, meta: { source: 'src' } };
}

describe('sink.redis set as MSET', () => {
  it('writes a batch larger than one MSET exactly as SETs in order would', async () => {
    const s = await sink({ command: 'set', key: `${P} + 'k:' + value.id` });
    const n = 2 * MSET_RECORDS + 500;
    const batch: FlowRecord[] = [];
    for (let i = 0; i < n; i++) batch.push(record({ id: i, v: `value-${i}` }));
    // Record 10 again at the end (the last one wins), and one record whose key expression throws.
    batch.push(record({ id: 10, v: 'last' }));
    batch.push(record(null));
    const result = await s.write(batch);
    expect(result).toHaveLength(1);
    expect(result![0]).toMatchObject({ index: n + 1, code: 'E_EXPRESSION_RUNTIME' });
    expect(result![0]!.message).toMatch(/^key threw: /);
    const keys = Array.from({ length: n }, (_, i) => `${prefix}k:${i}`);
    const values = await redis.mget(keys);
    for (let i = 0; i < n; i++) expect(values[i]).toBe(i === 10 ? '{"id":10,"v":"last"}' : JSON.stringify({ id: i, v: `value-${i}` }));
  });

  it('writes a valueExpression string as-is and bytes raw', async () => {
    const s = await sink({ command: 'set', key: `${P} + 'raw:' + key`, valueExpression: 'value' });
    const bytes: FlowRecord = { ...record(new Uint8Array([0xff, 0x00, 0x41])), key: 'b' };
    const text: FlowRecord = { ...record('plain text'), key: 't' };
    expect(await s.write([bytes, text])).toEqual([]);
    expect(await redis.getBuffer(`${prefix}raw:b`)).toEqual(Buffer.from([0xff, 0x00, 0x41]));
    expect(await redis.get(`${prefix}raw:t`)).toBe('plain text');
  });
});

describe('sink.redis set when Redis refuses MSET', () => {
  const dir = tempDir('tributary-redis-mset-');
  let server: ChildProcess | undefined;
  let admin: Redis | undefined;

  beforeAll(async () => {
    server = startPrivateRedis(PRIVATE_PORT, dir);
    await waitFor('the private redis-server', () => redisAnswers(privateUrl), 10_000, 100);
    admin = new Redis(privateUrl);
  });

  afterAll(async () => {
    for (const runtime of privateSinks.splice(0)) await runtime.close?.();
    admin?.disconnect();
    server?.kill('SIGKILL');
  });

  it('writes the batch again with one SET per record, so every record that Redis takes is written', async () => {
    await admin!.call('ACL', 'SETUSER', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-mset');
    const s = await sink({ url: privateUrl, command: 'set', key: "'m:' + value.id" });
    expect(await s.write([record({ id: 1 }), record({ id: 2 }), record({ id: 3 })])).toEqual([]);
    expect(await admin!.mget('m:1', 'm:2', 'm:3')).toEqual(['{"id":1}', '{"id":2}', '{"id":3}']);
    // The MSET was sent and refused (Redis logs the denial), so the records above came through the SETs.
    expect(JSON.stringify(await admin!.call('ACL', 'LOG'))).toContain('"mset"');
  });

  it('rejects exactly the records whose SET Redis refuses too, naming the reply', async () => {
    // Keys under ok:* may be written, others not (the default user keeps every other permission).
    await admin!.call('ACL', 'SETUSER', 'default', 'resetkeys', '~ok:*', '-mset');
    const s = await sink({ url: privateUrl, command: 'set', key: 'value.k' });
    const result = await s.write([record({ k: 'ok:1' }), record({ k: 'no:2' }), record({ k: 'ok:3' })]);
    expect(result).toHaveLength(1);
    expect(result![0]).toMatchObject({ index: 1, code: 'E_SINK' });
    expect(result![0]!.message).toMatch(/^Redis refused SET: NOPERM/);
    await admin!.call('ACL', 'SETUSER', 'default', 'allkeys', '+@all');
    expect(await admin!.mget('ok:1', 'no:2', 'ok:3')).toEqual(['{"k":"ok:1"}', null, '{"k":"ok:3"}']);
  });
});

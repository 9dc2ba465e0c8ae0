// transform.dedupe (redis store) and transform.enrich against the real local Redis: exactly which records pass, which
// are duplicates or misses, what the lookups return, and that the cache and the shared keys behave as documented.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord, TransformRuntime } from '../../runtime/engine/types';
import { createDedupeTransform } from '../../nodes/transform/dedupe.runtime';
import { dedupeTransformSpec } from '../../nodes/transform/dedupe.spec';
import { createEnrichTransform, type EnrichTransformRuntime } from '../../nodes/transform/enrich.runtime';
import { enrichTransformSpec } from '../../nodes/transform/enrich.spec';
import { deleteKeys, redisUrl, testRedis, uniqueName } from '../support/services';
import { noHold, testNodeContext } from '../support/node-context';

const prefix = `${uniqueName('dedupe-enrich')}:`;
const P = JSON.stringify(prefix);
let redis: Redis;
const created: { close?(): Promise<void> }[] = [];

function dedupe(config: Record<string, unknown>, nodeId = 'dd'): TransformRuntime {
  const runtime = createDedupeTransform(
    dedupeTransformSpec.config.parse({ store: 'redis', url: redisUrl, keyPrefix: `${prefix}dd:`, ...config }),
    testNodeContext(nodeId, dedupeTransformSpec),
  );
  created.push(runtime);
  return runtime;
}

function enrich(config: Record<string, unknown>): EnrichTransformRuntime {
  const runtime = createEnrichTransform(enrichTransformSpec.config.parse({ url: redisUrl, ...config }), testNodeContext('en', enrichTransformSpec));
  created.push(runtime);
  return runtime;
}

function rec(key: string | null, value: unknown = {}, offset?: string): FlowRecord {
  return { key, value, headers: {}, timestamp: 0, meta: offset === undefined ? { source: 'gen' } : { source: 'src', topic: 't', partition: 0, offset } };
}

const pairs = (records: FlowRecord[] | undefined): unknown[] => (records ?? []).map((r) => [r.key, r.value]);

beforeAll(() => {
  redis = testRedis();
});

afterAll(async () => {
  for (const runtime of created) await runtime.close?.();
  await deleteKeys(redis, `${prefix}*`);
  await redis.quit();
});

describe('transform.dedupe with the redis store', () => {
  it('passes first records, sends repeats (same batch or later, any instance) to duplicate, with SET NX PX', async () => {
    const a = dedupe({ ttlMs: 60_000 }, 'dd-a');
    const first = await a.process([rec('k1', 1), rec('k2', 2), rec('k1', 3), rec(null, 4)], noHold);
    expect(pairs(first.out)).toEqual([
      ['k1', 1],
      ['k2', 2],
      [null, 4],
    ]);
    expect(pairs(first.duplicate)).toEqual([['k1', 3]]);
    expect(await redis.get(`${prefix}dd:k1`)).toBe('-');
    const ttl = await redis.pttl(`${prefix}dd:k1`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    // Another instance with the same prefix shares the keys.
    const b = dedupe({ ttlMs: 60_000 }, 'dd-b');
    const second = await b.process([rec('k2', 5), rec('k3', 6)], noHold);
    expect(pairs(second.out)).toEqual([['k3', 6]]);
    expect(pairs(second.duplicate)).toEqual([['k2', 5]]);
  });

  it('stores the source position, so a replay of the same record passes again', async () => {
    const d = dedupe({ ttlMs: 60_000, keyPrefix: `${prefix}pos:` });
    expect(pairs((await d.process([rec('a', 1, '7')], noHold)).out)).toEqual([['a', 1]]);
    expect(await redis.get(`${prefix}pos:a`)).toBe('src/t/0@7');
    const replay = await d.process([rec('a', 1, '7'), rec('a', 2, '8')], noHold);
    expect(pairs(replay.out)).toEqual([['a', 1]]);
    expect(pairs(replay.duplicate)).toEqual([['a', 2]]);
  });

  it('forgets keys after ttlMs (PX)', async () => {
    const d = dedupe({ ttlMs: 50, keyPrefix: `${prefix}ttl:` });
    await d.process([rec('a')], noHold);
    expect(pairs((await d.process([rec('a', 2)], noHold)).duplicate)).toEqual([['a', 2]]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(pairs((await d.process([rec('a', 3)], noHold)).out)).toEqual([['a', 3]]);
  });

  it('sends a record whose Redis key holds another type to error (WRONGTYPE), and the others on', async () => {
    await redis.hset(`${prefix}wt:h`, 'f', 'v');
    const d = dedupe({ keyPrefix: `${prefix}wt:` });
    const out = await d.process([rec('h', 1), rec('ok', 2)], noHold);
    expect(pairs(out.out)).toEqual([['ok', 2]]);
    expect(out.error).toHaveLength(1);
    expect(out.error![0]!.error).toMatchObject({ nodeId: 'dd', code: 'E_SINK' });
    expect(out.error![0]!.error!.message).toMatch(/^Redis refused SET: WRONGTYPE/);
  });
});

describe('transform.enrich against Redis', () => {
  it('get: merges parsed JSON (or the string) under field; misses pass with null by default', async () => {
    await redis.set(`${prefix}c:1`, '{"name":"Ann","tier":"gold"}');
    await redis.set(`${prefix}c:2`, 'plain text');
    const e = enrich({ key: `${P} + 'c:' + value.customer`, field: 'customer' });
    const out = await e.process([rec('o1', { id: 1, customer: 1 }), rec('o2', { id: 2, customer: 2 }), rec('o3', { id: 3, customer: 9 }), rec('o4', { id: 4, customer: 1 })], noHold);
    expect(pairs(out.out)).toEqual([
      ['o1', { id: 1, customer: { name: 'Ann', tier: 'gold' } }],
      ['o2', { id: 2, customer: 'plain text' }],
      ['o3', { id: 3, customer: null }],
      ['o4', { id: 4, customer: { name: 'Ann', tier: 'gold' } }],
    ]);
    expect(out.miss).toEqual([]);
    expect(out.error).toEqual([]);
    // One lookup per distinct key.
    expect(e.stats()).toEqual({ cacheHits: 0, redisLookups: 3 });
  });

  it('hgetall: merges the hash; an empty hash is a miss; onMiss drop sends misses to the miss port unchanged', async () => {
    await redis.hset(`${prefix}h:1`, { name: 'Bob', city: 'Oslo' });
    const e = enrich({ command: 'hgetall', key: `${P} + 'h:' + value.u`, field: 'user', onMiss: 'drop' });
    const missing = rec('m', { u: 404 });
    const out = await e.process([rec('a', { u: 1 }), missing], noHold);
    expect(pairs(out.out)).toEqual([['a', { u: 1, user: { name: 'Bob', city: 'Oslo' } }]]);
    expect(out.miss).toEqual([missing]);
  });

  it('onMiss error sends misses to error; a key holding another type sends its records to error', async () => {
    await redis.rpush(`${prefix}list`, 'x');
    const e = enrich({ key: `${P} + value.k`, onMiss: 'error' });
    const out = await e.process([rec('a', { k: 'nothing' }), rec('b', { k: 'list' })], noHold);
    expect(out.out).toEqual([]);
    expect(out.error!.map((r) => [r.key, r.error!.code, r.error!.message])).toEqual([
      ['a', 'E_SINK', `Redis has nothing under ${prefix}nothing (GET)`],
      ['b', 'E_SINK', expect.stringMatching(new RegExp(`^Redis refused GET ${prefix}list: WRONGTYPE`))],
    ]);
  });

  it('caches results (misses too) for cacheTtlMs, then asks Redis again', async () => {
    const e = enrich({ key: `${P} + 'cache:' + value.k`, cacheTtlMs: 100 });
    expect(pairs((await e.process([rec('a', { k: 1 }), rec('b', { k: 2 })], noHold)).out)).toEqual([
      ['a', { k: 1, lookup: null }],
      ['b', { k: 2, lookup: null }],
    ]);
    await redis.set(`${prefix}cache:1`, '"now here"');
    // Within the TTL: the cached miss.
    expect(pairs((await e.process([rec('a', { k: 1 })], noHold)).out)).toEqual([['a', { k: 1, lookup: null }]]);
    expect(e.stats()).toEqual({ cacheHits: 1, redisLookups: 2 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(pairs((await e.process([rec('a', { k: 1 })], noHold)).out)).toEqual([['a', { k: 1, lookup: 'now here' }]]);
    expect(e.stats()).toEqual({ cacheHits: 1, redisLookups: 3 });

    const uncached = enrich({ key: `${P} + 'cache:' + value.k`, cacheTtlMs: 0 });
    await uncached.process([rec('a', { k: 1 })], noHold);
    await uncached.process([rec('a', { k: 1 })], noHold);
    expect(uncached.stats()).toEqual({ cacheHits: 0, redisLookups: 2 });
  });
});

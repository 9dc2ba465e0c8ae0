// sink.redis against the real local Redis: every command writes exactly what it should, reply errors and bad
// expressions become rejections for exactly their records, and an unreachable server is a retriable failure.
import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../runtime/common/errors';
import type { FlowRecord, NodeContext, SinkRuntime } from '../../runtime/engine/types';
import { redisSinkRuntime } from '../../nodes/sink/redis.runtime';
import { redisSinkSpec } from '../../nodes/sink/redis.spec';
import { redisUrl } from '../support/services';
import { redisTestScope } from '../support/redis-scope';
import { testNodeContext } from '../support/node-context';

const { redis, prefix, P, track } = redisTestScope('redis-sink');

function context(): NodeContext {
  return testNodeContext('redis1', redisSinkSpec);
}

/** Creates a `sink.redis` runtime from an already parsed config. */
async function create(config: unknown): Promise<SinkRuntime> {
  if (redisSinkRuntime.kind !== 'sink') throw new Error('sink.redis is not a sink runtime');
  return redisSinkRuntime.create(config, context());
}

/** Parses `config` with the spec (url defaults to the test Redis), creates and opens the sink. */
async function sink(config: Record<string, unknown>, open = true): Promise<SinkRuntime> {
  const runtime = await create(redisSinkSpec.config.parse({ url: redisUrl, ...config }));
  track(runtime);
  if (open) await runtime.open!();
  return runtime;
}

function record(value: unknown, key: string | null = null): FlowRecord {
  return { key, value, headers: {}, timestamp: 1_700_000_000_000, meta: { source: 'src' } };
}


describe('sink.redis against a real Redis', () => {
  it('set: writes JSON.stringify(value) by default, with EX ttlSeconds', async () => {
    const s = await sink({ command: 'set', key: `${P} + 'set:' + value.id`, ttlSeconds: 120 });
    const result = await s.write([record({ id: 1, name: 'a' }), record({ id: 2, tags: ['x', 'y'] })]);
    expect(result).toEqual([]);
    expect(await redis.get(`${prefix}set:1`)).toBe('{"id":1,"name":"a"}');
    expect(await redis.get(`${prefix}set:2`)).toBe('{"id":2,"tags":["x","y"]}');
    const ttl = await redis.ttl(`${prefix}set:1`);
    expect(ttl).toBeGreaterThan(110);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it('set: a valueExpression string is written as-is, other results as JSON; no TTL unless asked', async () => {
    const s = await sink({ command: 'set', key: `${P} + 'setv:' + key`, valueExpression: 'value.payload' });
    expect(await s.write([record({ payload: 'plain text' }, 'a'), record({ payload: { n: 1 } }, 'b'), record({ payload: 7 }, 'c')])).toEqual([]);
    expect(await redis.mget(`${prefix}setv:a`, `${prefix}setv:b`, `${prefix}setv:c`)).toEqual(['plain text', '{"n":1}', '7']);
    expect(await redis.ttl(`${prefix}setv:a`)).toBe(-1);
  });

  it('hset: writes each top-level field (non-strings as JSON, undefined skipped) and EXPIREs in the same pipeline', async () => {
    const s = await sink({ command: 'hset', key: `${P} + 'h:' + value.id`, ttlSeconds: 300 });
    expect(await s.write([record({ id: 1, name: 'Ann', qty: 3, ok: true, tags: ['a'], nested: { b: null }, gone: undefined })])).toEqual([]);
    expect(await redis.hgetall(`${prefix}h:1`)).toEqual({ id: '1', name: 'Ann', qty: '3', ok: 'true', tags: '["a"]', nested: '{"b":null}' });
    const ttl = await redis.ttl(`${prefix}h:1`);
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
  });

  it('hset: fieldsExpression chooses the fields; a non-object result rejects that record only', async () => {
    const s = await sink({ command: 'hset', key: `${P} + 'hf:' + value.id`, fieldsExpression: 'value.id === 2 ? "nope" : ({ total: value.q * 2 })' });
    const result = await s.write([record({ id: 1, q: 5 }), record({ id: 2, q: 1 }), record({ id: 3, q: 0 })]);
    expect(result).toEqual([{ index: 1, message: 'hset needs an object of fields; fieldsExpression is string', code: 'E_EXPRESSION_RUNTIME' }]);
    expect(await redis.hgetall(`${prefix}hf:1`)).toEqual({ total: '10' });
    expect(await redis.exists(`${prefix}hf:2`)).toBe(0);
    expect(await redis.hgetall(`${prefix}hf:3`)).toEqual({ total: '0' });
  });

  it('xadd: appends one entry per record with the value fields, trimming with MAXLEN ~', async () => {
    const stream = `${prefix}stream`;
    const s = await sink({ command: 'xadd', key: `${P} + 'stream'`, ttlSeconds: 600 });
    expect(await s.write([record({ id: 1, amount: 9.5 }), record({ id: 2, note: 'x', meta: { a: 1 } })])).toEqual([]);
    const entries = await redis.xrange(stream, '-', '+');
    expect(entries.map(([, fields]) => fields)).toEqual([
      ['id', '1', 'amount', '9.5'],
      ['id', '2', 'note', 'x', 'meta', '{"a":1}'],
    ]);
    expect(await redis.ttl(stream)).toBeGreaterThan(590);

    const trimmed = `${prefix}trimmed`;
    const t = await sink({ command: 'xadd', key: `${P} + 'trimmed'`, maxLen: 10 });
    const batch = Array.from({ length: 1000 }, (_, i) => record({ i }));
    expect(await t.write(batch)).toEqual([]);
    const length = await redis.xlen(trimmed);
    // Approximate trimming removes whole macro nodes (100 entries each by default), so about 10..200 entries remain.
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(300);
    const last = await redis.xrevrange(trimmed, '+', '-', 'COUNT', 1);
    expect(last[0]![1]).toEqual(['i', '999']);
  });

  it('publish: sends the message to the channel named by key', async () => {
    const channel = `${prefix}chan`;
    const subscriber = redis.duplicate();
    const received: [string, string][] = [];
    await subscriber.subscribe(channel);
    subscriber.on('message', (ch: string, message: string) => received.push([ch, message]));
    try {
      const s = await sink({ command: 'publish', key: `${P} + 'chan'` });
      const p = await sink({ command: 'publish', key: `${P} + 'chan'`, valueExpression: "'raw:' + value.id" });
      expect(await s.write([record({ id: 1 }), record('text')])).toEqual([]);
      expect(await p.write([record({ id: 2 })])).toEqual([]);
      for (let i = 0; i < 50 && received.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual([
        [channel, '{"id":1}'],
        [channel, '"text"'],
        [channel, 'raw:2'],
      ]);
    } finally {
      await subscriber.quit();
    }
  });

  it('incrby: adds 1 by default or the integer incrementExpression gives; a non-integer rejects the record', async () => {
    const counter = await sink({ command: 'incrby', key: `${P} + 'count:' + value.kind`, ttlSeconds: 60 });
    expect(await counter.write([record({ kind: 'a' }), record({ kind: 'a' }), record({ kind: 'b' })])).toEqual([]);
    expect(await redis.mget(`${prefix}count:a`, `${prefix}count:b`)).toEqual(['2', '1']);
    expect(await redis.ttl(`${prefix}count:a`)).toBeGreaterThan(50);

    const sum = await sink({ command: 'incrby', key: `${P} + 'sum'`, incrementExpression: 'value.n' });
    const result = await sum.write([record({ n: 5 }), record({ n: 1.5 }), record({ n: -2 }), record({})]);
    expect(result).toEqual([
      { index: 1, message: 'incrementExpression gave 1.5; it must give an integer', code: 'E_EXPRESSION_RUNTIME' },
      { index: 3, message: 'incrementExpression gave undefined; it must give an integer', code: 'E_EXPRESSION_RUNTIME' },
    ]);
    expect(await redis.get(`${prefix}sum`)).toBe('3');
  });

  it('zadd: adds members with scores; a score that is not a finite number rejects the record', async () => {
    const board = `${prefix}board`;
    const s = await sink({ command: 'zadd', key: `${P} + 'board'`, scoreExpression: 'value.score', memberExpression: 'value.player' });
    const result = await s.write([
      record({ player: 'ann', score: 10 }),
      record({ player: 'bob', score: 'high' }),
      record({ player: 'cid', score: 2.5 }),
      record({ player: 'dan', score: Infinity }),
    ]);
    expect(result).toEqual([
      { index: 1, message: 'scoreExpression gave string; it must give a finite number', code: 'E_EXPRESSION_RUNTIME' },
      { index: 3, message: 'scoreExpression gave Infinity; it must give a finite number', code: 'E_EXPRESSION_RUNTIME' },
    ]);
    expect(await redis.zrange(board, 0, -1, 'WITHSCORES')).toEqual(['cid', '2.5', 'ann', '10']);

    const byValue = await sink({ command: 'zadd', key: `${P} + 'board2'`, scoreExpression: 'value.at' });
    expect(await byValue.write([record({ id: 1, at: 5 })])).toEqual([]);
    expect(await redis.zrange(`${prefix}board2`, 0, -1, 'WITHSCORES')).toEqual(['{"id":1,"at":5}', '5']);
  });

  it('rejects exactly the record Redis answers WRONGTYPE for, and writes the others', async () => {
    await redis.set(`${prefix}wrong:2`, 'a string, not a hash');
    const s = await sink({ command: 'hset', key: `${P} + 'wrong:' + value.id`, ttlSeconds: 60 });
    const result = await s.write([record({ id: 1, a: 1 }), record({ id: 2, a: 2 }), record({ id: 3, a: 3 })]);
    expect(result).toHaveLength(1);
    expect(result![0]).toMatchObject({ index: 1, code: 'E_SINK' });
    expect(result![0]!.message).toMatch(/^Redis refused HSET: WRONGTYPE /);
    expect(await redis.hgetall(`${prefix}wrong:1`)).toEqual({ id: '1', a: '1' });
    expect(await redis.hgetall(`${prefix}wrong:3`)).toEqual({ id: '3', a: '3' });
    expect(await redis.get(`${prefix}wrong:2`)).toBe('a string, not a hash');
  });

  it('rejects records whose key expression throws or gives no usable key, and never sends them', async () => {
    const s = await sink({ command: 'set', key: `value.id === 3 ? undefined : ${P} + 'bad:' + value.id.toString()` });
    const result = await s.write([record({ id: 1 }), record({}), record({ id: 3 }), record({ id: 4 })]);
    expect(result).toHaveLength(2);
    expect(result![0]).toMatchObject({ index: 1, code: 'E_EXPRESSION_RUNTIME' });
    expect(result![0]!.message).toMatch(/^key threw: /);
    expect(result![1]).toEqual({
      index: 2,
      message: 'key expression gave undefined; it must give a non-empty string or a number',
      code: 'E_EXPRESSION_RUNTIME',
    });
    expect(await redis.mget(`${prefix}bad:1`, `${prefix}bad:4`)).toEqual(['{"id":1}', '{"id":4}']);
    expect(await redis.exists(`${prefix}bad:undefined`, `${prefix}bad:3`)).toBe(0);
  });

  it('rejects every record of a batch whose commands cannot be built without touching Redis', async () => {
    const s = await sink({ command: 'set', key: "''" });
    expect(await s.write([record(1), record(2)])).toEqual([
      { index: 0, message: 'key expression gave an empty string; it must give a non-empty string or a number', code: 'E_EXPRESSION_RUNTIME' },
      { index: 1, message: 'key expression gave an empty string; it must give a non-empty string or a number', code: 'E_EXPRESSION_RUNTIME' },
    ]);
  });

  it('connects on the first write when open() was not called', async () => {
    const s = await sink({ command: 'set', key: `${P} + 'lazy'` }, false);
    expect(await s.write([record('v')])).toEqual([]);
    expect(await redis.get(`${prefix}lazy`)).toBe('"v"');
  });

  it('fails open() and write() with a retriable E_SINK error when Redis is unreachable', async () => {
    const config = redisSinkSpec.config.parse({ url: 'redis://127.0.0.1:6390', command: 'set', key: "'k'" });
    const s = await create(config);
    try {
      const openError = await s.open!().then(() => undefined, (e: unknown) => e);
      expect(openError).toBeInstanceOf(TributaryError);
      expect(openError).toMatchObject({ code: 'E_SINK', retriable: true, nodeId: 'redis1' });
      expect((openError as Error).message).toContain('redis://127.0.0.1:6390');
      expect((openError as Error).message).toContain('ECONNREFUSED');

      const started = Date.now();
      const writeError = await s.write([record({ id: 1 })]).then(() => undefined, (e: unknown) => e);
      expect(writeError).toBeInstanceOf(TributaryError);
      expect(writeError).toMatchObject({ code: 'E_SINK', retriable: true, nodeId: 'redis1' });
      // Fails fast: the offline queue is off, nothing waits for a reconnect.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await s.close!();
    }
  });

  it('fails the first write with a retriable error when never opened and Redis is unreachable', async () => {
    const config = redisSinkSpec.config.parse({ url: 'redis://127.0.0.1:6390', key: "'k'" });
    const s = await create(config);
    try {
      await expect(s.write([record(1)])).rejects.toMatchObject({ code: 'E_SINK', retriable: true });
    } finally {
      await s.close!();
    }
  });

  it('hides the password of the URL in error messages', async () => {
    const config = redisSinkSpec.config.parse({ url: 'redis://user:s3cret@127.0.0.1:6390', key: "'k'" });
    const s = await create(config);
    try {
      const error = (await s.open!().then(() => undefined, (e: unknown) => e)) as Error;
      expect(error.message).toContain('redis://user:***@127.0.0.1:6390');
      expect(error.message).not.toContain('s3cret');
    } finally {
      await s.close!();
    }
  });
});

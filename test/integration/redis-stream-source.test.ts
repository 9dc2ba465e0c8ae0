// source.redis-stream against the real local Redis, with a hand-made source context: delivered records, XACK only after
// acknowledgement (XPENDING 0), re-reading of unacknowledged entries at restart; then a real flow through the engine:
// redis-stream -> transform.window -> sink.redis, with the exact window results and only the open window's entries
// left pending.
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { Engine } from '../../runtime/engine/engine';
import { createNodeCounters } from '../../runtime/engine/counters';
import type { FlowRecord, SourceContext, SourceRuntime } from '../../runtime/engine/types';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';
import { redisStreamSourceRuntime } from '../../nodes/source/redis-stream.runtime';
import { redisStreamSourceSpec } from '../../nodes/source/redis-stream.spec';
import { deleteKeys, redisUrl, testRedis, uniqueName } from '../support/services';
import { noCheckpoints } from '../support/node-context';

const prefix = `${uniqueName('redis-stream')}:`;
let redis: Redis;

interface Harness {
  ctx: SourceContext;
  batches: FlowRecord[][];
  /** Resolves the acknowledgement of delivered batch `i`. */
  ack: (i: number) => void;
  ready: Promise<void>;
}

/** A source context whose deliveries are acknowledged by hand (or at once with `autoAck`), processed at once. */
function harness(options: { autoAck?: boolean; batchSize?: number } = {}): Harness {
  const batches: FlowRecord[][] = [];
  const acks: (() => void)[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const ctx: SourceContext = {
    nodeId: 'streams',
    spec: redisStreamSourceSpec,
    logger: pino({ level: 'silent' }),
    preview: false,
    signal: new AbortController().signal,
    emit: async () => undefined,
    deliver: (batch, onProcessed) => {
      batches.push(batch);
      onProcessed?.();
      if (options.autoAck === true) return Promise.resolve();
      return new Promise<void>((resolve) => acks.push(resolve));
    },
    backpressured: () => false,
    whenRelieved: () => Promise.resolve(),
    reportPartitions: () => undefined,
    ready: () => markReady(),
    unready: () => undefined,
    fail: (error) => {
      throw error;
    },
    batchSize: options.batchSize ?? 100,
    sourceUnavailableTimeoutMs: 300_000,
    counters: createNodeCounters(),
    ...noCheckpoints,
  };
  return { ctx, batches, ack: (i) => acks[i]!(), ready };
}

async function create(config: Record<string, unknown>, h: Harness): Promise<SourceRuntime> {
  if (redisStreamSourceRuntime.kind !== 'source') throw new Error('source.redis-stream is not a source runtime');
  return redisStreamSourceRuntime.create(redisStreamSourceSpec.config.parse({ url: redisUrl, ...config }), h.ctx);
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function pendingCount(stream: string, group: string): Promise<number> {
  const summary = (await redis.xpending(stream, group)) as [number, ...unknown[]];
  return summary[0];
}

beforeAll(() => {
  redis = testRedis();
});

afterAll(async () => {
  await deleteKeys(redis, `${prefix}*`);
  await redis.quit();
});

describe('source.redis-stream', () => {
  it('delivers entries as records and XACKs them only once their delivery is acknowledged', async () => {
    const stream = `${prefix}s1`;
    const ids = [
      await redis.xadd(stream, '*', 'user', 'ann', 'data', '{"n":1}'),
      await redis.xadd(stream, '*', 'user', 'bob', 'data', '{"n":2}'),
      await redis.xadd(stream, '*', 'user', 'cid', 'data', 'not json'),
    ];
    const h = harness();
    const source = await create({ streams: [stream], group: 'g', consumer: 'c1', startId: '0', keyField: 'user', valueField: 'data', blockMs: 50 }, h);
    const running = source.run();
    await h.ready;
    await waitFor(() => h.batches.length === 1, 'the first batch');
    const records = h.batches[0]!;
    expect(records.map((r) => [r.key, r.value, r.meta, r.error?.code])).toEqual([
      ['ann', { n: 1 }, { source: 'streams', topic: stream, offset: ids[0] }, undefined],
      ['bob', { n: 2 }, { source: 'streams', topic: stream, offset: ids[1] }, undefined],
      ['cid', 'not json', { source: 'streams', topic: stream, offset: ids[2] }, 'E_DECODE'],
    ]);
    expect(records[0]!.timestamp).toBe(Number(ids[0]!.split('-')[0]));
    expect(await pendingCount(stream, 'g')).toBe(3);

    h.ack(0);
    await waitFor(async () => (await pendingCount(stream, 'g')) === 0, 'XACK');

    // New entries while running: read with BLOCK.
    const later = await redis.xadd(stream, '*', 'user', 'dan', 'data', '{"n":4}');
    await waitFor(() => h.batches.length === 2, 'the second batch');
    expect(h.batches[1]!.map((r) => r.meta.offset)).toEqual([later]);
    // XACKs follow delivery order: a third batch acknowledged before the second waits for it.
    const last = await redis.xadd(stream, '*', 'user', 'eve', 'data', '{"n":5}');
    await waitFor(() => h.batches.length === 3, 'the third batch');
    expect(h.batches[2]!.map((r) => r.meta.offset)).toEqual([last]);
    h.ack(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await pendingCount(stream, 'g')).toBe(2);
    await source.stop();
    await running;
    // Not acknowledged: the second batch stays pending, and the third with it (re-read in order at restart).
    expect(await pendingCount(stream, 'g')).toBe(2);
  });

  it('re-reads the entries this consumer left unacknowledged when it starts again, then new ones', async () => {
    const stream = `${prefix}s2`;
    const h1 = harness();
    const first = await create({ streams: [stream], group: 'g', consumer: 'stable', blockMs: 50 }, h1);
    const run1 = first.run();
    await h1.ready;
    const a = await redis.xadd(stream, '*', 'v', '1');
    const b = await redis.xadd(stream, '*', 'v', '2');
    await waitFor(() => h1.batches.flat().length === 2, 'two entries');
    expect(h1.batches.flat().map((r) => [r.key, r.value])).toEqual([
      [a, { v: '1' }],
      [b, { v: '2' }],
    ]);
    // Stop without acknowledging anything (like a crash or a run stopped while a window held them).
    await first.stop();
    await run1;
    expect(await pendingCount(stream, 'g')).toBe(2);

    const c = await redis.xadd(stream, '*', 'v', '3');
    const h2 = harness({ autoAck: true });
    const second = await create({ streams: [stream], group: 'g', consumer: 'stable', blockMs: 50 }, h2);
    const run2 = second.run();
    await waitFor(() => h2.batches.flat().length === 3, 'the pending entries and the new one');
    expect(h2.batches.map((batch) => batch.map((r) => r.key))).toEqual([[a, b], [c]]);
    await waitFor(async () => (await pendingCount(stream, 'g')) === 0, 'XACK of everything');
    await second.stop();
    await run2;
  });

  it('starts a new group at $ (new entries only) and fails when the group is missing and createGroup is false', async () => {
    const stream = `${prefix}s3`;
    await redis.xadd(stream, '*', 'old', '1');
    const h = harness({ autoAck: true });
    const source = await create({ streams: [stream], group: 'fresh', consumer: 'c', blockMs: 50 }, h);
    const running = source.run();
    await h.ready;
    const id = await redis.xadd(stream, '*', 'new', '1');
    await waitFor(() => h.batches.length === 1, 'the new entry');
    expect(h.batches[0]!.map((r) => r.key)).toEqual([id]);
    await source.stop();
    await running;

    const missing = await create({ streams: [stream], group: 'nope', consumer: 'c', createGroup: false, blockMs: 50 }, harness());
    await expect(missing.run()).rejects.toMatchObject({ code: 'E_SOURCE', nodeId: 'streams' });
  });
});

describe('a flow through the engine: redis-stream -> window -> sink.redis', () => {
  it('writes the exact window results and leaves only the entries of the open window pending', async () => {
    const stream = `${prefix}clicks`;
    const out = `${prefix}win:`;
    // Event times: [0, 1000) has ann x2 and bob; [1000, 2000) has ann; the entry at 5000 closes both and stays open.
    const events = [
      { user: 'ann', at: 100, ms: 5 },
      { user: 'bob', at: 200, ms: 7 },
      { user: 'ann', at: 900, ms: 1 },
      { user: 'ann', at: 1500, ms: 4 },
      { user: 'cid', at: 5000, ms: 2 },
    ];
    for (const e of events) await redis.xadd(stream, '*', 'data', JSON.stringify(e));
    const flowText = JSON.stringify({
      version: 1,
      name: 'window-flow',
      settings: { batchSize: 2, shutdownTimeoutMs: 2000 },
      nodes: [
        { id: 'clicks', type: 'source.redis-stream', config: { url: redisUrl, streams: [stream], group: 'wg', consumer: 'w1', startId: '0', valueField: 'data', blockMs: 50 } },
        {
          id: 'perUser',
          type: 'transform.window',
          config: {
            keyBy: 'value.user',
            sizeMs: 1000,
            timestampExpression: 'value.at',
            aggregates: [
              { name: 'clicks', op: 'count' },
              { name: 'totalMs', op: 'sum', expression: 'value.ms' },
              { name: 'maxMs', op: 'max', expression: 'value.ms' },
            ],
          },
        },
        { id: 'store', type: 'sink.redis', config: { url: redisUrl, command: 'hset', key: `${JSON.stringify(out)} + value.key + ':' + value.windowStart` } },
      ],
      edges: [
        { from: 'clicks', to: 'perUser' },
        { from: 'perUser', to: 'store' },
      ],
    });
    const parsed = parseFlowText(flowText, { format: 'json', env: {} });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const compiled = compileFlow(parsed.flow, specRegistry);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const engine = new Engine(compiled.plan, { runtimes: nodeRuntimes, logger: pino({ level: 'silent' }) });
    const running = engine.run();
    try {
      await waitFor(async () => (await redis.exists(`${out}ann:0`, `${out}bob:0`, `${out}ann:1000`)) === 3, 'three window results');
      expect(await redis.hgetall(`${out}ann:0`)).toEqual({ key: 'ann', windowStart: '0', windowEnd: '1000', clicks: '2', totalMs: '6', maxMs: '5' });
      expect(await redis.hgetall(`${out}bob:0`)).toEqual({ key: 'bob', windowStart: '0', windowEnd: '1000', clicks: '1', totalMs: '7', maxMs: '7' });
      expect(await redis.hgetall(`${out}ann:1000`)).toEqual({ key: 'ann', windowStart: '1000', windowEnd: '2000', clicks: '1', totalMs: '4', maxMs: '4' });
      // Entries of closed windows are acknowledged; the one in the open window [5000, 6000) is not.
      await waitFor(async () => (await pendingCount(stream, 'wg')) === 1, 'XACK of the closed windows');
      const pending = (await redis.xpending(stream, 'wg', '-', '+', 10)) as [string, ...unknown[]][];
      const pendingId = pending[0]?.[0];
      const all = await redis.xrange(stream, '-', '+');
      expect(pendingId).toBe(all[4]![0]);
    } finally {
      await engine.stop();
      await running;
    }
    // Stopped with the window open: nothing more is acknowledged, the open window's entry is re-read at restart.
    expect(await pendingCount(stream, 'wg')).toBe(1);
    expect(await redis.exists(`${out}cid:5000`)).toBe(0);
  });
});

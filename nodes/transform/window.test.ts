// transform.window through its spec: windows, watermark, late records, timers, maxKeys, and exactly when the holds
// on source batches are taken and released (countingScope).
import { describe, expect, it } from 'vitest';
import type { BatchScope, FlowRecord, NodeContext, PortBatches } from '../../runtime/engine/types';
import { countingScope, noHold, testNodeContext } from '../../test/support/node-context';
import { compareOffsets, createWindowTransform, MAX_PROGRESS_ENTRIES, PROCESSING_GRACE_MS, type WindowTransformRuntime } from './window.runtime';
import { windowTransformSpec } from './window.spec';

type Ctx = NodeContext & { emitted: { port: string; records: FlowRecord[] }[] };

function create(config: Record<string, unknown>, ctx: Ctx = testNodeContext('win', windowTransformSpec)): WindowTransformRuntime {
  return createWindowTransform(windowTransformSpec.config.parse(config), ctx);
}

let nextOffset = 0;
/** A record of partition `partition` of topic `t` with event time `at` (the record timestamp). */
function rec(key: string | null, at: number, value: unknown = {}, partition = 0, offset = String(nextOffset++)): FlowRecord {
  return { key, value, headers: {}, timestamp: at, meta: { source: 'src', topic: 't', partition, offset } };
}

/** The values of window results. */
const values = (records: FlowRecord[] | undefined): unknown[] => (records ?? []).map((r) => r.value);

const count = [{ name: 'n', op: 'count' }];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Window results leave through ctx.emit: processes a batch and returns its ports plus the results emitted meanwhile. */
async function step(w: WindowTransformRuntime, ctx: Ctx, batch: FlowRecord[], scope: BatchScope): Promise<PortBatches & { results: FlowRecord[] }> {
  const before = ctx.emitted.length;
  const ports = await w.process(batch, scope);
  return { ...ports, results: ctx.emitted.slice(before).flatMap((e) => e.records) };
}

describe('transform.window: tumbling, event time', () => {
  it('emits a window once the watermark passes its end, with key, bounds and aggregates; output record fields', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 1000, aggregates: count }, ctx);
    const s1 = countingScope();
    const r1 = [rec('a', 1000, {}, 0, '10'), rec('b', 1500, {}, 0, '11'), rec('a', 1999, {}, 0, '12'), rec('a', 2500, {}, 0, '13')];
    const out1 = await step(w, ctx, r1, s1);
    expect(out1.out).toEqual([]);
    expect(values(out1.results)).toEqual([
      { key: 'a', windowStart: 1000, windowEnd: 2000, n: 2 },
      { key: 'b', windowStart: 1000, windowEnd: 2000, n: 1 },
    ]);
    expect(out1.results[0]).toEqual({
      key: 'a',
      value: { key: 'a', windowStart: 1000, windowEnd: 2000, n: 2 },
      headers: {},
      timestamp: 2000,
      meta: { source: 'src', topic: 't', partition: 0, offset: '12' },
    });
    expect(out1.late).toEqual([]);
    expect(out1.error).toEqual([]);
    // The record at 2500 sits in the open window [2000, 3000): the batch stays held.
    expect(s1.held()).toBe(1);
    expect(w.stats()).toMatchObject({ closed: 2, open: 1, heldBatches: 1 });

    // The next batch closes [2000, 3000), which holds records of batch 1: emitted, then batch 1 released.
    const s2 = countingScope();
    const out2 = await step(w, ctx, [rec('a', 3000, {}, 0, '14')], s2);
    expect(out2.out).toEqual([]);
    expect(ctx.emitted.slice(1).map((e) => [e.port, values(e.records)])).toEqual([['out', [{ key: 'a', windowStart: 2000, windowEnd: 3000, n: 1 }]]]);
    expect(s1.held()).toBe(0);
    expect(s2.held()).toBe(1);
  });

  it('takes one hold per batch, releases it once the windows closed by the same batch were emitted, and holds nothing for late batches', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 100, aggregates: count }, ctx);
    let holds = 0;
    let releases = 0;
    const scope = {
      hold: () => {
        holds++;
        return () => void releases++;
      },
    };
    // Six windows touched: one hold. [0, 100) and [100, 200) close in this call: emitted before process() returns;
    // [1000, 1100) stays open and keeps the batch held.
    const out = await step(w, ctx, [rec('a', 10), rec(null, 20), rec('b', 30), rec('z', 150), rec('y', 160), rec('z', 1000)], scope);
    expect(out.out).toEqual([]);
    expect(values(out.results)).toEqual([
      { key: 'a', windowStart: 0, windowEnd: 100, n: 1 },
      { key: null, windowStart: 0, windowEnd: 100, n: 1 },
      { key: 'b', windowStart: 0, windowEnd: 100, n: 1 },
      { key: 'z', windowStart: 100, windowEnd: 200, n: 1 },
      { key: 'y', windowStart: 100, windowEnd: 200, n: 1 },
    ]);
    expect([holds, releases]).toEqual([1, 0]);
    expect(w.stats()).toMatchObject({ open: 1, heldBatches: 1, closed: 5 });

    // A batch of late records only is not held.
    const lateOnly = countingScope();
    const out2 = await w.process([rec('a', 50), rec('q', 999)], lateOnly);
    expect(out2.late).toHaveLength(2);
    expect(lateOnly.held()).toBe(0);

    // The next batch closes [1000, 1100), emitted with ctx.emit since it holds the first batch: released once.
    const next = countingScope();
    await w.process([rec('z', 2000)], next);
    expect([holds, releases]).toEqual([1, 1]);
    expect(next.held()).toBe(1);
  });

  it('computes count, sum, avg, min, max and distinctCount, skipping null/undefined values', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({
      keyBy: 'value.room',
      sizeMs: 60_000,
      timestampExpression: 'value.at',
      aggregates: [
        { name: 'n', op: 'count' },
        { name: 'withTemp', op: 'count', expression: 'value.temp' },
        { name: 'total', op: 'sum', expression: 'value.temp' },
        { name: 'avgTemp', op: 'avg', expression: 'value.temp' },
        { name: 'lo', op: 'min', expression: 'value.temp' },
        { name: 'hi', op: 'max', expression: 'value.temp' },
        { name: 'users', op: 'distinctCount', expression: 'value.user' },
      ],
    }, ctx);
    const at = (s: number): number => s * 1000;
    const out = await step(
      w,
      ctx,
      [
        rec('k', 0, { room: 'r1', at: at(1), temp: 20, user: 'u1' }),
        rec('k', 0, { room: 'r1', at: at(2), temp: 24, user: 'u2' }),
        rec('k', 0, { room: 'r1', at: at(3), temp: null, user: 'u1' }),
        rec('k', 0, { room: 'r1', at: at(4), temp: 19, user: 1 }),
        rec('k', 0, { room: 'r1', at: at(5), user: '1' }),
        rec('k', 0, { room: 'r2', at: at(6) }),
        rec('k', 0, { room: 'r3', at: new Date(120_000).toISOString() }),
      ],
      noHold,
    );
    expect(values(out.results)).toEqual([
      { key: 'r1', windowStart: 0, windowEnd: 60_000, n: 5, withTemp: 3, total: 63, avgTemp: 21, lo: 19, hi: 24, users: 4 },
      { key: 'r2', windowStart: 0, windowEnd: 60_000, n: 1, withTemp: 0, total: 0, avgTemp: null, lo: null, hi: null, users: 0 },
    ]);
  });

  it('sends records whose windows are all closed to late, and accepts records within allowedLatenessMs', async () => {
    const w = create({ sizeMs: 1000, allowedLatenessMs: 500, aggregates: count });
    const scope = countingScope();
    // Watermark: 2400 - 500 = 1900, so [1000, 2000) is still open.
    const out1 = await w.process([rec('a', 1100), rec('a', 2400), rec('a', 1950)], scope);
    expect(out1.out).toEqual([]);
    expect(out1.late).toEqual([]);
    // Watermark 2600 - 500 = 2100 closes [1000, 2000); a record at 1999 is late afterwards, 2050 is not.
    const late = rec('a', 1999);
    const out2 = await w.process([rec('a', 2600), late, rec('a', 2050)], countingScope());
    expect(out2.late).toEqual([late]);
    expect(values(out2.out)).toEqual([]);
    expect(w.stats().late).toBe(1);
  });

  it('keeps watermarks per partition: one partition does not close another one\'s windows', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 1000, aggregates: count }, ctx);
    const out = await step(w, ctx, [rec('a', 100, {}, 0), rec('a', 200, {}, 1), rec('b', 5000, {}, 0)], countingScope());
    expect(out.results.map((r) => [r.meta.partition, r.value])).toEqual([[0, { key: 'a', windowStart: 0, windowEnd: 1000, n: 1 }]]);
    expect(w.stats().open).toBe(2);
  });

  it('routes records whose expressions throw or give unusable values to error, and goes on', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ keyBy: 'value.k.id', sizeMs: 1000, timestampExpression: 'value.at', aggregates: [{ name: 's', op: 'sum', expression: 'value.x' }] }, ctx);
    const bad = [rec('_', 0, { at: 5, x: 1 }), rec('_', 0, { k: { id: 1 }, at: 'yesterday', x: 1 }), rec('_', 0, { k: { id: 1 }, at: 6, x: '7' })];
    const good = rec('_', 0, { k: { id: 1 }, at: 7, x: 2 });
    const out = await step(w, ctx, [...bad, good, rec('_', 0, { k: { id: 2 }, at: 5000, x: 0 })], countingScope());
    expect(out.error!.map((r) => [r.error!.code, r.error!.message])).toEqual([
      ['E_EXPRESSION_RUNTIME', expect.stringMatching(/^keyBy threw: /)],
      ['E_EXPRESSION_RUNTIME', 'timestampExpression gave "yesterday"; it must give ms since the epoch, a Date or an ISO-8601 string'],
      ['E_EXPRESSION_RUNTIME', 'aggregates[0] (s) gave string; sum needs a finite number'],
    ]);
    expect(out.error![0]!.value).toEqual({ at: 5, x: 1 });
    expect(values(out.results)).toEqual([{ key: '1', windowStart: 0, windowEnd: 1000, s: 2 }]);
  });
});

describe('transform.window: hopping', () => {
  it('puts each record into every window that covers it and closes them in order', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ type: 'hopping', sizeMs: 1000, advanceMs: 500, aggregates: [{ name: 'sum', op: 'sum', expression: 'value' }] }, ctx);
    const s1 = countingScope();
    const out1 = await step(w, ctx, [rec('a', 1200, 1), rec('a', 1600, 10), rec('a', 1700, 100)], s1);
    // 1200 is in [500, 1500) and [1000, 2000); 1600 and 1700 in [1000, 2000) and [1500, 2500). Watermark 1700 closes
    // [500, 1500).
    expect(values(out1.results)).toEqual([{ key: 'a', windowStart: 500, windowEnd: 1500, sum: 1 }]);
    expect(w.stats().open).toBe(2);
    const s2 = countingScope();
    const out2 = await step(w, ctx, [rec('a', 2000, 1000)], s2);
    expect(out2.out).toEqual([]);
    expect(values(out2.results)).toEqual([{ key: 'a', windowStart: 1000, windowEnd: 2000, sum: 111 }]);
    // [1500, 2500) still holds batch 1 (1600, 1700) and batch 2 (2000).
    expect(s1.held()).toBe(1);
    expect(s2.held()).toBe(1);
    await w.process([rec('a', 3000, 0)], countingScope());
    expect(values(ctx.emitted[2]!.records)).toEqual([
      { key: 'a', windowStart: 1500, windowEnd: 2500, sum: 1110 },
      { key: 'a', windowStart: 2000, windowEnd: 3000, sum: 1000 },
    ]);
    expect(s1.held()).toBe(0);
    expect(s2.held()).toBe(0);
  });

  it('handles negative and zero times (windows aligned to the epoch)', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ type: 'hopping', sizeMs: 10, advanceMs: 5, aggregates: count }, ctx);
    const out = await step(w, ctx, [rec('a', -3), rec('a', 0), rec('a', 100)], noHold);
    expect(values(out.results).map((v) => [(v as { windowStart: number }).windowStart, (v as { n: number }).n])).toEqual([
      [-10, 1],
      [-5, 2],
      [0, 1],
    ]);
  });
});

describe('transform.window: processing time', () => {
  it('closes windows by a timer at their end and releases the holds after ctx.emit resolved', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    let ackEmit!: () => void;
    const acked = new Promise<void>((resolve) => (ackEmit = resolve));
    const emitted: FlowRecord[][] = [];
    ctx.emit = async (_port, records) => {
      emitted.push(records);
      await acked;
    };
    const w = create({ time: 'processing', sizeMs: 60, aggregates: count }, ctx);
    const scope = countingScope();
    const out = await w.process([rec('a', 0), rec('a', 0), rec('b', 0)], scope);
    expect(out).toEqual({ out: [], late: [], error: [] });
    expect(scope.held()).toBe(1);
    const start = Math.floor(Date.now() / 60) * 60;
    for (let i = 0; i < 100 && emitted.length === 0; i++) await sleep(10);
    expect(emitted.map((records) => values(records))).toEqual([
      [
        { key: 'a', windowStart: expect.any(Number), windowEnd: expect.any(Number), n: 2 },
        { key: 'b', windowStart: expect.any(Number), windowEnd: expect.any(Number), n: 1 },
      ],
    ]);
    const first = emitted[0]![0]!.value as { windowStart: number; windowEnd: number };
    expect(first.windowEnd - first.windowStart).toBe(60);
    expect(first.windowStart).toBeLessThanOrEqual(start);
    expect(Date.now()).toBeGreaterThanOrEqual(first.windowEnd + PROCESSING_GRACE_MS);
    // Emitted, not yet acknowledged: still held.
    expect(scope.held()).toBe(1);
    ackEmit();
    await sleep(0);
    expect(scope.held()).toBe(0);
    expect(w.stats()).toMatchObject({ closed: 2, open: 0, heldBatches: 0 });
    await w.close();
  });

  it('does not release holds when the emit fails (the run is failing)', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    ctx.emit = () => Promise.reject(new Error('run failed'));
    const w = create({ time: 'processing', sizeMs: 20, aggregates: count }, ctx);
    const scope = countingScope();
    await w.process([rec('a', 0)], scope);
    await sleep(80);
    expect(w.stats().open).toBe(0);
    expect(scope.held()).toBe(1);
    await w.close();
  });

  it('close() clears the timer and releases nothing', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ time: 'processing', sizeMs: 30, aggregates: count }, ctx);
    const scope = countingScope();
    await w.process([rec('a', 0)], scope);
    await w.close();
    await sleep(100);
    expect(ctx.emitted).toEqual([]);
    expect(scope.held()).toBe(1);
    expect(w.stats()).toMatchObject({ open: 1, heldBatches: 1 });
  });
});

describe('transform.window: bounds, idle partitions, replays', () => {
  it('closes the oldest window early beyond maxKeys and counts it', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 1000, maxKeys: 2, aggregates: count }, ctx);
    const s1 = countingScope();
    await w.process([rec('a', 100), rec('b', 200), rec('b', 300)], s1);
    expect(s1.held()).toBe(1);
    const s2 = countingScope();
    const out = await w.process([rec('c', 400)], s2);
    // 'a' was the oldest window (same start, opened first): emitted with ctx.emit because it held batch 1.
    expect(out.out).toEqual([]);
    expect(ctx.emitted.map((e) => values(e.records))).toEqual([[{ key: 'a', windowStart: 0, windowEnd: 1000, n: 1 }]]);
    expect(w.stats()).toMatchObject({ evicted: 1, closed: 1, open: 2 });
    expect(s1.held()).toBe(1); // 'b' still holds batch 1
    // A newer start evicts the older start first ('b', opened before 'c'); the watermark then closes 'c'.
    await w.process([rec('d', 1500)], countingScope());
    expect(values(ctx.emitted[1]!.records)).toEqual([
      { key: 'b', windowStart: 0, windowEnd: 1000, n: 2 },
      { key: 'c', windowStart: 0, windowEnd: 1000, n: 1 },
    ]);
    expect(w.stats().evicted).toBe(2);
    expect(s1.held()).toBe(0);
  });

  it('never closes the windows of an idle partition without idleTimeoutMs', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 10, aggregates: count }, ctx);
    const scope = countingScope();
    await w.process([rec('a', 0)], scope);
    await sleep(60);
    expect(ctx.emitted).toEqual([]);
    expect(scope.held()).toBe(1);
  });

  it('closes the windows of a partition idle for idleTimeoutMs; later records for them are late', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 1000, idleTimeoutMs: 40, aggregates: count }, ctx);
    const scope = countingScope();
    await w.process([rec('a', 100), rec('a', 1100, {}, 1)], scope);
    await w.process([rec('b', 2000, {}, 1)], countingScope());
    // Partition 1's watermark closed its [1000, 2000) at once; the idle timer closes the rest.
    expect(ctx.emitted.map((e) => values(e.records))).toEqual([[{ key: 'a', windowStart: 1000, windowEnd: 2000, n: 1 }]]);
    expect(scope.held()).toBe(1);
    for (let i = 0; i < 50 && w.stats().open > 0; i++) await sleep(10);
    expect(w.stats().open).toBe(0);
    await sleep(0);
    expect(ctx.emitted.flatMap((e) => values(e.records)).slice(1)).toEqual([
      { key: 'a', windowStart: 0, windowEnd: 1000, n: 1 },
      { key: 'b', windowStart: 2000, windowEnd: 3000, n: 1 },
    ]);
    expect(scope.held()).toBe(0);
    const out = await w.process([rec('a', 500)], countingScope());
    expect(out.late).toHaveLength(1);
    await w.close();
  });

  it('drops a partition\'s state on a replay and keeps the replaced batches held until the rebuilt windows close', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 1000, aggregates: count }, ctx);
    const original = countingScope();
    await w.process([rec('a', 100, {}, 0, '0'), rec('a', 200, {}, 0, '1'), rec('a', 300, {}, 0, '2')], original);
    expect(original.held()).toBe(1);
    // Revoked and assigned back: the source replays from the committed offset 0.
    const replay = countingScope();
    await w.process([rec('a', 100, {}, 0, '0'), rec('a', 200, {}, 0, '1')], replay);
    expect(w.stats()).toMatchObject({ replays: 1, droppedWindows: 1, open: 1 });
    const rest = countingScope();
    await w.process([rec('a', 300, {}, 0, '2'), rec('a', 400, {}, 0, '3')], rest);
    expect(original.held()).toBe(1);
    await w.process([rec('b', 5000, {}, 0, '4')], countingScope());
    // Counted once, not twice.
    expect(ctx.emitted.map((e) => values(e.records))).toEqual([[{ key: 'a', windowStart: 0, windowEnd: 1000, n: 4 }]]);
    expect([original.held(), replay.held(), rest.held()]).toEqual([0, 0, 0]);
    expect(w.stats().replays).toBe(1);
  });

  it('does not take a batch that overtook another one for a replay', async () => {
    const w = create({ sizeMs: 1000, aggregates: count });
    await w.process([rec('a', 100, {}, 0, '10'), rec('a', 110, {}, 0, '11')], countingScope());
    await w.process([rec('a', 120, {}, 0, '5'), rec('a', 130, {}, 0, '6')], countingScope());
    const out = await w.process([rec('a', 2000, {}, 0, '12')], countingScope());
    expect(w.stats().replays).toBe(0);
    expect(out.out).toEqual([]);
  });
});

describe('transform.window: checkpoints in the offset commit', () => {
  const ref = { source: 'src', topic: 't', partition: 0 };

  /** A node context whose emits resolve only when `ack()` is called (oldest first). */
  function slowContext(): Ctx & { ack(): void } {
    const ctx = testNodeContext('win', windowTransformSpec);
    const acks: (() => void)[] = [];
    return {
      ...ctx,
      emit: (port, records) => {
        ctx.emitted.push({ port, records });
        return new Promise<void>((resolve) => acks.push(resolve));
      },
      ack: () => acks.shift()!(),
    };
  }

  it('reports the watermark before the commit offset and the acknowledged watermark', async () => {
    const ctx = slowContext();
    const w = create({ sizeMs: 1000, aggregates: count }, ctx);
    expect(w.checkpoint(ref, '0')).toBeUndefined();
    // Batch 1 closes [0, 1000) at watermark 1200; process() waits while its result is in flight.
    const batch1 = w.process([rec('a', 100, {}, 0, '0'), rec('a', 1200, {}, 0, '1')], countingScope());
    expect(w.checkpoint(ref, '2')).toEqual({ w: 1200, a: 999 });
    ctx.ack();
    await batch1;
    expect(w.checkpoint(ref, '2')).toEqual({ w: 1200, a: 1200 });
    const batch2 = w.process([rec('a', 2500, {}, 0, '2')], countingScope());
    expect(w.checkpoint(ref, '2')).toEqual({ w: 1200, a: 1999 });
    // [1000, 2000) closed by batch 2 and in flight: the acknowledged watermark stayed below its end until acknowledged.
    expect(w.checkpoint(ref, '3')).toEqual({ w: 2500, a: 1999 });
    ctx.ack();
    await batch2;
    expect(w.checkpoint(ref, '3')).toEqual({ w: 2500, a: 2500 });
    expect(w.checkpoint({ ...ref, partition: 1 }, '0')).toBeUndefined();
  });

  it('releases a batch only once every window ending earlier was acknowledged too', async () => {
    const ctx = slowContext();
    const w = create({ sizeMs: 1000, maxKeys: 1, aggregates: count }, ctx);
    const s1 = countingScope();
    // 'a' opens [0, 1000); 'b' evicts it (maxKeys 1): its partial result is emitted and acknowledged at once, but
    // batch 1 stays held until the watermark passes 1000 and every result up to there is acknowledged.
    const first = w.process([rec('a', 100, {}, 0, '0'), rec('b', 200, {}, 0, '1')], s1);
    ctx.ack();
    await first;
    expect(s1.held()).toBe(1);
    const s2 = countingScope();
    const second = w.process([rec('c', 1500, {}, 0, '2')], s2);
    await sleep(0);
    expect(s1.held()).toBe(1); // 'b' closed by the watermark, its result not acknowledged yet
    ctx.ack();
    await second;
    expect(s1.held()).toBe(0);
    expect(s2.held()).toBe(1);
  });

  it('after a restore, does not emit again a window acknowledged before, and classifies late records as before', async () => {
    // First life: batch A (offsets 0-1) and batch B (2-4). The window [0, 1000) of 'a' straddles them; B also opens
    // [1000, 2000) of 'b', which stays open, so the commit position stays at 2 (start of B).
    const first = testNodeContext('win', windowTransformSpec);
    const w1 = create({ sizeMs: 1000, aggregates: count }, first);
    const A = countingScope();
    const B = countingScope();
    await w1.process([rec('a', 100, {}, 0, '0'), rec('a', 200, {}, 0, '1')], A);
    await w1.process([rec('a', 900, {}, 0, '2'), rec('b', 1500, {}, 0, '3'), rec('a', 300, {}, 0, '4')], B);
    expect(first.emitted.flatMap((e) => values(e.records))).toEqual([{ key: 'a', windowStart: 0, windowEnd: 1000, n: 3 }]);
    expect([A.held(), B.held()]).toEqual([0, 1]);
    const checkpoint = w1.checkpoint(ref, '2');
    expect(checkpoint).toEqual({ w: 200, a: 1500 });

    // Second life (a restart, or another group member): replay from offset 2 with the checkpoint.
    const second = testNodeContext('win', windowTransformSpec);
    const w2 = create({ sizeMs: 1000, aggregates: count }, second);
    w2.restore(ref, '2', JSON.parse(JSON.stringify(checkpoint)));
    const replay = await step(w2, second, [rec('a', 900, {}, 0, '2'), rec('b', 1500, {}, 0, '3'), rec('a', 300, {}, 0, '4')], countingScope());
    // The record at 300 was late in the first life too (watermark 1500 when it came).
    expect(replay.late!.map((r) => r.meta.offset)).toEqual(['4']);
    expect(replay.results).toEqual([]);
    expect(w2.stats()).toMatchObject({ suppressed: 1, restored: 1, closed: 0, open: 1 });
    const more = await step(w2, second, [rec('b', 2100, {}, 0, '5')], countingScope());
    expect(values(more.results)).toEqual([{ key: 'b', windowStart: 1000, windowEnd: 2000, n: 1 }]);

    // Without the checkpoint the replay rebuilds [0, 1000) from offset 2 only and emits a partial result.
    const third = testNodeContext('win', windowTransformSpec);
    const w3 = create({ sizeMs: 1000, aggregates: count }, third);
    const partial = await step(w3, third, [rec('a', 900, {}, 0, '2'), rec('b', 1500, {}, 0, '3')], countingScope());
    expect(values(partial.results)).toEqual([{ key: 'a', windowStart: 0, windowEnd: 1000, n: 1 }]);
  });

  it('applies a restore to a partition that still has state when its replay starts, and ignores malformed checkpoints', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 1000, aggregates: count }, ctx);
    await w.process([rec('a', 100, {}, 0, '0'), rec('a', 900, {}, 0, '1')], countingScope());
    await w.process([rec('b', 1500, {}, 0, '2')], countingScope());
    expect(values(ctx.emitted.flatMap((e) => e.records))).toEqual([{ key: 'a', windowStart: 0, windowEnd: 1000, n: 2 }]);
    w.restore(ref, '1', { w: 100, a: 1500 });
    w.restore({ ...ref, partition: 1 }, '0', { w: 'yesterday' });
    const replay = await step(w, ctx, [rec('a', 900, {}, 0, '1'), rec('b', 1500, {}, 0, '2'), rec('b', 2200, {}, 0, '3')], countingScope());
    expect(values(replay.results)).toEqual([{ key: 'b', windowStart: 1000, windowEnd: 2000, n: 1 }]);
    expect(w.stats()).toMatchObject({ replays: 1, restored: 1, suppressed: 1 });
  });

  it('starts a partition over from the checkpoint when another member went on meanwhile (stale state)', async () => {
    const ctx = testNodeContext('win', windowTransformSpec);
    const w = create({ sizeMs: 1000, aggregates: count }, ctx);
    const stale = countingScope();
    await w.process([rec('a', 100, {}, 0, '0')], stale);
    // Revoked, consumed elsewhere up to offset 9 (window [0, 1000) acknowledged there), assigned back.
    w.restore(ref, '10', { w: 4000, a: 4000 });
    const out = await step(w, ctx, [rec('a', 3000, {}, 0, '10'), rec('a', 4500, {}, 0, '11'), rec('a', 6000, {}, 0, '12')], countingScope());
    expect(out.late!.map((r) => r.meta.offset)).toEqual(['10']);
    expect(values(out.results)).toEqual([{ key: 'a', windowStart: 4000, windowEnd: 5000, n: 1 }]);
    expect(w.stats()).toMatchObject({ replays: 1, restored: 1, droppedWindows: 1 });
    expect(stale.held()).toBe(0);
  });

  it('remembers a bounded number of batches for checkpoints, keeping the watermark of the ones it forgot', async () => {
    const w = create({ sizeMs: 1_000_000, aggregates: count });
    for (let i = 0; i <= MAX_PROGRESS_ENTRIES; i++) await w.process([rec('a', 10 * i, {}, 0, String(i))], noHold);
    // The batch at offset 0 was forgotten; its watermark (0) is what the commit of offset 1 needs.
    expect(w.checkpoint(ref, '1')).toEqual({ w: 0, a: 10 * MAX_PROGRESS_ENTRIES });
    expect(w.checkpoint(ref, String(MAX_PROGRESS_ENTRIES + 1))).toEqual({ w: 10 * MAX_PROGRESS_ENTRIES, a: 10 * MAX_PROGRESS_ENTRIES });
  });

  it('keeps no checkpoint for processing-time windows', async () => {
    const w = create({ time: 'processing', sizeMs: 1000, aggregates: count });
    await w.process([rec('a', 0, {}, 0, '0')], countingScope());
    expect(w.checkpoint(ref, '1')).toBeUndefined();
    await w.close();
  });
});

describe('transform.window config', () => {
  it('applies defaults and refuses inconsistent configs', () => {
    expect(windowTransformSpec.config.parse({ sizeMs: 1000, aggregates: count })).toEqual({
      keyBy: 'key',
      type: 'tumbling',
      sizeMs: 1000,
      time: 'event',
      allowedLatenessMs: 0,
      aggregates: count,
      maxKeys: 100_000,
    });
    const issues = (config: Record<string, unknown>): unknown[] =>
      windowTransformSpec.config.safeParse(config).error?.issues.map((i) => [i.path.join('.'), i.message]) ?? [];
    expect(issues({ type: 'hopping', sizeMs: 10, aggregates: count })).toEqual([['advanceMs', 'hopping windows need advanceMs (the distance between window starts)']]);
    expect(issues({ type: 'hopping', sizeMs: 10, advanceMs: 10, aggregates: count })).toEqual([
      ['advanceMs', 'advanceMs must be below sizeMs; use type tumbling for back-to-back windows'],
    ]);
    expect(issues({ sizeMs: 10, advanceMs: 5, aggregates: count })).toEqual([['advanceMs', 'advanceMs applies to hopping windows only; remove it']]);
    expect(issues({ sizeMs: 10, time: 'processing', idleTimeoutMs: 5, aggregates: count })).toEqual([
      ['idleTimeoutMs', 'idleTimeoutMs applies to event time only; remove it'],
    ]);
    expect(issues({ sizeMs: 10, aggregates: [{ name: 'windowEnd', op: 'count' }, { name: 'x', op: 'sum' }, { name: 'x', op: 'count' }] })).toEqual([
      ['aggregates.0.name', '"windowEnd" is a field of every window result; choose another name'],
      ['aggregates.1.expression', 'sum needs an expression (the value aggregated)'],
      ['aggregates.2.name', 'duplicate aggregate name "x"'],
    ]);
    expect(issues({ sizeMs: 10, aggregates: [] })).toHaveLength(1);
  });

  it('refuses a malformed expression when created', () => {
    expect(() => create({ sizeMs: 10, keyBy: 'value.', aggregates: count })).toThrow(expect.objectContaining({ code: 'E_EXPRESSION', nodeId: 'win' }));
  });

  it('compares Kafka offsets and Redis stream ids', () => {
    expect(compareOffsets('9', '10')).toBe(-1);
    expect(compareOffsets('18446744073709551615', '18446744073709551614')).toBe(1);
    expect(compareOffsets('5-1', '5-1')).toBe(0);
    expect(compareOffsets('5-2', '6-0')).toBe(-1);
    expect(compareOffsets('5-2', '7')).toBeUndefined();
  });
});

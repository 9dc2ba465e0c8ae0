// source.generator through its spec: parse the config, create the runtime with a hand-made source context whose
// deliver() records batches, run it, and check exactly what was delivered and when.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../runtime/common/errors';
import { createNodeCounters } from '../../runtime/engine/counters';
import { limitDeliveries } from '../../runtime/engine/preview-limit';
import type { FlowRecord, SourceContext, SourceRuntime } from '../../runtime/engine/types';
import { generatorSourceRuntime } from './generator.runtime';
import { DEFAULT_GENERATOR_VALUE, generatorSourceSpec } from './generator.spec';
import { noCheckpoints } from '../../test/support/node-context';

interface Harness {
  ctx: SourceContext;
  batches: FlowRecord[][];
  /** Event log: `ready` and `deliver:<n>` in call order. */
  events: string[];
  abort: AbortController;
  /** The runtime made by {@link create} (the preview limit stops it). */
  runtime?: SourceRuntime;
}

function harness(options: { batchSize?: number; previewRecords?: number; onDeliver?: (batch: FlowRecord[], n: number) => void } = {}): Harness {
  const abort = new AbortController();
  const batches: FlowRecord[][] = [];
  const events: string[] = [];
  const deliver: SourceContext['deliver'] = async (batch) => {
    batches.push(batch);
    events.push(`deliver:${batch.length}`);
    options.onDeliver?.(batch, batches.length);
  };
  const ctx: SourceContext = {
    nodeId: 'gen',
    spec: generatorSourceSpec,
    logger: pino({ level: 'silent' }),
    preview: options.previewRecords !== undefined,
    signal: abort.signal,
    emit: async () => undefined,
    // In preview the engine applies the record limit to the source's deliveries.
    deliver: options.previewRecords === undefined ? deliver : limitDeliveries(deliver, options.previewRecords, () => void h.runtime?.stop()),
    backpressured: () => false,
    whenRelieved: () => Promise.resolve(),
    reportPartitions: () => undefined,
    ready: () => {
      events.push('ready');
    },
    unready: (reason) => {
      events.push(`unready:${reason}`);
    },
    fail: (error) => {
      throw error;
    },
    batchSize: options.batchSize ?? 1000,
    sourceUnavailableTimeoutMs: 300_000,
    counters: createNodeCounters(),
    ...noCheckpoints,
  };
  const h: Harness = { ctx, batches, events, abort };
  return h;
}

async function create(config: Record<string, unknown>, h: Harness): Promise<SourceRuntime> {
  if (generatorSourceRuntime.kind !== 'source') throw new Error('source.generator is not a source runtime');
  h.runtime = await generatorSourceRuntime.create(generatorSourceSpec.config.parse(config), h.ctx);
  return h.runtime;
}

describe('source.generator', () => {
  it('applies its defaults: unbounded, 1,000 records/s, value { id: i, at: now }', () => {
    expect(generatorSourceSpec.config.parse({})).toEqual({ count: 0, ratePerSecond: 1000, value: DEFAULT_GENERATOR_VALUE });
    expect(DEFAULT_GENERATOR_VALUE).toBe('({ id: i, at: now })');
  });

  it('emits count records with the default value in batches of at most batchSize, after ready()', async () => {
    const h = harness({ batchSize: 2 });
    const before = Date.now();
    await (await create({ count: 5, ratePerSecond: 0 }, h)).run();
    const after = Date.now();
    expect(h.events).toEqual(['ready', 'deliver:2', 'deliver:2', 'deliver:1']);
    const records = h.batches.flat();
    expect(records.map((r) => r.value)).toEqual([0, 1, 2, 3, 4].map((i) => ({ id: i, at: records[i]!.timestamp })));
    for (const r of records) {
      expect(r.key).toBeNull();
      expect(r.headers).toEqual({});
      expect(r.meta).toEqual({ source: 'gen' });
      expect(r.error).toBeUndefined();
      expect(r.timestamp).toBeGreaterThanOrEqual(before);
      expect(r.timestamp).toBeLessThanOrEqual(after);
    }
  });

  it('evaluates value and key expressions over i and now', async () => {
    const h = harness();
    await (await create({ count: 4, ratePerSecond: 0, value: "({ n: i * 10, even: i % 2 === 0, t: typeof now })", key: "i === 3 ? null : 'k' + (i % 2)" }, h)).run();
    expect(h.batches.flat().map((r) => [r.key, r.value])).toEqual([
      ['k0', { n: 0, even: true, t: 'number' }],
      ['k1', { n: 10, even: false, t: 'number' }],
      ['k0', { n: 20, even: true, t: 'number' }],
      [null, { n: 30, even: false, t: 'number' }],
    ]);
  });

  it('converts non-string keys with String', async () => {
    const h = harness();
    await (await create({ count: 2, ratePerSecond: 0, value: 'i', key: 'i * 100' }, h)).run();
    expect(h.batches.flat().map((r) => [r.key, r.value])).toEqual([
      ['0', 0],
      ['100', 1],
    ]);
  });

  it('stops after ctx.previewRecords in preview, even when unbounded', async () => {
    const h = harness({ batchSize: 4, previewRecords: 10 });
    await (await create({ ratePerSecond: 0, value: 'i' }, h)).run();
    expect(h.events).toEqual(['ready', 'deliver:4', 'deliver:4', 'deliver:2']);
    expect(h.batches.flat().map((r) => r.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('paces to ratePerSecond with batches of at most 50 ms worth of records', async () => {
    const h = harness();
    const start = performance.now();
    await (await create({ count: 30, ratePerSecond: 200, value: 'i' }, h)).run();
    const elapsed = performance.now() - start;
    // 10 records per 50 ms: the first batch at once, the next two 50 ms apart.
    expect(h.batches.map((b) => b.length)).toEqual([10, 10, 10]);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    expect(h.batches.flat().map((r) => r.value)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('runs unbounded until stop(); the delivery under way completes', async () => {
    const stopper: { runtime?: SourceRuntime } = {};
    const h = harness({
      batchSize: 3,
      onDeliver: (_batch, n) => {
        if (n === 3) void stopper.runtime!.stop();
      },
    });
    const runtime = await create({ ratePerSecond: 0, value: 'i' }, h);
    stopper.runtime = runtime;
    await runtime.run();
    expect(h.events).toEqual(['ready', 'deliver:3', 'deliver:3', 'deliver:3']);
    expect(h.batches.flat().map((r) => r.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('wakes from a pacing sleep when the run is aborted', async () => {
    const h = harness();
    const runtime = await create({ ratePerSecond: 0.5, value: 'i' }, h);
    const start = performance.now();
    const running = runtime.run();
    setTimeout(() => h.abort.abort(), 50);
    await running;
    expect(performance.now() - start).toBeLessThan(1000);
    expect(h.batches.flat().map((r) => r.value)).toEqual([0]);
  });

  it('wakes from a pacing sleep on stop()', async () => {
    const h = harness();
    const runtime = await create({ ratePerSecond: 0.2, count: 10 }, h);
    const start = performance.now();
    const running = runtime.run();
    setTimeout(() => void runtime.stop(), 50);
    await running;
    expect(performance.now() - start).toBeLessThan(1000);
    expect(h.batches.flat()).toHaveLength(1);
  });

  it('rejects run() with E_EXPRESSION_RUNTIME when an expression throws, after delivering the earlier batches', async () => {
    const h = harness({ batchSize: 2 });
    const runtime = await create(
      { count: 10, ratePerSecond: 0, value: "(() => { if (i === 3) throw new Error('bad i'); return i; })()" },
      h,
    );
    const error = await runtime.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TributaryError);
    expect(error).toMatchObject({ code: 'E_EXPRESSION_RUNTIME', nodeId: 'gen', message: 'generator expression failed at i=3: bad i' });
    expect(h.batches.flat().map((r) => r.value)).toEqual([0, 1]);
  });

  it('propagates a delivery failure', async () => {
    const h = harness();
    h.ctx.deliver = () => Promise.reject(new Error('run stopped'));
    await expect((await create({ count: 3, ratePerSecond: 0 }, h)).run()).rejects.toThrow('run stopped');
  });

  it('refuses a malformed expression when created', async () => {
    await expect(create({ value: '({ id: ' }, harness())).rejects.toMatchObject({ code: 'E_EXPRESSION', nodeId: 'gen' });
  });
});

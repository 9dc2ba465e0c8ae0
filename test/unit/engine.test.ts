// The engine on real plans: acknowledgements, error routing, onError policies, sink retries, holds and telemetry.
// Sources and transforms are the real node runtimes; the sinks here are small test node types that record what they
// receive (the engine is under test, not Kafka or Redis).
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFlow } from '../../runtime/common/compile';
import { TributaryError } from '../../runtime/common/errors';
import type { FlowInput } from '../../runtime/common/flow';
import type { NodeSpec } from '../../runtime/common/node-spec';
import { FlowSchema } from '../../runtime/common/flow';
import { defineNodeSpec } from '../../runtime/common/node-spec';
import { encodeCheckpoint } from '../../runtime/engine/checkpoint';
import { Engine } from '../../runtime/engine/engine';
import { defineSink, defineSource, defineTransform, type FlowRecord, type NodeRuntime, type SinkRejection } from '../../runtime/engine/types';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';

const captureSpec = defineNodeSpec({
  type: 'sink.capture',
  kind: 'sink',
  version: 1,
  title: 'Capture',
  description: 'Test sink.',
  inputs: [{ name: 'in', description: 'records' }],
  outputs: [],
  config: z.strictObject({
    name: z.string().describe('Capture name.'),
    rejectWhen: z.string().optional().describe('Reject records whose value.id matches this list (comma-separated).'),
    failTimes: z.number().default(0).describe('Fail retriably this many times first.'),
  }),
});

const oneBatchSpec = defineNodeSpec({
  type: 'source.one-batch',
  kind: 'source',
  version: 1,
  title: 'One batch',
  description: 'Test source: delivers ids 0..count-1 in one batch and records when it was processed and acknowledged.',
  inputs: [],
  outputs: [{ name: 'out', description: 'records' }],
  config: z.strictObject({ count: z.number().describe('Records.') }),
});

const probeSpec = defineNodeSpec({
  type: 'source.checkpoint-probe',
  kind: 'source',
  version: 1,
  title: 'Checkpoint probe',
  description: 'Test source: restores a checkpoint, delivers records of topic t partition 0, then reads the checkpoint.',
  inputs: [],
  outputs: [{ name: 'out', description: 'records' }],
  config: z.strictObject({ metadata: z.string().nullable().describe('Metadata of the committed offset 0.') }),
});

const holdSpec = defineNodeSpec({
  type: 'transform.hold',
  kind: 'transform',
  version: 1,
  title: 'Hold',
  description: 'Test transform: holds each batch, emits it later through ctx.emit, then releases.',
  inputs: [{ name: 'in', description: 'records' }],
  outputs: [{ name: 'out', description: 'records' }],
  config: z.strictObject({ delayMs: z.number().describe('Delay.') }),
});

interface World {
  checkpoints: { checkpointing: boolean; metadata: string | null }[];
  captured: Map<string, FlowRecord[]>;
  attempts: Map<string, number>;
  events: string[];
}

function testRuntimes(world: World): Map<string, NodeRuntime> {
  const runtimes = new Map(nodeRuntimes);
  runtimes.set(
    'sink.capture',
    defineSink(captureSpec, (config) => ({
      async write(batch): Promise<SinkRejection[]> {
        const n = (world.attempts.get(config.name) ?? 0) + 1;
        world.attempts.set(config.name, n);
        if (n <= config.failTimes) throw new TributaryError('E_SINK', 'target unavailable', { retriable: true });
        const reject = new Set((config.rejectWhen ?? '').split(',').filter((s) => s !== '').map(Number));
        const rejections: SinkRejection[] = [];
        const list = world.captured.get(config.name) ?? [];
        batch.forEach((r, index) => {
          if (reject.has((r.value as { id: number }).id)) rejections.push({ index, message: `id ${(r.value as { id: number }).id} refused` });
          else list.push(r);
        });
        world.captured.set(config.name, list);
        return rejections;
      },
    })),
  );
  runtimes.set(
    'source.one-batch',
    defineSource(oneBatchSpec, (config, ctx) => ({
      async run() {
        const batch = Array.from({ length: config.count }, (_, id) => ({
          key: String(id),
          value: { id },
          headers: {},
          timestamp: Date.now(),
          meta: { source: ctx.nodeId },
        }));
        await ctx.deliver(batch, () => world.events.push('processed'));
        world.events.push('acknowledged');
      },
      async stop() {},
    })),
  );
  runtimes.set(
    'source.checkpoint-probe',
    defineSource(probeSpec, (config, ctx) => ({
      async run() {
        ctx.restore('t', 0, '0', config.metadata);
        // Event times 500 (window [0, 1000)), 1500 and 2600: the watermark 2600 closes [0, 1000) and [1000, 2000).
        const batch = [500, 1500, 2600].map((at, i) => ({
          key: 'k',
          value: { at },
          headers: {},
          timestamp: at,
          meta: { source: ctx.nodeId, topic: 't', partition: 0, offset: String(i) },
        }));
        // The window [2000, 3000) stays open and holds the batch: wait for the graph pass, not the acknowledgement.
        await new Promise<void>((resolve) => {
          ctx.deliver(batch, resolve).catch((error: unknown) => world.events.push(`abandoned: ${(error as Error).message}`));
        });
        world.checkpoints.push({ checkpointing: ctx.checkpointing(), metadata: ctx.checkpoint('t', 0, '3') });
      },
      async stop() {},
    })),
  );
  runtimes.set(
    'transform.hold',
    defineTransform(holdSpec, (config, ctx) => ({
      process(batch, scope) {
        const release = scope.hold();
        setTimeout(() => {
          world.events.push('emitting');
          void ctx.emit('out', batch).then(() => {
            world.events.push('released');
            release();
          });
        }, config.delayMs);
        return {};
      },
    })),
  );
  return runtimes;
}

function plan(flow: FlowInput) {
  const specs = new Map<string, NodeSpec>(specRegistry);
  specs.set(captureSpec.type, captureSpec);
  specs.set(oneBatchSpec.type, oneBatchSpec);
  specs.set(holdSpec.type, holdSpec);
  specs.set(probeSpec.type, probeSpec);
  const compiled = compileFlow(FlowSchema.parse(flow), specs);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.plan;
}

function newWorld(): World {
  return { checkpoints: [], captured: new Map(), attempts: new Map(), events: [] };
}

const logger = pino({ level: 'silent' });

describe('Engine', () => {
  it('runs generator -> map -> filter -> sink and counts every node and edge', async () => {
    const world = newWorld();
    const engine = new Engine(
      plan({
        version: 1,
        name: 't',
        settings: { batchSize: 100 },
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 1000, ratePerSecond: 0, value: '({ id: i })' } },
          { id: 'double', type: 'transform.map', config: { expression: '({ id: value.id, twice: value.id * 2 })' } },
          { id: 'even', type: 'transform.filter', config: { expression: 'value.id % 2 === 0' } },
          { id: 'out', type: 'sink.capture', config: { name: 'out' } },
        ],
        edges: [
          { from: 'gen', to: 'double' },
          { from: 'double', to: 'even' },
          { from: 'even', to: 'out' },
        ],
      }),
      { runtimes: testRuntimes(world), logger },
    );
    await engine.run();
    const out = world.captured.get('out')!;
    expect(out.map((r) => r.value)).toEqual(Array.from({ length: 500 }, (_, k) => ({ id: 2 * k, twice: 4 * k })));
    const frame = engine.frame()!;
    expect(frame.nodes.gen!.in).toBe(1000);
    expect(frame.nodes.gen!.out).toEqual({ out: 1000 });
    expect(frame.nodes.double!.out).toEqual({ out: 1000 });
    expect(frame.nodes.even!.in).toBe(1000);
    expect(frame.nodes.even!.out).toEqual({ out: 500 });
    expect(frame.nodes.out!.in).toBe(500);
    expect(frame.edges['even:out->out:in']).toBe(500);
    expect(frame.totals).toEqual({ in: 1000, delivered: 1000, errors: 0 });
    expect(frame.inFlight).toBe(0);
    const samples = engine.samples('double')!;
    expect(samples.in).toHaveLength(20);
    expect(samples.out.at(-1)).toMatchObject({ port: 'out', value: { id: 999, twice: 1998 } });
  });

  it('routes sink rejections to the wired error port and acknowledges them there', async () => {
    const world = newWorld();
    const engine = new Engine(
      plan({
        version: 1,
        name: 't',
        nodes: [
          { id: 'src', type: 'source.one-batch', config: { count: 10 } },
          { id: 'main', type: 'sink.capture', config: { name: 'main', rejectWhen: '3,7' } },
          { id: 'dlq', type: 'sink.capture', config: { name: 'dlq' } },
        ],
        edges: [
          { from: 'src', to: 'main' },
          { from: 'main:error', to: 'dlq' },
        ],
      }),
      { runtimes: testRuntimes(world), logger },
    );
    await engine.run();
    expect(world.captured.get('main')!.map((r) => (r.value as { id: number }).id)).toEqual([0, 1, 2, 4, 5, 6, 8, 9]);
    const dead = world.captured.get('dlq')!;
    expect(dead.map((r) => [(r.value as { id: number }).id, r.error])).toEqual([
      [3, { nodeId: 'main', message: 'id 3 refused', code: 'E_SINK' }],
      [7, { nodeId: 'main', message: 'id 7 refused', code: 'E_SINK' }],
    ]);
    expect(engine.frame()!.nodes.main!.errors).toBe(2);
  });

  it('applies onError: drop (counted) and onError: stop (run fails naming the node) to unwired error ports', async () => {
    const flow = (onError: 'drop' | 'stop'): FlowInput => ({
      version: 1,
      name: 't',
      nodes: [
        { id: 'src', type: 'source.one-batch', config: { count: 5 } },
        { id: 'boom', type: 'transform.map', config: { expression: 'value.id === 2 ? value.missing.field : value' }, onError },
        { id: 'out', type: 'sink.capture', config: { name: 'out' } },
      ],
      edges: [
        { from: 'src', to: 'boom' },
        { from: 'boom', to: 'out' },
      ],
    });
    const dropWorld = newWorld();
    const dropping = new Engine(plan(flow('drop')), { runtimes: testRuntimes(dropWorld), logger });
    await dropping.run();
    expect(dropWorld.captured.get('out')!.map((r) => (r.value as { id: number }).id)).toEqual([0, 1, 3, 4]);
    expect(dropping.frame()!.nodes.boom).toMatchObject({ errors: 1, dropped: 1 });

    const stopWorld = newWorld();
    const stopping = new Engine(plan(flow('stop')), { runtimes: testRuntimes(stopWorld), logger });
    await expect(stopping.run()).rejects.toThrow(/^node boom: .*undefined.*wire its error port or set onError: drop/);
    expect(stopWorld.events).not.toContain('acknowledged');
  });

  it('retries a retriable sink failure with backoff and loses nothing', async () => {
    const world = newWorld();
    const engine = new Engine(
      plan({
        version: 1,
        name: 't',
        nodes: [
          { id: 'src', type: 'source.one-batch', config: { count: 3 } },
          { id: 'flaky', type: 'sink.capture', config: { name: 'flaky', failTimes: 2 } },
        ],
        edges: [{ from: 'src', to: 'flaky' }],
      }),
      { runtimes: testRuntimes(world), logger },
    );
    await engine.run();
    expect(world.attempts.get('flaky')).toBe(3);
    expect(world.captured.get('flaky')).toHaveLength(3);
    expect(engine.frame()!.nodes.flaky!.backpressured).toBe(false);
  });

  it('acknowledges a held batch only after the holder emitted its records and released', async () => {
    const world = newWorld();
    const engine = new Engine(
      plan({
        version: 1,
        name: 't',
        nodes: [
          { id: 'src', type: 'source.one-batch', config: { count: 4 } },
          { id: 'window', type: 'transform.hold', config: { delayMs: 50 } },
          { id: 'out', type: 'sink.capture', config: { name: 'out' } },
        ],
        edges: [
          { from: 'src', to: 'window' },
          { from: 'window', to: 'out' },
        ],
      }),
      { runtimes: testRuntimes(world), logger },
    );
    await engine.run();
    expect(world.events).toEqual(['processed', 'emitting', 'released', 'acknowledged']);
    expect(world.captured.get('out')).toHaveLength(4);
  });

  it('collects the stateful transforms\' checkpoints for a commit and hands restored ones back by node id', async () => {
    const run = async (metadata: string | null): Promise<{ world: World; windows: unknown[] }> => {
      const world = newWorld();
      const engine = new Engine(
        plan({
          version: 1,
          name: 't',
          nodes: [
            { id: 'src', type: 'source.checkpoint-probe', config: { metadata } },
            { id: 'win', type: 'transform.window', config: { sizeMs: 1000, aggregates: [{ name: 'n', op: 'count' }] } },
            { id: 'out', type: 'sink.capture', config: { name: 'out' } },
          ],
          edges: [
            { from: 'src', to: 'win' },
            { from: 'win', to: 'out' },
          ],
        }),
        { runtimes: testRuntimes(world), logger },
      );
      await engine.run();
      return { world, windows: (world.captured.get('out') ?? []).map((r) => (r.value as { windowStart: number }).windowStart) };
    };
    const fresh = await run(null);
    expect(fresh.windows).toEqual([0, 1000]);
    expect(fresh.world.events).toEqual(['abandoned: the run stopped while this batch was held in open state; it will be replayed']);
    expect(fresh.world.checkpoints).toEqual([{ checkpointing: true, metadata: encodeCheckpoint({ win: { w: 2600, a: 2600 } }) }]);
    // Restored: [0, 1000) was acknowledged before (a = 1200), so only [1000, 2000) is emitted.
    const restored = await run(encodeCheckpoint({ win: { w: null, a: 1200 } }));
    expect(restored.windows).toEqual([1000]);
    // Metadata of another tool is ignored.
    const foreign = await run('{"win":{"w":null,"a":1200}}');
    expect(foreign.windows).toEqual([0, 1000]);
  });

  it('in preview never creates sinks but counts and samples what reaches them', async () => {
    const world = newWorld();
    const engine = new Engine(
      plan({
        version: 1,
        name: 't',
        nodes: [
          { id: 'src', type: 'source.one-batch', config: { count: 6 } },
          { id: 'out', type: 'sink.capture', config: { name: 'out' } },
        ],
        edges: [{ from: 'src', to: 'out' }],
      }),
      { runtimes: testRuntimes(world), logger, preview: { records: 6 } },
    );
    await engine.run();
    expect(world.attempts.size).toBe(0);
    expect(engine.samples('out')!.in).toHaveLength(6);
  });
});

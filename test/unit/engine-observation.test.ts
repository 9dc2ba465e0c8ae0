// Observation by wrapping and preview limits, through the engine on real plans: a node's own counters (transform.window)
// reach its telemetry, a sink's retries mark it backpressured with the last error, and preview stops every source
// after N records whatever the source.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFlow } from '../../runtime/common/compile';
import { TributaryError } from '../../runtime/common/errors';
import { FlowSchema, type FlowInput } from '../../runtime/common/flow';
import { defineNodeSpec, type NodeSpec } from '../../runtime/common/node-spec';
import { Engine } from '../../runtime/engine/engine';
import { limitDeliveries } from '../../runtime/engine/preview-limit';
import { defineSink, type FlowRecord, type NodeRuntime } from '../../runtime/engine/types';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';

const collectSpec = defineNodeSpec({
  type: 'sink.collect',
  kind: 'sink',
  version: 1,
  title: 'Collect',
  description: 'Test sink: keeps what it receives; fails retriably the first `failTimes` writes.',
  inputs: [{ name: 'in', description: 'records' }],
  outputs: [],
  config: z.strictObject({ failTimes: z.number().default(0).describe('Retriable failures first.') }),
});

function setup(flow: FlowInput): { plan: ReturnType<typeof compile>; runtimes: Map<string, NodeRuntime>; received: FlowRecord[] } {
  const received: FlowRecord[] = [];
  const runtimes = new Map(nodeRuntimes);
  let writes = 0;
  runtimes.set(
    collectSpec.type,
    defineSink(collectSpec, (config) => ({
      async write(batch) {
        writes++;
        if (writes <= config.failTimes) throw new TributaryError('E_SINK', `target unavailable (${writes})`, { retriable: true });
        received.push(...batch);
      },
    })),
  );
  return { plan: compile(flow), runtimes, received };
}

function compile(flow: FlowInput) {
  const specs = new Map<string, NodeSpec>(specRegistry);
  specs.set(collectSpec.type, collectSpec);
  const compiled = compileFlow(FlowSchema.parse(flow), specs);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.plan;
}

const logger = pino({ level: 'silent' });

describe('Engine observation', () => {
  it("reports a window's own counters with its telemetry", async () => {
    const { plan, runtimes, received } = setup({
      version: 1,
      name: 't',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 5, ratePerSecond: 0, value: '({ id: i })' } },
        {
          id: 'win',
          type: 'transform.window',
          config: { sizeMs: 1000, timestampExpression: 'value.id * 1000', idleTimeoutMs: 50, aggregates: [{ name: 'n', op: 'count' }] },
        },
        { id: 'out', type: 'sink.collect', config: {} },
      ],
      edges: [
        { from: 'gen', to: 'win' },
        { from: 'win', to: 'out' },
      ],
    });
    const engine = new Engine(plan, { runtimes, logger });
    await engine.run();
    // Event times 0..4000: the watermark 4000 closes the four windows before it; [4000, 5000) holds the batch until
    // the partition is idle for 50 ms.
    expect(received.map((r) => (r.value as { windowStart: number }).windowStart)).toEqual([0, 1000, 2000, 3000, 4000]);
    const win = engine.frame()!.nodes.win!;
    expect(win.counters).toEqual({ closed: 5, open: 0, heldBatches: 0 });
    expect(win.out).toEqual({ out: 5 });
    expect(engine.frame()!.nodes.gen!.counters).toBeUndefined();
  });

  it('marks a retrying sink backpressured with its last error, and clears the mark once a write succeeds', async () => {
    const { plan, runtimes, received } = setup({
      version: 1,
      name: 't',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 3, ratePerSecond: 0 } },
        { id: 'out', type: 'sink.collect', config: { failTimes: 2 } },
      ],
      edges: [{ from: 'gen', to: 'out' }],
    });
    const engine = new Engine(plan, { runtimes, logger });
    const seen: boolean[] = [];
    const poll = setInterval(() => seen.push(engine.frame()!.nodes.out!.backpressured), 5);
    await engine.run();
    clearInterval(poll);
    expect(received).toHaveLength(3);
    const out = engine.frame()!.nodes.out!;
    expect(out).toMatchObject({ backpressured: false, lastError: 'target unavailable (2)', errors: 0, in: 3 });
    expect(seen).toContain(true);
  });

  it('in preview stops an unbounded source after the records asked for, cutting the last batch', async () => {
    const { plan, runtimes, received } = setup({
      version: 1,
      name: 't',
      settings: { batchSize: 3 },
      nodes: [
        { id: 'gen', type: 'source.generator', config: { ratePerSecond: 0, value: 'i' } },
        { id: 'out', type: 'sink.collect', config: {} },
      ],
      edges: [{ from: 'gen', to: 'out' }],
    });
    const engine = new Engine(plan, { runtimes, logger, preview: { records: 7 } });
    await engine.run();
    expect(received).toEqual([]);
    expect(engine.frame()!.nodes.gen!.in).toBe(7);
    expect(engine.samples('out')!.in.map((r) => r.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('limitDeliveries', () => {
  it('lets N records through in all, stops the source once, and resolves later batches at once', async () => {
    const delivered: number[][] = [];
    let stops = 0;
    const deliver = limitDeliveries(
      async (batch) => {
        delivered.push(batch.map((r) => r.value as number));
      },
      5,
      () => stops++,
    );
    const batch = (from: number, n: number): FlowRecord[] =>
      Array.from({ length: n }, (_, i) => ({ key: null, value: from + i, headers: {}, timestamp: 0, meta: { source: 's' } }));
    await deliver(batch(0, 3));
    expect(stops).toBe(0);
    await deliver(batch(3, 3));
    expect(stops).toBe(1);
    let processed = false;
    await deliver(batch(6, 3), () => (processed = true));
    expect(processed).toBe(true);
    expect(delivered).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(stops).toBe(1);
  });
});

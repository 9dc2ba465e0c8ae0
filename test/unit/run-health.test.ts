// Run health: liveness and readiness per node (source membership, sinks failing longer than unreadyAfterMs, draining,
// failure) on the state object, and through the engine on real plans with a sink that fails and recovers.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFlow } from '../../runtime/common/compile';
import { TributaryError } from '../../runtime/common/errors';
import { FlowSchema, type FlowInput } from '../../runtime/common/flow';
import { defineNodeSpec, type NodeSpec } from '../../runtime/common/node-spec';
import { Engine } from '../../runtime/engine/engine';
import { RunHealth } from '../../runtime/engine/health';
import { defineSink, type NodeRuntime } from '../../runtime/engine/types';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';

describe('RunHealth', () => {
  it('is ready once every source holds its membership, and not while one lost it', () => {
    const health = new RunHealth(['a', 'b'], 1000);
    expect(health.readiness()).toEqual({ ready: false, nodes: { a: 'has not joined its group yet', b: 'has not joined its group yet' } });
    expect(health.sourceReady('a')).toBe(false);
    expect(health.sourceReady('b')).toBe(true);
    expect(health.readiness()).toEqual({ ready: true, nodes: {} });
    health.sourceUnready('b', 'rebalancing');
    expect(health.readiness()).toEqual({ ready: false, nodes: { b: 'rebalancing' } });
    expect(health.sourceReady('b')).toBe(true);
    expect(health.readiness().ready).toBe(true);
    expect(health.liveness()).toEqual({ live: true });
  });

  it('names a sink failing for longer than unreadyAfterMs, and is ready again once it recovers', () => {
    const health = new RunHealth([], 1000);
    expect(health.sinkFailing('out', 'ECONNREFUSED', 10_000)).toBe(true);
    expect(health.sinkFailing('out', 'connection lost', 10_500)).toBe(false);
    expect(health.readiness(10_900).ready).toBe(true);
    const late = health.readiness(12_000);
    expect(late.ready).toBe(false);
    expect(late.nodes.out).toBe('failing for 2 s (unreadyAfterMs 1000): connection lost');
    expect(health.sinkRecovered('out', 12_500)).toBe(2500);
    expect(health.sinkRecovered('out', 12_600)).toBeUndefined();
    expect(health.readiness(13_000)).toEqual({ ready: true, nodes: {} });
  });

  it('is not ready while draining, and neither live nor ready once failed', () => {
    const health = new RunHealth(['in'], 1000);
    health.sourceReady('in');
    health.draining();
    expect(health.readiness().nodes).toEqual({ in: 'draining: the run is stopping, no more records are read' });
    expect(health.liveness().live).toBe(true);
    health.failed(new TributaryError('E_SOURCE', 'node in: the Kafka consumer crashed', { nodeId: 'in' }));
    expect(health.liveness()).toEqual({ live: false, error: 'node in: the Kafka consumer crashed' });
    expect(health.readiness().nodes.in).toBe('the run failed: node in: the Kafka consumer crashed');
  });
});

const flakySpec = defineNodeSpec({
  type: 'sink.flaky',
  kind: 'sink',
  version: 1,
  title: 'Flaky',
  description: 'Test sink: every write fails retriably until `down` is set to false.',
  inputs: [{ name: 'in', description: 'records' }],
  outputs: [],
  config: z.strictObject({}),
});

function plan(flow: FlowInput) {
  const specs = new Map<string, NodeSpec>(specRegistry);
  specs.set(flakySpec.type, flakySpec);
  const compiled = compileFlow(FlowSchema.parse(flow), specs);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.plan;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Engine health', () => {
  it('turns unready naming a sink that fails longer than unreadyAfterMs, ready again after it recovers, live throughout', async () => {
    const state = { down: true };
    const runtimes = new Map<string, NodeRuntime>(nodeRuntimes);
    runtimes.set(
      flakySpec.type,
      defineSink(flakySpec, () => ({
        write() {
          if (state.down) return Promise.reject(new TributaryError('E_SINK', 'target unavailable', { retriable: true }));
          return Promise.resolve();
        },
      })),
    );
    const engine = new Engine(
      plan({
        version: 1,
        name: 'health',
        settings: { unreadyAfterMs: 200 },
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 0, ratePerSecond: 200 } },
          { id: 'out', type: 'sink.flaky' },
        ],
        edges: [{ from: 'gen', to: 'out' }],
      }),
      { runtimes, logger: pino({ level: 'silent' }) },
    );
    const run = engine.run();
    await until(() => engine.readiness().nodes.out !== undefined);
    expect(engine.readiness().ready).toBe(false);
    expect(engine.readiness().nodes.out).toMatch(/^failing for \d+ s \(unreadyAfterMs 200\): target unavailable$/);
    expect(engine.liveness()).toEqual({ live: true });
    state.down = false;
    await until(() => engine.readiness().ready);
    expect(engine.liveness()).toEqual({ live: true });
    await engine.stop();
    await run;
    expect(engine.readiness().nodes.gen).toMatch(/^draining/);
    expect(engine.liveness()).toEqual({ live: true });
  });
});

// transform.throttle through its spec: the token bucket's arithmetic, pacing of real batches (nothing dropped), and
// waits that end when the run stops.
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema } from '../../runtime/common/flow';
import type { FlowRecord, NodeContext, TransformRuntime } from '../../runtime/engine/types';
import { noHold, testNodeContext } from '../../test/support/node-context';
import { specRegistry } from '../specs';
import { TokenBucket, abortableDelay, throttleTransformRuntime } from './throttle.runtime';
import { throttleTransformSpec } from './throttle.spec';

async function create(config: Record<string, unknown>, ctx: NodeContext = testNodeContext('t', throttleTransformSpec)): Promise<TransformRuntime> {
  if (throttleTransformRuntime.kind !== 'transform') throw new Error('transform.throttle is not a transform runtime');
  return throttleTransformRuntime.create(throttleTransformSpec.config.parse(config), ctx);
}

function records(from: number, count: number): FlowRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: null,
    value: from + i,
    headers: {},
    timestamp: 1_700_000_000_000,
    meta: { source: 'src' },
  }));
}

describe('TokenBucket', () => {
  it('starts full, reserves in arrival order (debt), refills at the rate up to the capacity', () => {
    let now = 0;
    const bucket = new TokenBucket(100, 10, () => now);
    expect(bucket.take(10)).toBe(0);
    expect(bucket.take(5)).toBeCloseTo(50);
    expect(bucket.take(5)).toBeCloseTo(100); // queued behind the previous reservation
    now = 100;
    expect(bucket.take(1)).toBeCloseTo(10);
    now = 10_000; // a long quiet spell refills only up to the capacity
    expect(bucket.take(10)).toBe(0);
    expect(bucket.take(25)).toBeCloseTo(250); // more than the capacity: waits until that many accumulated
  });
});

describe('transform.throttle', () => {
  it('paces 30 records at 100/s (burst 10) over >= ~200 ms across batches, passing every record once and in order', async () => {
    const throttle = await create({ ratePerSecond: 100, burst: 10 });
    const started = performance.now();
    const passed: unknown[] = [];
    const stamps: number[] = [];
    for (let b = 0; b < 3; b++) {
      const result = await throttle.process(records(b * 10, 10), noHold);
      expect(Object.keys(result)).toEqual(['out']);
      passed.push(...result.out!.map((r) => r.value));
      stamps.push(performance.now() - started);
    }
    expect(passed).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(stamps[0]).toBeLessThan(50); // the first batch fits the full bucket
    expect(stamps[2]).toBeGreaterThanOrEqual(190); // timers may fire a ms early; nothing can pass much faster
  });

  it('queues concurrent batches behind each other', async () => {
    const throttle = await create({ ratePerSecond: 100, burst: 5 });
    const started = performance.now();
    const done: number[] = [];
    const results = await Promise.all(
      [0, 1, 2].map(async (b) => {
        const result = await throttle.process(records(b * 5, 5), noHold);
        done.push(b);
        return result.out!.length;
      }),
    );
    expect(results).toEqual([5, 5, 5]);
    expect(done).toEqual([0, 1, 2]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('ends a wait when the run stops, passes the batch on, and stops pacing afterwards', async () => {
    const controller = new AbortController();
    const throttle = await create({ ratePerSecond: 1, burst: 1 }, { ...testNodeContext('t', throttleTransformSpec), signal: controller.signal });
    expect((await throttle.process(records(0, 1), noHold)).out).toHaveLength(1);
    const started = performance.now();
    const waiting = throttle.process(records(1, 3), noHold); // would wait 3 s
    setTimeout(() => controller.abort(), 50);
    expect((await waiting).out!.map((r) => r.value)).toEqual([1, 2, 3]);
    expect((await throttle.process(records(4, 100), noHold)).out).toHaveLength(100);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('abortableDelay resolves true after the time, false at once when aborted', async () => {
    const controller = new AbortController();
    expect(await abortableDelay(5, controller.signal)).toBe(true);
    const pending = abortableDelay(10_000, controller.signal);
    controller.abort();
    expect(await pending).toBe(false);
    expect(await abortableDelay(10_000, controller.signal)).toBe(false);
  });

  it('config: burst is optional, rate must be positive; compiles in a flow', () => {
    expect(throttleTransformSpec.config.parse({ ratePerSecond: 2.5 })).toEqual({ ratePerSecond: 2.5 });
    expect(throttleTransformSpec.config.safeParse({ ratePerSecond: 0 }).success).toBe(false);
    expect(throttleTransformSpec.config.safeParse({ ratePerSecond: 5, burst: 0 }).success).toBe(false);
    const flow = FlowSchema.parse({
      version: 1,
      name: 'throttle-test',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 10 } },
        { id: 't', type: 'transform.throttle', config: { ratePerSecond: 50 } },
        { id: 'out', type: 'sink.console' },
      ],
      edges: [
        { from: 'gen', to: 't' },
        { from: 't', to: 'out' },
      ],
    });
    const result = compileFlow(flow, specRegistry);
    expect(result.ok && result.plan.nodes.map((n) => n.id)).toEqual(['gen', 't', 'out']);
    const bad = compileFlow({ ...flow, nodes: flow.nodes.map((n) => (n.id === 't' ? { ...n, config: { ratePerSecond: -1 } } : n)) }, specRegistry);
    expect(bad.ok ? [] : bad.problems.map((p) => [p.code, p.path])).toEqual([['E_CONFIG', 'config.ratePerSecond']]);
  });
});

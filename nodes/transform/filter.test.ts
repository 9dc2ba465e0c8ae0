// transform.filter through its spec: parse the config, create the runtime, process hand-made batches.
import { describe, expect, it } from 'vitest';
import type { FlowRecord, NodeContext, TransformRuntime } from '../../runtime/engine/types';
import { filterTransformRuntime } from './filter.runtime';
import { filterTransformSpec } from './filter.spec';
import { testNodeContext, noHold } from '../../test/support/node-context';

function context(): NodeContext {
  return testNodeContext('filter1', filterTransformSpec);
}

async function create(config: Record<string, unknown>): Promise<TransformRuntime> {
  if (filterTransformRuntime.kind !== 'transform') throw new Error('transform.filter is not a transform runtime');
  return filterTransformRuntime.create(filterTransformSpec.config.parse(config), context());
}

function record(value: unknown, key: string | null = null, headers: Record<string, string> = {}): FlowRecord {
  return { key, value, headers, timestamp: 1_700_000_000_000, meta: { source: 'gen' } };
}

describe('transform.filter', () => {
  it('keeps the records for which the expression is truthy, unchanged and in order', async () => {
    const filter = await create({ expression: 'value.amount > 100' });
    const input = [record({ amount: 50 }), record({ amount: 150 }, 'a'), record({ amount: 100 }), record({ amount: 101 }, 'b')];
    const result = await filter.process(input, noHold);
    expect(result).toEqual({ out: [input[1], input[3]], error: [] });
    expect(result.out![0]).toBe(input[1]);
  });

  it('uses JavaScript truthiness and sees key and headers', async () => {
    const filter = await create({ expression: "key && headers.env !== 'test' && value" });
    const input = [
      record(1, 'k'),
      record(0, 'k'),
      record('', 'k'),
      record('x', null),
      record('y', 'k', { env: 'test' }),
      record({}, 'k', { env: 'prod' }),
    ];
    expect((await filter.process(input, noHold)).out).toEqual([input[0], input[5]]);
  });

  it('routes a record whose expression throws to error and goes on with the batch', async () => {
    const filter = await create({ expression: 'value.customer.tier === "gold"' });
    const input = [record({ customer: { tier: 'gold' } }), record({}), record({ customer: { tier: 'silver' } }), record({ customer: { tier: 'gold' } })];
    const result = await filter.process(input, noHold);
    expect(result.out).toEqual([input[0], input[3]]);
    expect(result.error).toEqual([
      {
        ...input[1],
        error: {
          nodeId: 'filter1',
          message: expect.stringMatching(/^expression threw: .*tier/) as unknown as string,
          code: 'E_EXPRESSION_RUNTIME',
        },
      },
    ]);
  });

  it('refuses a malformed or forbidden expression when created', async () => {
    await expect(create({ expression: 'value.a ===' })).rejects.toMatchObject({ code: 'E_EXPRESSION', nodeId: 'filter1' });
    await expect(create({ expression: 'this.x' })).rejects.toMatchObject({ code: 'E_EXPRESSION' });
    expect(filterTransformSpec.config.safeParse({}).success).toBe(false);
  });
});

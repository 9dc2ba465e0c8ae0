// transform.map through its spec: parse the config, create the runtime, process hand-made batches.
import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../runtime/common/errors';
import type { FlowRecord, NodeContext, TransformRuntime } from '../../runtime/engine/types';
import { mapTransformRuntime } from './map.runtime';
import { mapTransformSpec } from './map.spec';
import { testNodeContext, noHold } from '../../test/support/node-context';

function context(): NodeContext {
  return testNodeContext('map1', mapTransformSpec);
}

async function create(config: Record<string, unknown>): Promise<TransformRuntime> {
  if (mapTransformRuntime.kind !== 'transform') throw new Error('transform.map is not a transform runtime');
  return mapTransformRuntime.create(mapTransformSpec.config.parse(config), context());
}

function record(value: unknown, key: string | null = 'k', offset = '0'): FlowRecord {
  return {
    key,
    value,
    headers: { trace: 't1' },
    timestamp: 1_700_000_000_000,
    meta: { source: 'src', topic: 'orders', partition: 0, offset },
  };
}

describe('transform.map', () => {
  it('replaces the value and keeps key, headers, timestamp and meta', async () => {
    const map = await create({ expression: '({ id: value.id, total: value.qty * value.price })' });
    const input = [record({ id: 1, qty: 2, price: 5 }, 'a', '10'), record({ id: 2, qty: 3, price: 1 }, null, '11')];
    expect(await map.process(input, noHold)).toEqual({
      out: [
        { ...input[0], value: { id: 1, total: 10 } },
        { ...input[1], value: { id: 2, total: 3 } },
      ],
      error: [],
    });
  });

  it('sets a new key from the incoming record: strings as-is, null/undefined as no key, others with String', async () => {
    const map = await create({ expression: 'value.n * 10', key: "value.k === 'none' ? null : value.k" });
    const out = (await map.process([
      record({ n: 1, k: 'x' }),
      record({ n: 2, k: 42 }),
      record({ n: 3, k: 'none' }),
      record({ n: 4 }),
    ], noHold)).out!;
    expect(out.map((r) => [r.key, r.value])).toEqual([
      ['x', 10],
      ['42', 20],
      [null, 30],
      [null, 40],
    ]);
  });

  it('keeps the key when no key expression is given, and may read key, headers and meta', async () => {
    const map = await create({ expression: "[key, headers.trace, meta.offset, fn.upper(value)].join('/')" });
    expect((await map.process([record('abc', 'k1', '7')], noHold)).out!.map((r) => [r.key, r.value])).toEqual([['k1', 'k1/t1/7/ABC']]);
  });

  it('routes a record whose expression throws to error and goes on with the batch', async () => {
    const map = await create({ expression: "(() => { if (value.qty === undefined) throw new Error('no qty'); return value.qty * 2; })()" });
    const input = [record({ qty: 1 }, 'a', '1'), record({}, 'b', '2'), record({ qty: 3 }, 'c', '3')];
    expect(await map.process(input, noHold)).toEqual({
      out: [
        { ...input[0], value: 2 },
        { ...input[2], value: 6 },
      ],
      error: [{ ...input[1], error: { nodeId: 'map1', message: 'expression threw: no qty', code: 'E_EXPRESSION_RUNTIME' } }],
    });
  });

  it('routes a record whose key expression throws to error with the original value', async () => {
    const map = await create({ expression: 'value.n + 1', key: 'value.id.toFixed(0)' });
    const input = [record({ n: 1, id: 7 }), record({ n: 2 })];
    const result = await map.process(input, noHold);
    expect(result.out!.map((r) => [r.key, r.value])).toEqual([['7', 2]]);
    expect(result.error).toHaveLength(1);
    expect(result.error![0]!.value).toEqual({ n: 2 });
    expect(result.error![0]!.error).toMatchObject({ nodeId: 'map1', code: 'E_EXPRESSION_RUNTIME' });
    expect(result.error![0]!.error!.message).toMatch(/^key threw: /);
  });

  it('returns empty ports for an empty batch', async () => {
    const map = await create({ expression: 'value' });
    expect(await map.process([], noHold)).toEqual({ out: [], error: [] });
  });

  it('refuses a malformed expression when created, and a config without expression or with unknown keys', async () => {
    await expect(create({ expression: 'value +' })).rejects.toThrow(TributaryError);
    await expect(create({ expression: 'value +' })).rejects.toMatchObject({ code: 'E_EXPRESSION', nodeId: 'map1' });
    expect(mapTransformSpec.config.safeParse({}).success).toBe(false);
    expect(mapTransformSpec.config.safeParse({ expression: 'value', extra: 1 }).success).toBe(false);
  });
});

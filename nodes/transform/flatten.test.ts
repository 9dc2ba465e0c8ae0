// transform.flatten through its spec: one record per element, `as` with item/index, failures to error, compiler checks.
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema } from '../../runtime/common/flow';
import type { FlowRecord, TransformRuntime } from '../../runtime/engine/types';
import { noHold, testNodeContext } from '../../test/support/node-context';
import { specRegistry } from '../specs';
import { flattenTransformRuntime } from './flatten.runtime';
import { flattenTransformSpec } from './flatten.spec';

async function create(config: Record<string, unknown>): Promise<TransformRuntime> {
  if (flattenTransformRuntime.kind !== 'transform') throw new Error('transform.flatten is not a transform runtime');
  return flattenTransformRuntime.create(flattenTransformSpec.config.parse(config), testNodeContext('f', flattenTransformSpec));
}

function record(value: unknown, offset = '0'): FlowRecord {
  return { key: 'k', value, headers: { h: '1' }, timestamp: 1_700_000_000_000, meta: { source: 'src', topic: 't', partition: 0, offset } };
}

describe('transform.flatten', () => {
  it('emits one record per element of value.items by default, in order, keeping key/headers/timestamp/meta', async () => {
    expect(flattenTransformSpec.config.parse({})).toEqual({ expression: 'value.items' });
    const flatten = await create({});
    const input = [record({ items: [1, { a: 2 }] }, '1'), record({ items: [] }, '2'), record({ items: ['x'] }, '3')];
    expect(await flatten.process(input, noHold)).toEqual({
      out: [
        { ...input[0], value: 1 },
        { ...input[0], value: { a: 2 } },
        { ...input[2], value: 'x' },
      ],
      error: [],
    });
  });

  it('builds each value with `as`, which sees item, index and the incoming record', async () => {
    const flatten = await create({ expression: 'value.lines', as: '({ order: value.id, line: index, ...item, k: key })' });
    const result = await flatten.process([record({ id: 7, lines: [{ sku: 'a' }, { sku: 'b' }] })], noHold);
    expect(result.out!.map((r) => r.value)).toEqual([
      { order: 7, line: 0, sku: 'a', k: 'k' },
      { order: 7, line: 1, sku: 'b', k: 'k' },
    ]);
  });

  it('sends a record whose expression gives no array, throws, or whose `as` throws to error whole', async () => {
    const flatten = await create({ expression: 'value.items', as: 'item.n.toFixed(0)' });
    const input = [
      record({ items: 'abc' }, '1'),
      record(null, '2'),
      record({ items: [{ n: 1 }, {}] }, '3'),
      record({}, '4'),
      record({ items: [{ n: 2.4 }] }, '5'),
    ];
    const result = await flatten.process(input, noHold);
    expect(result.out!.map((r) => [r.meta.offset, r.value])).toEqual([['5', '2']]);
    expect(result.error!.map((r) => [r.meta.offset, r.error!.code, r.error!.message.replace(/: .*$/, ': ...')])).toEqual([
      ['1', 'E_EXPRESSION_RUNTIME', 'expression gave string, not an array'],
      ['2', 'E_EXPRESSION_RUNTIME', 'expression threw: ...'],
      ['3', 'E_EXPRESSION_RUNTIME', 'as threw at index 1: ...'],
      ['4', 'E_EXPRESSION_RUNTIME', 'expression gave undefined, not an array'],
    ]);
    expect(result.error![0]!.value).toEqual({ items: 'abc' });
  });

  it('refuses malformed expressions when created; item is not defined in `expression`', async () => {
    await expect(create({ as: 'item +' })).rejects.toMatchObject({ code: 'E_EXPRESSION', nodeId: 'f', message: expect.stringMatching(/^as: /) });
    const flatten = await create({ expression: '[item]' });
    const result = await flatten.process([record({})], noHold);
    expect(result.error![0]!.error!.message).toMatch(/^expression threw: item is not defined/);
  });

  it('compiles in a flow; a syntax error in `as` is reported at config.as', () => {
    const flow = (config: Record<string, unknown>) =>
      FlowSchema.parse({
        version: 1,
        name: 'flatten-test',
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 1, value: '({ items: [i, i + 1] })' } },
          { id: 'f', type: 'transform.flatten', config },
          { id: 'out', type: 'sink.console' },
        ],
        edges: [
          { from: 'gen', to: 'f' },
          { from: 'f:out', to: 'out' },
        ],
      });
    const ok = compileFlow(flow({ as: 'item * index' }), specRegistry);
    expect(ok.ok && ok.plan.byId.get('f')!.config).toEqual({ expression: 'value.items', as: 'item * index' });
    const bad = compileFlow(flow({ as: 'item *' }), specRegistry);
    expect(bad.ok ? [] : bad.problems.map((p) => [p.code, p.path])).toEqual([['E_EXPRESSION', 'config.as']]);
  });
});

// transform.validate through its spec: schema checks at config time (and in the compiler), valid records to out,
// invalid ones to `invalid` with the ajv error paths in a header and the message.
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema } from '../../runtime/common/flow';
import type { FlowRecord, TransformRuntime } from '../../runtime/engine/types';
import { noHold, testNodeContext } from '../../test/support/node-context';
import { specRegistry } from '../specs';
import { validateTransformRuntime } from './validate.runtime';
import { VALIDATION_ERRORS_HEADER, validateTransformSpec } from './validate.spec';

async function create(schema: Record<string, unknown>): Promise<TransformRuntime> {
  if (validateTransformRuntime.kind !== 'transform') throw new Error('transform.validate is not a transform runtime');
  return validateTransformRuntime.create(validateTransformSpec.config.parse({ schema }), testNodeContext('v', validateTransformSpec));
}

function record(value: unknown, offset = '0'): FlowRecord {
  return { key: 'k', value, headers: { trace: 't' }, timestamp: 1_700_000_000_000, meta: { source: 'src', topic: 't', partition: 0, offset } };
}

const orderSchema = {
  type: 'object',
  required: ['id', 'amount'],
  properties: {
    id: { type: 'string', minLength: 1 },
    amount: { type: 'number', minimum: 0 },
    email: { type: 'string', format: 'email' },
    lines: { type: 'array', items: { $ref: '#/$defs/line' } },
  },
  $defs: { line: { type: 'object', required: ['sku'] } },
};

describe('transform.validate', () => {
  it('sends matching records to out unchanged and the others to invalid with every error', async () => {
    const validate = await create(orderSchema);
    const input = [
      record({ id: 'a', amount: 1, email: 'not an email' }, '1'),
      record({ amount: -1 }, '2'),
      record({ id: 'b', amount: 2, lines: [{ sku: 'x' }, {}] }, '3'),
      record('text', '4'),
    ];
    const result = await validate.process(input, noHold);
    expect(result.out).toEqual([input[0]]);
    expect(result.error).toEqual([]);
    expect(result.invalid!.map((r) => r.meta.offset)).toEqual(['2', '3', '4']);

    const [missing, line, text] = result.invalid!;
    expect(missing!.value).toEqual({ amount: -1 });
    expect(JSON.parse(missing!.headers[VALIDATION_ERRORS_HEADER] as string)).toEqual([
      { path: '', message: "must have required property 'id'" },
      { path: '/amount', message: 'must be >= 0' },
    ]);
    expect(missing!.headers.trace).toBe('t');
    expect(missing!.error).toEqual({
      nodeId: 'v',
      code: 'E_DECODE',
      message: "value does not match the schema: / must have required property 'id'; /amount must be >= 0",
    });
    expect(JSON.parse(line!.headers[VALIDATION_ERRORS_HEADER] as string)).toEqual([{ path: '/lines/1', message: "must have required property 'sku'" }]);
    expect(text!.error!.message).toBe('value does not match the schema: / must be object');
    // The incoming records are not modified.
    expect(input[1]!.headers).toEqual({ trace: 't' });
    expect(input[1]!.error).toBeUndefined();
  });

  it('reports at most 20 errors per record and says how many more there were', async () => {
    const properties = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, { type: 'string' }]));
    const validate = await create({ type: 'object', properties });
    const value = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, i]));
    const [failed] = (await validate.process([record(value)], noHold)).invalid!;
    expect(JSON.parse(failed!.headers[VALIDATION_ERRORS_HEADER] as string)).toHaveLength(20);
    expect(failed!.error!.message).toMatch(/\/f19 must be string; and 5 more$/);
  });

  it('refuses schemas that do not compile, at schema, in the config and when created', async () => {
    const issues = (schema: unknown) => validateTransformSpec.config.safeParse({ schema }).error?.issues.map((i) => [i.path, i.message]);
    expect(issues({ type: 'object', requried: ['id'] })).toEqual([[['schema'], 'invalid JSON Schema: strict mode: unknown keyword: "requried"']]);
    expect(issues({ type: 'objec' })![0]![0]).toEqual(['schema']);
    expect(issues({ $ref: 'https://example.com/other.json' })![0]![1]).toMatch(/can't resolve reference/);
    expect(issues('not an object')![0]![0]).toEqual(['schema']);
    // The same $id can be checked again and again (nothing stays registered).
    const withId = { $id: 'https://example.com/order', type: 'object' };
    expect(validateTransformSpec.config.safeParse({ schema: withId }).success).toBe(true);
    expect(validateTransformSpec.config.safeParse({ schema: withId }).success).toBe(true);
    expect(validateTransformSpec.config.safeParse({ schema: { ...withId, type: 'objec' } }).success).toBe(false);
    expect(validateTransformSpec.config.safeParse({ schema: withId }).success).toBe(true);
    const runtime = validateTransformRuntime;
    if (runtime.kind !== 'transform') throw new Error('transform.validate is not a transform runtime');
    // An unchecked config (e.g. a plan built by hand) still fails when the runtime is created.
    const ctx = testNodeContext('v', validateTransformSpec);
    await expect(Promise.resolve().then(() => runtime.create({ schema: { type: 'objec' } }, ctx))).rejects.toMatchObject({ code: 'E_CONFIG', nodeId: 'v', message: expect.stringMatching(/^schema: invalid JSON Schema: /) });
  });

  it('compiles in a flow with the invalid port wired, and reports a bad schema at config.schema', () => {
    const flow = (schema: Record<string, unknown>) =>
      FlowSchema.parse({
        version: 1,
        name: 'validate-test',
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 1 } },
          { id: 'v', type: 'transform.validate', config: { schema } },
          { id: 'good', type: 'sink.console' },
          { id: 'bad', type: 'sink.console' },
        ],
        edges: [
          { from: 'gen', to: 'v' },
          { from: 'v', to: 'good' },
          { from: 'v:invalid', to: 'bad' },
        ],
      });
    const ok = compileFlow(flow(orderSchema), specRegistry);
    expect(ok.ok && [...ok.plan.byId.get('v')!.outputs.keys()]).toEqual(['out', 'invalid', 'error']);
    const bad = compileFlow(flow({ type: 'object', properties: { a: { minimum: 'zero' } } }), specRegistry);
    expect(bad.ok ? [] : bad.problems.map((p) => [p.code, p.nodeId, p.path])).toEqual([['E_CONFIG', 'v', 'config.schema']]);
  });
});

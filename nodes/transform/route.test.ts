// transform.route through its spec: config checks, config-derived ports in the compiler, routing of hand-made batches.
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema, type FlowInput } from '../../runtime/common/flow';
import { outputPorts } from '../../runtime/common/node-spec';
import type { FlowRecord, TransformRuntime } from '../../runtime/engine/types';
import { noHold, testNodeContext } from '../../test/support/node-context';
import { specRegistry } from '../specs';
import { routeTransformRuntime } from './route.runtime';
import { routeTransformSpec } from './route.spec';

async function create(config: Record<string, unknown>): Promise<TransformRuntime> {
  if (routeTransformRuntime.kind !== 'transform') throw new Error('transform.route is not a transform runtime');
  return routeTransformRuntime.create(routeTransformSpec.config.parse(config), testNodeContext('r', routeTransformSpec));
}

function record(value: unknown, offset = '0'): FlowRecord {
  return { key: 'k', value, headers: {}, timestamp: 1_700_000_000_000, meta: { source: 'src', topic: 't', partition: 0, offset } };
}

const routes = [
  { port: 'high', expression: 'value.amount >= 1000' },
  { port: 'eu', expression: "value.region === 'eu'" },
];

describe('transform.route config', () => {
  it('applies mode first by default and derives the ports: routes, default, error', () => {
    const config = routeTransformSpec.config.parse({ routes });
    expect(config).toEqual({ routes, mode: 'first' });
    expect(outputPorts(routeTransformSpec, config).map((p) => p.name)).toEqual(['default', 'high', 'eu', 'error']);
  });

  it('refuses duplicate, reserved and malformed port names at the port field', () => {
    const issues = (config: unknown) =>
      routeTransformSpec.config.safeParse(config).error?.issues.map((i) => ({ path: i.path, message: i.message }));
    expect(issues({ routes: [...routes, { port: 'high', expression: 'true' }] })).toEqual([
      { path: ['routes', 2, 'port'], message: 'port "high" is already used by routes[0]; port names must be unique' },
    ]);
    expect(issues({ routes: [{ port: 'error', expression: 'true' }] })![0]!.path).toEqual(['routes', 0, 'port']);
    expect(issues({ routes: [{ port: 'default', expression: 'true' }] })![0]!.path).toEqual(['routes', 0, 'port']);
    expect(issues({ routes: [{ port: 'High', expression: 'true' }] })![0]!.path).toEqual(['routes', 0, 'port']);
    expect(issues({ routes: [] })![0]!.path).toEqual(['routes']);
    expect(issues({ routes, mode: 'some' })![0]!.path).toEqual(['mode']);
  });
});

describe('transform.route in the compiler', () => {
  const flow = (edges: FlowInput['edges'], config: Record<string, unknown> = { routes }) =>
    FlowSchema.parse({
      version: 1,
      name: 'route-test',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 1, value: '({ amount: i })' } },
        { id: 'r', type: 'transform.route', config },
        { id: 'big', type: 'sink.console' },
        { id: 'rest', type: 'sink.console' },
      ],
      edges,
    });

  it('accepts edges from the config-derived ports and wires them in the plan', () => {
    const result = compileFlow(
      flow([
        { from: 'gen', to: 'r' },
        { from: 'r:high', to: 'big' },
        { from: 'r:default', to: 'rest' },
      ]),
      specRegistry,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect([...result.plan.byId.get('r')!.outputs.keys()]).toEqual(['default', 'high', 'eu', 'error']);
    expect(result.plan.byId.get('r')!.outputs.get('high')).toEqual([{ nodeId: 'big', port: 'in' }]);
    expect(result.warnings.map((w) => w.message)).toEqual(['output port "eu" is not wired: records sent to it are counted and dropped']);
  });

  it('refuses an unknown port and the default "out" port, naming the ports it has', () => {
    const result = compileFlow(
      flow([
        { from: 'gen', to: 'r' },
        { from: 'r:low', to: 'big' },
        { from: 'r', to: 'rest' },
      ]),
      specRegistry,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.path, p.message])).toEqual([
      ['edges[1].from', 'node "r" (transform.route) has no output port "low"; its output ports are "default", "high", "eu", "error"'],
      ['edges[2].from', 'node "r" (transform.route) has no output port "out"; its output ports are "default", "high", "eu", "error"'],
    ]);
  });

  it('reports a bad condition at its path, with the column', () => {
    const result = compileFlow(
      flow([{ from: 'gen', to: 'r' }, { from: 'r:high', to: 'big' }, { from: 'r:default', to: 'rest' }], { routes: [{ port: 'high', expression: 'value.amount >' }] }),
      specRegistry,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.objectContaining({ code: 'E_EXPRESSION', nodeId: 'r', path: 'config.routes[0].expression', column: 15 }),
    ]);
  });
});

describe('transform.route runtime', () => {
  const input = [
    record({ amount: 5000, region: 'eu' }, '1'),
    record({ amount: 10, region: 'eu' }, '2'),
    record({ amount: 2000, region: 'us' }, '3'),
    record({ amount: 1, region: 'us' }, '4'),
  ];

  it('mode first: the first truthy route wins, unmatched records go to default, order kept', async () => {
    const route = await create({ routes });
    expect(await route.process(input, noHold)).toEqual({
      high: [input[0], input[2]],
      eu: [input[1]],
      default: [input[3]],
      error: [],
    });
  });

  it('mode all: a record goes to every truthy route', async () => {
    const route = await create({ routes, mode: 'all' });
    expect(await route.process(input, noHold)).toEqual({
      high: [input[0], input[2]],
      eu: [input[0], input[1]],
      default: [input[3]],
      error: [],
    });
  });

  it('sends a record whose condition throws to error only, and goes on with the batch', async () => {
    const route = await create({ routes: [{ port: 'a', expression: 'value.x > 0' }, { port: 'b', expression: 'value.nested.y' }], mode: 'all' });
    const batch = [record({ x: 1, nested: { y: 1 } }, '1'), record({ x: 1 }, '2'), record({ x: 0, nested: { y: 0 } }, '3')];
    const result = await route.process(batch, noHold);
    expect(result.a).toEqual([batch[0]]);
    expect(result.b).toEqual([batch[0]]);
    expect(result.default).toEqual([batch[2]]);
    expect(result.error).toHaveLength(1);
    expect(result.error![0]).toMatchObject({ value: { x: 1 }, meta: { offset: '2' }, error: { nodeId: 'r', code: 'E_EXPRESSION_RUNTIME' } });
    expect(result.error![0]!.error!.message).toMatch(/^routes\[1\]\.expression threw: /);
  });

  it('mode first does not evaluate the routes after the first match', async () => {
    const route = await create({ routes: [{ port: 'a', expression: 'true' }, { port: 'b', expression: 'value.no.such' }] });
    const batch = [record({})];
    expect(await route.process(batch, noHold)).toEqual({ a: batch, b: [], default: [], error: [] });
  });

  it('refuses a malformed condition when created', async () => {
    await expect(create({ routes: [{ port: 'a', expression: 'value +' }] })).rejects.toMatchObject({
      code: 'E_EXPRESSION',
      nodeId: 'r',
      message: expect.stringMatching(/^routes\[0\]\.expression: /),
    });
  });
});

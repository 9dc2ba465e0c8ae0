import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFlow, expressionFields } from '../../runtime/common/compile';
import type { Problem } from '../../runtime/common/errors';
import { FlowSchema, type Flow, type FlowInput, type Plan, type SpecRegistry } from '../../runtime/common/flow';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { locateProblems } from '../../runtime/common/yaml-locator';
import { defineNodeSpec, type NodeSpec } from '../../runtime/common/node-spec';

// Hand-written specs, so that these tests do not depend on the real node types.
const fakeSource = defineNodeSpec({
  type: 'source.fake',
  kind: 'source',
  version: 1,
  title: 'Fake source',
  description: 'Emits records.',
  inputs: [],
  outputs: [{ name: 'out', description: 'Records.' }],
  config: z.strictObject({
    topic: z.string().min(1).describe('Topic.'),
    rate: z.number().int().min(1).default(10).describe('Records per second.'),
  }),
});

const mapTransform = defineNodeSpec({
  type: 'transform.map',
  kind: 'transform',
  version: 1,
  title: 'Map',
  description: 'Maps records.',
  inputs: [{ name: 'in', description: 'Records.' }],
  outputs: [{ name: 'out', description: 'Mapped records.' }],
  config: z.strictObject({
    expression: z.string().describe('New value.'),
    key: z.string().optional().describe('New key.'),
  }),
  expressions: ['expression', 'key'],
});

const routeTransform = defineNodeSpec({
  type: 'transform.route',
  kind: 'transform',
  version: 1,
  title: 'Route',
  description: 'Routes records by expression.',
  inputs: [{ name: 'in', description: 'Records.' }],
  outputs: [{ name: 'unmatched', description: 'Records no route matched.' }],
  config: z.strictObject({
    routes: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z][a-z0-9-]*$/).describe('Port name.'),
          expression: z.string().describe('Condition.'),
        }),
      )
      .min(1)
      .describe('Routes, in order.'),
  }),
  expressions: ['routes[].expression'],
  outputsFromConfig: (config) => config.routes.map((r) => ({ name: r.name, description: `Route ${r.name}.` })),
});

const joinTransform = defineNodeSpec({
  type: 'transform.join',
  kind: 'transform',
  version: 1,
  title: 'Join',
  description: 'Joins two inputs.',
  inputs: [
    { name: 'left', description: 'Left records.' },
    { name: 'right', description: 'Right records.' },
  ],
  outputs: [{ name: 'out', description: 'Joined records.' }],
  config: z.strictObject({}),
});

const fakeSink = defineNodeSpec({
  type: 'sink.fake',
  kind: 'sink',
  version: 1,
  title: 'Fake sink',
  description: 'Stores records.',
  inputs: [{ name: 'in', description: 'Records.' }],
  outputs: [],
  config: z.strictObject({ target: z.string().default('memory').describe('Where.') }),
});

const specs: SpecRegistry = new Map<string, NodeSpec>(
  [fakeSource, mapTransform, routeTransform, joinTransform, fakeSink].map((s) => [s.type, s as NodeSpec]),
);

/** A flow from its written form, with the flow schema's defaults, as the loader returns it. */
function flowOf(input: Partial<FlowInput> & Pick<FlowInput, 'nodes'>): Flow {
  return FlowSchema.parse({ version: 1, name: 'test', ...input });
}

const src = (id = 'src', config: Record<string, unknown> = { topic: 'orders' }) => ({ id, type: 'source.fake', config });
const map = (id: string, expression = 'value') => ({ id, type: 'transform.map', config: { expression } });
const sink = (id = 'out', config: Record<string, unknown> = {}) => ({ id, type: 'sink.fake', config });

function compiled(flow: Flow): { plan: Plan; warnings: Problem[] } {
  const result = compileFlow(flow, specs);
  if (!result.ok) throw new Error(`expected a plan, got problems:\n${JSON.stringify(result.problems, null, 2)}`);
  return result;
}

function problems(flow: Flow): Problem[] {
  const result = compileFlow(flow, specs);
  if (result.ok) throw new Error('expected problems, the flow compiled');
  return result.problems;
}

describe('compileFlow: plan', () => {
  const flow = flowOf({
    nodes: [
      sink('archive'),
      { id: 'route', type: 'transform.route', config: { routes: [{ name: 'big', expression: 'value.n > 10' }] } },
      map('double', 'value * 2'),
      src('src', { topic: 'orders' }),
      sink('out', { target: 'redis' }),
    ],
    edges: [
      { from: 'src', to: 'double' },
      { from: 'double:out', to: 'route:in' },
      { from: 'route:big', to: 'out' },
      { from: 'route:unmatched', to: 'archive' },
      { from: 'double:error', to: 'archive' },
    ],
  });

  it('orders nodes topologically, ties in flow order', () => {
    const { plan } = compiled(flow);
    expect(plan.nodes.map((n) => n.id)).toEqual(['src', 'double', 'route', 'archive', 'out']);
    expect(plan.sources.map((n) => n.id)).toEqual(['src']);
    expect(plan.sinks.map((n) => n.id)).toEqual(['archive', 'out']);
    expect([...plan.byId.keys()].sort()).toEqual(['archive', 'double', 'out', 'route', 'src']);
    expect(plan.byId.get('route')?.spec).toBe(routeTransform);
    expect(plan.flow).toBe(flow);
  });

  it('parses each config once with its defaults', () => {
    const { plan } = compiled(flow);
    expect(plan.byId.get('src')?.config).toEqual({ topic: 'orders', rate: 10 });
    expect(plan.byId.get('archive')?.config).toEqual({ target: 'memory' });
    expect(plan.byId.get('out')?.config).toEqual({ target: 'redis' });
    expect(plan.byId.get('src')?.onError).toBe('stop');
  });

  it('maps every output port, error included, to its targets, with empty arrays for unwired ports', () => {
    const { plan } = compiled(flow);
    expect(plan.byId.get('src')?.outputs).toEqual(
      new Map([
        ['out', [{ nodeId: 'double', port: 'in' }]],
        ['error', []],
      ]),
    );
    expect(plan.byId.get('double')?.outputs).toEqual(
      new Map([
        ['out', [{ nodeId: 'route', port: 'in' }]],
        ['error', [{ nodeId: 'archive', port: 'in' }]],
      ]),
    );
    expect(plan.byId.get('route')?.outputs).toEqual(
      new Map([
        ['unmatched', [{ nodeId: 'archive', port: 'in' }]],
        ['big', [{ nodeId: 'out', port: 'in' }]],
        ['error', []],
      ]),
    );
    expect(plan.byId.get('out')?.outputs).toEqual(new Map([['error', []]]));
  });

  it('lists upstream node ids once each', () => {
    const { plan } = compiled(flow);
    expect(plan.byId.get('archive')?.upstream).toEqual(['route', 'double']);
    expect(plan.byId.get('src')?.upstream).toEqual([]);
    expect(plan.byId.get('double')?.upstream).toEqual(['src']);
  });

  it('compiles without warnings when every data port is wired', () => {
    expect(compiled(flow).warnings).toEqual([]);
  });

  it('warns about unwired data ports and nodes no source reaches, but builds the plan', () => {
    const result = compiled(
      flowOf({
        nodes: [
          src(),
          { id: 'route', type: 'transform.route', config: { routes: [{ name: 'big', expression: 'true' }] } },
          map('orphan'),
          sink(),
        ],
        edges: [
          { from: 'src', to: 'route' },
          { from: 'route:big', to: 'out' },
          { from: 'orphan', to: 'out' },
        ],
      }),
    );
    expect(result.warnings).toEqual([
      {
        code: 'E_GRAPH',
        nodeId: 'orphan',
        path: '',
        message: 'node "orphan" is not reached by any source; it will never receive records',
      },
      {
        code: 'E_GRAPH',
        nodeId: 'route',
        path: '',
        message: 'output port "unmatched" is not wired: records sent to it are counted and dropped',
      },
    ]);
    expect(result.plan.byId.get('route')?.outputs.get('unmatched')).toEqual([]);
  });

  it('keeps onError and wires a fan-out to several targets in edge order', () => {
    const { plan } = compiled(
      flowOf({
        nodes: [{ ...src(), onError: 'drop' }, sink('a'), sink('b')],
        edges: [
          { from: 'src', to: 'b' },
          { from: 'src:out', to: 'a:in' },
        ],
      }),
    );
    expect(plan.byId.get('src')?.onError).toBe('drop');
    expect(plan.byId.get('src')?.outputs.get('out')).toEqual([
      { nodeId: 'b', port: 'in' },
      { nodeId: 'a', port: 'in' },
    ]);
  });
});

describe('compileFlow: node problems', () => {
  it('reports an unknown node type with the closest known type', () => {
    expect(
      problems(
        flowOf({
          nodes: [src(), { id: 't', type: 'transform.mpa' }, { id: 'w', type: 'sink.warehouse' }, sink()],
          edges: [
            { from: 'src', to: 't' },
            { from: 't', to: 'out' },
            { from: 't', to: 'w' },
          ],
        }),
      ),
    ).toEqual([
      { code: 'E_CONFIG', nodeId: 't', path: 'type', message: 'unknown node type "transform.mpa"; did you mean "transform.map"?' },
      { code: 'E_CONFIG', nodeId: 'w', path: 'type', message: 'unknown node type "sink.warehouse"' },
    ]);
  });

  it('reports each config schema issue at config.<field>', () => {
    expect(
      problems(
        flowOf({
          nodes: [
            src('src', { rate: 0, topc: 'x' }),
            {
              id: 'route',
              type: 'transform.route',
              config: { routes: [{ name: 'ok', expression: 'true' }, { name: 'Bad Name', expression: 'true', extra: 1 }] },
            },
            sink('out', { target: 5 }),
          ],
          edges: [
            { from: 'src', to: 'route' },
            { from: 'route:ok', to: 'out' },
          ],
        }),
      ),
    ).toEqual([
      { code: 'E_CONFIG', nodeId: 'src', path: 'config.topic', message: 'required field "topic" is missing' },
      { code: 'E_CONFIG', nodeId: 'src', path: 'config.rate', message: 'Too small: expected number to be >=1' },
      { code: 'E_CONFIG', nodeId: 'src', path: 'config.topc', message: 'unknown field "topc"; did you mean "topic"?' },
      { code: 'E_CONFIG', nodeId: 'route', path: 'config.routes[1].name', message: 'Invalid string: must match pattern /^[a-z][a-z0-9-]*$/' },
      { code: 'E_CONFIG', nodeId: 'route', path: 'config.routes[1].extra', message: 'unknown field "extra"' },
      { code: 'E_CONFIG', nodeId: 'out', path: 'config.target', message: 'Invalid input: expected string, received number' },
    ]);
  });

  it('syntax-checks expression fields, array elements included, with the column', () => {
    expect(
      problems(
        flowOf({
          nodes: [
            src(),
            { id: 'm', type: 'transform.map', config: { expression: 'value.a + ', key: 'this.id' } },
            {
              id: 'route',
              type: 'transform.route',
              config: {
                routes: [
                  { name: 'a', expression: 'value.n > 1' },
                  { name: 'b', expression: 'value.n >>> > 1' },
                ],
              },
            },
            sink(),
          ],
          edges: [
            { from: 'src', to: 'm' },
            { from: 'm', to: 'route' },
            { from: 'route:a', to: 'out' },
            { from: 'route:b', to: 'out' },
          ],
        }),
      ),
    ).toEqual([
      {
        code: 'E_EXPRESSION',
        nodeId: 'm',
        path: 'config.expression',
        message: 'expression error at column 11: Unexpected token',
        column: 11,
      },
      {
        code: 'E_EXPRESSION',
        nodeId: 'm',
        path: 'config.key',
        message: "expression error at column 1: 'this' is not allowed in expressions; use value, key, headers or meta",
        column: 1,
      },
      {
        code: 'E_EXPRESSION',
        nodeId: 'route',
        path: 'config.routes[1].expression',
        message: 'expression error at column 13: Unexpected token',
        column: 13,
      },
    ]);
  });

  it('checks expressions in a config that has other problems', () => {
    const found = problems(
      flowOf({
        nodes: [src(), { id: 'm', type: 'transform.map', config: { expression: '(', extra: true } }, sink()],
        edges: [
          { from: 'src', to: 'm' },
          { from: 'm', to: 'out' },
        ],
      }),
    );
    expect(found.map((p) => [p.code, p.path])).toEqual([
      ['E_CONFIG', 'config.extra'],
      ['E_EXPRESSION', 'config.expression'],
    ]);
  });

  it('reports duplicate node ids of a flow built in memory', () => {
    const flow = flowOf({ nodes: [src(), sink(), sink()], edges: [{ from: 'src', to: 'out' }] });
    expect(problems(flow)).toEqual([
      { code: 'E_FLOW_SCHEMA', nodeId: 'out', path: 'id', message: 'duplicate node id "out": nodes[1] and nodes[2]; node ids must be unique' },
    ]);
  });
});

describe('compileFlow: edge problems', () => {
  it('reports edges from and to nodes that do not exist, with the closest node id', () => {
    expect(
      problems(
        flowOf({
          nodes: [src(), sink()],
          edges: [
            { from: 'src', to: 'out' },
            { from: 'scr', to: 'out' },
            { from: 'src', to: 'nowhere:in' },
          ],
        }),
      ),
    ).toEqual([
      { code: 'E_GRAPH', path: 'edges[1].from', message: 'edge from unknown node "scr"; did you mean "src"?' },
      { code: 'E_GRAPH', path: 'edges[2].to', message: 'edge to unknown node "nowhere"' },
    ]);
  });

  it('reports ports a node does not have: outputs (config ports included), inputs, sources, sinks', () => {
    expect(
      problems(
        flowOf({
          nodes: [
            src(),
            src('src2'),
            { id: 'route', type: 'transform.route', config: { routes: [{ name: 'big', expression: 'true' }] } },
            { id: 'join', type: 'transform.join', config: {} },
            sink(),
          ],
          edges: [
            { from: 'src', to: 'route' },
            { from: 'route:big', to: 'out' },
            { from: 'route:small', to: 'out' },
            { from: 'route:unmatched', to: 'join' },
            { from: 'src2', to: 'join:left' },
            { from: 'join', to: 'out:data' },
            { from: 'out', to: 'src2' },
            { from: 'out:error', to: 'out' },
          ],
        }),
      ),
    ).toEqual([
      {
        code: 'E_GRAPH',
        path: 'edges[2].from',
        message: 'node "route" (transform.route) has no output port "small"; its output ports are "unmatched", "big", "error"',
      },
      {
        code: 'E_GRAPH',
        path: 'edges[3].to',
        message: 'node "join" (transform.join) has no input port "in"; its input ports are "left", "right"',
      },
      {
        code: 'E_GRAPH',
        path: 'edges[5].to',
        message: 'node "out" (sink.fake) has no input port "data"; its input ports are "in"',
      },
      {
        code: 'E_GRAPH',
        path: 'edges[6].from',
        message: 'sink "out" has no output port "out"; a sink only has the "error" output',
      },
      {
        code: 'E_GRAPH',
        path: 'edges[6].to',
        message: 'source "src2" (source.fake) has no inputs; an edge cannot end at it',
      },
      // edges[7] (out:error -> out) is a valid edge, but it loops back:
      { code: 'E_GRAPH', nodeId: 'src2', path: '', message: 'cycle: src2 -> join -> out -> src2; a flow must not loop back' },
      { code: 'E_GRAPH', nodeId: 'out', path: '', message: 'cycle: out -> out; a flow must not loop back' },
    ]);
  });

  it('reports duplicate edges, default ports and explicit ones alike', () => {
    expect(
      problems(
        flowOf({
          nodes: [src(), sink()],
          edges: [
            { from: 'src', to: 'out' },
            { from: 'src:out', to: 'out:in' },
          ],
        }),
      ),
    ).toEqual([{ code: 'E_GRAPH', path: 'edges[1]', message: 'duplicate edge src:out -> out:in: the same as edges[0]' }]);
  });
});

describe('compileFlow: graph problems', () => {
  it('reports a cycle as a -> b -> a', () => {
    expect(
      problems(
        flowOf({
          nodes: [src(), map('a'), map('b'), sink()],
          edges: [
            { from: 'src', to: 'a' },
            { from: 'a', to: 'b' },
            { from: 'b', to: 'a' },
            { from: 'b', to: 'out' },
          ],
        }),
      ),
    ).toEqual([{ code: 'E_GRAPH', nodeId: 'a', path: '', message: 'cycle: a -> b -> a; a flow must not loop back' }]);
  });

  it('reports self-loops on their own, also inside a larger cycle', () => {
    const found = problems(
      flowOf({
        nodes: [src(), map('a'), map('b'), sink()],
        edges: [
          { from: 'src', to: 'a' },
          { from: 'a', to: 'a' },
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
          { from: 'b', to: 'out' },
        ],
      }),
    );
    expect(found.map((p) => `${p.nodeId}: ${p.message}`)).toEqual([
      'a: cycle: a -> b -> a; a flow must not loop back',
      'a: cycle: a -> a; a flow must not loop back',
    ]);
  });

  it('reports each separate cycle once', () => {
    const found = problems(
      flowOf({
        nodes: [src(), map('a'), map('b'), map('c'), map('d'), map('e'), sink()],
        edges: [
          { from: 'src', to: 'a' },
          { from: 'a', to: 'b' },
          { from: 'b', to: 'c' },
          { from: 'c', to: 'a' },
          { from: 'c', to: 'd' },
          { from: 'd', to: 'e' },
          { from: 'e', to: 'd' },
          { from: 'e', to: 'out' },
        ],
      }),
    );
    expect(found.map((p) => p.message)).toEqual([
      'cycle: a -> b -> c -> a; a flow must not loop back',
      'cycle: d -> e -> d; a flow must not loop back',
    ]);
  });

  it('reports a source that reaches no sink', () => {
    expect(
      problems(
        flowOf({
          nodes: [src(), src('lonely'), map('m'), sink()],
          edges: [
            { from: 'src', to: 'out' },
            { from: 'lonely', to: 'm' },
          ],
        }),
      ),
    ).toEqual([
      {
        code: 'E_GRAPH',
        nodeId: 'lonely',
        path: '',
        message: 'source "lonely" does not reach any sink; records it reads would go nowhere',
      },
    ]);
  });

  it('reports a sink that no source reaches', () => {
    expect(
      problems(
        flowOf({
          nodes: [src(), map('m'), sink(), sink('starved')],
          edges: [
            { from: 'src', to: 'out' },
            { from: 'm', to: 'starved' },
          ],
        }),
      ),
    ).toEqual([
      {
        code: 'E_GRAPH',
        nodeId: 'starved',
        path: '',
        message: 'sink "starved" is not reached by any source; it would never receive records',
      },
    ]);
  });

  it('reports a node without edges once, not again as unreachable', () => {
    expect(
      problems(flowOf({ nodes: [src(), map('idle'), sink(), src('s2'), sink('k2')], edges: [{ from: 'src', to: 'out' }] })),
    ).toEqual([
      { code: 'E_GRAPH', nodeId: 'idle', path: '', message: 'node "idle" has no edges; wire it into the flow or remove it' },
      { code: 'E_GRAPH', nodeId: 's2', path: '', message: 'node "s2" has no edges; wire it into the flow or remove it' },
      { code: 'E_GRAPH', nodeId: 'k2', path: '', message: 'node "k2" has no edges; wire it into the flow or remove it' },
    ]);
  });

  it('reports a flow without sources or sinks', () => {
    expect(problems(flowOf({ nodes: [] }))).toEqual([
      { code: 'E_GRAPH', path: 'nodes', message: 'the flow has no source node; add one to read records' },
      { code: 'E_GRAPH', path: 'nodes', message: 'the flow has no sink node; add one to write records' },
    ]);
  });

  it('reports all problems of all kinds at once', () => {
    const found = problems(
      flowOf({
        nodes: [src('src', {}), { id: 'x', type: 'transform.nope' }, map('m', ')'), sink(), map('idle')],
        edges: [
          { from: 'src', to: 'm' },
          { from: 'm', to: 'm' },
          { from: 'src', to: 'ghost' },
        ],
      }),
    );
    expect(found.map((p) => `${p.code} ${p.nodeId ?? '-'} ${p.path}`)).toEqual([
      'E_CONFIG src config.topic',
      'E_CONFIG x type',
      'E_EXPRESSION m config.expression',
      'E_GRAPH - edges[2].to',
      'E_GRAPH x ',
      'E_GRAPH out ',
      'E_GRAPH idle ',
      'E_GRAPH m ',
      'E_GRAPH src ',
    ]);
  });

  it('handles a long chain without exhausting the stack', () => {
    const n = 2000;
    const nodes = [src(), ...Array.from({ length: n - 2 }, (_, i) => map(`m${i}`)), sink()];
    const ids = nodes.map((node) => node.id);
    const edges = ids.slice(1).map((id, i) => ({ from: ids[i] as string, to: id }));
    const { plan } = compiled(flowOf({ nodes: [...nodes].reverse(), edges }));
    expect(plan.nodes.map((node) => node.id)).toEqual(ids);
  });
});

describe('expressionFields', () => {
  it('resolves dot paths with [] for array elements and skips absent fields', () => {
    const config = { a: { b: [{ c: 'x' }, { c: 'y' }, {}] }, d: 'z', m: [['p', 'q']] };
    expect(expressionFields(config, 'a.b[].c')).toEqual([
      { path: ['a', 'b', 0, 'c'], value: 'x' },
      { path: ['a', 'b', 1, 'c'], value: 'y' },
    ]);
    expect(expressionFields(config, 'd')).toEqual([{ path: ['d'], value: 'z' }]);
    expect(expressionFields(config, 'm[][]')).toEqual([
      { path: ['m', 0, 0], value: 'p' },
      { path: ['m', 0, 1], value: 'q' },
    ]);
    expect(expressionFields(config, 'missing.x')).toEqual([]);
    expect(expressionFields(config, 'd[]')).toEqual([]);
  });
});

describe('compile problems located in the file', () => {
  it('gets lines from locateProblems', () => {
    const text = `version: 1
name: t
nodes:
  - id: src
    type: source.fake
    config:
      topic: orders
  - id: m
    type: transform.map
    config:
      expression: "value.a +"
  - id: out
    type: sink.fake
edges:
  - from: src
    to: m
  - from: m
    to: out:nope
`;
    const parsed = parseFlowText(text, { env: {} });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const result = compileFlow(parsed.flow, specs);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(locateProblems(text, result.problems)).toEqual([
      {
        code: 'E_EXPRESSION',
        nodeId: 'm',
        path: 'config.expression',
        message: 'expression error at column 10: Unexpected token',
        line: 11,
        column: 10,
      },
      {
        code: 'E_GRAPH',
        path: 'edges[1].to',
        message: 'node "out" (sink.fake) has no input port "nope"; its input ports are "in"',
        line: 18,
        column: 9,
      },
    ]);
  });
});

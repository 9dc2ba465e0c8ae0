// Loading flow files: valid flows, limits and syntax, schema problems, environment substitution; every problem with
// its path, node id and line.
import { describe, expect, it } from 'vitest';
import { formatProblems, type Problem } from '../../runtime/common/errors';
import { MAX_FLOW_BYTES, type Flow } from '../../runtime/common/flow';
import { parseFlowText } from '../../runtime/common/flow-loader';

/** Parses and expects success. */
function load(text: string, env: Record<string, string | undefined> = {}, fileName?: string): Flow {
  const result = parseFlowText(text, { env, ...(fileName === undefined ? {} : { fileName }) });
  if (!result.ok) throw new Error(`expected the flow to load:\n${formatProblems(result.problems).join('\n')}`);
  return result.flow;
}

/** Parses and expects failure. */
function problemsOf(text: string, env: Record<string, string | undefined> = {}, fileName?: string): Problem[] {
  const result = parseFlowText(text, { env, ...(fileName === undefined ? {} : { fileName }) });
  if (result.ok) throw new Error('expected problems, the flow loaded');
  return result.problems;
}

const MINIMAL = `version: 1
name: orders
nodes:
  - id: src
    type: source.kafka
    config:
      topic: orders
  - id: out
    type: sink.console
edges:
  - from: src
    to: out
`;

describe('parseFlowText: valid flows', () => {
  it('loads a YAML flow and applies the flow defaults', () => {
    const flow = load(MINIMAL);
    expect(flow).toEqual({
      version: 1,
      name: 'orders',
      settings: {
        shutdownTimeoutMs: 30_000,
        maxBlockMs: 10_000,
        maxInFlightRecords: 4_000,
        batchSize: 1_000,
        delivery: 'at-least-once',
        telemetry: true,
        traceSampleRate: 0.01,
        unreadyAfterMs: 30_000,
        sourceUnavailableTimeoutMs: 300_000,
      },
      nodes: [
        { id: 'src', type: 'source.kafka', config: { topic: 'orders' }, onError: 'stop' },
        { id: 'out', type: 'sink.console', config: {}, onError: 'stop' },
      ],
      edges: [{ from: 'src', to: 'out' }],
    });
  });

  it('loads JSON, guessed from the file name', () => {
    const json = JSON.stringify({ version: 1, name: 'j', nodes: [{ id: 'a', type: 'source.kafka' }], edges: [] });
    expect(load(json, {}, 'flows/j.flow.json').nodes[0]).toEqual({ id: 'a', type: 'source.kafka', config: {}, onError: 'stop' });
  });

  it('rejects what JSON.parse rejects in a .json file, with the position, though YAML would accept it', () => {
    const text = '{\n  "version": 1,\n  "name": "j",\n  "nodes": [],\n}\n';
    expect(load(text).name).toBe('j'); // YAML flow mappings allow a trailing comma
    const problems = problemsOf(text, {}, 'j.json');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'E_FLOW_PARSE', path: '', line: 5, column: 1 });
    expect(problems[0]?.message).toMatch(/^invalid JSON: /);
  });

  it('honours an explicit format over the file name', () => {
    const text = 'version: 1\nname: y\nnodes: []\n';
    const result = parseFlowText(text, { env: {}, fileName: 'x.json', format: 'yaml' });
    expect(result.ok).toBe(true);
    const asJson = parseFlowText(text, { env: {}, format: 'json' });
    expect(asJson.ok).toBe(false);
    if (!asJson.ok) expect(asJson.problems[0]?.code).toBe('E_FLOW_PARSE');
  });
});

describe('parseFlowText: limits and syntax', () => {
  it('refuses text over 5 MB, measured in UTF-8 bytes, and checks nothing else', () => {
    // 'é' is 2 bytes in UTF-8: fewer characters than the limit, more bytes.
    const text = `name: "${'é'.repeat(MAX_FLOW_BYTES / 2)}"\n`;
    expect(text.length).toBeLessThan(MAX_FLOW_BYTES);
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'E_FLOW_LIMIT', path: '' });
    expect(problems[0]?.message).toContain(`limit is ${MAX_FLOW_BYTES} bytes`);
  });

  it('accepts text of exactly 5 MB as far as the size goes', () => {
    const head = 'version: 1\nname: big\nnodes: []\ndescription: ';
    const text = head + 'x'.repeat(MAX_FLOW_BYTES - head.length);
    expect(new TextEncoder().encode(text).length).toBe(MAX_FLOW_BYTES);
    const problems = problemsOf(text);
    expect(problems.map((p) => p.code)).toEqual(['E_FLOW_SCHEMA']); // description over 10,000 characters
    expect(problems[0]).toMatchObject({ path: 'description', line: 4 });
  });

  it('reports YAML syntax errors with their line and column', () => {
    const problems = problemsOf('version: 1\nname: x\nnodes: [\n  {id: a\nedges: []\n');
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.code).toBe('E_FLOW_PARSE');
      expect(p.line).toBeGreaterThanOrEqual(3);
      expect(p.column).toBeGreaterThanOrEqual(1);
      expect(p.message).not.toContain('\n');
    }
  });

  it('reports a duplicate key as a syntax error on the line of the second one', () => {
    const problems = problemsOf('version: 1\nname: a\nname: b\nnodes: []\n');
    expect(problems).toEqual([
      { code: 'E_FLOW_PARSE', path: '', message: 'Map keys must be unique', line: 3, column: 1 },
    ]);
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      '',
    ].join('\n');
    const problems = problemsOf(bomb);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('E_FLOW_LIMIT');
    // The alias that passes the budget, counted as the yaml package counts: the second *c (2 uses × 81 > 100).
    expect(problems[0]).toMatchObject({ line: 4, column: 11, message: expect.stringMatching(/too many YAML aliases \(alias \*c/) as unknown });
  });

  it('refuses a recursive alias with its line and column, without a stack overflow', () => {
    const text = [
      'version: 1',
      'name: rec',
      'nodes: &n',
      '  - id: gen',
      '    type: source.generator',
      '  - *n',
      'edges: []',
      '',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      {
        code: 'E_FLOW_PARSE',
        path: '',
        message: 'recursive YAML alias *n: it is inside the node its anchor &n names (line 4); copy the values instead',
        line: 6,
        column: 5,
      },
    ]);
    // A merge key into its own map, and an alias nested deeper inside its anchor, are recursive too.
    expect(problemsOf('version: 1\nname: m\nbase: &b\n  x: 1\n  <<: *b\nnodes: []\nedges: []\n')[0]).toMatchObject({
      code: 'E_FLOW_PARSE',
      line: 5,
    });
    expect(problemsOf('version: 1\nname: d\nnodes: &n [ { id: a, config: { deep: [ [ *n ] ] } } ]\nedges: []\n')[0]).toMatchObject({
      code: 'E_FLOW_PARSE',
      line: 3,
      column: 42,
    });
  });

  it('keeps sound aliases: the same anchor used a few times, and anchors of anchors', () => {
    const flow = load(
      [
        'version: 1',
        'name: shared',
        'nodes:',
        '  - { id: in, type: source.kafka, config: { brokers: &brokers ["127.0.0.1:9092"], topic: a } }',
        '  - { id: out, type: sink.kafka, config: { brokers: *brokers, topic: b } }',
        'edges: [{ from: in, to: out }]',
        '',
      ].join('\n'),
    );
    expect(flow.nodes.map((n) => n.config.brokers)).toEqual([['127.0.0.1:9092'], ['127.0.0.1:9092']]);
  });

  it('reports an empty file as a schema problem on line 1', () => {
    const problems = problemsOf('');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'E_FLOW_SCHEMA', path: '', line: 1 });
  });
});

describe('parseFlowText: schema problems', () => {
  it('refuses __proto__, constructor and prototype keys anywhere, without polluting prototypes', () => {
    const text = `version: 1
name: x
constructor: 1
nodes:
  - id: a
    type: source.kafka
    config:
      __proto__:
        polluted: yes
      nested: { prototype: 2 }
`;
    const problems = problemsOf(text);
    expect(problems).toEqual([
      { code: 'E_FLOW_SCHEMA', path: 'constructor', message: 'the key "constructor" is not allowed in a flow file', line: 3, column: 1 },
      {
        code: 'E_FLOW_SCHEMA',
        nodeId: 'a',
        path: 'nodes[0].config.__proto__',
        message: 'the key "__proto__" is not allowed in a flow file',
        line: 8,
        column: 7,
      },
      {
        code: 'E_FLOW_SCHEMA',
        nodeId: 'a',
        path: 'nodes[0].config.nested.prototype',
        message: 'the key "prototype" is not allowed in a flow file',
        line: 10,
        column: 17,
      },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('still reports the other schema problems of a file with forbidden keys', () => {
    const problems = problemsOf('version: 2\nname: x\nnodes: []\nprototype: 1\n');
    expect(problems.map((p) => [p.code, p.path, p.line])).toEqual([
      ['E_FLOW_SCHEMA', 'version', 1],
      ['E_FLOW_SCHEMA', 'prototype', 4],
    ]);
  });

  it('reports every schema problem at once, with full paths, node ids and lines, sorted by line', () => {
    const text = `version: 1
name: x
nodes:
  - id: good
    type: source.kafka
    colour: red
  - id: bad id
    type: source.kafka
  - type: sink.console
  - id: t
    type: transformer.map
    onError: ignore
edgse: []
`;
    const problems = problemsOf(text);
    expect(problems).toEqual([
      { code: 'E_FLOW_SCHEMA', nodeId: 'good', path: 'nodes[0].colour', message: 'unknown field "colour"', line: 6, column: 5 },
      {
        code: 'E_FLOW_SCHEMA',
        nodeId: 'bad id',
        path: 'nodes[1].id',
        message: 'node ids use only letters, digits, "_" and "-"',
        line: 7,
        column: 9,
      },
      { code: 'E_FLOW_SCHEMA', path: 'nodes[2].id', message: 'required field "id" is missing', line: 9, column: 5 },
      {
        code: 'E_FLOW_SCHEMA',
        nodeId: 't',
        path: 'nodes[3].type',
        message: 'node types are <kind>.<name> with kind source, transform or sink',
        line: 11,
        column: 11,
      },
      expect.objectContaining({ code: 'E_FLOW_SCHEMA', nodeId: 't', path: 'nodes[3].onError', line: 12, column: 14 }),
      {
        code: 'E_FLOW_SCHEMA',
        path: 'edgse',
        message: 'unknown field "edgse"; did you mean "edges"?',
        line: 13,
        column: 1,
      },
    ]);
  });

  it('reports missing top-level fields and bad layout keys', () => {
    const problems = problemsOf('version: 1\nlayout:\n  "no good": { x: 1, y: 2 }\n');
    expect(problems).toEqual([
      { code: 'E_FLOW_SCHEMA', path: 'name', message: 'required field "name" is missing', line: 1, column: 1 },
      { code: 'E_FLOW_SCHEMA', path: 'nodes', message: 'required field "nodes" is missing', line: 1, column: 1 },
      {
        code: 'E_FLOW_SCHEMA',
        path: 'layout["no good"]',
        message: 'invalid key "no good": node ids use only letters, digits, "_" and "-"',
        line: 3,
        column: 3,
      },
    ]);
  });

  it('refuses more than 2,000 nodes', () => {
    const nodes = Array.from({ length: 2001 }, (_, i) => ({ id: `n${i}`, type: 'transform.map' }));
    const problems = problemsOf(JSON.stringify({ version: 1, name: 'big', nodes }), {}, 'big.json');
    expect(problems).toEqual([
      { code: 'E_FLOW_SCHEMA', path: 'nodes', message: 'a flow has at most 2,000 nodes', line: 1, column: 27 },
    ]);
    const ok = Array.from({ length: 2000 }, (_, i) => ({ id: `n${i}`, type: 'transform.map' }));
    expect(load(JSON.stringify({ version: 1, name: 'big', nodes: ok })).nodes).toHaveLength(2000);
  });

  it('reports duplicate node ids naming the id and both lines', () => {
    const text = `version: 1
name: x
nodes:
  - id: orders
    type: source.kafka
  - id: sink
    type: sink.console
  - id: orders
    type: sink.console
`;
    expect(problemsOf(text)).toEqual([
      {
        code: 'E_FLOW_SCHEMA',
        nodeId: 'orders',
        path: 'nodes[2].id',
        message: 'duplicate node id "orders": used at line 4 and line 8; node ids must be unique',
        line: 8,
        column: 9,
      },
    ]);
  });
});

describe('parseFlowText: environment substitution', () => {
  const text = `version: 1
name: \${FLOW_NAME:-orders}
description: "costs $\${PRICE} at \${HOST}:\${PORT:-9092}"
nodes:
  - id: orders
    type: source.kafka
    config:
      brokers:
        - \${KAFKA_BROKERS}
      topic: "\${TOPIC}"
      keyed: "\${EMPTY:-fallback}"
      template: "\`order:\${value.id}\`"
      "\${NOT_A_KEY}": 1
      count: 3
edges: []
`;

  it('substitutes ${VAR} and ${VAR:-default} in string values, not keys; $${ is a literal ${', () => {
    const flow = load(text, { HOST: 'h', KAFKA_BROKERS: 'k1:9092,k2:9092', TOPIC: 't', EMPTY: '', NOT_A_KEY: 'no' });
    expect(flow.name).toBe('orders');
    expect(flow.description).toBe('costs ${PRICE} at h:9092');
    expect(flow.nodes[0]?.config).toEqual({
      brokers: ['k1:9092,k2:9092'],
      topic: 't',
      keyed: 'fallback',
      template: '`order:${value.id}`',
      '${NOT_A_KEY}': 1,
      count: 3,
    });
  });

  it('reports every missing variable with the node id, the field path inside the node and the line', () => {
    const problems = problemsOf(text, { HOST: 'h' });
    expect(problems).toEqual([
      {
        code: 'E_ENV',
        nodeId: 'orders',
        path: 'config.brokers[0]',
        message: 'environment variable KAFKA_BROKERS is not set and has no default',
        line: 9,
        column: 11,
      },
      {
        code: 'E_ENV',
        nodeId: 'orders',
        path: 'config.topic',
        message: 'environment variable TOPIC is not set and has no default',
        line: 10,
        column: 14,
      },
    ]);
    expect(formatProblems(problems, 'orders.flow.yaml')[0]).toBe(
      'orders.flow.yaml:9:11: node orders: config.brokers[0]: environment variable KAFKA_BROKERS is not set and has no default [E_ENV]',
    );
  });

  it('reports missing variables outside nodes with the flow path, and not again as the empty value they leave', () => {
    const problems = problemsOf('version: 1\nname: ${NAME}\nnodes: []\n');
    expect(problems).toEqual([
      {
        code: 'E_ENV',
        path: 'name',
        message: 'environment variable NAME is not set and has no default',
        line: 2,
        column: 7,
      },
    ]);
  });

  it('still returns the flow, values left empty, when the only problems are variables, so that it can be compiled', () => {
    const result = parseFlowText(text, { env: { HOST: 'h' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.code)).toEqual(['E_ENV', 'E_ENV']);
    expect(result.flow?.nodes[0]?.config).toMatchObject({ brokers: [''], topic: '' });
    // With another kind of problem the flow is not returned.
    const broken = parseFlowText(text.replace('version: 1', 'version: 2'), { env: { HOST: 'h' } });
    expect(broken.ok === false && broken.flow === undefined).toBe(true);
  });

  it('refuses the Redpanda Connect form ${VAR:default}, set or not, showing the ${VAR:-default} spelling, at its line', () => {
    const problems = problemsOf('version: 1\nname: orders\nnodes:\n  - id: src\n    type: source.kafka\n    config:\n      brokers: ["${KAFKA_BROKERS:127.0.0.1:9092}"]\nedges: []\n', {
      KAFKA_BROKERS: 'k:9092',
    });
    expect(problems).toEqual([
      {
        code: 'E_ENV',
        nodeId: 'src',
        path: 'config.brokers[0]',
        message: '${KAFKA_BROKERS:127.0.0.1:9092} is not a supported reference (the Redpanda Connect default form); write ${KAFKA_BROKERS:-127.0.0.1:9092} for a default',
        line: 7,
        column: 17,
      },
    ]);
  });

  it('keeps references when substitution is off', () => {
    const result = parseFlowText(text, { env: {}, substitute: false });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.flow.name).toBe('${FLOW_NAME:-orders}');
      expect(result.flow.nodes[0]?.config.brokers).toEqual(['${KAFKA_BROKERS}']);
      expect(result.flow.description).toBe('costs $${PRICE} at ${HOST}:${PORT:-9092}');
    }
  });
});

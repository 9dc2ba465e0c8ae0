// checkFlowText / loadFlowFile: every problem of a file at once (a missing variable does not stop the compiler, and
// the value it leaves empty is not reported twice), places in the file for every problem, warnings apart.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlowProblemsError } from '../../runtime/common/errors';
import { checkFlowText, loadFlowFile } from '../../runtime/flow-file';

const BROKEN = `version: 1
name: broken
nodes:
  - id: gen
    type: source.generator
    config: { ratePerSecond: -5 }
  - id: a
    type: transform.map
    config: { expression: "value.x +" }
  - id: out
    type: sink.redis
    config:
      url: \${REDIS_URL_UNSET}
      command: set
      key: value.id +
edges:
  - { from: gen, to: a }
  - { from: a, to: out }
`;

describe('checkFlowText', () => {
  it('reports a missing variable together with the compiler problems, not again as the empty value it leaves', () => {
    const check = checkFlowText(BROKEN, { env: {} });
    expect(check.plan).toBeUndefined();
    expect(check.errors.map((p) => [p.code, p.nodeId, p.path, p.line, p.column])).toEqual([
      ['E_ENV', 'out', 'config.url', 13, 12],
      ['E_CONFIG', 'gen', 'config.ratePerSecond', 6, 30],
      // Expression columns are moved into the file: 9:28 is where the expression starts, column 10 is its end.
      ['E_EXPRESSION', 'a', 'config.expression', 9, 37],
      ['E_EXPRESSION', 'out', 'config.key', 15, 22], // a plain scalar from column 12: its end
    ]);
    expect(check.errors[2]!.message).toMatch(/^expression error at column 10: /);
    expect(check.warnings).toEqual([]);
  });

  it('with the variable set, the same file has only the compiler problems', () => {
    const check = checkFlowText(BROKEN, { env: { REDIS_URL_UNSET: 'redis://127.0.0.1:6379' } });
    expect(check.errors.map((p) => p.code)).toEqual(['E_CONFIG', 'E_EXPRESSION', 'E_EXPRESSION']);
  });

  it('keeps the value column where the expression is not written as it is on its line (a block scalar)', () => {
    const text = BROKEN.replace('config: { expression: "value.x +" }', 'config:\n      expression: |\n        value.x +').replace('${REDIS_URL_UNSET}', 'redis://h:6379');
    const expression = checkFlowText(text, { env: {} }).errors.find((p) => p.nodeId === 'a')!;
    expect([expression.line, expression.column]).toEqual([10, 19]);
  });

  it('gives the compiler warnings severity warning and a plan when there is no error', () => {
    const text = `version: 1
name: warned
nodes:
  - { id: gen, type: source.generator, config: { count: 1 } }
  - id: route
    type: transform.route
    config: { routes: [{ port: eu, expression: "true" }] }
  - { id: out, type: sink.console }
edges:
  - { from: gen, to: route }
  - { from: "route:eu", to: out }
`;
    const check = checkFlowText(text, { env: {} });
    expect(check.errors).toEqual([]);
    expect(check.plan?.nodes.map((n) => n.id)).toEqual(['gen', 'route', 'out']);
    expect(check.warnings.length).toBeGreaterThan(0);
    for (const warning of check.warnings) expect(warning).toMatchObject({ severity: 'warning', nodeId: 'route', line: 5 });
  });
});

describe('loadFlowFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-flow-file-'));

  it('throws every problem at once, and a file it cannot read as a problem of that file', async () => {
    const file = join(dir, 'broken.flow.yaml');
    writeFileSync(file, BROKEN);
    const error = await loadFlowFile(file, { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowProblemsError);
    expect((error as FlowProblemsError).problems).toHaveLength(4);
    expect((error as FlowProblemsError).message.split('\n')[0]).toBe(
      `${file}:13:12: node out: config.url: environment variable REDIS_URL_UNSET is not set and has no default [E_ENV]`,
    );
    const missing = await loadFlowFile(join(dir, 'absent.flow.yaml')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FlowProblemsError);
    expect((missing as FlowProblemsError).problems).toEqual([expect.objectContaining({ code: 'E_FLOW_PARSE', path: '' })]);
  });

  it('refuses a file that is not valid UTF-8 in one line, at the first invalid byte', async () => {
    const file = join(dir, 'bad-utf8.flow.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('version: 1\nname: "grüße \u00e9 '), Buffer.from([0xff, 0xfe]), Buffer.from('"\nnodes: []\nedges: []\n')]));
    const error = await loadFlowFile(file, { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowProblemsError);
    expect((error as FlowProblemsError).message).toBe(
      `${file}:2:16: flow: the flow file is not valid UTF-8 (byte 29); save it as UTF-8 [E_FLOW_PARSE]`,
    );
  });
});

// The semantic diff of flows (runtime/common/flow-diff.ts) on the two versions of test/fixtures/diff/, and
// `tributary diff` (runtime/diff-command.ts) as a command, as git's external diff driver and as its textconv.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../runtime/common/flow';
import { diffFlows, flowLines, formatFlowDiff, isEmptyDiff, type FlowDiff } from '../../runtime/common/flow-diff';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { CLI, runCli, tempDir } from '../support/runtime';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/diff');
const V1 = join(FIXTURES, 'orders-v1.flow.yaml');
const V2 = join(FIXTURES, 'orders-v2.flow.yaml');

function load(file: string): Flow {
  const parsed = parseFlowText(readFileSync(file, 'utf8'), { fileName: file, env: {}, substitute: false });
  if (!parsed.ok) throw new Error(`fixture ${file} does not parse: ${JSON.stringify(parsed.problems)}`);
  return parsed.flow;
}

/** The change list from v1 to v2, as the fixture's header comment describes it. */
const EXPECTED: FlowDiff = {
  flow: [
    { path: 'description', before: 'Orders routed by risk.', after: 'Orders enriched and routed by risk.' },
    { path: 'settings.batchSize', before: 1000, after: 500 },
  ],
  nodes: [
    { change: 'removed', id: 'debug', type: 'sink.console' },
    { change: 'added', id: 'enrich', type: 'transform.map' },
    {
      change: 'changed',
      id: 'risk',
      type: 'transform.route',
      fields: [
        { path: 'title', before: undefined, after: 'Risk routing' },
        { path: 'config.routes[1].expression', before: 'value.total >= 100', after: 'value.total >= 200' },
      ],
    },
    { change: 'changed', id: 'alerts', type: 'sink.kafka', fields: [{ path: 'onError', before: 'stop', after: 'drop' }] },
    { change: 'renamed', id: 'dead-letters', previousId: 'dlq', type: 'sink.kafka', fields: [] },
  ],
  edges: [
    { change: 'removed', from: 'orders:out', to: 'risk:in' },
    { change: 'removed', from: 'risk:high', to: 'debug:in' },
    { change: 'added', from: 'orders:out', to: 'enrich:in' },
    { change: 'added', from: 'enrich:out', to: 'risk:in' },
  ],
  moved: ['risk', 'store', 'alerts'],
};

const EXPECTED_LINES = [
  '~ description: "Orders routed by risk." → "Orders enriched and routed by risk."',
  '~ settings.batchSize: 1000 → 500',
  '- node debug (sink.console)',
  '+ node enrich (transform.map)',
  '~ node risk (transform.route)',
  '    title: (unset) → "Risk routing"',
  '    config.routes[1].expression: "value.total >= 100" → "value.total >= 200"',
  '~ node alerts (sink.kafka)',
  '    onError: "stop" → "drop"',
  '~ node dead-letters (sink.kafka), renamed from dlq',
  '- edge orders -> risk',
  '- edge risk:high -> debug',
  '+ edge orders -> enrich',
  '+ edge enrich -> risk',
  '~ layout: 3 nodes moved (risk, store, alerts)',
];

describe('diffFlows', () => {
  it('lists exactly the changes from v1 to v2 of the fixture, and none of its formatting or spelled-out defaults', () => {
    const diff = diffFlows(load(V1), load(V2));
    expect(diff).toEqual(EXPECTED);
    expect(formatFlowDiff(diff)).toEqual(EXPECTED_LINES);
  });

  it('finds no change between a flow and itself, nor between its YAML and its JSON spelling', () => {
    const flow = load(V2);
    expect(isEmptyDiff(diffFlows(flow, load(V2)))).toBe(true);
    const json = parseFlowText(JSON.stringify(flow), { fileName: 'x.flow.json', env: {}, substitute: false });
    expect(json.ok && isEmptyDiff(diffFlows(flow, json.flow))).toBe(true);
    expect(formatFlowDiff(diffFlows(flow, flow))).toEqual([]);
  });

  it('reverses: v2 -> v1 adds back what v1 -> v2 removed, and the rename goes the other way', () => {
    const lines = formatFlowDiff(diffFlows(load(V2), load(V1)));
    expect(lines).toContain('+ node debug (sink.console)');
    expect(lines).toContain('- node enrich (transform.map)');
    expect(lines).toContain('~ node dlq (sink.kafka), renamed from dead-letters');
    expect(lines).toContain('    config.routes[1].expression: "value.total >= 200" → "value.total >= 100"');
  });

  it('is not a rename when the config changed too: the old node is removed and the new one added', () => {
    const before = load(V1);
    const after = load(V1);
    const dlq = after.nodes.find((n) => n.id === 'dlq')!;
    dlq.id = 'dead-letters';
    dlq.config = { ...dlq.config, topic: 'orders-dead' };
    after.edges = after.edges.map((e) => (e.to === 'dlq' ? { ...e, to: 'dead-letters' } : e));
    const diff = diffFlows(before, after);
    expect(diff.nodes).toEqual([
      { change: 'removed', id: 'dlq', type: 'sink.kafka' },
      { change: 'added', id: 'dead-letters', type: 'sink.kafka' },
    ]);
    expect(diff.edges).toEqual([
      { change: 'removed', from: 'orders:error', to: 'dlq:in' },
      { change: 'added', from: 'orders:error', to: 'dead-letters:in' },
    ]);
  });

  it('reports added and removed array items and nested keys with their paths', () => {
    const before = load(V1);
    const after = load(V1);
    const risk = after.nodes.find((n) => n.id === 'risk')!;
    risk.config = { routes: [...(risk.config.routes as unknown[]), { port: 'low', expression: 'true' }], mode: 'all' };
    expect(formatFlowDiff(diffFlows(before, after))).toEqual([
      '~ node risk (transform.route)',
      '    config.routes[2]: (unset) → {"port":"low","expression":"true"}',
      '    config.mode: (unset) → "all"',
    ]);
  });

  it('writes canonical lines for textconv: nodes by id, one layout line', () => {
    const lines = flowLines(load(V1));
    expect(lines.slice(0, 2)).toEqual(['name = "orders"', 'description = "Orders routed by risk."']);
    expect(lines).toContain('node risk config.routes[1].expression = "value.total >= 100"');
    expect(lines).toContain('edge orders:error -> dlq');
    expect(lines.filter((l) => l.startsWith('node ') && !l.includes(' = '))).toEqual([
      'node alerts (sink.kafka)',
      'node debug (sink.console)',
      'node dlq (sink.kafka)',
      'node orders (source.kafka)',
      'node risk (transform.route)',
      'node store (sink.redis)',
    ]);
    expect(lines.at(-1)).toBe('layout alerts(520,160) debug(520,320) dlq(260,200) orders(0,0) risk(260,0) store(520,0)');
  });
});

// Each case starts the real CLI (a few seconds each on a busy machine).
describe('tributary diff', { timeout: 60_000 }, () => {
  it('prints the change list under --- / +++ headers and exits 1 when the flows differ', async () => {
    const result = await runCli(['diff', V1, V2]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe([`--- ${V1}`, `+++ ${V2}`, ...EXPECTED_LINES].join('\n') + '\n');
    expect(result.code).toBe(1);
  });

  it('exits 0 with nothing printed for the same file, and says so for a file that differs only in formatting', async () => {
    const same = await runCli(['diff', V1, V1]);
    expect(same).toEqual({ code: 0, stdout: '', stderr: '' });
    const dir = tempDir('tributary-diff-');
    const reformatted = join(dir, 'orders.flow.json');
    writeFileSync(reformatted, JSON.stringify(load(V1), null, 2));
    const formatting = await runCli(['diff', V1, reformatted]);
    expect(formatting.code).toBe(0);
    expect(formatting.stdout).toContain('(no semantic change: the files differ in formatting, comments or defaults spelled out)');
  });

  it('refuses a bad file with one validate-style line per problem and exits 2', async () => {
    const dir = tempDir('tributary-diff-');
    const bad = join(dir, 'bad.flow.yaml');
    writeFileSync(bad, 'version: 1\nname: bad\nnodes:\n  - id: "a b"\n    type: source.kafka\n  - id: x\n    type: nope\n');
    const result = await runCli(['diff', V1, bad]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:\\d+: .*id.*\\[E_FLOW_SCHEMA\\]$`));
    expect(lines[1]).toMatch(/:7:\d+: .*type.*\[E_FLOW_SCHEMA\]$/);
    const missing = await runCli(['diff', V1, join(dir, 'missing.flow.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`${join(dir, 'missing.flow.yaml')}: flow: cannot read the flow file: ENOENT [E_FLOW_PARSE]\n`);
    const usage = await runCli(['diff', V1]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^tributary diff: expected two flow files .*got 1 argument\(s\)\n$/);
  });

  it("works as git's external diff: the 7 arguments directly, and through diff.tributary.command", async () => {
    const direct = await runCli(['diff', 'orders.flow.yaml', V1, 'a'.repeat(40), '100644', V2, 'b'.repeat(40), '100644']);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toBe(['--- a/orders.flow.yaml', '+++ b/orders.flow.yaml', ...EXPECTED_LINES].join('\n') + '\n');

    // A rename: git adds the new path and its similarity lines.
    const renamed = await runCli(['diff', 'old.flow.yaml', V1, 'a'.repeat(40), '100644', V2, 'b'.repeat(40), '100644', 'new.flow.yaml', 'similarity index 80%\nrename from old.flow.yaml\nrename to new.flow.yaml\n']);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout.split('\n').slice(0, 3)).toEqual(['--- a/old.flow.yaml', '+++ b/new.flow.yaml', EXPECTED_LINES[0]]);

    const repo = tempDir('tributary-diff-git-');
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    git('init', '-q');
    writeFileSync(join(repo, '.gitattributes'), '*.flow.yaml diff=tributary\n');
    copyFileSync(V1, join(repo, 'orders.flow.yaml'));
    git('add', '.');
    git('commit', '-q', '-m', 'v1');
    copyFileSync(V2, join(repo, 'orders.flow.yaml'));
    const command = `"${process.execPath}" "${CLI}" diff`;
    const external = git('-c', `diff.tributary.command=${command}`, 'diff');
    expect(external).toBe(['--- a/orders.flow.yaml', '+++ b/orders.flow.yaml', ...EXPECTED_LINES].join('\n') + '\n');

    // A new file: the old side is /dev/null, every node is added.
    copyFileSync(V1, join(repo, 'copy.flow.yaml'));
    git('add', '-N', 'copy.flow.yaml');
    const added = git('-c', `diff.tributary.command=${command}`, 'diff', '--', 'copy.flow.yaml');
    expect(added.split('\n').slice(0, 3)).toEqual(['--- /dev/null', '+++ b/copy.flow.yaml', '+ node orders (source.kafka)']);

    // textconv: git's own line diff over the canonical lines.
    const textconv = git('-c', `diff.tributary.textconv=${command} --textconv`, 'diff', '--', 'orders.flow.yaml');
    expect(textconv).toContain('\n-node debug (sink.console)\n');
    expect(textconv).toContain('\n-node risk config.routes[1].expression = "value.total >= 100"\n+node risk config.routes[1].expression = "value.total >= 200"\n');
    expect(textconv).toContain('\n+node dead-letters (sink.kafka)\n');
  });
});

// Flow tests (`tributary test`, runtime/flow-tests/): the file format and its problems with file:line:col, the
// matchers, the comparison and its diff, the JUnit report, running cases through the real engine with recorded
// sources, captured sinks and pinned time, and building a case from a running flow's samples.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { nodeRuntimes } from '../../nodes/runtimes';
import type { NodeSamples, SampleRecord } from '../../runtime/common/telemetry';
import type { FlowRecord } from '../../runtime/engine/types';
import { captureCase } from '../../runtime/flow-tests/capture';
import { comparePort } from '../../runtime/flow-tests/compare';
import { Matcher, reconcile } from '../../runtime/flow-tests/matchers';
import { junitReport, textReport } from '../../runtime/flow-tests/report';
import { pinTime } from '../../runtime/flow-tests/run-case';
import { allPassed, runTestFile } from '../../runtime/flow-tests/run-tests';
import { appendTestCase, flowCandidates, parseTestFile, testFileFor, TestFileError } from '../../runtime/flow-tests/test-file';
import { resolveTestFiles } from '../../runtime/test-command';
import { saveTestCase } from '../../runtime/flow-tests/studio-capture';

const silent = pino({ level: 'silent' });

function problemsOf(text: string): string[] {
  try {
    parseTestFile(text, 't.test.yaml');
  } catch (error) {
    if (error instanceof TestFileError) return error.lines;
    throw error;
  }
  return [];
}

function record(value: unknown, extra: Partial<FlowRecord> = {}): FlowRecord {
  return { key: 'k', value, headers: {}, timestamp: 0, meta: { source: 's' }, ...extra };
}

describe('matchers', () => {
  it('accept what they name and nothing else', () => {
    expect(new Matcher('any').matches(null)).toBe(true);
    expect(new Matcher('any').matches(undefined)).toBe(false);
    expect(new Matcher('number').matches(3.5)).toBe(true);
    expect(new Matcher('number').matches('3')).toBe(false);
    expect(new Matcher('number').matches(Number.NaN)).toBe(false);
    expect(new Matcher('string').matches('')).toBe(true);
    expect(new Matcher('string').matches(1)).toBe(false);
    expect(new Matcher('regex', '^order-\\d+$').matches('order-12')).toBe(true);
    expect(new Matcher('regex', '^order-\\d+$').matches('order-x')).toBe(false);
    expect(new Matcher('regex', 'x').matches(1)).toBe(false);
  });

  it('reconcile replaces matchers that held by the actual value, and keeps the ones that did not', () => {
    const expected = { id: new Matcher('number'), name: 'a', tags: [new Matcher('string'), 'b'] };
    expect(reconcile(expected, { id: 7, name: 'a', tags: ['x', 'b'] })).toEqual({ ok: true, expected: { id: 7, name: 'a', tags: ['x', 'b'] } });
    const bad = reconcile(expected, { id: '7', name: 'a', tags: ['x', 'b'] });
    expect(bad.ok).toBe(false);
    expect((bad.expected as { id: unknown }).id).toBeInstanceOf(Matcher);
  });

  it('reconcile compares objects by keys (extra or missing keys fail) and arrays by length', () => {
    expect(reconcile({ a: 1 }, { a: 1, b: 2 }).ok).toBe(false);
    expect(reconcile({ a: 1, b: 2 }, { a: 1 }).ok).toBe(false);
    expect(reconcile({ a: 1, b: 2 }, { b: 2, a: 1 }).ok).toBe(true);
    expect(reconcile([1, 2], [1, 2, 3]).ok).toBe(false);
    expect(reconcile({ a: new Matcher('any') }, {}).ok).toBe(false);
  });
});

describe('test file format', () => {
  it('reads matchers from YAML tags and times from ISO strings', () => {
    const { test } = parseTestFile(
      [
        'cases:',
        '  - name: one',
        '    now: 2026-12-01T17:00:00Z',
        '    inputs: { src: [{ key: a, value: { n: 1 }, partition: 2, offset: 40 }] }',
        '    expect: { out: [{ key: !regex ^a$, value: { n: !number } }] }',
      ].join('\n'),
      't.test.yaml',
    );
    const c = test.cases[0]!;
    expect(c.now).toBe(Date.parse('2026-12-01T17:00:00Z'));
    expect(c.inputs.src![0]).toMatchObject({ key: 'a', value: { n: 1 }, partition: 2, offset: '40', headers: {} });
    expect(c.expect.out![0]!.key).toBeInstanceOf(Matcher);
    expect(test.version).toBe(1);
    expect(test.env).toEqual({});
  });

  it('names every problem with file:line:col and the field', () => {
    const lines = problemsOf(
      [
        'cases:',
        '  - name: one',
        '    nw: 5',
        '    inputs: { src: [{ value: 1, partition: -1 }] }',
        '    expect: {}',
      ].join('\n'),
    );
    expect(lines).toContain('t.test.yaml:3:5: cases[0].nw: unknown field "nw"; did you mean "now"?');
    expect(lines).toContain('t.test.yaml:4:44: cases[0].inputs.src[0].partition: Too small: expected number to be >=0');
  });

  it('refuses a bad regex, YAML errors and duplicate case names at their place', () => {
    expect(problemsOf('cases:\n  - name: a\n    inputs: {}\n    expect: { out: [{ key: !regex "(" }] }\n')[0]).toMatch(/^t\.test\.yaml:4:\d+: !regex \(: /);
    expect(problemsOf('cases: [\n')[0]).toMatch(/^t\.test\.yaml:\d+:\d+: /);
    const dup = 'cases:\n  - { name: a, inputs: {}, expect: {} }\n  - { name: a, inputs: {}, expect: {} }\n';
    expect(problemsOf(dup)).toEqual(['t.test.yaml:3:13: cases[1].name: "a" is also the name of cases[0]']);
    expect(problemsOf('version: 2\ncases: []\n')).toEqual(['t.test.yaml:1:10: version: version must be 1', 't.test.yaml:2:1: cases: a test file has at least one case']);
  });

  it('names test files after their flow', () => {
    expect(testFileFor('/x/orders.flow.yaml')).toBe('/x/orders.test.yaml');
    expect(testFileFor('/x/orders.flow.json')).toBe('/x/orders.test.yaml');
    expect(flowCandidates('/x/orders.test.yaml', undefined)).toEqual(['/x/orders.flow.yaml', '/x/orders.flow.yml', '/x/orders.flow.json']);
    expect(flowCandidates('/x/t/orders.test.yaml', '../orders.flow.yaml')).toEqual(['/x/orders.flow.yaml']);
  });

  it('appends cases keeping what the file holds, and refuses a name that is taken', () => {
    const testCase = { name: 'first', now: '2026-12-01T17:00:00.000Z', inputs: { src: [{ key: 'a', value: { n: 1 } }] }, expect: { out: [{ key: 'a', value: { n: 1 } }] } };
    const created = appendTestCase(undefined, '/x/f.test.yaml', '/x/f.flow.yaml', testCase);
    expect(created).toMatch(/^# Flow tests/);
    expect(parse(created)).toEqual({ version: 1, cases: [testCase] });
    const edited = created.replace('cases:', '# my note\ncases:');
    const twice = appendTestCase(edited, '/x/f.test.yaml', '/x/f.flow.yaml', { ...testCase, name: 'second' });
    expect(twice).toContain('# my note');
    expect(parseTestFile(twice, 'f.test.yaml').test.cases.map((c) => c.name)).toEqual(['first', 'second']);
    expect(() => appendTestCase(twice, '/x/f.test.yaml', '/x/f.flow.yaml', testCase)).toThrow(/a case named "first" exists already/);
    const elsewhere = appendTestCase(undefined, '/x/tests/f.test.yaml', '/x/f.flow.yaml', testCase);
    expect((parse(elsewhere) as { flow: string }).flow).toBe('../f.flow.yaml');
  });
});

describe('comparison and reports', () => {
  it('passes equal records, compares only the fields given, and diffs the rest', () => {
    const actual = [record({ n: 1 }, { key: 'a', headers: { h: 'x' } }), record({ n: 2 }, { key: 'b' })];
    expect(comparePort('out', [{ value: { n: 1 } }, { key: 'b', value: { n: new Matcher('number') } }], actual).ok).toBe(true);
    const bad = comparePort('out', [{ value: { n: 1 } }, { key: 'b', value: { n: 3 } }], actual);
    expect(bad.ok).toBe(false);
    expect(bad.diff).toContain('--- expected out');
    expect(bad.diff).toContain('-    n: 3');
    expect(bad.diff).toContain('+    n: 2');
    expect(bad.diff).not.toContain('n: 1\n-');
  });

  it('counts missing and extra records as differences', () => {
    const missing = comparePort('out', [{ value: 1 }, { value: 2 }], [record(1)]);
    expect(missing).toMatchObject({ ok: false, expectedCount: 2, actualCount: 1 });
    expect(missing.diff).toContain('-- value: 2');
    const extra = comparePort('out', [], [record(1)]);
    expect(extra.ok).toBe(false);
    expect(extra.diff).toContain('+- key: k');
  });

  it('writes JUnit XML with one testcase per case, escaped', () => {
    const results = [
      {
        file: 'a.test.yaml',
        cases: [
          { name: 'ok <1>', where: 'a.test.yaml:2:5', ok: true, durationMs: 12, ports: [], problems: [] },
          { name: 'bad & "2"', where: 'a.test.yaml:9:5', ok: false, durationMs: 3, ports: [comparePort('out', [{ value: 1 }], [])], problems: [] },
        ],
        problems: [],
      },
      { file: 'b.test.yaml', cases: [], problems: ['b.test.yaml:1:1: cases: required field "cases" is missing'] },
    ];
    const xml = junitReport(results);
    expect(xml).toContain('<testsuites name="tributary test" tests="3" failures="1" errors="1">');
    expect(xml).toContain('<testcase classname="a.test.yaml" name="ok &lt;1&gt;" time="0.012"/>');
    expect(xml).toContain('name="bad &amp; &quot;2&quot;"');
    expect(xml).toContain('<failure message="out differ">out: 1 record(s) expected, 0 received');
    expect(xml).toContain('<error message="b.test.yaml:1:1: cases: required field &quot;cases&quot; is missing">');
    expect(textReport(results)).toContain('1 passed, 2 failed');
  });
});

describe('running cases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-flow-tests-'));
  writeFileSync(
    join(dir, 'shop.flow.yaml'),
    [
      'version: 1',
      'name: shop',
      'nodes:',
      '  - { id: orders, type: source.kafka, config: { brokers: ["${BROKER}"], topic: orders, groupId: g, format: json } }',
      "  - { id: price, type: transform.map, onError: drop, config: { expression: \"({ ...value, eur: value.cents / 100, at: Date.now(), today: new Date().toISOString().slice(0, 10), part: meta.partition })\" } }",
      '  - { id: large, type: transform.filter, config: { expression: "value.eur > 100" } }',
      '  - { id: strict, type: transform.validate, config: { schema: { type: object, required: [sku] } } }',
      '  - { id: out, type: sink.redis, config: { url: "redis://127.0.0.1:1", command: set, key: "value.sku" } }',
      '  - { id: dlq, type: sink.kafka, config: { brokers: ["${BROKER}"], topic: dlq } }',
      'edges:',
      '  - { from: orders, to: price }',
      '  - { from: price, to: large }',
      '  - { from: large, to: strict }',
      '  - { from: strict, to: out }',
      '  - { from: "strict:invalid", to: dlq }',
    ].join('\n'),
  );
  const NOW = '2026-12-01T17:00:00Z';
  const file = join(dir, 'shop.test.yaml');
  const cases = (eurOfLarge: number): string =>
    [
      'env: { BROKER: "127.0.0.1:1" }',
      'cases:',
      '  - name: large orders are priced, small ones filtered, bad ones to the dead-letter sink',
      `    now: ${NOW}`,
      '    inputs:',
      '      orders:',
      '        - { key: a, value: { sku: a, cents: 25000 }, partition: 1, offset: 10 }',
      '        - { key: b, value: { sku: b, cents: 500 }, partition: 1, offset: 11 }',
      '        - { key: c, value: { cents: 30000 }, partition: 0, offset: 7 }',
      '        - { key: d, value: null, partition: 0, offset: 8 }',
      '    expect:',
      '      out:',
      `        - { key: a, value: { sku: a, cents: 25000, eur: ${eurOfLarge}, at: ${Date.parse(NOW)}, today: "2026-12-01", part: 1 } }`,
      '      dlq:',
      '        - { key: c, value: { cents: 30000, eur: 300, at: !number , today: !string , part: 0 }, error: { nodeId: strict, code: !string , message: !regex sku } }',
      '      price.error:',
      '        - { key: d, error: { nodeId: price, code: !any , message: !regex "null" } }',
      '      large.error: []',
    ].join('\n');

  it('runs a case offline: recorded inputs in, sinks and error ports captured, time pinned', async () => {
    writeFileSync(file, cases(250));
    const result = await runTestFile(file, nodeRuntimes, silent);
    expect(result.problems).toEqual([]);
    expect(result.cases.map((c) => [c.name, c.ok, c.problems, c.ports.filter((p) => !p.ok)])).toEqual([
      ['large orders are priced, small ones filtered, bad ones to the dead-letter sink', true, [], []],
    ]);
    expect(allPassed([result])).toBe(true);
    expect(Date.now()).not.toBe(Date.parse(NOW));
  });

  it('fails a case whose expectation differs and says where', async () => {
    writeFileSync(file, cases(2.5));
    const result = await runTestFile(file, nodeRuntimes, silent);
    const c = result.cases[0]!;
    expect(c.ok).toBe(false);
    expect(c.where).toBe(`${file}:3:5`);
    const out = c.ports.find((p) => p.key === 'out')!;
    expect(out.ok).toBe(false);
    expect(out.diff).toContain('-    eur: 2.5');
    expect(out.diff).toContain('+    eur: 250');
    expect(allPassed([result])).toBe(false);
  });

  it('reports unknown node ids and a missing flow file', async () => {
    writeFileSync(file, 'env: { BROKER: "127.0.0.1:1" }\ncases:\n  - { name: x, inputs: { nope: [] }, expect: { large: [], ghost.error: [] } }\n');
    const result = await runTestFile(file, nodeRuntimes, silent);
    expect(result.cases[0]!.problems).toEqual([
      `${file}:3:5: inputs.nope: the flow has no source node "nope"`,
      `${file}:3:5: expect.large: neither a sink node nor "<node id>.error" of the flow`,
      `${file}:3:5: expect.ghost.error: neither a sink node nor "<node id>.error" of the flow`,
    ]);
    const orphan = join(dir, 'orphan.test.yaml');
    writeFileSync(orphan, 'cases:\n  - { name: x, inputs: {}, expect: {} }\n');
    expect((await runTestFile(orphan, nodeRuntimes, silent)).problems).toEqual([
      `${orphan}:1:1: no flow file for these tests: ${join(dir, 'orphan.flow.yaml')} or ${join(dir, 'orphan.flow.yml')} or ${join(dir, 'orphan.flow.json')} does not exist`,
    ]);
  });

  it('pins Date.now and new Date() until released', () => {
    const release = pinTime(1234);
    try {
      expect(Date.now()).toBe(1234);
      expect(new Date().getTime()).toBe(1234);
      expect(new Date(5).getTime()).toBe(5);
      expect(Date()).toBe(new Date(1234).toString());
      expect(new Date()).toBeInstanceOf(Date);
    } finally {
      release();
    }
    expect(Date.now()).toBeGreaterThan(1234);
  });
});

describe('capturing a case from samples', () => {
  const nodes = [
    { id: 'src', kind: 'source' as const },
    { id: 'keep', kind: 'transform' as const },
    { id: 'out', kind: 'sink' as const },
  ];
  const sample = (offset: number, extra: Partial<SampleRecord> = {}): SampleRecord => ({
    key: `k${offset}`,
    value: { n: offset },
    headers: {},
    timestamp: 1000 + offset,
    meta: { source: 'src', topic: 't', partition: 0, offset: String(offset) },
    ...extra,
  });
  const samplesOf = (id: string, input: SampleRecord[], output: (SampleRecord & { port: string })[]): NodeSamples => ({ nodeId: id, in: input, out: output });

  it('keeps inputs with the outputs joined to them by source, partition and offset', () => {
    const src = [0, 1, 2, 3].map((o) => ({ ...sample(o), port: 'out' }));
    const kept = [1, 3].map((o) => ({ ...sample(o, { value: { n: o, kept: true } }), port: 'out' }));
    const failed = { ...sample(2), port: 'error', error: { nodeId: 'keep', code: 'E_EXPRESSION', message: 'boom' } };
    const samples = new Map([
      ['src', samplesOf('src', [], src)],
      ['keep', samplesOf('keep', src, [...kept, failed])],
      ['out', samplesOf('out', kept, [])],
    ]);
    const captured = captureCase('c', 5000, nodes, samples, 20);
    expect(captured).toMatchObject({ inputs: 4, outputs: 3, leftOut: 0, unchecked: [] });
    expect(captured.testCase.now).toBe('1970-01-01T00:00:05.000Z');
    expect(captured.testCase.inputs.src!.map((r) => r.offset)).toEqual(['0', '1', '2', '3']);
    expect(captured.testCase.inputs.src![0]).toEqual({ key: 'k0', value: { n: 0 }, timestamp: 1000, topic: 't', partition: 0, offset: '0' });
    expect(captured.testCase.expect.out).toEqual([
      { key: 'k1', value: { n: 1, kept: true } },
      { key: 'k3', value: { n: 3, kept: true } },
    ]);
    expect(captured.testCase.expect['keep.error']).toEqual([{ key: 'k2', value: { n: 2 }, error: { nodeId: 'keep', code: 'E_EXPRESSION', message: 'boom' } }]);
  });

  it('leaves out inputs as old as the oldest record of a full ring, and outputs that join no sampled input', () => {
    // Ring size 3: the sink's ring is full from offset 1 on, so offsets 0 and 1 may have lost outputs.
    const src = [0, 1, 2, 3].map((o) => ({ ...sample(o), port: 'out' }));
    const out = [1, 2, 3].map((o) => sample(o));
    const aggregate = { ...sample(99, { meta: { source: 'src' }, timestamp: 5 }), port: 'out' };
    const samples = new Map([
      ['src', samplesOf('src', [], src)],
      ['keep', samplesOf('keep', src.slice(1), [aggregate])],
      ['out', samplesOf('out', out, [])],
    ]);
    const captured = captureCase('c', 0, nodes, samples, 3);
    expect(captured.testCase.inputs.src!.map((r) => r.offset)).toEqual(['2', '3']);
    expect(captured.testCase.expect.out!.map((r) => r.key)).toEqual(['k2', 'k3']);
    expect(captured.leftOut).toBe(2 + 1);
  });

  it('cuts per partition: partitions interleave differently at a sink than at the source', () => {
    const at = (partition: number, offset: number): SampleRecord => sample(offset, { key: `p${partition}-${offset}`, meta: { source: 'src', topic: 't', partition, offset: String(offset) } });
    // Source order p0-1, p1-1, p0-2, p1-2, p0-3; the sink (ring of 4, full) wrote p1-1 before p0-2: p0-1 may be gone
    // from it although it is older than p1-1 at the source, and the oldest group of each partition in the ring may be
    // partial, so p0-1, p0-2 and p1-1 are left out.
    const src = [at(0, 1), at(1, 1), at(0, 2), at(1, 2), at(0, 3)].map((r) => ({ ...r, port: 'out' }));
    const sink = [at(1, 1), at(0, 2), at(1, 2), at(0, 3)];
    const samples = new Map([
      ['src', samplesOf('src', [], src)],
      ['keep', samplesOf('keep', src, [])],
      ['out', samplesOf('out', sink, [])],
    ]);
    const captured = captureCase('c', 0, nodes, samples, 4);
    expect(captured.testCase.inputs.src!.map((r) => r.key)).toEqual(['p1-2', 'p0-3']);
    expect(captured.testCase.expect.out!.map((r) => r.key)).toEqual(['p1-2', 'p0-3']);
  });

  it('does not check the sinks and error ports of windows and of what is downstream of them', () => {
    const src = [{ ...sample(0), port: 'out' }];
    const samples = new Map([
      ['src', samplesOf('src', [], src)],
      ['keep', samplesOf('keep', src, [{ ...sample(0, { timestamp: 10_000 }), port: 'out' }])],
      ['out', samplesOf('out', [sample(0, { timestamp: 10_000 })], [])],
    ]);
    const captured = captureCase('c', 0, [nodes[0]!, { id: 'keep', kind: 'transform', aggregated: true }, { id: 'out', kind: 'sink', aggregated: true }], samples, 20);
    expect(captured.unchecked).toEqual(['keep.error', 'out']);
    expect(captured.testCase.expect).toEqual({});
    expect(captured.testCase.inputs.src!.map((r) => r.key)).toEqual(['k0']);
  });

  it("leaves out what a sink's target refused: a test's sinks accept every record", () => {
    const src = [0, 1].map((o) => ({ ...sample(o), port: 'out' }));
    const refused = { ...sample(1), port: 'error', error: { nodeId: 'out', code: 'E_SINK', message: 'refused' } };
    const samples = new Map([
      ['src', samplesOf('src', [], src)],
      ['keep', samplesOf('keep', src, src)],
      ['out', samplesOf('out', src, [refused])],
    ]);
    const captured = captureCase('c', 0, nodes, samples, 20);
    expect(captured.testCase.expect['out.error']).toBeUndefined();
    expect(captured.testCase.expect.out!.map((r) => r.key)).toEqual(['k0', 'k1']);
    expect(captured).toMatchObject({ inputs: 2, leftOut: 1 });
  });

  it('leaves out a group with a truncated value', () => {
    const src = [{ ...sample(0), port: 'out' }, { ...sample(1, { truncated: true }), port: 'out' }];
    const samples = new Map([
      ['src', samplesOf('src', [], src)],
      ['keep', samplesOf('keep', src, src)],
      ['out', samplesOf('out', src, [])],
    ]);
    const captured = captureCase('c', 0, nodes, samples, 20);
    expect(captured.testCase.inputs.src!.map((r) => r.offset)).toEqual(['0']);
    expect(captured.testCase.expect.out!.map((r) => r.key)).toEqual(['k0']);
  });
});

describe('tributary test arguments', () => {
  it('finds test files from directories (recursively), flow files and test files, and names what has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-flow-tests-args-'));
    mkdirSync(join(dir, 'sub', 'node_modules'), { recursive: true });
    for (const name of ['a.test.yaml', 'a.flow.yaml', 'b.flow.yaml', 'sub/c.test.yml', 'sub/node_modules/d.test.yaml']) writeFileSync(join(dir, name), '');
    expect(await resolveTestFiles([dir])).toEqual({ files: [join(dir, 'a.test.yaml'), join(dir, 'sub', 'c.test.yml')], missing: [] });
    expect(await resolveTestFiles([join(dir, 'a.flow.yaml'), join(dir, 'a.test.yaml')])).toEqual({ files: [join(dir, 'a.test.yaml')], missing: [] });
    expect(await resolveTestFiles([join(dir, 'b.flow.yaml'), join(dir, 'nope')])).toEqual({
      files: [],
      missing: [`${join(dir, 'b.flow.yaml')}: no test file ${join(dir, 'b.test.yaml')} next to it`, `${join(dir, 'nope')}: no such file or directory`],
    });
  });
});

describe('Save as test case (backend half)', () => {
  const flow = [
    'version: 1',
    'name: gen',
    'nodes:',
    '  - { id: gen, type: source.generator, config: { count: 0, ratePerSecond: 5, value: "({ n: i })" } }',
    '  - { id: keep, type: transform.filter, config: { expression: "value.n % 2 === 0" } }',
    '  - { id: out, type: sink.console, config: {} }',
    'edges:',
    '  - { from: gen, to: keep }',
    '  - { from: keep, to: out }',
  ].join('\n');
  const rec = (n: number): SampleRecord => ({ key: null, value: { n }, headers: {}, timestamp: 1000 + n, meta: { source: 'gen' } });
  const samples: Record<string, NodeSamples> = {
    gen: { nodeId: 'gen', in: [], out: [0, 1, 2].map((n) => ({ ...rec(n), port: 'out' })) },
    keep: { nodeId: 'keep', in: [0, 1, 2].map(rec), out: [0, 2].map((n) => ({ ...rec(n), port: 'out' })) },
    out: { nodeId: 'out', in: [0, 2].map(rec), out: [] },
  };
  const source = (answer: boolean) => ({
    running: true,
    env: {},
    subscribe: (nodeId: string, listener: (s: NodeSamples) => void) => {
      if (answer) queueMicrotask(() => listener(samples[nodeId]!));
      return () => undefined;
    },
  });

  it('appends a case that tributary test passes, and refuses the same name again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-save-case-'));
    const path = join(dir, 'gen.flow.yaml');
    writeFileSync(path, flow);
    const saved = await saveTestCase(flow, path, ' even numbers ', source(true));
    expect(saved).toEqual({ file: join(dir, 'gen.test.yaml'), name: 'even numbers', inputs: 3, outputs: 2, leftOut: 0, unchecked: [] });
    expect(readFileSync(saved.file, 'utf8')).toContain('name: even numbers');
    const result = await runTestFile(saved.file, nodeRuntimes, silent);
    expect(result.cases.map((c) => [c.name, c.ok])).toEqual([['even numbers', true]]);
    await expect(saveTestCase(flow, path, 'even numbers', source(true))).rejects.toThrow('a case named "even numbers" exists already');
  });

  it('refuses without a run, and says which node sent no samples', async () => {
    await expect(saveTestCase(flow, '/x/gen.flow.yaml', 'c', { ...source(true), running: false })).rejects.toThrow('run the flow first');
    vi.useFakeTimers();
    try {
      const pending = saveTestCase(flow, '/x/gen.flow.yaml', 'c', source(false));
      const check = expect(pending).rejects.toThrow('the runtime did not send the samples of gen, keep, out within 3000 ms');
      await vi.advanceTimersByTimeAsync(3000);
      await check;
    } finally {
      vi.useRealTimers();
    }
  });
});

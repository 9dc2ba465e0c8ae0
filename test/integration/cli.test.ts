// `tributary validate` and `tributary preview` as a user runs them: problems as file:line:col lines and as JSON, every
// problem of a file at once (missing variables too), --env-file, and the log settings of run and preview.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createTopic, kafkaBrokers, redisUrl, testRedis, uniqueName } from '../support/services';
import { countKeys, runCli, seedTopic, tempDir, writeFlow, killAllCli } from '../support/runtime';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

describe('tributary validate', () => {
  afterEach(killAllCli);
  const dir = tempDir();

  it('accepts a valid flow with exit code 0', async () => {
    const result = await runCli(['validate', 'examples/demo.flow.yaml']);
    expect(result.stdout).toContain('examples/demo.flow.yaml: valid (4 nodes, 3 edges)');
    expect(result.code).toBe(0);
  });

  it('names every problem of a broken flow at once: cycle, unknown type, bad field, missing env var', async () => {
    const file = join(dir, 'broken.flow.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'name: broken',
        'nodes:',
        '  - id: gen',
        '    type: source.generator',
        '    config: { ratePerSecond: -5 }',
        '  - id: a',
        '    type: transform.map',
        '    config: { expression: "value.x +" }',
        '  - id: b',
        '    type: transform.filter',
        '    config: { expression: "true" }',
        '  - id: weird',
        '    type: transform.frobnicate',
        '  - id: out',
        '    type: sink.redis',
        '    config: { url: "${TRIBUTARY_TEST_UNSET_VAR}", command: set, key: "value.id" }',
        'edges:',
        '  - { from: gen, to: a }',
        '  - { from: a, to: b }',
        '  - { from: b, to: a }',
        '  - { from: b, to: out }',
        '',
      ].join('\n'),
    );
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(1);
    // The missing variable is reported together with every other problem (the compiler still runs).
    const expectAll = (lines: string[]): void => {
      expect(lines.some((l) => l.startsWith(`${file}:6:`) && /: node gen: config\.ratePerSecond: .*\[E_CONFIG\]$/.test(l))).toBe(true);
      expect(lines.some((l) => /: node a: config\.expression: .*column 10.*\[E_EXPRESSION\]$/.test(l))).toBe(true);
      expect(lines.some((l) => /: node weird: .*transform\.frobnicate.*\[E_CONFIG\]$/.test(l))).toBe(true);
      expect(lines.some((l) => /cycle/.test(l) && /a -> b -> a|b -> a -> b/.test(l) && /\[E_GRAPH\]$/.test(l))).toBe(true);
      for (const line of lines) expect(line).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:(\\d+:(\\d+:)?)? `));
    };
    const first = result.stdout.trim().split('\n');
    expect(first.some((l) => l.startsWith(`${file}:17:`) && /: node out: config\.url: .*TRIBUTARY_TEST_UNSET_VAR.*\[E_ENV\]$/.test(l))).toBe(true);
    expectAll(first);

    writeFileSync(file, readFileSync(file, 'utf8').replace('${TRIBUTARY_TEST_UNSET_VAR}', 'redis://127.0.0.1:6379'));
    const second = await runCli(['validate', file]);
    expect(second.code).toBe(1);
    const lines = second.stdout.trim().split('\n');
    expect(lines.some((l) => /TRIBUTARY_TEST_UNSET_VAR/.test(l))).toBe(false);
    expectAll(lines);
  });

  // A flow with a missing variable and three other problems, one per line, so that each is told by its place.
  const FOUR_PROBLEMS = [
    'version: 1',
    'name: four',
    'nodes:',
    '  - id: gen',
    '    type: source.generator',
    '    config: { ratePerSecond: -5 }',
    '  - id: out',
    '    type: sink.redis',
    '    config:',
    '      url: "${TRIBUTARY_TEST_UNSET_VAR}"',
    '      command: set',
    '      key: "value.id"',
    '      ttlSeconds: "soon"',
    'edges:',
    '  - { from: gen, to: out }',
    '  - { from: gen, to: nowhere }',
    '',
  ].join('\n');

  it('--format json lists a missing variable and three other problems, each with line and column', async () => {
    const file = join(dir, 'four.flow.yaml');
    writeFileSync(file, FOUR_PROBLEMS);
    const result = await runCli(['validate', '--format', 'json', file]);
    expect(result.code).toBe(1);
    const reports = JSON.parse(result.stdout) as Record<string, unknown>[];
    const brief = reports.map((r) => [r.line, r.column, r.node, r.field, r.code, r.severity]);
    expect(brief).toEqual(
      expect.arrayContaining([
        [6, 30, 'gen', 'config.ratePerSecond', 'E_CONFIG', 'error'],
        [10, 12, 'out', 'config.url', 'E_ENV', 'error'],
        [13, 19, 'out', 'config.ttlSeconds', 'E_CONFIG', 'error'],
        [16, 22, null, 'edges[1].to', 'E_GRAPH', 'error'],
      ]),
    );
    expect(reports).toHaveLength(4);
    for (const report of reports) {
      expect(report.file).toBe(file);
      expect(typeof report.message).toBe('string');
    }
    expect(reports.find((r) => r.code === 'E_ENV')!.message).toBe('environment variable TRIBUTARY_TEST_UNSET_VAR is not set and has no default');
  });

  it('--format json on valid files prints an empty array and exits 0; on several files names each file', async () => {
    const valid = await runCli(['validate', '--format', 'json', 'examples/demo.flow.yaml']);
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toEqual([]);
    const file = join(dir, 'four-again.flow.yaml');
    writeFileSync(file, FOUR_PROBLEMS);
    const both = await runCli(['validate', '--format', 'json', 'examples/demo.flow.yaml', file, join(dir, 'absent.flow.yaml')]);
    expect(both.code).toBe(1);
    const reports = JSON.parse(both.stdout) as { file: string; code: string; line: number | null }[];
    expect(reports.filter((r) => r.file === file)).toHaveLength(4);
    expect(reports.filter((r) => r.file.endsWith('absent.flow.yaml'))).toEqual([
      expect.objectContaining({ code: 'E_FLOW_PARSE', line: null, column: null, node: null, field: null, severity: 'error' }),
    ]);
    expect(reports.some((r) => r.file === 'examples/demo.flow.yaml')).toBe(false);
  });

  it('refuses ${VAR:default} (the Redpanda Connect form) with the ${VAR:-default} spelling, even when the variable is set', async () => {
    const file = join(dir, 'redpanda.flow.yaml');
    writeFileSync(file, readFileSync('examples/demo.flow.yaml', 'utf8').replace(/^name: .*$/m, 'name: "${FLOW_NAME:demo}"'));
    for (const env of [{}, { FLOW_NAME: 'set' }] as Record<string, string>[]) {
      const result = await runCli(['validate', file], env);
      expect(result.code).toBe(1);
      expect(result.stdout.trim()).toBe(
        `${file}:5:7: flow: name: \${FLOW_NAME:demo} is not a supported reference (the Redpanda Connect default form); write \${FLOW_NAME:-demo} for a default [E_ENV]`,
      );
    }
    writeFileSync(file, readFileSync(file, 'utf8').replace('${FLOW_NAME:demo}', '${FLOW_NAME:-demo}'));
    expect((await runCli(['validate', file])).code).toBe(0);
  });

  it('--env-file loads variables for ${VAR} references (variables already set win)', async () => {
    const file = join(dir, 'env-file.flow.yaml');
    writeFileSync(file, FOUR_PROBLEMS);
    const envFile = join(dir, 'test.env');
    writeFileSync(envFile, '# the Redis of the test\nTRIBUTARY_TEST_UNSET_VAR="redis://127.0.0.1:6379"\n');
    const result = await runCli(['validate', '--format', 'json', '--env-file', envFile, file]);
    expect(result.code).toBe(1);
    const reports = JSON.parse(result.stdout) as { code: string; field: string }[];
    expect(reports.map((r) => r.field)).not.toContain('config.url');
    expect(reports).toHaveLength(3);
    // A variable set in the environment is not replaced by the file's: here an invalid URL, reported as such.
    const overridden = await runCli(['validate', '--format', 'json', '--env-file', envFile, file], { TRIBUTARY_TEST_UNSET_VAR: 'not a url' });
    const url = (JSON.parse(overridden.stdout) as { code: string; field: string }[]).filter((r) => r.field === 'config.url');
    expect(url).toEqual([expect.objectContaining({ code: 'E_CONFIG' })]);
  });

  it('a missing --env-file is one line naming the file, and no validation', async () => {
    const missing = join(dir, 'absent.env');
    const result = await runCli(['validate', '--env-file', missing, 'examples/demo.flow.yaml']);
    // Node.js itself checks an `--env-file` argument even after the script name and exits 9 with `node: <file>: not
    // found` before tributary starts (20.20 and 24.22); tributary's own check (exit 2) is tested in cli-env-file.test.ts.
    expect([2, 9]).toContain(result.code);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(missing);
    expect(result.stdout).toBe('');
  });

  it('warnings print as file:line:col: warning: ... and do not fail validate', async () => {
    const file = join(dir, 'warning.flow.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'name: warned',
        'nodes:',
        '  - { id: gen, type: source.generator, config: { count: 1 } }',
        '  - id: route',
        '    type: transform.route',
        '    config: { routes: [{ port: eu, expression: "true" }, { port: us, expression: "false" }] }',
        '  - { id: out, type: sink.console }',
        'edges:',
        '  - { from: gen, to: route }',
        '  - { from: "route:eu", to: out }',
        '',
      ].join('\n'),
    );
    const text = await runCli(['validate', file]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.some((l) => new RegExp(`^${file}:\\d+:\\d+: warning: node route: .*"us".*\\[E_GRAPH\\]$`).test(l))).toBe(true);
    // The summary line, then the delivery guarantee of each sink under it.
    expect(lines.find((l) => l.startsWith(`${file}: `))).toMatch(/: valid \(3 nodes, 2 edges\)$/);
    expect(lines.slice(-2)).toEqual(['  delivery at-least-once, per sink:', '  out (sink.console): at-least-once: duplicates after a crash (a replay prints the records again)']);
    const json = await runCli(['validate', '--format', 'json', file]);
    expect(json.code).toBe(0);
    const reports = JSON.parse(json.stdout) as { severity: string; node: string }[];
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.every((r) => r.severity === 'warning')).toBe(true);
  });
});

describe('log settings', () => {
  afterEach(killAllCli);

  it('a wrong LOG_LEVEL, LOG_FORMAT or --log-level prints one line naming the allowed values and exits 2, before loading the flow', async () => {
    const levels = 'trace, debug, info, warn, error, fatal, silent';
    const env = await runCli(['run', 'examples/demo.flow.yaml'], { LOG_LEVEL: 'verbos' });
    expect(env.code).toBe(2);
    expect(env.stderr).toBe(`tributary: LOG_LEVEL=verbos is not a log level; use one of ${levels}\n`);
    expect(env.stdout).toBe('');
    const format = await runCli(['preview', 'examples/demo.flow.yaml'], { LOG_FORMAT: 'text' });
    expect(format.code).toBe(2);
    expect(format.stderr).toBe('tributary: LOG_FORMAT=text is not a log format; use one of json, pretty\n');
    const flag = await runCli(['run', 'examples/demo.flow.yaml', '--log-level', 'verbos']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    expect(flag.stderr).toContain(levels);
  });

  it('logs JSON lines with the level by name when stderr is no terminal, pretty lines with --log-format pretty', async () => {
    const json = await runCli(['preview', 'examples/demo.flow.yaml', '--records', '2', '--log-level', 'info']);
    expect(json.code).toBe(0);
    const entries = json.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: unknown; msg: unknown });
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(entry.level);
    expect(entries.some((e) => e.level === 'info')).toBe(true);
    // --log-level wins over LOG_LEVEL; warn hides the info lines.
    const quiet = await runCli(['preview', 'examples/demo.flow.yaml', '--records', '2', '--log-level', 'warn'], { LOG_LEVEL: 'debug' });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const pretty = await runCli(['preview', 'examples/demo.flow.yaml', '--records', '2'], { LOG_FORMAT: 'pretty' });
    expect(pretty.code).toBe(0);
    expect(pretty.stderr).toMatch(/INFO.*: .*started/);
    expect(pretty.stderr.split('\n')[0]!.startsWith('{')).toBe(false);
  });
});

describe('tributary preview', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('prints every node\'s input and output for N records and writes nothing to Redis', async () => {
    const topic = uniqueName('preview');
    await createTopic(topic, 4);
    await seedTopic(topic, 100, (i) => ({ id: i, amount: i * 10 }));
    const flowFile = writeFlow(tempDir(), 'preview.flow.yaml', {
      version: 1,
      name: 'preview',
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId: `${topic}-group`, fromBeginning: true } },
        { id: 'euros', type: 'transform.map', config: { expression: '({ id: value.id, eur: value.amount / 100 })' } },
        { id: 'big', type: 'transform.filter', config: { expression: 'value.eur >= 0.5' } },
        { id: 'store', type: 'sink.redis', config: { url: redisUrl, command: 'set', key: `'${topic}:' + value.id` } },
      ],
      edges: [
        { from: 'orders', to: 'euros' },
        { from: 'euros', to: 'big' },
        { from: 'big', to: 'store' },
      ],
    });
    const result = await runCli(['preview', flowFile, '--records', '10', '--json']);
    expect(result.code).toBe(0);
    const preview = JSON.parse(result.stdout) as { nodes: { id: string; in: { value: { id: number } }[]; out: { port: string; value: { id: number; eur: number } }[] }[] };
    const byId = new Map(preview.nodes.map((n) => [n.id, n]));
    expect(byId.get('orders')!.out).toHaveLength(10);
    expect(byId.get('euros')!.in).toHaveLength(10);
    expect(byId.get('euros')!.out).toHaveLength(10);
    for (const r of byId.get('euros')!.out) expect(r.value.eur).toBe(r.value.id / 10);
    const kept = byId.get('euros')!.out.filter((r) => r.value.eur >= 0.5).length;
    expect(byId.get('big')!.out).toHaveLength(kept);
    expect(byId.get('store')!.in).toHaveLength(kept);
    expect(await countKeys(redis, `${topic}:*`)).toBe(0);

    const text = await runCli(['preview', flowFile, '--records', '5']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('== euros (transform.map): 5 in, 5 out');
    expect(text.stdout).toContain('Preview wrote nothing to any sink.');
    expect(await countKeys(redis, `${topic}:*`)).toBe(0);
  });
});

// Hostile flow files through `tributary validate` and `tributary run`: alias bombs, recursive aliases, 100,000 nodes,
// `__proto__` keys, a 50 MB file, invalid UTF-8, an endless loop in an expression and wrong types. Each is refused
// with exit 1 and one line per problem (file:line:col ... [E_CODE]), no stack trace, within a time limit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllCli, startCli, tempDir } from '../support/runtime';
import { reportReliability } from '../support/fault-pipeline';

/** Longest a refusal may take, start-up of the CLI included, on a machine shared with other test runs (ms). */
const LIMIT_MS = 120_000;

const dir = tempDir('tributary-faults-hostile-');

/** Ten levels of ten aliases each: 10^10 strings once expanded ("billion laughs"). */
function aliasBomb(): string {
  const lines = ['version: 1', 'name: laughs', 'a0: &a0 "lol"'];
  for (let level = 1; level <= 10; level++) lines.push(`a${level}: &a${level} [${Array(10).fill(`*a${level - 1}`).join(', ')}]`);
  lines.push('nodes: []');
  return lines.join('\n') + '\n';
}

/** `count` nodes in flow style, small enough to pass the size limit. */
function manyNodes(count: number): string {
  const lines = ['version: 1', 'name: many', 'nodes:'];
  for (let i = 0; i < count; i++) lines.push(`- {id: n${i}, type: source.generator}`);
  return lines.join('\n') + '\n';
}

/** The hostile files: name and content. */
const FILES: { name: string; content: string | Buffer }[] = [
  { name: 'alias-bomb', content: aliasBomb() },
  { name: 'recursive-alias', content: 'version: 1\nname: loop\nnodes: &n [ {id: gen, type: source.generator}, *n ]\n' },
  { name: 'nodes-100000', content: manyNodes(100_000) },
  {
    name: 'proto-keys',
    content:
      'version: 1\nname: proto\nsettings:\n  __proto__: {batchSize: 1}\nnodes:\n  - id: gen\n    type: source.generator\n    config:\n      constructor: {prototype: {polluted: true}}\n',
  },
  { name: 'file-50mb', content: `version: 1\nname: big\ndescription: "${'x'.repeat(50 * 1024 * 1024)}"\nnodes: []\n` },
  { name: 'invalid-utf8', content: Buffer.concat([Buffer.from('version: 1\nname: "bad '), Buffer.from([0xff, 0xfe]), Buffer.from('"\nnodes: []\n')]) },
  {
    // Refused by the expression check (H2's test/integration/runaway-expression.test.ts stops what slips past it).
    name: 'endless-loop',
    content:
      'version: 1\nname: endless\nnodes:\n  - {id: gen, type: source.generator}\n  - {id: spin, type: transform.map, config: {expression: "(() => { while (true) {} })()"}}\n  - {id: out, type: sink.console}\nedges:\n  - {from: gen, to: spin}\n  - {from: spin, to: out}\n',
  },
  {
    name: 'wrong-types',
    content: 'version: "1"\nname: 7\nsettings: {batchSize: many, shutdownTimeoutMs: -5}\nnodes:\n  - id: gen\n    type: source.generator\n    config: {ratePerSecond: fast}\nedges: 5\n',
  },
];

/** Runs `tributary <args>`, killed after {@link LIMIT_MS}; resolves with the exit, both outputs and the time taken. */
async function runWithin(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string; ms: number; timedOut: boolean }> {
  const started = Date.now();
  const run = startCli(args, { LOG_LEVEL: 'info' });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    run.child.kill('SIGKILL');
  }, LIMIT_MS);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, ...run.output, ms: Date.now() - started, timedOut };
}

describe('hostile flow files', () => {
  afterEach(killAllCli);

  it('validate and run refuse each with exit 1, one line per problem, no stack trace, no hang', async () => {
    const measured: Record<string, { command: string; exit: number | string; ms: number; lines: number; first: string }[]> = {};
    const failures: string[] = [];
    for (const { name, content } of FILES) {
      const file = join(dir, `${name}.flow.yaml`);
      writeFileSync(file, content);
      measured[name] = [];
      for (const command of ['validate', 'run']) {
        const result = await runWithin([command, file]);
        const lines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
        measured[name].push({ command, exit: result.code, ms: result.ms, lines: lines.length, first: (lines[0] ?? '').slice(0, 160) });
        const where = `${command} ${name}`;
        if (result.timedOut) failures.push(`${where}: still running after ${LIMIT_MS} ms`);
        if (result.code !== 1) failures.push(`${where}: exit ${result.code}, expected 1`);
        if (lines.length === 0) failures.push(`${where}: printed nothing`);
        const stack = lines.find((line) => /^\s+at /.test(line));
        if (stack !== undefined) failures.push(`${where}: stack trace line ${stack}`);
        // Every line names the file, with the line and column unless the problem is the whole file (its size), and
        // ends with the problem's code.
        const located = new RegExp(`${name}\\.flow\\.yaml:(\\d+:\\d+:)? .*\\[E_[A-Z_]+\\]$`);
        const unlocated = lines.find((line) => !located.test(line));
        if (unlocated !== undefined) failures.push(`${where}: a line without file:line:col or [E_CODE]: ${unlocated.slice(0, 200)}`);
      }
    }
    reportReliability('hostile flow files (validate, run)', `exit 1, one line per problem, no stack trace, each within ${LIMIT_MS / 1000} s`, {
      files: FILES.length,
      failures: failures.length,
      maxMs: Math.max(...Object.values(measured).flatMap((runs) => runs.map((r) => r.ms))),
      byFile: Object.fromEntries(Object.entries(measured).map(([name, runs]) => [name, runs.map((r) => `${r.command}: exit ${r.exit}, ${r.lines} line(s), ${r.ms} ms`)])),
    });
    expect(failures).toEqual([]);
  });
});

// The block watchdog (runtime/engine/watchdog.ts): a child process whose event loop a catastrophic regular expression
// blocks is stopped with exit code 4 and one line naming the node and its expression; a loop blocked in native code is
// killed; a busy but responsive loop is left alone. The engine marks the running node once per batch per node.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema, type FlowInput } from '../../runtime/common/flow';
import { Engine } from '../../runtime/engine/engine';
import { KILL_GRACE_MS, WATCHDOG_EXIT_CODE, blockedMessage, watchedNodes, type RunningNodeMark } from '../../runtime/engine/watchdog';

const CHILD = resolve(import.meta.dirname, '../support/blocking-child.ts');

/** What a blocking child did: its exit code or signal, stdout and stderr, and ms from "blocking" to its exit. */
interface ChildResult {
  exit: number | string;
  stdout: string;
  stderr: string;
  stoppedAfterMs: number | undefined;
}

function runChild(scenario: string, maxBlockMs: number, format: 'json' | 'text'): Promise<ChildResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, scenario, String(maxBlockMs), format], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => {
    child.on('exit', (code, signal) => {
      const blockedAt = /blocking (\d+)/.exec(stdout)?.[1];
      done({ exit: code ?? signal ?? 'unknown', stdout, stderr, stoppedAfterMs: blockedAt === undefined ? undefined : Date.now() - Number(blockedAt) });
    });
  });
}

function plan(flow: FlowInput) {
  const compiled = compileFlow(FlowSchema.parse(flow), specRegistry);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.plan;
}

describe('Watchdog in a blocked process', { timeout: 30_000 }, () => {
  it('stops a loop blocked by a catastrophic regex within maxBlockMs + 1 s: exit code 4, one text line naming the node', async () => {
    const result = await runChild('regex', 1000, 'text');
    expect(result.exit).toBe(WATCHDOG_EXIT_CODE);
    expect(result.stdout).not.toContain('the event loop came back');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^node upper \(transform\.map\) blocked the event loop for \d+ ms \(settings\.maxBlockMs 1000\): config\.expression: \/\(a\+\)\+\$\/\.test\(value\.s\) — stopping the runtime; the records in flight are replayed on restart$/,
    );
    const blockedMs = Number(/for (\d+) ms/.exec(lines[0]!)![1]);
    expect(blockedMs).toBeGreaterThanOrEqual(1000);
    // Behaviour, not speed: it was stopped, not left running (the bound of the issue: maxBlockMs plus one second).
    expect(result.stoppedAfterMs).toBeLessThan(1000 + 1000);
  });

  it('writes the line as one pino-like JSON object with --log-format json', async () => {
    const result = await runChild('regex', 500, 'json');
    expect(result.exit).toBe(WATCHDOG_EXIT_CODE);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'fatal',
      event: 'blocked',
      node: 'upper',
      type: 'transform.map',
      expression: 'config.expression: /(a+)+$/.test(value.s)',
      maxBlockMs: 500,
    });
    expect(typeof entry.time).toBe('number');
    expect(entry.blockedMs as number).toBeGreaterThanOrEqual(500);
    expect(entry.msg).toBe(blockedMessage({ node: { id: 'upper', type: 'transform.map', code: 'config.expression: /(a+)+$/.test(value.s)' }, blockedMs: entry.blockedMs as number, maxBlockMs: 500 }));
  });

  it('names the node marked before when a nested call returned, and says so when no node was marked', async () => {
    const nested = await runChild('nested', 500, 'text');
    expect(nested.exit).toBe(WATCHDOG_EXIT_CODE);
    expect(nested.stderr).toMatch(/^node upper \(transform\.map\) blocked/);
    const outside = await runChild('outside', 500, 'text');
    expect(outside.exit).toBe(WATCHDOG_EXIT_CODE);
    expect(outside.stderr.trim()).toMatch(
      /^the event loop was blocked outside any transform or sink \(in a source, gen \(source\.generator\): config\.value: \(\{ s: "a"\.repeat\(40\) \+ "b" \}\), or a library\) for \d+ ms \(settings\.maxBlockMs 500\) — stopping/,
    );
  });

  it('kills a process blocked in native code (no interrupt taken) with SIGKILL after its line', async () => {
    const result = await runChild('native', 500, 'text');
    expect(result.exit).toBe('SIGKILL');
    expect(result.stderr.trim()).toMatch(/^node out \(sink\.file\) blocked the event loop for \d+ ms \(settings\.maxBlockMs 500\) — stopping/);
    expect(result.stoppedAfterMs).toBeLessThan(500 + KILL_GRACE_MS + 1000);
  });

  it('leaves a busy but responsive loop alone and does not keep the process alive', async () => {
    const result = await runChild('idle', 1000, 'text');
    expect(result.exit).toBe(0);
    expect(result.stdout).toContain('done');
    expect(result.stderr).toBe('');
  });
});

describe('settings.maxBlockMs', () => {
  const settings = (maxBlockMs: unknown) => FlowSchema.safeParse({ version: 1, name: 't', settings: { maxBlockMs }, nodes: [] });

  it('defaults to 10 s, takes 0 (off) and 100 ms up to 10 minutes', () => {
    expect(FlowSchema.parse({ version: 1, name: 't', nodes: [] }).settings.maxBlockMs).toBe(10_000);
    for (const ms of [0, 100, 2000, 600_000]) expect(settings(ms).success).toBe(true);
  });

  it('refuses values that would stop a healthy run (a GC pause) or are not whole ms', () => {
    const refused = settings(50);
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['settings', 'maxBlockMs'], message: 'maxBlockMs is 0 (off) or at least 100 ms' });
    for (const ms of [-1, 1.5, 600_001, '2000']) expect(settings(ms).success).toBe(false);
  });
});

describe('watchedNodes', () => {
  it("lists every node in plan order with its expressions' paths and text", () => {
    const nodes = watchedNodes(
      plan({
        version: 1,
        name: 't',
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 1, value: '({ s: "a" })' } },
          { id: 'upper', type: 'transform.map', config: { expression: '/(a+)+$/.test(value.s)', key: 'String(value.s)' } },
          { id: 'out', type: 'sink.file', config: { path: '/tmp/never-written.jsonl' } },
        ],
        edges: [
          { from: 'gen', to: 'upper' },
          { from: 'upper', to: 'out' },
        ],
      }),
    );
    expect(nodes).toEqual([
      { id: 'gen', type: 'source.generator', code: 'config.value: ({ s: "a" })' },
      { id: 'upper', type: 'transform.map', code: 'config.expression: /(a+)+$/.test(value.s); config.key: String(value.s)' },
      { id: 'out', type: 'sink.file', code: '' },
    ]);
  });

  it('cuts a long expression', () => {
    const long = `value.s + ${'"x" + '.repeat(200)}"y"`;
    const [, map] = watchedNodes(
      plan({
        version: 1,
        name: 't',
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 1 } },
          { id: 'm', type: 'transform.map', config: { expression: long } },
          { id: 'out', type: 'sink.file', config: { path: '/tmp/never-written.jsonl' } },
        ],
        edges: [
          { from: 'gen', to: 'm' },
          { from: 'm', to: 'out' },
        ],
      }),
    );
    expect(map!.code.endsWith('…')).toBe(true);
    expect(map!.code.length).toBe(301);
  });
});

describe('Engine marks for the watchdog', () => {
  it('marks each transform and sink once per batch, by its index in plan.nodes, and leaves after each call', async () => {
    const marks: string[] = [];
    let current = -1;
    const mark: RunningNodeMark = {
      enter: (index) => {
        marks.push(`enter ${index}`);
        const previous = current;
        current = index;
        return previous;
      },
      leave: (previous) => {
        marks.push(`leave ${previous}`);
        current = previous;
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'tributary-watchdog-'));
    const engine = new Engine(
      plan({
        version: 1,
        name: 't',
        settings: { batchSize: 50 },
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 100, ratePerSecond: 0, value: '({ id: i })' } },
          { id: 'double', type: 'transform.map', config: { expression: '({ id: value.id * 2 })' } },
          { id: 'out', type: 'sink.file', config: { path: join(dir, 'out.jsonl') } },
        ],
        edges: [
          { from: 'gen', to: 'double' },
          { from: 'double', to: 'out' },
        ],
      }),
      { runtimes: nodeRuntimes, logger: pino({ level: 'silent' }), watchdog: mark },
    );
    await engine.run();
    // 100 records in batches of 50: two batches, each through the map (index 1) and the sink (index 2).
    expect(marks.filter((m) => m === 'enter 1')).toHaveLength(2);
    expect(marks.filter((m) => m === 'enter 2')).toHaveLength(2);
    expect(marks.filter((m) => m.startsWith('leave'))).toHaveLength(4);
    expect(current).toBe(-1);
  });
});

// Runaway code is contained (issue #14): an endless loop in an expression is refused by `tributary validate`; a
// transform that slips past the expression check and blocks the event loop (a catastrophic regular expression) is
// stopped by the watchdog within settings.maxBlockMs plus one second, with exit code 4 and a line naming the node and
// its expression, in `tributary run`, under SIGTERM, in the studio's run and in its preview.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../runtime/common/studio-api';
import { WATCHDOG_EXIT_CODE } from '../../runtime/engine/watchdog';
import { PREVIEW_TIMEOUT_MS, previewFlow } from '../../runtime/studio/preview';
import { RunSupervisor } from '../../runtime/studio/run-supervisor';
import { reportReliability } from '../support/fault-pipeline';
import { killAllCli, runCli, startCli, tempDir, waitFor, writeFlow, type RunningCli } from '../support/runtime';
import { stringify } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const MAX_BLOCK_MS = 2000;
/** Start-up of the runtime on this shared machine (tsx, module loading) between its `started` line and the block. */
const START_MARGIN_MS = 3000;
/** 2^40 ways to split the a's before the b: this never ends on its own. */
const CATASTROPHIC = '({ ok: /(a+)+$/.test(value.s) })';

/** generator -> map with a catastrophic regex -> file. */
function runawayFlow(dir: string, settings: Record<string, unknown> = { maxBlockMs: MAX_BLOCK_MS }): Record<string, unknown> {
  return {
    version: 1,
    name: 'runaway',
    settings,
    nodes: [
      { id: 'gen', type: 'source.generator', config: { count: 100, ratePerSecond: 0, value: '({ s: "a".repeat(40) + "b" })' } },
      { id: 'check', type: 'transform.map', config: { expression: CATASTROPHIC } },
      { id: 'out', type: 'sink.file', config: { path: join(dir, 'out.jsonl') } },
    ],
    edges: [
      { from: 'gen', to: 'check' },
      { from: 'check', to: 'out' },
    ],
  };
}

/** The time (ms since the epoch) of the runtime's `started` lifecycle line, once it appeared. */
function startedAt(run: RunningCli): number | undefined {
  for (const line of run.output.stderr.split('\n')) {
    if (!line.includes('"event":"started"')) continue;
    return (JSON.parse(line) as { time: number }).time;
  }
  return undefined;
}

function watchdogLine(stderr: string): { msg: string; node: string; expression: string; blockedMs: number } {
  const line = stderr.split('\n').find((l) => l.includes('"event":"blocked"'));
  expect(line, `no watchdog line in:\n${stderr}`).toBeDefined();
  return JSON.parse(line!) as { msg: string; node: string; expression: string; blockedMs: number };
}

const PROMISE = `a blocking transform is stopped within maxBlockMs + 1 s (exit ${WATCHDOG_EXIT_CODE}, a line naming the node)`;

describe('runaway expressions', () => {
  afterEach(killAllCli);

  it('tributary validate refuses an endless loop in an expression', async () => {
    const dir = tempDir();
    const flow = runawayFlow(dir);
    (flow.nodes as { config: Record<string, unknown> }[])[1]!.config = { expression: '(() => { while (true) {} })()' };
    const file = writeFlow(dir, 'loop.flow.yaml', flow);
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/: node check: config\.expression: expression error at column 10: loops are not allowed in expressions.*\[E_EXPRESSION\]/);
  });

  it('tributary run stops a transform that blocks the event loop: exit 4 within maxBlockMs + 1 s, naming node and expression', async () => {
    const dir = tempDir();
    const file = writeFlow(dir, 'runaway.flow.yaml', runawayFlow(dir));
    expect((await runCli(['validate', file])).code).toBe(0); // it slips past the expression check
    const run = startCli(['run', file]);
    const exit = await run.exited;
    const exitedAt = Date.now();
    expect(exit).toBe(WATCHDOG_EXIT_CODE);
    const started = startedAt(run);
    expect(started, run.output.stderr).toBeDefined();
    const stoppedAfterMs = exitedAt - started!;
    reportReliability('runaway expression', PROMISE, { stoppedAfterMs, maxBlockMs: MAX_BLOCK_MS });
    const line = watchdogLine(run.output.stderr);
    expect(line.node).toBe('check');
    expect(line.expression).toBe(`config.expression: ${CATASTROPHIC}`);
    expect(line.msg).toContain(`node check (transform.map) blocked the event loop for ${line.blockedMs} ms (settings.maxBlockMs ${MAX_BLOCK_MS})`);
    expect(line.blockedMs).toBeGreaterThanOrEqual(MAX_BLOCK_MS);
    // It blocked for maxBlockMs at least, and was stopped within maxBlockMs + 1 s of the block (plus start-up).
    expect(stoppedAfterMs).toBeGreaterThanOrEqual(MAX_BLOCK_MS);
    expect(stoppedAfterMs).toBeLessThan(MAX_BLOCK_MS + 1000 + START_MARGIN_MS);
    // Nothing got past the blocked batch, and no stack trace was printed.
    expect(readFileSync(join(dir, 'out.jsonl'), { encoding: 'utf8', flag: 'a+' })).toBe('');
    expect(run.output.stderr).not.toMatch(/\n\s+at /);
    // The watchdog's line is the last one: nothing after it (Node's inspector note at exit included).
    expect(run.output.stderr.trim().split('\n').at(-1)).toContain('"event":"blocked"');
  });

  it('SIGTERM sent to a blocked runtime ends it: the watchdog stops it, SIGTERM alone could not', async () => {
    const dir = tempDir();
    const file = writeFlow(dir, 'runaway.flow.yaml', runawayFlow(dir));
    const run = startCli(['run', file]);
    await waitFor('the started line', () => startedAt(run) !== undefined, 60_000, 20);
    await new Promise((r) => setTimeout(r, 300)); // the first batch is in the regex by now
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    const endedAfterSignalMs = Date.now() - signalledAt;
    reportReliability('runaway expression under SIGTERM', PROMISE, { sigtermToExitMs: endedAfterSignalMs, maxBlockMs: MAX_BLOCK_MS });
    expect(exit).toBe(WATCHDOG_EXIT_CODE);
    expect(endedAfterSignalMs).toBeLessThan(MAX_BLOCK_MS + 1000 + START_MARGIN_MS);
    expect(watchdogLine(run.output.stderr).node).toBe('check');
    // The signal handler never ran: the loop was blocked.
    expect(run.output.stderr).not.toContain('stopping: draining in-flight records');
  });

  it('maxBlockMs: 0 switches the watchdog off (the blocked run only ends by SIGKILL)', async () => {
    const dir = tempDir();
    const file = writeFlow(dir, 'runaway.flow.yaml', runawayFlow(dir, { maxBlockMs: 0 }));
    const run = startCli(['run', file]);
    await waitFor('the started line', () => startedAt(run) !== undefined, 60_000, 20);
    await new Promise((r) => setTimeout(r, 2500));
    run.child.kill('SIGTERM');
    const outcome = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('still running'), 1500))]);
    expect(outcome).toBe('still running');
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    expect(run.output.stderr).not.toContain('"event":"blocked"');
  });

  it("the studio's run shows the watchdog's line as the run's error", async () => {
    const dir = tempDir();
    const supervisor = new RunSupervisor({ rootDir: ROOT, nodePath: process.execPath, env: process.env });
    const states: RunState[] = [];
    supervisor.onRunState((state) => states.push(state));
    try {
      await supervisor.run(stringify(runawayFlow(dir)), null);
      await waitFor('the run to exit', () => supervisor.state.status === 'exited', 60_000, 50);
      const exited = supervisor.state as Extract<RunState, { status: 'exited' }>;
      expect(exited.code).toBe(WATCHDOG_EXIT_CODE);
      expect(exited.crashed).toBe(true);
      expect(exited.reason).toMatch(/^node check \(transform\.map\) blocked the event loop for \d+ ms \(settings\.maxBlockMs 2000\): config\.expression: .* — stopping the runtime/);
    } finally {
      await supervisor.dispose(1000);
    }
  });

  it("the studio's preview of a blocking flow fails with the watchdog's line instead of hanging", async () => {
    const dir = tempDir();
    const started = Date.now();
    await expect(previewFlow(stringify(runawayFlow(dir)), 5, { rootDir: ROOT, nodePath: process.execPath, env: process.env })).rejects.toThrow(
      /preview failed \(exit code 4\):[\s\S]*node check \(transform\.map\) blocked the event loop/,
    );
    // Ended by the watchdog, not by the preview's own time limit.
    expect(Date.now() - started).toBeLessThan(PREVIEW_TIMEOUT_MS);
  });
});

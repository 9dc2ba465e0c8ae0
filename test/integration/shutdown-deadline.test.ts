// SIGTERM always ends `tributary run` within settings.shutdownTimeoutMs + 1 s, even when closing a node hangs: a
// generator -> Redis run whose private Redis is frozen (SIGSTOP) has a write in flight that never gets an answer and a
// sink close (QUIT) that would wait for the command timeout (30 s); the runtime gives up at the deadline, logs
// `shutdown-timeout` and exits 3. The frozen Redis is one of the test's own, on a port of its range, never the shared one.
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { SHUTDOWN_EXIT_GRACE_MS } from '../../runtime/cli';
import { reportReliability } from '../support/fault-pipeline';
import { redisAnswers, startPrivateRedis } from '../support/private-redis';
import { killAllCli, startCli, tempDir, waitFor, writeFlow } from '../support/runtime';

const REDIS_PORT = 19111;
const SHUTDOWN_TIMEOUT_MS = 2000;
/** Time for the signal to reach the runtime and the process to end, on this shared machine. */
const EXIT_MARGIN_MS = 2000;

let redis: ChildProcess | undefined;

afterAll(() => {
  killAllCli();
  if (redis !== undefined) {
    redis.kill('SIGCONT');
    redis.kill('SIGKILL');
  }
});

describe('shutdown deadline', () => {
  it('SIGTERM ends a run whose sink hangs on close within shutdownTimeoutMs + 1 s: exit 3 and a shutdown-timeout line', async () => {
    const dir = tempDir();
    redis = startPrivateRedis(REDIS_PORT, dir);
    const url = `redis://127.0.0.1:${REDIS_PORT}`;
    await waitFor('the private Redis', () => redisAnswers(url), 30_000);
    const file = writeFlow(dir, 'frozen.flow.yaml', {
      version: 1,
      name: 'frozen-redis',
      settings: { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 0, ratePerSecond: 200, value: '({ id: i })' } },
        { id: 'store', type: 'sink.redis', config: { url, command: 'set', key: "'deadline:' + value.id" } },
      ],
      edges: [{ from: 'gen', to: 'store' }],
    });
    const run = startCli(['run', file]);
    await waitFor('records in Redis', async () => (await redisAnswers(url)) && run.output.stderr.includes('"event":"started"'), 60_000);
    await new Promise((r) => setTimeout(r, 500));
    redis.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 300)); // a write is in flight to the frozen server
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    const exitAfterMs = Date.now() - signalledAt;
    reportReliability('shutdown deadline', 'SIGTERM ends the process within shutdownTimeoutMs + 1 s', { exitAfterMs, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS });
    expect(exit).toBe(3);
    expect(run.output.stderr).toContain('"event":"shutdown-timeout"');
    expect(run.output.stderr).toContain(`the shutdown did not end within settings.shutdownTimeoutMs ${SHUTDOWN_TIMEOUT_MS} ms`);
    // Not the 30 s of Redis' command timeout: the deadline ended it.
    expect(exitAfterMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS);
    expect(exitAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SHUTDOWN_EXIT_GRACE_MS + EXIT_MARGIN_MS);
  });
});

/**
 * Helpers for tests that run the real `tributary` CLI as a child process against the real Kafka and Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Redis } from 'ioredis';
import { testKafka } from './services';

/** Absolute path of the CLI entry point. */
export const CLI = resolve(import.meta.dirname, '../../bin/tributary.js');

/** A running `tributary` process with its collected output. */
export interface RunningCli {
  child: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  output: { stdout: string; stderr: string };
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
}

const running = new Set<ChildProcess>();

/** Kills (SIGKILL) every CLI process a test started that is still running; call it in `afterAll`/`afterEach`. */
export function killAllCli(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
process.on('exit', killAllCli);

/** Starts `tributary <args>`; env is merged over the test's environment. */
export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
  });
  return { child, output, exited };
}

/** Runs `tributary <args>` to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const code = await run.exited;
  return { code, ...run.output };
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'tributary-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `flow` as YAML into `dir/name` and returns the path. */
export function writeFlow(dir: string, name: string, flow: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(flow));
  return path;
}

/**
 * Polls `check` every `intervalMs` until it returns true; a check that throws counts as "not yet" (a fresh broker
 * answers "not the coordinator" for a while). Throws with `what` and the last error after `timeoutMs`.
 */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Produces `count` records to `topic`: record i has key `String(i)` and value `value(i)` (a string is sent as is,
 * anything else as JSON). Sent in batches of 2,000.
 */
export async function seedTopic(topic: string, count: number, value: (i: number) => unknown): Promise<void> {
  const producer = testKafka('tributary-test-seed').producer();
  await producer.connect();
  try {
    for (let start = 0; start < count; start += 2000) {
      const messages = [];
      for (let i = start; i < Math.min(count, start + 2000); i++) {
        const v = value(i);
        messages.push({ key: String(i), value: typeof v === 'string' ? v : JSON.stringify(v) });
      }
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Counts Redis keys matching `pattern` (SCAN). */
export async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

/** Committed offsets of `groupId` on `topic` summed over partitions, and the topic's total high watermark. */
export async function groupProgress(groupId: string, topic: string): Promise<{ committed: number; end: number }> {
  const admin = testKafka('tributary-test-admin').admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    return { committed, end: ends.reduce((n, p) => n + Number(p.high), 0) };
  } finally {
    await admin.disconnect();
  }
}

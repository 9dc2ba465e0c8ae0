/**
 * The pipeline the fault-injection suite (test/faults) breaks, and the figures it reports: kafka -> throttle -> map ->
 * Redis `INCRBY <prefix><id> 1`, so after a run every produced id's counter holds how often its record was delivered
 * (0 = lost, 2+ = duplicated). Each fault test prints one `RELIABILITY {...}` line that scripts/reliability-report.ts
 * turns into docs/RELIABILITY.md.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { PIPELINE_DEPTH } from '../../nodes/source/kafka.runtime';
import { startCli, waitFor, writeFlow, type RunningCli } from './runtime';

/** Settings of {@link countingFlow}. */
export interface CountingFlowOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  redisUrl: string;
  /** Redis key prefix; record `{ id }` increments `<prefix><id>`. */
  prefix: string;
  /** `transform.throttle` rate (records/s), so that faults land mid-stream. */
  ratePerSecond: number;
  /** `settings.batchSize` (records). Default 100. */
  batchSize?: number;
  /** `sessionTimeoutMs` of the consumer (ms). Default 6000, the broker's minimum, so a killed member leaves quickly. */
  sessionTimeoutMs?: number;
  /** Consumer client id (to tell instances apart in logs). */
  clientId?: string;
}

/** Writes the counting flow into `dir/name` and returns its path. */
export function countingFlow(dir: string, name: string, options: CountingFlowOptions): string {
  return writeFlow(dir, name, {
    version: 1,
    name: 'faults',
    settings: { batchSize: options.batchSize ?? 100, shutdownTimeoutMs: 30_000 },
    nodes: [
      {
        id: 'in',
        type: 'source.kafka',
        config: {
          brokers: options.brokers,
          topic: options.topic,
          groupId: options.groupId,
          fromBeginning: true,
          sessionTimeoutMs: options.sessionTimeoutMs ?? 6000,
          ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
        },
      },
      { id: 'pace', type: 'transform.throttle', config: { ratePerSecond: options.ratePerSecond } },
      { id: 'tag', type: 'transform.map', config: { expression: "({ id: value.id, seen: 'faults' })" } },
      { id: 'out', type: 'sink.redis', config: { url: options.redisUrl, command: 'incrby', key: `'${options.prefix}' + value.id`, incrementExpression: '1' } },
    ],
    edges: [
      { from: 'in', to: 'pace' },
      { from: 'pace', to: 'tag' },
      { from: 'tag', to: 'out' },
    ],
  });
}

/**
 * The most records a kill -9 can make the next run deliver again with {@link countingFlow}: the chunks in the graph
 * (PIPELINE_DEPTH chunks of `batchSize` per partition, all of which may have reached Redis) plus what was acknowledged
 * but not committed yet (the source commits every 1 s: `ratePerSecond` records).
 */
export function inFlightBound(options: { partitions: number; batchSize: number; ratePerSecond: number }): number {
  return PIPELINE_DEPTH * options.batchSize * options.partitions + options.ratePerSecond;
}

/** Deliveries of ids 0..count-1 as counted in Redis. */
export interface Tally {
  /** Ids never delivered. */
  lost: number;
  /** Deliveries beyond the first, summed over ids. */
  duplicates: number;
  /** All deliveries. */
  deliveries: number;
}

/** Reads the counters `<prefix>0` .. `<prefix>{count-1}` (MGET in slices of 5,000). */
export async function tally(redis: Redis, prefix: string, count: number): Promise<Tally> {
  const result: Tally = { lost: 0, duplicates: 0, deliveries: 0 };
  for (let start = 0; start < count; start += 5000) {
    const keys = Array.from({ length: Math.min(5000, count - start) }, (_, i) => `${prefix}${start + i}`);
    for (const raw of await redis.mget(keys)) {
      const n = raw === null ? 0 : Number(raw);
      result.deliveries += n;
      if (n === 0) result.lost++;
      else result.duplicates += n - 1;
    }
  }
  return result;
}

/**
 * Prints the figures of one fault test as `RELIABILITY {"test","promise","measured"}` on stdout, the line
 * scripts/reliability-report.ts collects.
 */
export function reportReliability(test: string, promise: string, measured: Record<string, unknown>): void {
  console.log(`RELIABILITY ${JSON.stringify({ test, promise, measured })}`);
}

/** Resident set size of process `pid` (bytes), from /proc/<pid>/status VmRSS; undefined once it is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Starts `tributary run flowFile` with JSON logs (and more args, e.g. `--metrics-port`). */
export function runFlow(flowFile: string, args: string[] = [], env: Record<string, string> = {}): RunningCli {
  return startCli(['run', flowFile, '--log-format', 'json', ...args], env);
}

/** True once the run logged that it joined its consumer group (the source reads from then on). */
export function joined(run: RunningCli): boolean {
  return run.output.stderr.includes('"event":"joined"');
}

/** Sends `signal` to the run and resolves with its exit code or signal name. */
export async function stopRun(run: RunningCli, signal: NodeJS.Signals): Promise<number | string> {
  run.child.kill(signal);
  return run.exited;
}

/** The sum of the counters `<prefix>0..count-1` (deliveries so far), for "has it progressed" checks. */
export async function deliveredSoFar(redis: Redis, prefix: string, count: number): Promise<number> {
  return (await tally(redis, prefix, count)).deliveries;
}

/**
 * Waits until `read()` reaches `target`, for as long as it keeps growing: fails only when the value has not grown for
 * `stallMs` (or after `maxMs` in all), so a loaded machine that is slow but progressing does not fail the test while
 * a pipeline that stopped does. The error carries the last value, the target, how long it stood still and the run's
 * last log lines.
 * @param read the current value (e.g. the group's committed offsets summed over partitions)
 * @param stallMs longest time without growth (ms)
 * @param maxMs longest wait in all (ms)
 */
export async function waitForProgress(run: RunningCli, what: string, read: () => Promise<number>, target: number, stallMs: number, maxMs: number, intervalMs = 500): Promise<void> {
  const started = Date.now();
  let best = -1;
  let grewAt = started;
  for (;;) {
    let value = best;
    try {
      value = await read();
    } catch {
      // an admin call failing under load counts as no growth
    }
    if (value >= target) return;
    if (value > best) {
      best = value;
      grewAt = Date.now();
    }
    const now = Date.now();
    if (now - grewAt > stallMs || now - started > maxMs) {
      const status = run.child.exitCode ?? run.child.signalCode ?? 'running';
      const log = run.output.stderr.trimEnd().split('\n').slice(-8).map((line) => line.slice(0, 600)).join('\n');
      const why = now - grewAt > stallMs ? `no progress for ${now - grewAt} ms` : `still short after ${maxMs} ms`;
      throw new Error(`waiting for ${what}: ${why} at ${best} of ${target}; the run (${status}) logged last:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * {@link waitFor} for a condition a run must bring about: on a timeout the error also carries the run's exit status and
 * its last `lines` log lines, so that a failed fault test says what the runtime was doing.
 */
export async function waitForRun(run: RunningCli, what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 200, lines = 8): Promise<void> {
  try {
    await waitFor(what, check, timeoutMs, intervalMs);
  } catch (error) {
    const status = run.child.exitCode ?? run.child.signalCode ?? 'running';
    const log = run.output.stderr.trimEnd().split('\n').slice(-lines).map((line) => line.slice(0, 600)).join('\n');
    throw new Error(`${(error as Error).message}; the run (${status}) logged last:\n${log}`, { cause: error });
  }
}

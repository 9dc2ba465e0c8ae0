/**
 * Start-up figures of the `tributary` command as users run it (`node bin/tributary.js`, the built JavaScript of
 * dist/runtime/), for the goals of issue #19: `tributary --help` ≤ 0.25 s and an idle runtime ≤ 60 MB RSS.
 *
 * - `--help`: wall time of each of {@link HELP_RUNS} runs after one warm-up run (which also rebuilds dist/runtime/ when
 *   it is stale, so no run pays for a build), their median, and the peak RSS of a run (the process's own `maxRSS`,
 *   reported at exit through a one-line `--import` probe).
 * - idle runtime: RSS (VmRSS, /proc) of `tributary run` on a flow `source.kafka` (an empty topic of its own) ->
 *   `sink.console`, {@link IDLE_SETTLE_MS} after it logged "all sources ready": a runtime that has started its flow and
 *   waits for records (its RSS right after start-up is in `idleStartRssBytes`). Needs Kafka (`KAFKA_BROKERS`, default 127.0.0.1:9092).
 * - the RSS of `node -e ''` on the same machine, the floor any Node.js process starts from.
 *
 *   npx tsx bench/startup.ts        (prints the figures and one JSON line)
 *   STARTUP_CLI=/other/checkout/bin/tributary.js npx tsx bench/startup.ts    (the same figures of another checkout)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { procRss, quantile } from './lib';

/** Runs of `--help` measured (after one warm-up run). */
export const HELP_RUNS = 10;
/**
 * How long the idle runtime runs after "all sources ready" before its RSS is read (ms). V8 gives the start-up's
 * garbage back some 10-30 s into an idle period (its memory reducer): read earlier, the RSS is 15-25 MB higher.
 */
export const IDLE_SETTLE_MS = 30_000;
/** How long the idle runtime may take to say "all sources ready" (ms). */
const READY_TIMEOUT_MS = 60_000;

const root = resolve(import.meta.dirname, '..');
/** The command measured: `bin/tributary.js` of this checkout, or `STARTUP_CLI`. */
const CLI = resolve(process.env.STARTUP_CLI ?? join(root, 'bin', 'tributary.js'));
/**
 * Prints the process's peak RSS (kB) and CPU time (user + system, µs) on stderr at exit. The peak is `VmHWM` of
 * /proc/self/status, the high-water mark of this process's own memory: `process.resourceUsage().maxRSS` (getrusage's
 * ru_maxrss) is kept across execve on Linux (getrusage(2)), so a child of the bench's Node process would report the
 * parent's peak at fork (61 MB for `node -e ''`, against 40 MB by /usr/bin/time).
 */
const USAGE_PROBE =
  'data:text/javascript,import{readFileSync}from"node:fs";process.on("exit",()=>{const u=process.resourceUsage();' +
  'const hwm=/VmHWM:\\s+(\\d+)/.exec(readFileSync("/proc/self/status","utf8"))[1];' +
  'process.stderr.write("\\nUSAGE "+hwm+" "+(u.userCPUTime+u.systemCPUTime)+"\\n")})';

/** What {@link measureStartup} returns. */
export interface StartupFigures {
  /** Wall time of each measured `tributary --help` run (ms), in run order. */
  helpRunsMs: number[];
  /** Median of {@link helpRunsMs} (ms). */
  helpMedianMs: number;
  /** Median CPU time (user + system) of the measured `--help` runs (ms): steadier than wall time on a busy machine. */
  helpCpuMedianMs: number;
  /** Largest peak RSS of the measured `--help` runs (bytes). */
  helpPeakRssBytes: number;
  /** RSS of the idle runtime {@link IDLE_SETTLE_MS} after it was ready (bytes). */
  idleRssBytes: number;
  /** RSS of the same runtime 1 s after it was ready (bytes). */
  idleStartRssBytes: number;
  /** Peak RSS of `node -e ''` (bytes). */
  nodeBaselineRssBytes: number;
  /** 1-minute load average of the machine when the measurement ended. */
  load1: number;
}

/** Runs `node <args>` to its end; returns its wall time (ms), and the peak RSS (bytes) and CPU time (ms) it reported. */
function timedNode(args: string[]): { ms: number; maxRssBytes: number; cpuMs: number } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', USAGE_PROBE, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr.trim().split('\n')[0]}`);
  const match = /USAGE (\d+) (\d+)/.exec(result.stderr);
  if (match === null) throw new Error(`node ${args.join(' ')}: no USAGE line on stderr`);
  return { ms, maxRssBytes: Number(match[1]) * 1024, cpuMs: Number(match[2]) / 1000 };
}

/**
 * Measures `tributary --help` ({@link HELP_RUNS} runs).
 * @throws Error when a run fails
 */
export function measureHelp(): Pick<StartupFigures, 'helpRunsMs' | 'helpMedianMs' | 'helpCpuMedianMs' | 'helpPeakRssBytes'> {
  timedNode([CLI, '--help']);
  const runs = Array.from({ length: HELP_RUNS }, () => timedNode([CLI, '--help']));
  const helpRunsMs = runs.map((run) => Math.round(run.ms));
  return {
    helpRunsMs,
    helpMedianMs: quantile([...helpRunsMs].sort((a, b) => a - b), 0.5),
    helpCpuMedianMs: Math.round(quantile(runs.map((run) => run.cpuMs).sort((a, b) => a - b), 0.5)),
    helpPeakRssBytes: Math.max(...runs.map((run) => run.maxRssBytes)),
  };
}

/**
 * Measures the RSS of an idle runtime: `tributary run` of `source.kafka` (a new, empty topic) -> `sink.console`.
 * @throws Error when Kafka cannot be reached, or the runtime exits or is not ready within a minute
 */
export async function measureIdleRuntime(
  brokers: string[] = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
): Promise<Pick<StartupFigures, 'idleRssBytes' | 'idleStartRssBytes'>> {
  const name = `bench-startup-idle-${process.pid}-${Date.now()}`;
  const admin = new Kafka({ clientId: 'bench-startup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-startup-'));
  try {
    await admin.createTopics({ topics: [{ topic: name, numPartitions: 1 }], waitForLeaders: true });
    const flow = {
      version: 1,
      name: 'idle',
      nodes: [
        { id: 'in', type: 'source.kafka', config: { brokers, topic: name, groupId: name, startFrom: 'earliest', format: 'json' } },
        { id: 'out', type: 'sink.console', config: { format: 'json' } },
      ],
      edges: [{ from: 'in', to: 'out' }],
    };
    const file = join(dir, 'idle.flow.yaml');
    writeFileSync(file, stringify(flow));
    const child = spawn(process.execPath, [CLI, 'run', file, '--log-format', 'json'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    try {
      await new Promise<void>((resolveReady, reject) => {
        const timer = setTimeout(() => reject(new Error(`the idle runtime was not ready within ${READY_TIMEOUT_MS} ms: ${log.slice(-500)}`)), READY_TIMEOUT_MS);
        child.stderr.on('data', (chunk: Buffer) => {
          log += chunk.toString('utf8');
          if (log.includes('all sources ready')) {
            clearTimeout(timer);
            resolveReady();
          }
        });
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`the idle runtime exited (${signal ?? code}): ${log.slice(-500)}`));
        });
      });
      const rssAfter = async (ms: number): Promise<number> => {
        await new Promise((settle) => setTimeout(settle, ms));
        const rss = procRss(child.pid!);
        if (rss === undefined) throw new Error('the idle runtime exited before its RSS was read');
        return rss;
      };
      const idleStartRssBytes = await rssAfter(1_000);
      return { idleStartRssBytes, idleRssBytes: await rssAfter(IDLE_SETTLE_MS - 1_000) };
    } finally {
      const exited = new Promise((done) => child.once('exit', done));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    }
  } finally {
    await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
    await admin.deleteGroups([name]).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Measures every start-up figure: `--help`, the idle runtime and the Node.js floor.
 * @throws as {@link measureHelp} and {@link measureIdleRuntime}
 */
export async function measureStartup(): Promise<StartupFigures> {
  const help = measureHelp();
  const idle = await measureIdleRuntime();
  const nodeBaselineRssBytes = timedNode(['-e', '']).maxRssBytes;
  return { ...help, ...idle, nodeBaselineRssBytes, load1: loadavg()[0]! };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const figures = await measureStartup();
  const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
  process.stdout.write(
    `tributary --help: median ${figures.helpMedianMs} ms of ${HELP_RUNS} runs (${figures.helpRunsMs.join(', ')}), ` +
      `CPU median ${figures.helpCpuMedianMs} ms, peak RSS ${mb(figures.helpPeakRssBytes)} MB\n` +
      `idle runtime (source.kafka -> sink.console, waiting for records): RSS ${mb(figures.idleRssBytes)} MB after ${IDLE_SETTLE_MS / 1000} s ` +
      `(${mb(figures.idleStartRssBytes)} MB 1 s after start-up)\n` +
      `node -e '': peak RSS ${mb(figures.nodeBaselineRssBytes)} MB; load average ${figures.load1.toFixed(2)}\n` +
      `${JSON.stringify(figures)}\n`,
  );
}

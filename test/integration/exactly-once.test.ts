// Exactly-once Kafka -> Kafka on the real broker (issue #18): 100,000 records (100 keys, each value carrying its key's
// sequence number) go through throttle -> filter -> map into an output topic with settings.delivery exactly-once,
// while the runtime is killed with SIGKILL at 10 random points and restarted, and then two instances share the group
// (one rebalance). kcat (librdkafka, read_committed) then reads exactly the expected records: none lost, none twice,
// every key's sequence in order. The same flow at-least-once, killed twice, shows duplicates in the same reading,
// which proves the reading can see them. (The machine is shared: most of the run time is process start-up.)
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { auditCommits } from '../support/commit-audit';
import { joined, reportReliability, runFlow, stopRun, waitForRun } from '../support/fault-pipeline';
import { createTopic, kafkaBrokers, testKafka, uniqueName } from '../support/services';
import { groupProgress, killAllCli, tempDir, writeFlow, type RunningCli } from '../support/runtime';

const run = promisify(execFile);

const RECORDS = 100_000;
const KEYS = 100;
const PARTITIONS = 4;
/**
 * Records per second each instance lets through (transform.throttle), so that the kills land mid-stream and the
 * second instance joins while much is left to read.
 */
const RATE = 2_000;
/** The kills land before this share of the input is committed; the rest is for the two instances. */
const KILL_SHARE = 0.6;
/** Records the filter keeps: every sequence number but those ending in 9. */
const kept = (seq: number): boolean => seq % 10 !== 9;
const EXPECTED = RECORDS * 0.9;

/** Produces record i with key `k<i mod KEYS>` and value `{ k, seq }`, seq counting that key's records from 0. */
async function seed(topic: string): Promise<void> {
  const producer = testKafka('tributary-test-eos-seed').producer();
  await producer.connect();
  try {
    for (let start = 0; start < RECORDS; start += 5_000) {
      const messages = Array.from({ length: 5_000 }, (_, j) => {
        const i = start + j;
        const k = `k${i % KEYS}`;
        return { key: k, value: JSON.stringify({ k, seq: Math.floor(i / KEYS) }) };
      });
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The flow under test: kafka -> throttle -> filter -> map -> kafka, with `delivery`. */
function flowFile(dir: string, delivery: 'exactly-once' | 'at-least-once', input: string, output: string, groupId: string): string {
  return writeFlow(dir, `${delivery}.flow.yaml`, {
    version: 1,
    name: `eos-${delivery}`,
    settings: { delivery, batchSize: 250, shutdownTimeoutMs: 30_000 },
    nodes: [
      { id: 'in', type: 'source.kafka', config: { brokers: kafkaBrokers, topic: input, groupId, startFrom: 'earliest', sessionTimeoutMs: 6_000 } },
      { id: 'pace', type: 'transform.throttle', config: { ratePerSecond: RATE } },
      { id: 'keep', type: 'transform.filter', config: { expression: 'value.seq % 10 !== 9' } },
      { id: 'tag', type: 'transform.map', config: { expression: "({ k: value.k, seq: value.seq, via: 'tributary' })" } },
      { id: 'out', type: 'sink.kafka', config: { brokers: kafkaBrokers, topic: output } },
    ],
    edges: [
      { from: 'in', to: 'pace' },
      { from: 'pace', to: 'keep' },
      { from: 'keep', to: 'tag' },
      { from: 'tag', to: 'out' },
    ],
  });
}

/** Reads `topic` to its end with kcat at isolation level read_committed: `[key, value]` per record, in partition order. */
async function kcatReadCommitted(topic: string): Promise<[string, string][]> {
  const { stdout } = await run(
    'kcat',
    ['-C', '-e', '-q', '-b', kafkaBrokers[0]!, '-t', topic, '-X', 'isolation.level=read_committed', '-f', '%k\t%s\n'],
    { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t') as [string, string]);
}

/** What the output holds against what the filter keeps of the input. */
interface Reading {
  records: number;
  /** Records read beyond the first of their (key, seq). */
  duplicates: number;
  /** Kept (key, seq) pairs never read. */
  lost: number;
  /** Records whose seq is not above the previous one of their key (a duplicate counts here too). */
  outOfOrder: number;
  /** Keys whose sequence is not exactly the kept sequence numbers in order. */
  wrongKeys: number;
}

function examine(records: [string, string][]): Reading {
  const byKey = new Map<string, number[]>();
  for (const [key, text] of records) {
    const value = JSON.parse(text) as { k: string; seq: number };
    expect(value.k).toBe(key);
    let seqs = byKey.get(key);
    if (seqs === undefined) byKey.set(key, (seqs = []));
    seqs.push(value.seq);
  }
  const expected = Array.from({ length: RECORDS / KEYS }, (_, seq) => seq).filter(kept);
  const reading: Reading = { records: records.length, duplicates: 0, lost: 0, outOfOrder: 0, wrongKeys: 0 };
  for (let k = 0; k < KEYS; k++) {
    const seqs = byKey.get(`k${k}`) ?? [];
    const distinct = new Set(seqs);
    reading.duplicates += seqs.length - distinct.size;
    reading.lost += expected.filter((seq) => !distinct.has(seq)).length;
    reading.outOfOrder += seqs.filter((seq, i) => i > 0 && seq <= seqs[i - 1]!).length;
    if (seqs.length !== expected.length || seqs.some((seq, i) => seq !== expected[i])) reading.wrongKeys++;
  }
  return reading;
}

/** The committed offsets of the group summed over the input's partitions. */
async function committed(groupId: string, topic: string): Promise<number> {
  return (await groupProgress(groupId, topic)).committed;
}

/**
 * Starts the flow, SIGKILLs it once the group committed past the next of `kills` random points (plus a random
 * 0-800 ms, so that it lands inside a batch), and starts it again, until every point is passed.
 * @returns the committed offsets at each kill
 */
async function killAtRandomPoints(file: string, groupId: string, topic: string, kills: number): Promise<number[]> {
  const points = Array.from({ length: kills }, () => Math.floor(Math.random() * RECORDS * KILL_SHARE)).sort((a, b) => a - b);
  const at: number[] = [];
  for (const point of points) {
    const instance = runFlow(file);
    await waitForRun(instance, 'the instance to join its group', () => joined(instance), 90_000);
    await waitForRun(instance, `the group to commit past ${point}`, async () => (await committed(groupId, topic)) > point, 120_000, 100);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 800));
    at.push(await committed(groupId, topic));
    expect(await stopRun(instance, 'SIGKILL')).toBe('SIGKILL');
  }
  return at;
}

/** Runs two instances of the flow (the second joins while the first reads: one rebalance) until everything is committed. */
async function finishWithTwoInstances(file: string, groupId: string, topic: string): Promise<RunningCli[]> {
  const first = runFlow(file, [], { LOG_LEVEL: 'trace' });
  await waitForRun(first, 'the first instance to join', () => joined(first), 90_000);
  const second = runFlow(file, [], { LOG_LEVEL: 'trace' });
  await waitForRun(second, 'the second instance to join', () => joined(second), 90_000);
  await waitForRun(first, 'every input record committed', async () => (await committed(groupId, topic)) === RECORDS, 180_000, 300);
  for (const instance of [first, second]) {
    expect(await stopRun(instance, 'SIGTERM'), instance.output.stderr.slice(-3000)).toBe(0);
  }
  return [first, second];
}

describe('exactly-once Kafka to Kafka', () => {
  afterEach(killAllCli);
  const dir = tempDir('tributary-eos-');

  it('writes every kept record exactly once, in per-key order, through 10 SIGKILLs and a rebalance', async () => {
    const input = uniqueName('eos-in');
    const output = uniqueName('eos-out');
    const groupId = `${input}-group`;
    await createTopic(input, PARTITIONS);
    await createTopic(output, PARTITIONS);
    await seed(input);
    const file = flowFile(dir, 'exactly-once', input, output, groupId);

    const killedAt = await killAtRandomPoints(file, groupId, input, 10);
    const [first, second] = await finishWithTwoInstances(file, groupId, input);
    const reading = examine(await kcatReadCommitted(output));
    reportReliability('exactly-once: 10 SIGKILLs and a rebalance', 'exactly once, per-key order', { ...reading, killedAt });
    expect(reading).toEqual({ records: EXPECTED, duplicates: 0, lost: 0, outOfOrder: 0, wrongKeys: 0 });
    // Both instances owned partitions (the second one's join was a rebalance), and neither committed offsets outside a
    // transaction: no OffsetCommit request at all, only TxnOffsetCommit. Which of the two committed the last records
    // depends on how far the first one got before the rebalance (it may read everything left), so the transactional
    // commit is asserted of the pair.
    for (const instance of [first!, second!]) {
      const audit = auditCommits(instance.output.stderr);
      expect(audit.assignments).toBeGreaterThanOrEqual(1);
      expect(audit.committed).toBe(0);
    }
    const transactional = [first!, second!].filter((instance) => instance.output.stderr.includes('Request TxnOffsetCommit'));
    expect(transactional.length, 'an instance committed its offsets in a transaction').toBeGreaterThanOrEqual(1);
    expect(first!.output.stderr.match(/"event":"joined"/g)?.length).toBeGreaterThanOrEqual(2);
  }, 600_000);

  it('the same flow at-least-once writes duplicates after SIGKILLs (the reading sees them)', async () => {
    const input = uniqueName('alo-in');
    const output = uniqueName('alo-out');
    const groupId = `${input}-group`;
    await createTopic(input, PARTITIONS);
    await createTopic(output, PARTITIONS);
    await seed(input);
    const file = flowFile(dir, 'at-least-once', input, output, groupId);

    await killAtRandomPoints(file, groupId, input, 2);
    const last = runFlow(file);
    await waitForRun(last, 'every input record committed', async () => (await committed(groupId, input)) === RECORDS, 180_000, 300);
    expect(await stopRun(last, 'SIGTERM')).toBe(0);

    const reading = examine(await kcatReadCommitted(output));
    reportReliability('at-least-once: 2 SIGKILLs', 'at least once', { ...reading });
    expect(reading.lost).toBe(0);
    expect(reading.duplicates).toBeGreaterThan(0);
    expect(reading.records).toBe(EXPECTED + reading.duplicates);
  }, 600_000);
});

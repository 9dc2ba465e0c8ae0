// Replay on the real broker: a flow source.kafka -> sink.file reads two batches of records (before and after a time T)
// to the end and is stopped; `tributary offsets reset --to-timestamp T` moves its group back and the next run processes
// again exactly the records from T. `offsets show` reports what the admin API reports; a reset is refused while a run
// is active; `startFrom: { timestamp }` makes a new group read exactly the records from T (also with two instances
// starting together), `startFrom: { offsets }` from the offset given; committed offsets win over
// startFrom on a restart.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminOffsets, groupMembers, idsWritten, produceAt, range } from '../support/replay';
import { killAllCli, runCli, startCli, tempDir, waitFor, writeFlow, type RunningCli } from '../support/runtime';
import { createTopic, kafkaBrokers, uniqueName } from '../support/services';

/** The time T: batch A is written one minute before it, batch B from T on (CreateTime timestamps). */
const T = Date.now() - 10 * 60_000;
const BEFORE = range(0, 30);
const AFTER = range(30, 70);

const topic = uniqueName('replay');
const groupId = uniqueName('replay-group');
const dir = tempDir('tributary-replay-');

/** The flow file of one run: it writes the ids it reads into `out` (a file per run). */
function flowFile(name: string, out: string, source: Record<string, unknown> = {}): string {
  return writeFlow(dir, `${name}.flow.yaml`, {
    version: 1,
    name: 'replay-test',
    settings: { batchSize: 10 },
    nodes: [
      { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, startFrom: 'earliest', format: 'json', ...source } },
      { id: 'out', type: 'sink.file', config: { path: join(dir, out) } },
    ],
    edges: [{ from: 'orders', to: 'out' }],
  });
}

/** Runs a flow until its group committed every record of the topic, then stops it (SIGTERM) and waits for exit 0. */
async function runToEnd(file: string, group = groupId): Promise<void> {
  const run = startCli(['run', file]);
  await waitFor('every record committed', async () => {
    if (typeof (await Promise.race([run.exited, Promise.resolve('running')])) === 'number') throw new Error(`run exited:\n${run.output.stderr}`);
    const offsets = await adminOffsets(group, topic);
    return offsets.every((p) => p.committed === p.logEnd);
  });
  await stop(run);
}

async function stop(run: RunningCli): Promise<void> {
  run.child.kill('SIGTERM');
  expect(await run.exited, run.output.stderr).toBe(0);
}

beforeAll(async () => {
  await createTopic(topic, 3);
  await produceAt(topic, BEFORE, (id) => T - 60_000 + id);
  await produceAt(topic, AFTER, (id) => T + id);
});

afterAll(() => killAllCli());

describe('replay: tributary offsets and startFrom on the real broker', () => {
  it('moves a stopped group to a time and the next run reprocesses exactly the records from it', async () => {
    const first = flowFile('first', 'first.jsonl');
    await runToEnd(first);
    expect(idsWritten(join(dir, 'first.jsonl'))).toEqual([...BEFORE, ...AFTER]);

    // offsets show: the numbers of the admin API.
    const shown = await runCli(['offsets', 'show', first, '--node', 'orders', '--format', 'json']);
    expect(shown.code, shown.stderr).toBe(0);
    const admin = await adminOffsets(groupId, topic);
    expect(JSON.parse(shown.stdout)).toEqual({
      groupId,
      state: 'Empty',
      members: 0,
      partitions: admin.map((p) => ({ topic, partition: p.partition, committed: p.committed, logStart: p.logStart, logEnd: p.logEnd, lag: 0 })),
    });
    const table = await runCli(['offsets', 'show', first, '--node', 'orders']);
    expect(table.stdout.split('\n').slice(0, 2)).toEqual([`group ${groupId}: Empty, 0 active member(s)`, expect.stringMatching(/^TOPIC\s+PARTITION\s+COMMITTED\s+LOG-START\s+LOG-END\s+LAG$/)]);

    // A dry run prints the plan and moves nothing.
    const at = new Date(T).toISOString();
    const dry = await runCli(['offsets', 'reset', first, '--node', 'orders', '--to-timestamp', at, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`${AFTER.length} record(s) will be processed again`);
    expect(dry.stdout).toContain('dry run, nothing changed');
    expect(await adminOffsets(groupId, topic)).toEqual(admin);

    const reset = await runCli(['offsets', 'reset', first, '--node', 'orders', '--to-timestamp', at, '--format', 'json']);
    expect(reset.code, reset.stderr).toBe(0);
    const moved = JSON.parse(reset.stdout) as { again: number; applied: boolean; moves: { partition: number; from: number; to: number }[] };
    expect(moved.applied).toBe(true);
    expect(moved.again).toBe(AFTER.length);
    const after = await adminOffsets(groupId, topic);
    expect(after.map((p) => p.committed)).toEqual(moved.moves.map((m) => m.to));
    expect(after.reduce((n, p) => n + p.logEnd - p.committed, 0)).toBe(AFTER.length);

    await runToEnd(flowFile('again', 'again.jsonl'));
    expect(idsWritten(join(dir, 'again.jsonl'))).toEqual(AFTER);
  });

  it('refuses a reset while a run of the flow is active, naming the group and its members', async () => {
    const file = flowFile('active', 'active.jsonl');
    const run = startCli(['run', file]);
    try {
      await waitFor('the run joined the group', async () => (await groupMembers(groupId)) === 1);
      const before = await adminOffsets(groupId, topic);
      const refused = await runCli(['offsets', 'reset', file, '--node', 'orders', '--to-earliest']);
      expect(refused.code).toBe(3);
      expect(refused.stdout).toBe('');
      expect(refused.stderr.trim().split('\n')).toEqual([
        `tributary offsets: group ${groupId} has 1 active member(s): stop every run of the flow (node orders) before resetting its offsets`,
      ]);
      expect(await adminOffsets(groupId, topic)).toEqual(before);
    } finally {
      await stop(run);
    }
  });

  it('starts a new group at startFrom { timestamp }, and a restart resumes at its committed offsets instead', async () => {
    const fresh = uniqueName('replay-fresh');
    const file = flowFile('fresh', 'fresh.jsonl', { groupId: fresh, startFrom: { timestamp: new Date(T).toISOString() } });
    await runToEnd(file, fresh);
    expect(idsWritten(join(dir, 'fresh.jsonl'))).toEqual(AFTER);

    // Committed offsets win: the same flow started again reads only what was written since.
    await produceAt(topic, [70, 71], (id) => T + id);
    const restart = flowFile('restart', 'restart.jsonl', { groupId: fresh, startFrom: { timestamp: new Date(T).toISOString() } });
    await runToEnd(restart, fresh);
    expect(idsWritten(join(dir, 'restart.jsonl'))).toEqual([70, 71]);
  });

  it('two instances of a new group started at once with startFrom { timestamp } read only the records from T', async () => {
    const both = uniqueName('replay-both');
    const startFrom = { timestamp: T };
    const runs = [
      startCli(['run', flowFile('both-a', 'both-a.jsonl', { groupId: both, startFrom })]),
      startCli(['run', flowFile('both-b', 'both-b.jsonl', { groupId: both, startFrom })]),
    ];
    try {
      await waitFor('every record committed', async () => (await adminOffsets(both, topic)).every((p) => p.committed === p.logEnd), 120_000);
    } finally {
      for (const run of runs) await stop(run);
    }
    const read = [...idsWritten(join(dir, 'both-a.jsonl')), ...idsWritten(join(dir, 'both-b.jsonl'))];
    // At-least-once: a rebalance between the two may hand a record to both; none before T is read (70 and 71 come
    // from the test before).
    expect([...new Set(read)].sort((a, b) => a - b)).toEqual([...AFTER, 70, 71]);
  });

  it('starts a new group at startFrom { offsets }: the listed partition from its offset, the others (latest) with new records only', async () => {
    const listed = uniqueName('replay-offsets');
    const [p0] = await adminOffsets(listed, topic);
    const from = p0!.logEnd - 5;
    const file = flowFile('listed', 'listed.jsonl', { groupId: listed, startFrom: { offsets: { [topic]: { '0': from } }, otherPartitions: 'latest' } });
    const run = startCli(['run', file]);
    try {
      await waitFor('partition 0 read to its end', async () => (await adminOffsets(listed, topic))[0]!.committed === p0!.logEnd, 120_000);
    } finally {
      await stop(run);
    }
    // Exactly the last 5 records of partition 0: the other partitions started at their end (latest), nothing of them read.
    const read = idsWritten(join(dir, 'listed.jsonl'));
    expect(read).toHaveLength(5);
    expect(new Set(read).size).toBe(5);
  });

  it('refuses bad usage with one line', async () => {
    const file = flowFile('usage', 'usage.jsonl');
    const none = await runCli(['offsets', 'reset', file, '--node', 'orders']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe('tributary offsets: give exactly one of --to-timestamp T, --to-earliest, --to-latest, --to-offset P:O');
    const badTime = await runCli(['offsets', 'reset', file, '--node', 'orders', '--to-timestamp', 'yesterday']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--to-timestamp');
    const wrongNode = await runCli(['offsets', 'show', file, '--node', 'out']);
    expect(wrongNode.code).toBe(2);
    expect(wrongNode.stderr.trim()).toBe('tributary offsets: node out is a sink.file: offsets belong to source.kafka nodes');
    const [p0] = await adminOffsets(groupId, topic);
    const back = await runCli(['offsets', 'reset', file, '--node', 'orders', '--to-offset', `0:${p0!.committed - 2}`, '--dry-run']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout.split('\n')).toEqual([
      `group ${groupId}: would move (dry run, nothing changed) 1 partition(s); 2 record(s) will be processed again by the next run`,
      expect.stringMatching(/^TOPIC\s+PARTITION\s+FROM\s+TO\s+AGAIN$/),
      expect.stringMatching(new RegExp(`^${topic}\\s+0\\s+${p0!.committed}\\s+${p0!.committed - 2}\\s+2$`)),
      '',
    ]);
    const outside = await runCli(['offsets', 'reset', file, '--node', 'orders', '--to-offset', '0:100000']);
    expect(outside.code).toBe(2);
    expect(outside.stderr.trim()).toMatch(/^tributary offsets: offset 100000 of replay-\w+ partition 0 is outside its log \(0 to \d+\)$/);
  });
});

// The runtime process killed mid-stream, on the real broker and Redis: kill -9 ten times (nothing lost; the
// duplicates counted against what can be in flight at a kill) and SIGTERM three times (nothing lost, nothing twice:
// a SIGTERM drains and commits before the process exits).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testRedis, uniqueName } from '../support/services';
import { groupProgress, killAllCli, seedTopic, tempDir } from '../support/runtime';
import { countingFlow, inFlightBound, joined, reportReliability, runFlow, stopRun, tally, waitForRun } from '../support/fault-pipeline';

const PARTITIONS = 6;
const BATCH_SIZE = 100;
const RATE = 1000;

const redis = testRedis();

/** Seeds `count` records `{ id }` and writes the counting flow for them. */
async function prepare(name: string, count: number): Promise<{ flowFile: string; topic: string; groupId: string; prefix: string }> {
  const topic = uniqueName(name);
  const groupId = `${topic}-group`;
  const prefix = `${topic}:`;
  await createTopic(topic, PARTITIONS);
  await seedTopic(topic, count, (i) => ({ id: i }));
  const flowFile = countingFlow(tempDir('tributary-faults-'), 'kill.flow.yaml', {
    brokers: kafkaBrokers,
    topic,
    groupId,
    redisUrl,
    prefix,
    ratePerSecond: RATE,
    batchSize: BATCH_SIZE,
  });
  return { flowFile, topic, groupId, prefix };
}

/**
 * Runs the flow `times` times, each time until the group committed `progress` more records after the join and up to
 * 1 s longer, then sends `signal`; then one last run to the end of the topic. Returns the exit codes of the interrupted runs and how
 * far the group had committed at each interruption.
 */
async function interrupt(
  flow: { flowFile: string; topic: string; groupId: string; prefix: string },
  count: number,
  times: number,
  signal: NodeJS.Signals,
  progress: number,
): Promise<{ exits: (number | string)[]; committedAtStop: number[] }> {
  const exits: (number | string)[] = [];
  const committedAtStop: number[] = [];
  for (let i = 0; i < times; i++) {
    const run = runFlow(flow.flowFile);
    await waitForRun(run, `run ${i + 1} to join its group`, () => joined(run), 60_000, 100);
    const before = (await groupProgress(flow.groupId, flow.topic)).committed;
    await waitForRun(run, `run ${i + 1} to commit ${progress} more records`, async () => (await groupProgress(flow.groupId, flow.topic)).committed >= before + progress, 60_000, 100);
    // Somewhere within the next commit interval, so that acknowledged but uncommitted records are in flight too.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 1000)));
    exits.push(await stopRun(run, signal));
    committedAtStop.push((await groupProgress(flow.groupId, flow.topic)).committed);
  }
  const last = runFlow(flow.flowFile);
  await waitForRun(last, 'the last run to commit every offset', async () => (await groupProgress(flow.groupId, flow.topic)).committed === count, 120_000, 300);
  expect(await stopRun(last, 'SIGTERM')).toBe(0);
  return { exits, committedAtStop };
}

describe('runtime process killed mid-stream', () => {
  afterEach(killAllCli);
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
  });

  it('kill -9 x10: no record lost, duplicates within what was in flight at each kill', async () => {
    const count = 40_000;
    const flow = await prepare('faults-kill9', count);
    prefixes.push(flow.prefix);
    const { exits, committedAtStop } = await interrupt(flow, count, 10, 'SIGKILL', 1000);
    expect(exits).toEqual(Array(10).fill('SIGKILL'));
    // Every kill landed mid-stream: something committed, not everything.
    for (const committed of committedAtStop) expect(committed).toBeLessThan(count);
    const result = await tally(redis, flow.prefix, count);
    const boundPerKill = inFlightBound({ partitions: PARTITIONS, batchSize: BATCH_SIZE, ratePerSecond: RATE });
    reportReliability('kill -9 x10 mid-stream', `0 lost; duplicates <= 10 x ${boundPerKill} (PIPELINE_DEPTH x batchSize x partitions + 1 s of records)`, {
      records: count,
      partitions: PARTITIONS,
      kills: 10,
      lost: result.lost,
      duplicates: result.duplicates,
      bound: 10 * boundPerKill,
      committedAtKills: committedAtStop,
    });
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBeLessThanOrEqual(10 * boundPerKill);
  });

  it('SIGTERM x3: no record lost, none delivered twice, every run exits 0', async () => {
    const count = 20_000;
    const flow = await prepare('faults-sigterm', count);
    prefixes.push(flow.prefix);
    const { exits, committedAtStop } = await interrupt(flow, count, 3, 'SIGTERM', 2000);
    expect(exits).toEqual([0, 0, 0]);
    for (const committed of committedAtStop) expect(committed).toBeLessThan(count);
    const result = await tally(redis, flow.prefix, count);
    reportReliability('SIGTERM x3 mid-stream', '0 lost, 0 duplicates, exit 0', {
      records: count,
      partitions: PARTITIONS,
      stops: 3,
      lost: result.lost,
      duplicates: result.duplicates,
      exits,
      committedAtStops: committedAtStop,
    });
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBe(0);
  });
});

// Apply (edit while running) through the studio backend on the real Kafka and Redis: a flow source.kafka ->
// transform.filter -> sink.redis (INCRBY 1 per record id) runs while records are produced at a steady rate; mid-stream
// the filter is changed and applied. The old runtime drains and commits, the new one starts on the same consumer
// group from the committed offsets: every id the filter keeps is counted exactly once in Redis (0 lost, 0
// duplicated), none it drops is. The filter change only concerns ids that do not exist, so the check is exact
// whichever version processed a record. An invalid flow is refused with the run untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { RunState } from '../../runtime/common/studio-api';
import { StudioBackend } from '../../runtime/studio/backend';
import { groupProgress, tempDir, waitFor, writeFlow } from '../support/runtime';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testKafka, testRedis, uniqueName } from '../support/services';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';

const RECORDS = 6_000;
const BATCH = 20;
const BATCH_EVERY_MS = 50;
const PARTITIONS = 3;
/** Ids the filter drops in both versions. */
const skipped = (id: number): boolean => id % 7 === 3;

/** Values of `keys` (MGET in chunks). */
async function values(redis: Redis, keys: string[]): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (let i = 0; i < keys.length; i += 1000) out.push(...(await redis.mget(...keys.slice(i, i + 1000))));
  return out;
}

describe('Apply a changed filter mid-stream', () => {
  const dir = tempDir('tributary-apply-');
  const topic = uniqueName('apply');
  const groupId = `${topic}-group`;
  const prefix = `${topic}:id`;
  const redis = testRedis();
  const states: RunState[] = [];
  let backend: StudioBackend;
  let path: string;

  const flow = (expression: string): Record<string, unknown> => ({
    version: 1,
    name: 'apply-filter',
    settings: { batchSize: 20, shutdownTimeoutMs: 15_000 },
    nodes: [
      { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, fromBeginning: true, format: 'json' } },
      { id: 'keep', type: 'transform.filter', config: { expression } },
      { id: 'count', type: 'sink.redis', config: { url: redisUrl, command: 'incrby', key: `'${prefix}:' + value.id` } },
    ],
    edges: [
      { from: 'orders', to: 'keep' },
      { from: 'keep', to: 'count' },
    ],
  });

  beforeAll(async () => {
    await createTopic(topic, PARTITIONS);
    path = writeFlow(dir, 'apply.flow.yaml', flow('!value.skip'));
    backend = new StudioBackend({ stateDir: tempDir('tributary-apply-state-') });
    backend.onRunState((s) => states.push(s));
  }, 60_000);

  afterAll(async () => {
    await backend?.dispose(5_000);
    await deleteKeys(redis, `${prefix}:*`);
    await redis.quit();
  }, 30_000);

  it('counts every kept id exactly once across an Apply', async () => {
    await backend.run(readFileSync(path, 'utf8'), path);
    await waitFor('the run to be running', async () => (await backend.runState()).status === 'running', 60_000);
    const firstPid = ((await backend.runState()) as { pid: number }).pid;

    // An invalid flow is refused with its problem and the run goes on.
    await expect(backend.apply(stringify(flow('value.')), path)).rejects.toThrow(/keep/);
    expect(await backend.runState()).toMatchObject({ status: 'running', pid: firstPid });

    const producer = testKafka('tributary-test-apply').producer();
    await producer.connect();
    let produced = 0;
    const production = (async () => {
      while (produced < RECORDS) {
        const messages = [];
        for (let i = produced; i < Math.min(RECORDS, produced + BATCH); i++) messages.push({ key: String(i), value: JSON.stringify({ id: i, skip: skipped(i) }) });
        await producer.send({ topic, messages });
        produced += messages.length;
        await new Promise((r) => setTimeout(r, BATCH_EVERY_MS));
      }
    })();
    try {
      await waitFor('a third of the records in Redis', async () => (await groupProgress(groupId, topic)).committed >= RECORDS / 3, 60_000, 100);
      states.length = 0;
      const producedBefore = produced;
      const result = await backend.apply(stringify(flow('!value.skip && value.id < 1000000000')), path);
      expect(result.changedNodes).toEqual(['keep']);
      expect(result.groupChanges).toEqual([]);
      // Applied mid-stream: records were produced while the old version drained and the new one started.
      expect(produced).toBeGreaterThan(producedBefore);
      expect(produced).toBeLessThan(RECORDS);
      const now = (await backend.runState()) as { status: string; pid: number };
      expect(now.status).toBe('running');
      expect(now.pid).not.toBe(firstPid);
      // The live view never went idle or stopped: the old run's stop is not reported, the new one starts as applied.
      expect(states.map((s) => s.status)).toEqual(['starting', 'running']);
      expect(states[0]).toMatchObject({ applied: true });
    } finally {
      await production;
      await producer.disconnect();
    }

    await waitFor('every offset committed', async () => (await groupProgress(groupId, topic)).committed === RECORDS, 90_000, 250);
    await backend.stop();

    const ids = Array.from({ length: RECORDS }, (_, i) => i);
    const counts = await values(redis, ids.map((i) => `${prefix}:${i}`));
    const lost = ids.filter((i) => !skipped(i) && counts[i] === null);
    const duplicated = ids.filter((i) => !skipped(i) && counts[i] !== null && counts[i] !== '1');
    const leaked = ids.filter((i) => skipped(i) && counts[i] !== null);
    expect({ lost: lost.length, duplicated: duplicated.length, leaked: leaked.length }).toEqual({ lost: 0, duplicated: 0, leaked: 0 });
    expect(counts.filter((c) => c === '1')).toHaveLength(ids.filter((i) => !skipped(i)).length);
  }, 240_000);

  it('shows why a new version that fails to start failed, and Apply refuses without a run', async () => {
    const generated = (out: string): string =>
      stringify({
        version: 1,
        name: 'apply-fails',
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 0, ratePerSecond: 50, value: '({ i })' } },
          { id: 'out', type: 'sink.file', config: { path: out } },
        ],
        edges: [{ from: 'gen', to: 'out' }],
      });
    await expect(backend.apply(generated(`${dir}/out.jsonl`), null)).rejects.toThrow(/no flow is running/);
    await backend.run(generated(`${dir}/out.jsonl`), null);
    await waitFor('the generator run to be running', async () => (await backend.runState()).status === 'running', 60_000);
    // A file sink under /dev/null cannot open: valid, but the new version fails as it starts (before or after its
    // first telemetry frame: Apply rejects, or the run state turns crashed) with the reason.
    const applied = await backend.apply(generated('/dev/null/apply/out.jsonl'), null).then(
      () => undefined,
      (error: Error) => error.message,
    );
    if (applied !== undefined) expect(applied).toMatch(/\/dev\/null/);
    await waitFor('the new version to fail', async () => (await backend.runState()).status === 'exited', 30_000);
    const state = await backend.runState();
    expect(state).toMatchObject({ status: 'exited', crashed: true });
    expect(state.status === 'exited' ? state.reason : '').toMatch(/\/dev\/null/);
  }, 120_000);
});

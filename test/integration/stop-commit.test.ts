// A graceful stop commits every offset whose record was delivered, on the real Kafka and Redis. A flow source.kafka ->
// sink.redis (INCRBY 1 per record id) on a topic of three partitions is started, fed records in small sends as from
// a live producer, and stopped with SIGTERM as soon as Redis shows every record. The three partitions' small batches
// end within a millisecond of each other, so batches end while a commit is in flight, and the stop comes before the
// commit timer's next turn. After each stop the group's committed offsets reach the end of every partition; after
// all rounds every id was counted exactly once (a stop that left offsets uncommitted shows as duplicates at the next
// start).
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testKafka, testRedis, uniqueName } from '../support/services';
import { countKeys, groupProgress, killAllCli, startCli, tempDir, waitFor, writeFlow } from '../support/runtime';

const ROUNDS = 4;
const PER_ROUND = 600;
/** Records per send, and the pause between sends (ms). */
const SEND = 15;
const SEND_EVERY_MS = 20;
const PARTITIONS = 3;

describe('a graceful stop commits what was delivered', () => {
  const topic = uniqueName('stop-commit');
  const groupId = `${topic}-group`;
  const prefix = `${topic}:id:`;
  const redis = testRedis();
  let path: string;

  beforeAll(async () => {
    await createTopic(topic, PARTITIONS);
    path = writeFlow(tempDir('tributary-stop-commit-'), 'stop-commit.flow.yaml', {
      version: 1,
      name: 'stop-commit',
      settings: { batchSize: 100 },
      nodes: [
        { id: 'in', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, fromBeginning: true, format: 'json' } },
        { id: 'count', type: 'sink.redis', config: { url: redisUrl, command: 'incrby', key: `'${prefix}' + value.id` } },
      ],
      edges: [{ from: 'in', to: 'count' }],
    });
  }, 60_000);

  afterEach(killAllCli);
  afterAll(async () => {
    await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
  }, 30_000);

  it('leaves no delivered record uncommitted, stop after stop', async () => {
    const producer = testKafka('tributary-test-stop-commit').producer();
    await producer.connect();
    for (let round = 1; round <= ROUNDS; round++) {
      const run = startCli(['run', path]);
      const from = (round - 1) * PER_ROUND;
      for (let sent = 0; sent < PER_ROUND; sent += SEND) {
        await producer.send({ topic, messages: Array.from({ length: SEND }, (_, i) => ({ key: String(from + sent + i), value: JSON.stringify({ id: from + sent + i }) })) });
        await sleep(SEND_EVERY_MS);
      }
      await waitFor(`round ${round}: every record in Redis`, async () => (await countKeys(redis, `${prefix}*`)) === round * PER_ROUND, 60_000, 20);
      run.child.kill('SIGTERM');
      expect({ round, exit: await run.exited }).toEqual({ round, exit: 0 });
      const progress = await groupProgress(groupId, topic);
      expect({ round, committed: progress.committed }).toEqual({ round, committed: progress.end });
    }
    await producer.disconnect();
    const keys = Array.from({ length: ROUNDS * PER_ROUND }, (_, i) => `${prefix}${i}`);
    const counts = await redis.mget(keys);
    expect(counts.filter((c) => c !== '1')).toEqual([]);
  }, 240_000);
});

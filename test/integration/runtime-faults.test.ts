// Faults the runtime must survive without losing records: the Redis sink goes away for 10 s in the middle of a run.
// This test starts its own redis-server (append-only file, so its data survives the outage) on a spare port, so the
// shared Redis of the other tests is never stopped.
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTopic, kafkaBrokers, uniqueName } from '../support/services';
import { redisAnswers as answers, startPrivateRedis } from '../support/private-redis';
import { countKeys, groupProgress, seedTopic, startCli, tempDir, waitFor, writeFlow, killAllCli } from '../support/runtime';

const PORT = 6391;
const url = `redis://127.0.0.1:${PORT}`;

describe('sink outage', () => {
  afterEach(killAllCli);
  const dir = tempDir('tributary-redis-');
  let server: ChildProcess | undefined;
  afterAll(async () => {
    server?.kill('SIGKILL');
  });

  it('pauses the partitions while Redis is down for 10 s, then completes with nothing lost', async () => {
    server = startPrivateRedis(PORT, dir, { appendOnly: true });
    await waitFor('the test redis-server', () => answers(url), 10_000, 100);
    const topic = uniqueName('rt-outage');
    const groupId = `${topic}-group`;
    await createTopic(topic, 4);
    await seedTopic(topic, 20_000, (i) => ({ id: i }));
    const flowFile = writeFlow(dir, 'outage.flow.yaml', {
      version: 1,
      name: 'outage',
      settings: { batchSize: 500 },
      nodes: [
        { id: 'in', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, fromBeginning: true } },
        { id: 'out', type: 'sink.redis', config: { url, command: 'incrby', key: "'n:' + value.id", incrementExpression: '1' } },
      ],
      edges: [{ from: 'in', to: 'out' }],
    });
    const run = startCli(['run', flowFile, '--metrics-port', '19466']);
    await waitFor('the first 20,000 records', async () => (await groupProgress(groupId, topic)).committed === 20_000, 60_000, 300);

    // Redis goes away (SIGTERM: it flushes its append-only file first), then 20,000 more records arrive.
    server.kill('SIGTERM');
    await new Promise((resolve) => server!.once('exit', resolve));
    const outageStart = Date.now();
    await seedTopic(topic, 40_000, (i) => ({ id: i }));
    const metrics = (): Promise<string> => fetch('http://127.0.0.1:19466/metrics').then((r) => r.text());
    await waitFor('a paused partition', async () => /tributary_kafka_partition_paused\{[^}]+\} 1/.test(await metrics()), 20_000, 200);
    expect(await metrics()).toMatch(/tributary_kafka_consumer_lag\{node="in",topic="[^"]+",partition="\d",flow="outage"\} [1-9]/);
    await waitFor('the sink to be retrying', () => run.output.stderr.includes('sink write failed; retrying'), 20_000, 100);
    // Nothing past the first 20,000 was committed while the sink was down.
    expect((await groupProgress(groupId, topic)).committed).toBe(20_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - outageStart))));
    expect(run.child.exitCode).toBeNull();

    server = startPrivateRedis(PORT, dir, { appendOnly: true });
    await waitFor('every offset committed', async () => (await groupProgress(groupId, topic)).committed === 60_000, 120_000, 300);
    expect(run.output.stderr).toContain('sink recovered');
    expect(await metrics()).not.toMatch(/tributary_kafka_partition_paused\{[^}]+\} 1/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const redis = new Redis(url);
    try {
      expect(await countKeys(redis, 'n:*')).toBe(40_000);
      const keys = Array.from({ length: 40_000 }, (_, i) => `n:${i}`);
      const values = (await redis.mget(keys)).map(Number);
      // ids 0..19,999 were produced twice (two seeds), the rest once: every production is counted at least once.
      values.forEach((n, i) => expect(n).toBeGreaterThanOrEqual(i < 20_000 ? 2 : 1));
    } finally {
      await redis.quit();
    }
  });
});

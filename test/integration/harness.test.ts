// Proves the test harness is real: a 4-partition topic on the local Kafka broker, 10,000 JSON records produced with
// kafkajs, consumed back by a consumer group and written to the local Redis with one ioredis pipeline per batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createTopic, deleteKeys, testKafka, testRedis, uniqueName } from '../support/services';

const RECORDS = 10_000;

describe('harness: real Kafka and Redis', () => {
  const topic = uniqueName('harness');
  const prefix = `${topic}:`;
  let redis: Redis;

  beforeAll(async () => {
    redis = testRedis();
    await createTopic(topic, 4);
  });

  afterAll(async () => {
    await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
  });

  it('moves 10,000 records from a 4-partition topic into Redis exactly', async () => {
    const kafka = testKafka();
    const producer = kafka.producer();
    await producer.connect();
    for (let start = 0; start < RECORDS; start += 1000) {
      const messages = Array.from({ length: 1000 }, (_, j) => {
        const id = start + j;
        return { key: String(id), value: JSON.stringify({ id, amount: id * 3, tag: `t${id % 7}` }) };
      });
      await producer.send({ topic, messages });
    }
    await producer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets).toHaveLength(4);
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(RECORDS);
    // Keys hash to every partition, so the consumer group really reads 4 partitions.
    expect(offsets.every((p) => Number(p.high) > 0)).toBe(true);

    const consumer = kafka.consumer({ groupId: uniqueName('harness-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    const partitionsSeen = new Set<number>();
    const done = new Promise<void>((resolve, reject) => {
      void consumer
        .run({
          eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
            const pipeline = redis.pipeline();
            for (const message of batch.messages) {
              const value = JSON.parse(message.value!.toString()) as { id: number; amount: number; tag: string };
              pipeline.set(`${prefix}${value.id}`, JSON.stringify({ amount: value.amount, tag: value.tag }));
            }
            const replies = (await pipeline.exec()) ?? [];
            for (const [error] of replies) if (error) throw error;
            partitionsSeen.add(batch.partition);
            for (const message of batch.messages) resolveOffset(message.offset);
            await heartbeat();
            seen += batch.messages.length;
            if (seen >= RECORDS) resolve();
          },
        })
        .catch(reject);
    });
    await done;
    await consumer.disconnect();

    expect(seen).toBe(RECORDS);
    expect(partitionsSeen.size).toBe(4);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.length).toBe(RECORDS);
    const ids = Array.from({ length: RECORDS }, (_, i) => i);
    const values = await redis.mget(ids.map((id) => `${prefix}${id}`));
    values.forEach((raw, id) => {
      expect(JSON.parse(raw!)).toEqual({ amount: id * 3, tag: `t${id % 7}` });
    });
  });
});

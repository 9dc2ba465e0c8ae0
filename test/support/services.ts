/**
 * Connection settings and helpers for integration tests. They talk to the real services that `scripts/services.sh up`
 * starts (or to the ones `KAFKA_BROKERS` / `REDIS_URL` point at); nothing is mocked.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import { Redis } from 'ioredis';

/** Broker list, from `KAFKA_BROKERS` (comma-separated) or the local broker on 127.0.0.1:9092. */
export const kafkaBrokers: string[] = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());

/** Redis URL, from `REDIS_URL` or the local server. */
export const redisUrl: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A kafkajs client for tests, with logs limited to errors. */
export function testKafka(clientId = 'tributary-test'): Kafka {
  return new Kafka({ clientId, brokers: kafkaBrokers, logLevel: logLevel.ERROR });
}

/** A name no other test run uses: `<prefix>-<12 hex chars>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * Creates `topic` with `partitions` partitions (replication factor 1) and waits until its metadata is visible.
 * @throws when the broker refuses to create it.
 */
export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin: Admin = testKafka('tributary-test-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    await admin.fetchTopicMetadata({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

/** An ioredis client for tests; call `quit()` when done. */
export function testRedis(): Redis {
  return new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
}

/** Deletes every Redis key matching `pattern` (SCAN + DEL), so a test starts from a known state. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/**
 * Reads `count` messages of `topic` from the beginning with a plain kafkajs consumer of a group of its own (in
 * partition order for a topic of one partition).
 * @throws Error `read N of M messages from <topic>` when fewer arrived within 60 s
 */
export async function readTopic(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = testKafka('tributary-test-reader').consumer({ groupId: uniqueName('test-reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const messages: KafkaMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} messages from ${topic}`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            messages.push(message);
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

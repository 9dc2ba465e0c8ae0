/**
 * Shared helpers of the example seed scripts: a seeded random number generator (so every run of a seed script writes
 * the very same data), environment defaults that match the flows' `${VAR:-default}` references, and Kafka helpers.
 */
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

/** 2024-05-06T09:00:00.000Z: the event-time origin of the clickstream and sensor data (a multiple of 10 s). */
export const EPOCH_MS = Date.UTC(2024, 4, 6, 9, 0, 0);

/** A deterministic random number generator (mulberry32): the same seed gives the same sequence in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max] drawn from `random`. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Picks one of `items` with the given relative `weights`. */
export function pickWeighted<T>(random: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i]!;
    if (r < 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

/** `process.env[name]`, or `fallback` when it is unset or empty (like `${NAME:-fallback}` in a flow file). */
export function env(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** The brokers of `KAFKA_BROKERS` (comma-separated), as the flows read them. */
export function kafkaBrokers(): string[] {
  return env('KAFKA_BROKERS', '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim());
}

/** True when the module with this `import.meta.url` is the script being run (`npx tsx examples/seed/x.ts`). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === moduleUrl;
}

/** A Kafka message as the seed scripts produce it. */
export interface SeedMessage {
  key: string;
  value: string;
}

/**
 * Creates the topics that do not exist yet (`partitions` each, replication factor 1), then produces `messages` to
 * `topic` in order, in one request.
 */
export async function produceToKafka(
  brokers: string[],
  topic: string,
  messages: readonly SeedMessage[],
  topics: { name: string; partitions: number }[],
): Promise<void> {
  const kafka = new Kafka({ clientId: 'tributary-example-seed', brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
  } finally {
    await producer.disconnect();
  }
}

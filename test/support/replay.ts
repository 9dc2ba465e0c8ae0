/**
 * Helpers of the replay tests (`tributary offsets`, `startFrom`, the studio's "Replay from…"): records produced with
 * chosen timestamps, the ids a `sink.file` wrote, and the committed offsets of a group as the admin API reports them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { testKafka } from './services';

/**
 * Produces one record per id to `topic`: key `String(id)`, value `{ id }` as JSON, Kafka timestamp `timestamp(id)`
 * (epoch ms, CreateTime).
 */
export async function produceAt(topic: string, ids: readonly number[], timestamp: (id: number) => number): Promise<void> {
  const producer = testKafka('tributary-test-replay').producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: ids.map((id) => ({ key: String(id), value: JSON.stringify({ id }), timestamp: String(timestamp(id)) })) });
  } finally {
    await producer.disconnect();
  }
}

/** The `id`s of the values a `sink.file` (envelope false) wrote to `path`, sorted; empty when there is no file. */
export function idsWritten(path: string): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { id: number }).id)
    .sort((a, b) => a - b);
}

/** Integers from `from` up to `to`, `to` excluded. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Per partition of `topic`: the group's committed offset (-1 for none) and the log end, from the admin API. */
export async function adminOffsets(groupId: string, topic: string): Promise<{ partition: number; committed: number; logEnd: number; logStart: number }[]> {
  const admin = testKafka('tributary-test-replay-admin').admin();
  await admin.connect();
  try {
    const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends
      .map((e) => ({
        partition: e.partition,
        committed: Number(fetched?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1),
        logEnd: Number(e.high),
        logStart: Number(e.low),
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** Active members of a consumer group (0 when it is empty or unknown). */
export async function groupMembers(groupId: string): Promise<number> {
  const admin = testKafka('tributary-test-replay-admin').admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.members.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Where `source.kafka` starts reading (Node-only): resolves `startFrom` (`nodes/kafka-start-position.spec.ts`) for a
 * consumer group before the consumer subscribes.
 *
 * Committed offsets always win. `startFrom` only decides where a partition WITHOUT a committed offset for the group
 * begins:
 * - `committed` (default), `latest`, `earliest`: left to the consumer's offset reset (kafkajs `fromBeginning`, Kafka's
 *   `auto.offset.reset`), nothing is written;
 * - `{ timestamp }`: the offsets of the first record at or after the time are looked up with the admin API
 *   (`fetchTopicOffsetsByTimestamp`, Kafka's ListOffsets by timestamp; a partition with no such record gets its log
 *   end) and committed for the group (admin `setOffsets`) before the consumer joins;
 * - `{ offsets }`: the given offsets are committed the same way; partitions not listed follow `otherPartitions`.
 *
 * Kafka accepts offsets for a group from outside only while it has no active member. When several instances start at
 * once, the first one commits them; an instance refused because the group is already active re-reads the committed
 * offsets for up to {@link START_POSITION_WAIT_MS} (the first instance is committing them) and then starts anyway,
 * its uncommitted partitions falling back to the consumer's offset reset (`earliest` for `{ timestamp }`).
 */
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { TributaryError } from '../runtime/common/errors';
import { kafkaErrorMessage } from './kafka-common.runtime';
import { parseStartTimestamp, type StartFromConfig } from './kafka-start-position.spec';

/** How long an instance refused by an active group waits for another instance's start offsets (ms). */
export const START_POSITION_WAIT_MS = 5_000;
/** Pause between two reads of the committed offsets while waiting (ms). */
const START_POSITION_POLL_MS = 500;

/** The start position of a node, resolved from `startFrom` or the older `fromBeginning`. */
export type StartPosition =
  | { kind: 'committed' }
  | { kind: 'earliest' }
  | { kind: 'latest' }
  /** `timestamp` in epoch ms. */
  | { kind: 'timestamp'; timestamp: number }
  /** `offsets`: topic -> partition -> offset; `otherPartitions` for the partitions not listed. */
  | { kind: 'offsets'; offsets: Map<string, Map<number, number>>; otherPartitions: 'earliest' | 'latest' };

/**
 * The start position a parsed node config asks for: `startFrom`, else `fromBeginning` (true: earliest, false:
 * latest), else `committed`.
 * @throws TributaryError E_CONFIG when a timestamp cannot be read (the spec refuses it before a run)
 */
export function resolveStartFrom(config: StartFromConfig): StartPosition {
  const start = config.startFrom;
  if (start === undefined) {
    if (config.fromBeginning === undefined) return { kind: 'committed' };
    return { kind: config.fromBeginning ? 'earliest' : 'latest' };
  }
  if (typeof start === 'string') return { kind: start };
  if ('timestamp' in start) {
    const timestamp = parseStartTimestamp(start.timestamp);
    if (timestamp === undefined) throw new TributaryError('E_CONFIG', `startFrom.timestamp: cannot read ${JSON.stringify(start.timestamp)} as a time`);
    return { kind: 'timestamp', timestamp };
  }
  const offsets = new Map<string, Map<number, number>>();
  for (const [topic, partitions] of Object.entries(start.offsets)) {
    offsets.set(topic, new Map(Object.entries(partitions).map(([partition, offset]) => [Number(partition), offset])));
  }
  return { kind: 'offsets', offsets, otherPartitions: start.otherPartitions };
}

/**
 * The consumer's offset reset for partitions that have neither a committed offset nor one set from `startFrom`
 * (kafkajs `subscribe({ fromBeginning })`).
 */
export function fallsBackToEarliest(position: StartPosition): boolean {
  switch (position.kind) {
    case 'earliest':
    case 'timestamp':
      return true;
    case 'offsets':
      return position.otherPartitions === 'earliest';
    default:
      return false;
  }
}

/** One partition's offset to commit for the group: the next record to read. */
export interface StartOffset {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * The offsets to commit before the consumer joins: the `targets` of the partitions that have no committed offset
 * (a committed offset below 0, or none); a partition with a committed offset keeps it.
 * @param committed per topic, per partition, the group's committed offset (-1 for none)
 * @param targets per topic, per partition, where `startFrom` begins it
 * @returns in topic and partition order
 */
export function planStartOffsets(
  committed: ReadonlyMap<string, ReadonlyMap<number, number>>,
  targets: ReadonlyMap<string, ReadonlyMap<number, number>>,
): StartOffset[] {
  const planned: StartOffset[] = [];
  for (const topic of [...targets.keys()].sort()) {
    const byPartition = targets.get(topic)!;
    for (const partition of [...byPartition.keys()].sort((a, b) => a - b)) {
      const current = committed.get(topic)?.get(partition);
      if (current !== undefined && current >= 0) continue;
      planned.push({ topic, partition, offset: byPartition.get(partition)! });
    }
  }
  return planned;
}

/** What {@link applyStartPosition} needs. */
export interface StartPositionOptions {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  position: StartPosition;
  logger: Logger;
  /** For messages: `node <id>`. */
  nodeId: string;
}

/** Per topic, per partition, the group's committed offset (-1 for none). */
async function committedOffsets(admin: Admin, groupId: string, topics: readonly string[]): Promise<Map<string, Map<number, number>>> {
  const fetched = await admin.fetchOffsets({ groupId, topics: [...topics] });
  return new Map(fetched.map((t) => [t.topic, new Map(t.partitions.map((p) => [p.partition, Number(p.offset)]))]));
}

/** Per topic, per partition, where the position begins it: by timestamp (admin ListOffsets) or as listed. */
async function targetOffsets(admin: Admin, topics: readonly string[], position: StartPosition): Promise<Map<string, Map<number, number>>> {
  const targets = new Map<string, Map<number, number>>();
  for (const topic of topics) {
    if (position.kind === 'timestamp') {
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, position.timestamp);
      targets.set(topic, new Map(offsets.map((p) => [p.partition, Number(p.offset)])));
    } else if (position.kind === 'offsets') {
      const listed = position.offsets.get(topic);
      if (listed !== undefined) targets.set(topic, new Map(listed));
    }
  }
  return targets;
}

/** True for kafkajs' refusal of `setOffsets` on a group that has active members. */
function isGroupActiveRefusal(error: unknown): boolean {
  return /no running instances/i.test(kafkaErrorMessage(error));
}

/**
 * Commits the start offsets `startFrom` asks for, for the partitions of `topics` that have no committed offset in
 * `groupId`, before the consumer subscribes (see the file comment for the rules).
 * @returns the `fromBeginning` to subscribe with: the offset reset of partitions left without a committed offset
 * @throws TributaryError E_SOURCE (retriable) when the cluster cannot be asked (unknown topic, unreachable brokers)
 */
export async function applyStartPosition(options: StartPositionOptions): Promise<{ fromBeginning: boolean }> {
  const { kafka, groupId, topics, position, logger, nodeId } = options;
  const fromBeginning = fallsBackToEarliest(position);
  if (position.kind !== 'timestamp' && position.kind !== 'offsets') return { fromBeginning };
  const admin = kafka.admin();
  try {
    await admin.connect();
    const planned = planStartOffsets(await committedOffsets(admin, groupId, topics), await targetOffsets(admin, topics, position));
    if (planned.length === 0) return { fromBeginning };
    const describe = position.kind === 'timestamp' ? `startFrom ${new Date(position.timestamp).toISOString()}` : 'startFrom offsets';
    for (const topic of new Set(planned.map((p) => p.topic))) {
      const partitions = planned.filter((p) => p.topic === topic);
      await setStartOffsets(admin, groupId, topic, partitions, logger);
      logger.info(
        { event: 'start-offsets', groupId, topic, offsets: Object.fromEntries(partitions.map((p) => [p.partition, p.offset])) },
        `${describe}: group ${groupId} starts ${topic} partition(s) ${partitions.map((p) => `${p.partition}@${p.offset}`).join(', ')}`,
      );
    }
    return { fromBeginning };
  } catch (error) {
    throw new TributaryError('E_SOURCE', `cannot resolve startFrom for group ${groupId}: ${kafkaErrorMessage(error)}`, {
      nodeId,
      retriable: true,
      cause: error,
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Commits one topic's start offsets and checks they are committed: when the group is active (another instance started
 * first) or two instances set them at the same moment (each commits only the partitions the group hands its helper
 * consumer), tries again until every partition has a committed offset, for up to {@link START_POSITION_WAIT_MS}.
 */
async function setStartOffsets(admin: Admin, groupId: string, topic: string, partitions: StartOffset[], logger: Logger): Promise<void> {
  const entries = partitions.map((p) => ({ partition: p.partition, offset: String(p.offset) }));
  const deadline = Date.now() + START_POSITION_WAIT_MS;
  for (;;) {
    try {
      await admin.setOffsets({ groupId, topic, partitions: entries });
    } catch (error) {
      if (!isGroupActiveRefusal(error)) throw error;
    }
    const committed = (await committedOffsets(admin, groupId, [topic])).get(topic);
    if (partitions.every((p) => (committed?.get(p.partition) ?? -1) >= 0)) return;
    if (Date.now() > deadline) {
      logger.warn(
        { groupId, topic },
        `group ${groupId} is active (another instance started first): partitions of ${topic} without a committed offset follow the offset reset`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, START_POSITION_POLL_MS));
  }
}

/**
 * The committed offsets of a `source.kafka` node's consumer group, read and moved with the Kafka admin API
 * (Node-only). Used by `tributary offsets show|reset` (`runtime/offsets-command.ts`) and the studio's "Replay from…"
 * (`runtime/studio/offsets.ts`).
 *
 * Reading: per partition of the node's topics, the group's committed offset (the next record it reads; none when the
 * group never committed one), the log start and end offsets and the lag (log end - committed), as
 * `kafka-consumer-groups.sh --describe` shows them.
 *
 * Moving (a replay): to the earliest or latest offset, to the first record at or after a time (Kafka's ListOffsets by
 * timestamp; a partition without such a record moves to its log end), or to given offsets. Kafka accepts offsets
 * from outside a group only while it has no active member, so a reset is refused while any instance of the flow is
 * running. Records between the new offset and the committed one are processed again by the next run (at-least-once
 * makes that safe for idempotent sinks; others write them twice).
 */
import type { Admin } from 'kafkajs';
import { TributaryError } from './common/errors';
import type { Plan } from './common/flow';
import type { GroupOffsets, OffsetMove, OffsetReset, PartitionOffsets, ResetTarget } from './common/group-offsets';
import { withAdminSession } from '../nodes/kafka-admin.runtime';
import { kafkaErrorMessage } from '../nodes/kafka-common.runtime';
import type { KafkaConnectionConfig } from '../nodes/kafka-common.spec';

/** Connection, request and overall time an admin operation may take (ms); a reset joins the group once per topic. */
export const OFFSETS_ADMIN_TIMEOUT_MS = 30_000;

/** The consumer group of one `source.kafka` node and what reaching it takes. */
export interface KafkaSourceGroup {
  nodeId: string;
  groupId: string;
  /** The node's topics (`topic` or `topics`). */
  topics: string[];
  /** The node's parsed connection fields. */
  connection: KafkaConnectionConfig;
}

/**
 * The consumer group of a `source.kafka` node of a compiled flow.
 * @throws TributaryError E_CONFIG when the flow has no node `nodeId` or it is not a `source.kafka`
 */
export function kafkaSourceGroup(plan: Plan, nodeId: string): KafkaSourceGroup {
  const node = plan.byId.get(nodeId);
  if (node === undefined) {
    const kafka = plan.sources.filter((s) => s.spec.type === 'source.kafka').map((s) => s.id);
    throw new TributaryError('E_CONFIG', `no node ${nodeId} in the flow${kafka.length > 0 ? ` (source.kafka nodes: ${kafka.join(', ')})` : ''}`);
  }
  if (node.spec.type !== 'source.kafka') {
    throw new TributaryError('E_CONFIG', `node ${nodeId} is a ${node.spec.type}: offsets belong to source.kafka nodes`, { nodeId });
  }
  const config = node.config as unknown as KafkaConnectionConfig & { groupId: string; topic?: string; topics?: string[] };
  return { nodeId, groupId: config.groupId, topics: config.topics ?? [config.topic!], connection: config };
}

/**
 * Connects an admin client with the node's connection fields, runs `work` and disconnects.
 * @throws TributaryError E_SOURCE (retriable) `node <id>: group <g>: <cause>` when the cluster cannot be reached or
 *   `work` fails with a Kafka error, or nothing was done within {@link OFFSETS_ADMIN_TIMEOUT_MS}; a TributaryError of
 *   `work` is passed on as it is
 */
export async function withGroupAdmin<T>(group: KafkaSourceGroup, work: (admin: Admin) => Promise<T>): Promise<T> {
  try {
    return await withAdminSession(
      group.connection,
      {
        clientId: `tributary-offsets-${group.nodeId}`,
        retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2_000 },
        connectionTimeoutMs: 10_000,
        timeoutMs: OFFSETS_ADMIN_TIMEOUT_MS,
        awaitDisconnect: true,
      },
      work,
    );
  } catch (error) {
    if (error instanceof TributaryError) throw error;
    const cause = kafkaErrorMessage(error).split('\n', 1)[0];
    throw new TributaryError('E_SOURCE', `node ${group.nodeId}: group ${group.groupId}: ${cause}`, { nodeId: group.nodeId, retriable: true, cause: error });
  }
}

/**
 * The group's state, member count and, per partition of the node's topics, committed offset, log start, log end and lag.
 * @throws Error from kafkajs (unknown topic, unreachable cluster); {@link withGroupAdmin} words it
 */
export async function readGroupOffsets(admin: Admin, group: KafkaSourceGroup): Promise<GroupOffsets> {
  const [described, fetched] = await Promise.all([
    admin.describeGroups([group.groupId]),
    admin.fetchOffsets({ groupId: group.groupId, topics: group.topics }),
  ]);
  const description = described.groups[0];
  const partitions: PartitionOffsets[] = [];
  for (const topic of group.topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = new Map((fetched.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const end of [...ends].sort((a, b) => a.partition - b.partition)) {
      const offset = committed.get(end.partition);
      const logEnd = Number(end.high);
      const known = offset !== undefined && offset >= 0 ? offset : null;
      partitions.push({ topic, partition: end.partition, committed: known, logStart: Number(end.low), logEnd, lag: known === null ? null : Math.max(0, logEnd - known) });
    }
  }
  return { groupId: group.groupId, state: description?.state ?? 'Dead', members: description?.members.length ?? 0, partitions };
}

/**
 * Where a reset moves every partition, checked against the log: explicit offsets must lie between the partition's
 * log start and log end and name partitions that exist.
 * @throws TributaryError E_CONFIG for an offset outside the log, an unknown partition or topic, or an offset without
 *   a topic on a node with several topics
 */
export async function planOffsetReset(admin: Admin, group: KafkaSourceGroup, target: ResetTarget): Promise<{ current: GroupOffsets; moves: OffsetMove[] }> {
  const current = await readGroupOffsets(admin, group);
  const targets = new Map<string, number>();
  const key = (topic: string, partition: number): string => `${topic}:${partition}`;
  if (target.kind === 'timestamp') {
    for (const topic of group.topics) {
      for (const p of await admin.fetchTopicOffsetsByTimestamp(topic, target.timestamp)) targets.set(key(topic, p.partition), Number(p.offset));
    }
  } else if (target.kind === 'offsets') {
    for (const entry of target.offsets) {
      if (entry.topic === undefined && group.topics.length > 1) {
        throw new TributaryError('E_CONFIG', `offset ${entry.partition}:${entry.offset}: node ${group.nodeId} reads ${group.topics.join(', ')}: give TOPIC:PARTITION:OFFSET`, { nodeId: group.nodeId });
      }
      const topic = entry.topic ?? group.topics[0]!;
      const partition = current.partitions.find((p) => p.topic === topic && p.partition === entry.partition);
      if (partition === undefined) {
        throw new TributaryError('E_CONFIG', `offset ${entry.partition}:${entry.offset}: ${group.topics.includes(topic) ? `topic ${topic} has no partition ${entry.partition}` : `node ${group.nodeId} does not read topic ${topic}`}`, { nodeId: group.nodeId });
      }
      if (entry.offset < partition.logStart || entry.offset > partition.logEnd) {
        throw new TributaryError(
          'E_CONFIG',
          `offset ${entry.offset} of ${topic} partition ${entry.partition} is outside its log (${partition.logStart} to ${partition.logEnd})`,
          { nodeId: group.nodeId },
        );
      }
      targets.set(key(topic, entry.partition), entry.offset);
    }
  }
  const moves: OffsetMove[] = [];
  for (const p of current.partitions) {
    const to = target.kind === 'earliest' ? p.logStart : target.kind === 'latest' ? p.logEnd : (targets.get(key(p.topic, p.partition)) ?? p.committed);
    // A partition explicit offsets do not name keeps its committed offset, or still has none.
    if (to === null) continue;
    moves.push({ topic: p.topic, partition: p.partition, from: p.committed, to, again: p.committed === null ? 0 : Math.max(0, p.committed - to) });
  }
  return { current, moves };
}

/**
 * Moves the group's committed offsets (or, with `dryRun`, only plans the move).
 * @throws TributaryError E_SOURCE `group <g> has N active member(s) ...` while any consumer of the group runs (also
 *   for a dry run, which would not be applicable); E_CONFIG as {@link planOffsetReset}
 */
export async function resetGroupOffsets(admin: Admin, group: KafkaSourceGroup, target: ResetTarget, options: { dryRun?: boolean } = {}): Promise<OffsetReset> {
  const { current, moves } = await planOffsetReset(admin, group, target);
  if (current.members > 0) throw activeGroupError(group, current.members);
  const changed = moves.filter((m) => m.from !== m.to);
  if (options.dryRun !== true) {
    for (const topic of new Set(changed.map((m) => m.topic))) {
      const partitions = changed.filter((m) => m.topic === topic).map((m) => ({ partition: m.partition, offset: String(m.to) }));
      try {
        await admin.setOffsets({ groupId: group.groupId, topic, partitions });
      } catch (error) {
        // A consumer joined between the check and the reset.
        if (/no running instances/i.test(kafkaErrorMessage(error))) throw activeGroupError(group, (await readGroupOffsets(admin, group)).members);
        throw error;
      }
    }
  }
  return { groupId: group.groupId, moves, again: moves.reduce((n, m) => n + m.again, 0), applied: options.dryRun !== true };
}

function activeGroupError(group: KafkaSourceGroup, members: number): TributaryError {
  return new TributaryError(
    'E_SOURCE',
    `group ${group.groupId} has ${members} active member(s): stop every run of the flow (node ${group.nodeId}) before resetting its offsets`,
    { nodeId: group.nodeId },
  );
}

/**
 * The studio's "Replay from…" (Node-only): the committed offsets of a `source.kafka` node's consumer group, and
 * moving them, for the flow text the studio holds (`${VAR}` references substituted from the studio's environment).
 * The admin work is `runtime/kafka-offsets.ts`, the same as `tributary offsets show|reset`.
 */
import { formatProblems } from '../common/errors';
import type { GroupOffsets, OffsetReset, ResetTarget } from '../common/group-offsets';
import type { RunState } from '../common/studio-api';
import { checkFlowText } from '../flow-file';
import { kafkaSourceGroup, readGroupOffsets, resetGroupOffsets, withGroupAdmin, type KafkaSourceGroup } from '../kafka-offsets';

/**
 * The node's consumer group in a flow text.
 * @throws Error `cannot <verb>: the flow has N problem(s):` with one line per problem, or when the node is missing or
 *   not a `source.kafka`
 */
function groupOf(text: string, nodeId: string, verb: string, env: Record<string, string | undefined>): KafkaSourceGroup {
  const checked = checkFlowText(text, { env });
  if (checked.plan === undefined) {
    throw new Error(`cannot ${verb}: the flow has ${checked.errors.length} problem(s):\n${formatProblems(checked.errors, 'flow').join('\n')}`);
  }
  return kafkaSourceGroup(checked.plan, nodeId);
}

/**
 * The group's state, members and per-partition committed offset, log start, log end and lag.
 * @param text the flow text
 * @param nodeId a `source.kafka` node of the flow
 * @param env variables for `${VAR}` references
 * @throws Error with one line for the user (invalid flow, wrong node, cluster unreachable, unknown topic)
 */
export async function studioGroupOffsets(text: string, nodeId: string, env: Record<string, string | undefined>): Promise<GroupOffsets> {
  const group = groupOf(text, nodeId, 'read the offsets', env);
  return withGroupAdmin(group, (admin) => readGroupOffsets(admin, group));
}

/**
 * Moves the group to `target` (or plans it, `dryRun`), only while the studio runs no flow.
 * @param runState the studio's run state: a run that is starting, running or stopping refuses the reset
 * @throws Error `stop the run before moving ...` while a run is active; the group's active members; as
 *   {@link studioGroupOffsets}
 */
export async function studioResetOffsets(
  text: string,
  nodeId: string,
  target: ResetTarget,
  options: { dryRun: boolean; runState: RunState; env: Record<string, string | undefined> },
): Promise<OffsetReset> {
  const group = groupOf(text, nodeId, 'replay', options.env);
  const status = options.runState.status;
  if (!options.dryRun && (status === 'starting' || status === 'running' || status === 'stopping') && options.runState.mode === 'run') {
    throw new Error(`stop the run before moving the offsets of group ${group.groupId} (node ${nodeId})`);
  }
  return withGroupAdmin(group, (admin) => resetGroupOffsets(admin, group, target, { dryRun: options.dryRun }));
}

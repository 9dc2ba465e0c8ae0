/**
 * What an Apply (edit while running, Node-RED's Deploy) changes: the nodes of the running flow that the edited one
 * adds, removes, renames or changes, and the `source.kafka` nodes whose consumer group changes (they then start from
 * that group's committed offsets, not from where the running flow stopped). Computed from the semantic diff
 * (`flow-diff.ts`); canvas positions are no change to the runtime. Pure and browser-safe: the toolbar counts pending
 * changes with it, the studio backend reports what it applied with it.
 */
import type { Flow } from './flow';
import { diffFlows, sameValue } from './flow-diff';

/** A `source.kafka` node whose `groupId` differs between the running and the edited flow. */
export interface GroupChange {
  nodeId: string;
  /** The group in the running flow (undefined: the node is new or had none). */
  before: string | undefined;
  /** The group in the edited flow. */
  after: string | undefined;
}

/** The runtime-relevant difference between the running flow and the edited one. */
export interface ApplyPlan {
  /** True when anything the runtime reads differs (nodes, edges, name, settings); positions alone are not. */
  changed: boolean;
  /** Ids (in the edited flow; the old id for a removed node) of every added, removed, renamed or changed node. */
  changedNodes: string[];
  /** Kafka sources whose consumer group changes. */
  groupChanges: GroupChange[];
}

function groupOf(flow: Flow, nodeId: string): string | undefined {
  const node = flow.nodes.find((n) => n.id === nodeId);
  if (node?.type !== 'source.kafka') return undefined;
  const group = node.config?.groupId;
  return typeof group === 'string' ? group : undefined;
}

/**
 * The plan of applying `edited` over `running`.
 * @param running the flow the runtime runs, parsed (`parseFlowText` with `substitute: false`, or `graphToFlow`)
 * @param edited the flow to apply, parsed the same way
 */
export function planApply(running: Flow, edited: Flow): ApplyPlan {
  const diff = diffFlows(running, edited);
  const changedNodes = diff.nodes.map((n) => n.id);
  const groupChanges: GroupChange[] = [];
  for (const node of edited.nodes) {
    if (node.type !== 'source.kafka') continue;
    const change = diff.nodes.find((n) => n.id === node.id);
    const previousId = change?.change === 'renamed' ? change.previousId : node.id;
    const before = groupOf(running, previousId);
    const after = groupOf(edited, node.id);
    if (change !== undefined && !sameValue(before, after)) groupChanges.push({ nodeId: node.id, before, after });
  }
  return { changed: diff.flow.length > 0 || diff.nodes.length > 0 || diff.edges.length > 0, changedNodes, groupChanges };
}

/**
 * The status bar's line for an applied plan, e.g. "Applied: 2 nodes changed (filter, map) at 18:40:12".
 * @param appliedAt when the new version started (ms since the epoch), shown in local time
 */
export function formatApplied(plan: Pick<ApplyPlan, 'changedNodes'>, appliedAt: number): string {
  const n = plan.changedNodes.length;
  const time = new Date(appliedAt).toTimeString().slice(0, 8);
  const nodes = n === 0 ? 'no node changed' : `${n} node${n === 1 ? '' : 's'} changed (${plan.changedNodes.join(', ')})`;
  return `Applied: ${nodes} at ${time}`;
}

/**
 * What the renderer shows of an attachment to headless instances ("Attach…", see AttachDialog.tsx): the toolbar's
 * status (how many instances, how many do not answer) and, per node, which instance holds which partitions and
 * group membership. Pure functions of the run state `attached`.
 */
import { byTopicPartition, instanceLabel } from '../../runtime/common/attach-protocol';
import type { RunState } from '../../runtime/common/studio-api';

export { instanceLabel };

/** The run state while attached. */
export type AttachedState = Extract<RunState, { status: 'attached' }>;

/** "Attached to 3 instances of orders" (and how many do not answer). */
export function describeAttachment(state: AttachedState): string {
  const n = state.instances.length;
  const down = state.instances.filter((i) => !i.reachable).length;
  return `Attached to ${n} instance${n === 1 ? '' : 's'} of ${state.flow}${down > 0 ? ` (${down} not answering)` : ''}`;
}

/** What one instance holds of a node: its group member id and its partitions (`topic[p]` sorted), if any. */
export interface NodeOwnership {
  label: string;
  url: string;
  reachable: boolean;
  memberId?: string;
  partitions: string[];
}

/** Per instance, what it holds of node `nodeId` (every instance is listed: each runs every node of the flow). */
export function nodeOwnership(state: AttachedState, nodeId: string): NodeOwnership[] {
  return state.instances.map((instance) => {
    const parts = instance.identity?.partitions[nodeId] ?? [];
    const member = instance.identity?.members[nodeId];
    const sorted = [...parts].sort(byTopicPartition);
    return {
      label: instanceLabel(instance),
      url: instance.url,
      reachable: instance.reachable,
      ...(member === undefined ? {} : { memberId: member.memberId }),
      partitions: sorted.map((p) => `${p.topic}[${p.partition}]`),
    };
  });
}

/** The instance URLs of the dialog's text: one per line or separated by commas or spaces. */
export function parseInstanceUrls(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((u) => u.trim())
    .filter((u) => u !== '');
}

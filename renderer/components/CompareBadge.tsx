/**
 * What a canvas node shows while a comparison is on (renderer/store/compare-store.ts): its status by id, for the
 * node's class (`compare-added`, `compare-changed`, `compare-renamed`), and a small label above the node.
 */
import { useCompare, type NodeCompareStatus } from '../store/compare-store';

/** The node's comparison status, `undefined` when it is the same as in the compared file (or nothing is compared). */
export function useCompareStatus(id: string): NodeCompareStatus | undefined {
  return useCompare((s) => s.comparison?.status[id]);
}

/** The label above a node that differs: "added", "changed (2 fields)", "renamed from dlq". */
export function CompareBadge({ id, status }: { id: string; status: NodeCompareStatus }) {
  const fields = useCompare((s) => s.comparison?.fields[id]?.length ?? 0);
  const previousId = useCompare((s) => s.comparison?.previousIds[id]);
  const text =
    status === 'added'
      ? 'added'
      : status === 'renamed'
        ? `renamed from ${previousId ?? '?'}${fields > 0 ? `, ${fields} field${fields === 1 ? '' : 's'}` : ''}`
        : `changed: ${fields} field${fields === 1 ? '' : 's'}`;
  return (
    <span className={`compare-badge compare-${status}`} data-testid={`compare-badge-${id}`} data-compare={status}>
      {text}
    </span>
  );
}

/**
 * While attached to headless instances: which instance is which and what it owns, in the inspector. For a node, each
 * instance's consumer group member id and assigned partitions of that node; for the flow, each instance's URL, host,
 * pid and whether it answers. Renders nothing when not attached.
 */
import { useRun } from '../store/index';
import { instanceLabel, nodeOwnership, type AttachedState } from '../store/attach';

function attachedOf(state: { runState: { status: string } }): AttachedState | undefined {
  return state.runState.status === 'attached' ? (state.runState as AttachedState) : undefined;
}

/** The instances holding node `nodeId` (member id, partitions), or every instance when `nodeId` is undefined. */
export function AttachedInstances({ nodeId }: { nodeId?: string }) {
  const attached = useRun(attachedOf);
  if (attached === undefined) return null;
  if (nodeId === undefined) {
    return (
      <section className="attached-instances" data-testid="attached-instances">
        <h3>Attached instances</h3>
        <table>
          <tbody>
            {attached.instances.map((i) => (
              <tr key={i.url} className={i.reachable ? undefined : 'unreachable'} data-testid="attached-instance" title={i.error ?? ''}>
                <td>{i.url}</td>
                <td className="mono">{instanceLabel(i)}</td>
                <td>{i.reachable ? 'answering' : `not answering: ${i.error ?? ''}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    );
  }
  const owners = nodeOwnership(attached, nodeId);
  const grouped = owners.some((o) => o.memberId !== undefined || o.partitions.length > 0);
  return (
    <section className="attached-instances" data-testid={`node-owners-${nodeId}`}>
      <h3>Instances ({owners.length})</h3>
      <table>
        <thead>
          <tr>
            <th>instance</th>
            {grouped && <th>partitions</th>}
            {grouped && <th>member id</th>}
          </tr>
        </thead>
        <tbody>
          {owners.map((o) => (
            <tr key={o.url} className={o.reachable ? undefined : 'unreachable'} data-testid="node-owner" title={o.url}>
              <td className="mono">{o.label}</td>
              {grouped && <td data-testid="node-owner-partitions">{o.partitions.length === 0 ? '—' : o.partitions.map((p) => p.replace(/^.*\[/, 'p').replace(']', '')).join(' ')}</td>}
              {grouped && <td className="mono member-id">{o.memberId ?? '—'}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

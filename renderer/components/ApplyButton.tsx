/**
 * The toolbar's Apply (edit while running, Node-RED's Deploy): shown while the studio's run is live and the canvas'
 * flow differs from the running one, with the count of changed nodes. A Kafka source whose consumer group changes is
 * named in a confirmation first (that group's committed offsets decide where it starts).
 */
import { useMemo, useState, type CSSProperties } from 'react';
import type { GroupChange } from '../../runtime/common/apply-plan';
import { applyRequested } from '../session';
import { pendingPlan, useApply } from '../store/apply-store';
import { graphToFlow } from '../store/convert';
import { useRun, useStudio } from '../store/index';

function groupLine(change: GroupChange): string {
  if (change.before === undefined) return `Source ${change.nodeId} reads with consumer group "${change.after ?? '(none)'}".`;
  return `Source ${change.nodeId} changes consumer group "${change.before}" → "${change.after ?? '(none)'}".`;
}

const WRAP: CSSProperties = { position: 'relative', display: 'inline-block' };
const COUNT: CSSProperties = { marginLeft: 6, padding: '0 6px', borderRadius: 8, background: 'var(--accent-text)', color: 'var(--accent)', fontSize: '0.85em', fontWeight: 600 };
const CONFIRM: CSSProperties = {
  position: 'absolute',
  top: '100%',
  right: 0,
  zIndex: 20,
  width: 340,
  marginTop: 4,
  padding: '8px 12px',
  background: 'var(--panel)',
  border: '1px solid var(--border)',
  borderRadius: 6,
  boxShadow: '0 4px 16px rgba(0, 0, 0, 0.2)',
};

/** Apply, with its pending change count and the consumer group confirmation. */
export function ApplyButton() {
  const live = useRun((s) => (s.runState.status === 'running' || s.runState.status === 'starting') && s.runState.mode === 'run');
  const running = useApply((s) => s.running);
  const applying = useApply((s) => s.applying);
  const meta = useStudio((s) => s.meta);
  const nodes = useStudio((s) => s.nodes);
  const edges = useStudio((s) => s.edges);
  const plan = useMemo(() => pendingPlan(running, graphToFlow({ meta, nodes, edges })), [running, meta, nodes, edges]);
  const [confirming, setConfirming] = useState(false);
  if (!live || plan === null || (!plan.changed && applying === null)) return null;

  const count = plan.changedNodes.length;
  const title = count === 0 ? 'Put the edited flow live' : `Put the edited flow live: ${count} node${count === 1 ? '' : 's'} changed (${plan.changedNodes.join(', ')})`;
  const apply = (): void => {
    setConfirming(false);
    void applyRequested();
  };
  return (
    <div className="apply" style={WRAP}>
      <button
        type="button"
        className="primary"
        data-testid="apply"
        title={title}
        disabled={applying !== null}
        onClick={() => (plan.groupChanges.length > 0 ? setConfirming(true) : apply())}
      >
        {applying !== null ? 'Applying…' : 'Apply'}
        {applying === null && count > 0 && (
          <span className="apply-count" style={COUNT} data-testid="apply-count">
            {count}
          </span>
        )}
      </button>
      {confirming && (
        <div className="apply-confirm" style={CONFIRM} role="dialog" aria-label="Apply" data-testid="apply-confirm">
          {plan.groupChanges.map((c) => (
            <p key={c.nodeId}>{groupLine(c)}</p>
          ))}
          <p className="muted small">It starts from that group&apos;s committed offsets, not where the running flow stopped.</p>
          <div className="buttons">
            <button type="button" onClick={() => setConfirming(false)} data-testid="apply-cancel">
              Cancel
            </button>
            <button type="button" className="primary" onClick={apply} data-testid="apply-confirm-ok">
              Apply
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

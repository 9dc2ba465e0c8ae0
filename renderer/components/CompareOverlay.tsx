/**
 * The canvas part of a comparison: the removed nodes as dashed ghosts at their old positions (in the canvas viewport,
 * so they pan and zoom with the flow; not selectable), and the compare bar in the canvas's top-left corner: what the
 * canvas is compared with, the counts, the whole change list (as `tributary diff` prints it; a node's line selects
 * it, folded at first so that the bar covers one line of the canvas) and Close. Rendered into React Flow's own elements through portals, so the canvas component needs no change.
 */
import { useStore as useFlowStore, ViewportPortal } from '@xyflow/react';
import { useState } from 'react';
import { createPortal } from 'react-dom';
import { formatFieldChange, formatMoved } from '../../runtime/common/flow-diff';
import { compareStore, useCompare, type Comparison } from '../store/compare-store';
import { studioStore } from '../store/index';

/** Ghosts of the removed nodes. */
function Ghosts({ comparison }: { comparison: Comparison }) {
  return (
    <ViewportPortal>
      {comparison.ghosts.map((g) => (
        <div
          key={g.id}
          className="compare-ghost"
          style={{ transform: `translate(${g.position.x}px, ${g.position.y}px)` }}
          data-testid={`compare-ghost-${g.id}`}
          title={`removed since the ${comparison.label}`}
        >
          <span className="compare-badge compare-removed">removed</span>
          <div className="compare-ghost-title">{g.title ?? g.id}</div>
          <div className="compare-ghost-type">{g.type}</div>
        </div>
      ))}
    </ViewportPortal>
  );
}

function endpoint(text: string, fallback: string): string {
  return text.endsWith(`:${fallback}`) ? text.slice(0, -fallback.length - 1) : text;
}

/** The change list, one item per line of `tributary diff`. */
function ChangeList({ comparison }: { comparison: Comparison }) {
  const { diff } = comparison;
  const select = (id: string) => () => studioStore.getState().nodeSelected(id);
  return (
    <ul className="compare-list" data-testid="compare-list">
      {diff.flow.map((f) => (
        <li key={`flow-${f.path}`}>~ {formatFieldChange(f)}</li>
      ))}
      {diff.nodes.map((n) =>
        n.change === 'removed' ? (
          <li key={`node-${n.id}-removed`} className="compare-removed">
            - node {n.id} ({n.type})
          </li>
        ) : (
          <li key={`node-${n.id}`} className={n.change === 'added' ? 'compare-added' : undefined}>
            {n.change === 'added' ? '+' : '~'} node{' '}
            <button type="button" className="link" onClick={select(n.id)} data-testid={`compare-select-${n.id}`}>
              {n.id}
            </button>{' '}
            ({n.type}){n.change === 'renamed' ? `, renamed from ${n.previousId}` : ''}
            {n.change !== 'added' && n.fields.length > 0 && (
              <ul className="compare-list-fields">
                {n.fields.map((f) => (
                  <li key={f.path} className="compare-field">
                    {formatFieldChange(f)}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ),
      )}
      {diff.edges.map((e) => (
        <li key={`edge-${e.change}-${e.from}-${e.to}`} className={`compare-${e.change}`}>
          {e.change === 'added' ? '+' : '-'} edge {endpoint(e.from, 'out')} -&gt; {endpoint(e.to, 'in')}
        </li>
      ))}
      {diff.moved.length > 0 && <li>{formatMoved(diff.moved)}</li>}
    </ul>
  );
}

/** The compare bar. */
function CompareBar({ comparison }: { comparison: Comparison }) {
  // The list starts folded: the highlights on the canvas and the inspector are the view; the list is one click away.
  const [open, setOpen] = useState(false);
  const { diff } = comparison;
  const count = (change: string): number => diff.nodes.filter((n) => n.change === change).length;
  const added = count('added');
  const removed = count('removed');
  const changed = count('changed') + count('renamed');
  const total = diff.flow.length + diff.nodes.length + diff.edges.length + (diff.moved.length > 0 ? 1 : 0);
  return (
    <div className="react-flow__panel top left">
      <div className={`compare-bar${total === 0 ? ' compare-none' : ''}`} data-testid="compare-bar">
        <div className="compare-bar-head">
          <span data-testid="compare-summary">
            {total === 0 ? 'No changes since the ' : 'Compared with the '}
            <strong title={comparison.path}>{comparison.label}</strong>
          </span>
          {added > 0 && <span className="compare-count compare-added">{added} added</span>}
          {removed > 0 && <span className="compare-count compare-removed">{removed} removed</span>}
          {changed > 0 && <span className="compare-count compare-changed">{changed} changed</span>}
          {diff.edges.length > 0 && <span className="compare-count">{diff.edges.length} edge{diff.edges.length === 1 ? '' : 's'}</span>}
          {diff.flow.length > 0 && <span className="compare-count">{diff.flow.length} flow field{diff.flow.length === 1 ? '' : 's'}</span>}
          {diff.moved.length > 0 && <span className="compare-count">{diff.moved.length} moved</span>}
          {total > 0 && (
            <button type="button" className="link" onClick={() => setOpen(!open)} data-testid="compare-toggle">
              {open ? 'hide list' : 'show list'}
            </button>
          )}
          <button type="button" onClick={() => compareStore.getState().compareClosed()} data-testid="compare-close">
            Close
          </button>
        </div>
        {open && total > 0 && <ChangeList comparison={comparison} />}
      </div>
    </div>
  );
}

/** The canvas part of the comparison, when there is one. Must be inside the `ReactFlowProvider`. */
export function CompareOverlay() {
  const comparison = useCompare((s) => s.comparison);
  const canvas = useFlowStore((s) => s.domNode);
  if (comparison === null || canvas === null) return null;
  return (
    <>
      <Ghosts comparison={comparison} />
      {createPortal(<CompareBar comparison={comparison} />, canvas)}
    </>
  );
}

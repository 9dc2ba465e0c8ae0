/**
 * The palette: node types grouped as Sources / Transforms / Sinks, with search over titles, types and descriptions.
 * Drag an entry onto the canvas to add it (or double-click to add it in view).
 */
import { useReactFlow } from '@xyflow/react';
import { useMemo, useState, type DragEvent } from 'react';
import type { NodeKind, NodeSpec } from '../../runtime/common/node-spec';
import { nodeSpecs } from '../../nodes/specs';
import { runStore, studioStore } from '../store/index';
import { isEditLocked } from '../store/run-store';
import { NODE_DRAG_TYPE } from './Canvas';

const GROUPS: { kind: NodeKind; title: string }[] = [
  { kind: 'source', title: 'Sources' },
  { kind: 'transform', title: 'Transforms' },
  { kind: 'sink', title: 'Sinks' },
];

/** Whether a spec matches a search text (every word in its title, type or description). */
export function specMatches(spec: NodeSpec, search: string): boolean {
  const haystack = `${spec.title} ${spec.type} ${spec.description}`.toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
    .every((w) => haystack.includes(w));
}

/** The node palette. */
export function Palette() {
  const [search, setSearch] = useState('');
  const flow = useReactFlow();
  const groups = useMemo(
    () => GROUPS.map((g) => ({ ...g, specs: nodeSpecs.filter((s) => s.kind === g.kind && specMatches(s, search)) })),
    [search],
  );

  const onDragStart = (event: DragEvent, type: string): void => {
    event.dataTransfer.setData(NODE_DRAG_TYPE, type);
    event.dataTransfer.effectAllowed = 'copy';
  };

  const addInView = (type: string): void => {
    // Edits are allowed while the studio's own run is active (Apply puts them live), not while attached.
    if (isEditLocked(runStore.getState().runState)) return;
    const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const center = canvas === undefined ? { x: 0, y: 0 } : { x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 };
    const at = flow.screenToFlowPosition(center);
    const count = studioStore.getState().nodes.length;
    studioStore.getState().nodeDropped(type, { x: Math.round(at.x / 20) * 20 + (count % 5) * 20, y: Math.round(at.y / 20) * 20 + (count % 5) * 20 });
  };

  return (
    <aside className="palette" data-testid="palette">
      <input
        className="palette-search"
        type="search"
        placeholder="Search nodes"
        aria-label="Search nodes"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        data-testid="palette-search"
      />
      {groups.map((group) => (
        <section key={group.kind} className="palette-group" data-testid={`palette-group-${group.kind}`}>
          <h3>{group.title}</h3>
          {group.specs.length === 0 && <p className="muted">No match.</p>}
          {group.specs.map((spec) => (
            <div
              key={spec.type}
              className={`palette-item kind-${spec.kind}`}
              draggable
              onDragStart={(e) => onDragStart(e, spec.type)}
              onDoubleClick={() => addInView(spec.type)}
              title={`${spec.description}\n\nDrag onto the canvas (or double-click).`}
              data-testid={`palette-${spec.type}`}
            >
              <div className="palette-item-title">
                {spec.title} <span className="muted">{spec.type}</span>
              </div>
              <div className="palette-item-description">{spec.description}</div>
            </div>
          ))}
        </section>
      ))}
    </aside>
  );
}

/**
 * The quick-add search box: opened at a point of the canvas (double-click on the empty pane, or `/`), it lists the
 * node types matching what is typed (title, type id, kind colour; see `quickAddMatches`) in a scrolling list; arrow
 * keys move, Enter or a click places the chosen type there with its spec's example config (the palette's
 * `nodeDropped`), Escape or a click elsewhere closes it. Rendered inside React Flow's provider (it converts the point to flow coordinates).
 */
import { useReactFlow } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { quickAddMatches } from '../store/quick-add';
import { quickAddStore, useQuickAdd } from '../store/quick-add-store';
import { runStore, studioStore } from '../store/index';
import { isEditLocked } from '../store/run-store';

/** The box's size (px) used to keep it inside the window. */
const BOX_WIDTH = 320;
const BOX_HEIGHT = 300;

/** The quick-add box (nothing while closed). */
export function QuickAdd() {
  const at = useQuickAdd((s) => s.at);
  if (at === null) return null;
  return <QuickAddBox at={at} />;
}

function QuickAddBox({ at }: { at: { x: number; y: number } }) {
  const [search, setSearch] = useState('');
  const [active, setActive] = useState(0);
  const flow = useReactFlow();
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const matches = useMemo(() => quickAddMatches(search), [search]);

  useEffect(() => {
    input.current?.focus();
  }, []);
  useEffect(() => setActive(0), [search]);
  // Keep the active entry in view as the arrow keys move through a long list.
  useEffect(() => {
    list.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [active, matches]);

  const choose = (type: string): void => {
    quickAddStore.getState().closed();
    if (isEditLocked(runStore.getState().runState)) return;
    const point = flow.screenToFlowPosition(at);
    // Snap to the 20 px grid, as a palette drop does.
    studioStore.getState().nodeDropped(type, { x: Math.round(point.x / 20) * 20, y: Math.round(point.y / 20) * 20 });
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') quickAddStore.getState().closed();
    else if (event.key === 'ArrowDown') setActive((i) => Math.min(i + 1, matches.length - 1));
    else if (event.key === 'ArrowUp') setActive((i) => Math.max(i - 1, 0));
    else if (event.key === 'Enter') {
      const spec = matches[active];
      if (spec !== undefined) choose(spec.type);
    } else return;
    event.preventDefault();
    event.stopPropagation();
  };

  // The canvas contains its layout (CSS `contain`), so the box is positioned in canvas px, kept inside the canvas.
  const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect() ?? { left: 0, top: 0, width: window.innerWidth, height: window.innerHeight };
  const left = Math.max(8, Math.min(at.x - canvas.left, canvas.width - BOX_WIDTH - 8));
  // Below the point when it fits, else above it.
  const below = at.y - canvas.top;
  const top = Math.max(8, below + BOX_HEIGHT + 8 <= canvas.height ? below : below - BOX_HEIGHT);
  return (
    <div className="quick-add" style={{ left, top, width: BOX_WIDTH }} data-testid="quick-add" aria-label="Add a node">
      <input
        ref={input}
        className="quick-add-search"
        type="search"
        placeholder="Add a node: type to search"
        aria-label="Search node types"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => quickAddStore.getState().closed()}
        data-testid="quick-add-search"
      />
      {matches.length === 0 && <p className="quick-add-empty muted">No node type matches.</p>}
      <div ref={list} className="quick-add-list" role="listbox" aria-label="Node types">
        {matches.map((spec, i) => (
          <div
            key={spec.type}
            role="option"
            aria-selected={i === active}
            className={`quick-add-item kind-${spec.kind}${i === active ? ' active' : ''}`}
            // mousedown, not click: the input's blur (which closes the box) comes before a click.
            onMouseDown={(e) => {
              e.preventDefault();
              choose(spec.type);
            }}
            onMouseEnter={() => setActive(i)}
            title={spec.description}
            data-testid={`quick-add-${spec.type}`}
          >
            <span className="quick-add-title">{spec.title}</span>
            <span className="quick-add-type muted">{spec.type}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

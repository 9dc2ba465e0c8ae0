/**
 * Quick add and drop-on-edge: the search ranks node types, the hit test finds the edge nearest a drop point, a
 * transform dropped on an edge splits it (from -> new -> to) as one undo step, a dragged node with no edges is inserted
 * the same way, and a source or sink dropped on an edge is just placed with the reason.
 */
import { describe, expect, it } from 'vitest';
import { specRegistry } from '../../nodes/specs';
import { quickAddMatches } from '../../renderer/store/quick-add';
import { nearestEdge, type EdgePath } from '../../renderer/store/quick-add-edge';
import { createStudioStore, type StudioStore } from '../../renderer/store/store';

/** generator -> console, built through the store's events. */
function twoNodes(): StudioStore {
  const store = createStudioStore();
  const s = store.getState();
  s.nodeDropped('source.generator', { x: 0, y: 0 });
  s.nodeDropped('sink.console', { x: 600, y: 0 });
  expect(s.edgeConnected({ source: 'generator', sourceHandle: 'out', target: 'console', targetHandle: 'in' })).toBeUndefined();
  return store;
}

const wiring = (store: StudioStore): string[] => store.getState().edges.map((e) => `${e.source}:${e.sourceHandle}->${e.target}:${e.targetHandle}`);

describe('quick-add search', () => {
  it('ranks by type and title, then description words, then letters in order', () => {
    expect(quickAddMatches('filt')[0]?.type).toBe('transform.filter');
    expect(quickAddMatches('map')[0]?.type).toBe('transform.map');
    expect(quickAddMatches('redis').map((s) => s.kind)).toContain('sink');
    expect(quickAddMatches('flt').map((s) => s.type)).toContain('transform.filter');
    expect(quickAddMatches('zzqx')).toEqual([]);
    expect(quickAddMatches('').length).toBe(specRegistry.size);
  });
});

/** A straight path from `a` to `b`, shaped like an SVG path element for the hit test. */
function line(id: string, a: { x: number; y: number }, b: { x: number; y: number }): EdgePath {
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  return { id, getTotalLength: () => length, getPointAtLength: (l) => ({ x: a.x + ((b.x - a.x) * l) / length, y: a.y + ((b.y - a.y) * l) / length }) };
}

describe('drop on edge', () => {
  it('finds the edge passing nearest the drop point, within the tolerance', () => {
    const paths = [line('top', { x: 0, y: 0 }, { x: 200, y: 0 }), line('low', { x: 0, y: 30 }, { x: 200, y: 30 })];
    expect(nearestEdge(paths, { x: 100, y: 10 }, 12)).toBe('top');
    expect(nearestEdge(paths, { x: 100, y: 22 }, 12)).toBe('low');
    expect(nearestEdge(paths, { x: 100, y: 50 }, 12)).toBeUndefined();
    expect(nearestEdge(paths, { x: 230, y: 0 }, 12)).toBeUndefined();
  });

  it('splits the edge around a dropped transform, with its example config, as one undo step', () => {
    const store = twoNodes();
    const before = wiring(store);
    const { id, reason } = store.getState().nodeDroppedOnEdge('transform.map', { x: 300, y: 0 }, store.getState().edges[0]!.id);
    expect(reason).toBeUndefined();
    expect(id).toBe('map');
    expect(wiring(store)).toEqual(['generator:out->map:in', 'map:out->console:in']);
    expect(store.getState().nodes.find((n) => n.id === 'map')?.data.config).toEqual(specRegistry.get('transform.map')?.example);
    store.getState().undoRequested();
    expect(wiring(store)).toEqual(before);
    expect(store.getState().nodes.map((n) => n.id)).toEqual(['generator', 'console']);
    store.getState().redoRequested();
    expect(wiring(store)).toEqual(['generator:out->map:in', 'map:out->console:in']);
  });

  it('places a source or a sink dropped on an edge without inserting it, saying why', () => {
    const store = twoNodes();
    const edge = store.getState().edges[0]!.id;
    const source = store.getState().nodeDroppedOnEdge('source.generator', { x: 300, y: 100 }, edge);
    expect(source.reason).toMatch(/"generator-2" is a source with no input/);
    const sink = store.getState().nodeDroppedOnEdge('sink.console', { x: 300, y: 200 }, edge);
    expect(sink.reason).toMatch(/"console-2" is a sink with no output/);
    expect(store.getState().nodes.map((n) => n.id)).toEqual(['generator', 'console', 'generator-2', 'console-2']);
    expect(wiring(store)).toEqual(['generator:out->console:in']);
  });

  it('inserts an existing node with no edges; within the drag step or as its own step', () => {
    const store = twoNodes();
    store.getState().nodeDropped('transform.filter', { x: 300, y: 200 });
    const edge = store.getState().edges[0]!.id;
    expect(store.getState().nodeInsertedIntoEdge('filter', edge)).toBeUndefined();
    expect(wiring(store)).toEqual(['generator:out->filter:in', 'filter:out->console:in']);
    store.getState().undoRequested();
    expect(wiring(store)).toEqual(['generator:out->console:in']);
    expect(store.getState().nodes.map((n) => n.id)).toContain('filter');
    // Joined to the previous step (the drag): one undo takes the node out and back to before.
    store.getState().nodesChanged([{ type: 'position', id: 'filter', position: { x: 300, y: 0 }, dragging: true }]);
    store.getState().nodesChanged([{ type: 'position', id: 'filter', position: { x: 300, y: 0 }, dragging: false }]);
    expect(store.getState().nodeInsertedIntoEdge('filter', edge, true)).toBeUndefined();
    store.getState().undoRequested();
    expect(wiring(store)).toEqual(['generator:out->console:in']);
    expect(store.getState().nodes.find((n) => n.id === 'filter')?.position).toEqual({ x: 300, y: 200 });
    expect(store.getState().nodeInsertedIntoEdge('filter', 'nope')).toBe('there is no edge "nope"');
  });
});

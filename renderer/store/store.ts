/**
 * The studio's editor store: one zustand store built from slices (graph, selection, history, clipboard, file,
 * problems). Actions are named as the events that cause them (`nodeDropped`, `edgeConnected`, `flowOpened`, ...) and
 * sit next to the state they change. Vanilla (no React): `renderer/store/index.ts` binds it to React; unit tests drive
 * it directly. Live telemetry is not here: it has its own store (`telemetry-store.ts`).
 */
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { Problem } from '../../runtime/common/errors';
import type { Flow } from '../../runtime/common/flow';
import { updateFlowText } from '../../runtime/common/flow-document';
import { specRegistry } from '../../nodes/specs';
import { emptyFlow, flowToGraph, formatOfPath, graphToFlow, makeEdge, type FlowMeta, type FlowNodeData, type Graph, type GraphEdge, type GraphNode } from './convert';
import { connectionProblem, freshNodeId, pasteCopies, type ClipboardContent } from './graph-ops';
import { edgesWithInsertion } from './quick-add';
import { computeProblems, problemCounts } from './problems';

/** How long edits with the same tag (typing in one field) merge into one undo step (ms). */
const COALESCE_MS = 1500;
/** Most undo steps kept. */
const HISTORY_LIMIT = 200;
/** How far pasted nodes are shifted from the copied ones (px). */
const PASTE_OFFSET = 40;

/** One undo step: the graph as it was. */
export interface Snapshot {
  meta: FlowMeta;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Graph slice: the flow on the canvas. */
export interface GraphSlice {
  meta: FlowMeta;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** A node type was dropped from the palette at a canvas position; returns the new node's id. */
  nodeDropped(type: string, position: { x: number; y: number }): string;
  /**
   * A node type was dropped onto an edge: the node is added and inserted into the edge (from -> node -> to), one undo
   * step. A node that cannot go into an edge (a source, a sink) is just placed; `reason` says why it was not inserted.
   */
  nodeDroppedOnEdge(type: string, position: { x: number; y: number }, edgeId: string): { id: string; reason?: string };
  /**
   * An existing node (dragged onto an edge) is inserted into it; returns the reason when refused (then nothing
   * changes). With `sameStep` the change joins the previous undo step (the drag that brought the node there).
   */
  nodeInsertedIntoEdge(nodeId: string, edgeId: string, sameStep?: boolean): string | undefined;
  /** An output port was wired to an input port; returns the reason when refused (then nothing changes). */
  edgeConnected(connection: Connection): string | undefined;
  /** Nodes (and edges) were deleted: the given ids, or the selection when omitted. Edges touching them go too. */
  nodesDeleted(nodeIds?: readonly string[], edgeIds?: readonly string[]): void;
  /** A config field was edited in the inspector; `undefined` removes the field (back to its default). */
  configChanged(nodeId: string, field: string, value: unknown): void;
  /** The title or onError of a node was edited. */
  nodeEdited(nodeId: string, patch: Partial<Pick<FlowNodeData, 'title' | 'onError'>>): void;
  /** A node id was renamed; returns the reason when refused. */
  nodeRenamed(oldId: string, newId: string): string | undefined;
  /** Flow name, description or settings were edited. */
  metaChanged(patch: Partial<FlowMeta>): void;
  /** React Flow reported node changes (drag, select, measure). Drags are one undo step each. */
  nodesChanged(changes: NodeChange<GraphNode>[]): void;
  /** React Flow reported edge changes (select). */
  edgesChanged(changes: EdgeChange<GraphEdge>[]): void;
  /** Auto-layout computed new positions. */
  layoutApplied(positions: Record<string, { x: number; y: number }>): void;
}

/** Selection slice: which node and field the inspector shows (React Flow keeps `selected` on nodes/edges). */
export interface SelectionSlice {
  /** Field the inspector should focus (after a click in the problems panel). */
  focus: { nodeId: string; field: string | undefined; seq: number } | null;
  /** A node was chosen (problems panel, search); selects only it and focuses `field`. */
  nodeSelected(nodeId: string, field?: string): void;
  /** Select-all shortcut. */
  allSelected(): void;
  /** Click on the empty canvas. */
  selectionCleared(): void;
}

/** History slice: undo/redo of graph edits. */
export interface HistorySlice {
  past: Snapshot[];
  future: Snapshot[];
  /** Tag and time of the last remembered edit, for coalescing. */
  lastEdit: { tag: string; at: number } | null;
  /** True while a node drag is in progress (the drag was remembered at its start). */
  dragging: boolean;
  undoRequested(): void;
  redoRequested(): void;
}

/** Clipboard slice. */
export interface ClipboardSlice {
  clipboard: ClipboardContent | null;
  /** Paste count since the last copy, to shift each paste further. */
  pastes: number;
  copyRequested(): void;
  pasteRequested(): void;
}

/** File slice: where the flow lives and whether it has unsaved edits. */
export interface FileSlice {
  /** The file path, null for a new flow. */
  path: string | null;
  dirty: boolean;
  /** True when the file was not created by this studio: running it asks once (expressions are code). */
  external: boolean;
  /** Recent files, newest first. */
  recent: string[];
  /** Increases every time a flow is opened (the canvas fits the view then). */
  opened: number;
  /**
   * The file text the flow was opened from or last saved as (null for a new flow): saves are written over it, so
   * comments and the formatting of untouched parts survive (`runtime/common/flow-document.ts`).
   */
  sourceText: string | null;
  /** A flow was opened (file, demo, recovered autosave or New); `text` is the text it was parsed from. */
  flowOpened(flow: Flow, file: { path: string | null; external: boolean; dirty?: boolean; text?: string }): void;
  /** The flow was written to `path` as `text`. */
  flowSaved(path: string, text?: string): void;
  /** The user agreed to run an external flow. */
  externalRunConfirmed(): void;
  recentFilesLoaded(recent: string[]): void;
}

/** Problems slice: compile problems of the current graph (computed debounced, see {@link watchProblems}). */
export interface ProblemsSlice {
  problems: Problem[];
  /** Problems per node id. */
  problemCounts: Record<string, number>;
  problemsComputed(problems: Problem[]): void;
}

/** The whole editor state. */
export type StudioState = GraphSlice & SelectionSlice & HistorySlice & ClipboardSlice & FileSlice & ProblemsSlice;

type Slice<T> = StateCreator<StudioState, [], [], T>;
type SetFn = StoreApi<StudioState>['setState'];
type GetFn = StoreApi<StudioState>['getState'];

/** The graph as it is now, without transient flags (selection, dragging). */
function snapshot(state: StudioState): Snapshot {
  return {
    meta: state.meta,
    nodes: state.nodes.map(({ id, type, position, data }) => ({ id, type, position, data })),
    edges: state.edges.map(({ id, source, target, sourceHandle, targetHandle }) => ({ id, source, target, sourceHandle, targetHandle })),
  };
}

/**
 * Remembers the current graph as an undo step before an edit, unless the previous edit had the same `tag` and was
 * less than {@link COALESCE_MS} ago (typing in one field is one step). Clears redo and marks the file dirty.
 */
function remember(set: SetFn, get: GetFn, tag?: string): void {
  const state = get();
  const now = Date.now();
  const merge = tag !== undefined && state.lastEdit?.tag === tag && now - state.lastEdit.at < COALESCE_MS;
  set({
    past: merge ? state.past : [...state.past, snapshot(state)].slice(-HISTORY_LIMIT),
    future: [],
    lastEdit: tag === undefined ? null : { tag, at: now },
    dirty: true,
  });
}

const createGraphSlice: Slice<GraphSlice> = (set, get) => ({
  meta: { name: 'untitled', settings: {} },
  nodes: [],
  edges: [],
  nodeDropped(type, position) {
    const spec = specRegistry.get(type);
    const id = freshNodeId(type, new Set(get().nodes.map((n) => n.id)));
    remember(set, get);
    const node: GraphNode = {
      id,
      type: 'flowNode',
      position: { x: Math.round(position.x), y: Math.round(position.y) },
      data: { type, config: structuredClone(spec?.example ?? {}), onError: 'stop' },
      selected: true,
    };
    set((s) => ({
      nodes: [...s.nodes.map((n) => (n.selected === true ? { ...n, selected: false } : n)), node],
      edges: s.edges.map((e) => (e.selected === true ? { ...e, selected: false } : e)),
    }));
    return id;
  },
  nodeDroppedOnEdge(type, position, edgeId) {
    const id = get().nodeDropped(type, position);
    const { nodes, edges } = get();
    const node = nodes.find((n) => n.id === id) as GraphNode;
    const split = edgesWithInsertion(nodes, edges, edgeId, node);
    if (typeof split === 'string') return { id, reason: split };
    set({ edges: split });
    return { id };
  },
  nodeInsertedIntoEdge(nodeId, edgeId, sameStep) {
    const { nodes, edges } = get();
    const node = nodes.find((n) => n.id === nodeId);
    if (node === undefined) return `there is no node "${nodeId}"`;
    const split = edgesWithInsertion(nodes, edges, edgeId, node);
    if (typeof split === 'string') return split;
    if (sameStep !== true) remember(set, get);
    set({ edges: split, dirty: true });
    return undefined;
  },
  edgeConnected(connection) {
    const { nodes, edges } = get();
    const reason = connectionProblem(nodes, edges, connection);
    if (reason !== undefined) return reason;
    remember(set, get);
    const edge = makeEdge(connection.source, connection.sourceHandle ?? 'out', connection.target, connection.targetHandle ?? 'in');
    set((s) => ({ edges: [...s.edges, edge] }));
    return undefined;
  },
  nodesDeleted(nodeIds, edgeIds) {
    const state = get();
    const nodes = new Set(nodeIds ?? state.nodes.filter((n) => n.selected === true).map((n) => n.id));
    const edges = new Set(edgeIds ?? (nodeIds === undefined ? state.edges.filter((e) => e.selected === true).map((e) => e.id) : []));
    const goes = (e: GraphEdge): boolean => edges.has(e.id) || nodes.has(e.source) || nodes.has(e.target);
    if (nodes.size === 0 && !state.edges.some(goes)) return;
    remember(set, get);
    set((s) => ({ nodes: s.nodes.filter((n) => !nodes.has(n.id)), edges: s.edges.filter((e) => !goes(e)) }));
  },
  configChanged(nodeId, field, value) {
    if (!get().nodes.some((n) => n.id === nodeId)) return;
    remember(set, get, `config:${nodeId}:${field}`);
    set((s) => ({
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId) return n;
        const config = { ...n.data.config };
        if (value === undefined) delete config[field];
        else config[field] = value;
        return { ...n, data: { ...n.data, config } };
      }),
    }));
  },
  nodeEdited(nodeId, patch) {
    remember(set, get, `node:${nodeId}:${Object.keys(patch).join(',')}`);
    set((s) => ({
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId) return n;
        const data = { ...n.data, ...patch };
        if (data.title === '' || data.title === undefined) delete data.title;
        return { ...n, data };
      }),
    }));
  },
  nodeRenamed(oldId, newId) {
    if (oldId === newId) return undefined;
    if (!/^[A-Za-z0-9_-]+$/.test(newId) || newId.length > 64) return 'node ids use only letters, digits, "_" and "-" (at most 64)';
    if (get().nodes.some((n) => n.id === newId)) return `there is already a node "${newId}"`;
    remember(set, get);
    const rename = (id: string): string => (id === oldId ? newId : id);
    set((s) => ({
      nodes: s.nodes.map((n) => (n.id === oldId ? { ...n, id: newId } : n)),
      edges: s.edges.map((e) =>
        e.source === oldId || e.target === oldId
          ? { ...makeEdge(rename(e.source), e.sourceHandle ?? 'out', rename(e.target), e.targetHandle ?? 'in'), selected: e.selected ?? false }
          : e,
      ),
      focus: s.focus?.nodeId === oldId ? { ...s.focus, nodeId: newId } : s.focus,
    }));
    return undefined;
  },
  metaChanged(patch) {
    remember(set, get, `meta:${Object.keys(patch).join(',')}`);
    set((s) => ({ meta: { ...s.meta, ...patch } }));
  },
  nodesChanged(changes) {
    const state = get();
    const moving = changes.some((c) => c.type === 'position' && c.dragging === true);
    const moved = changes.some((c) => c.type === 'position' && c.position !== undefined);
    const removed = changes.filter((c) => c.type === 'remove').map((c) => c.id);
    if (removed.length > 0) {
      state.nodesDeleted(removed);
      return;
    }
    if (moving && !state.dragging) {
      remember(set, get);
      set({ dragging: true });
    } else if (moved && !moving && !state.dragging) {
      remember(set, get);
    }
    const dragEnded = changes.some((c) => c.type === 'position' && c.dragging === false);
    set((s) => ({ nodes: applyNodeChanges(changes, s.nodes), ...(dragEnded ? { dragging: false } : {}) }));
  },
  edgesChanged(changes) {
    const removed = changes.filter((c) => c.type === 'remove').map((c) => c.id);
    if (removed.length > 0) {
      get().nodesDeleted([], removed);
      return;
    }
    set((s) => ({ edges: applyEdgeChanges(changes, s.edges) }));
  },
  layoutApplied(positions) {
    remember(set, get);
    set((s) => ({ nodes: s.nodes.map((n) => (positions[n.id] === undefined ? n : { ...n, position: positions[n.id] as { x: number; y: number } })) }));
  },
});

const createSelectionSlice: Slice<SelectionSlice> = (set) => ({
  focus: null,
  nodeSelected(nodeId, field) {
    set((s) => ({
      nodes: s.nodes.map((n) => ((n.id === nodeId) === (n.selected === true) ? n : { ...n, selected: n.id === nodeId })),
      edges: s.edges.map((e) => (e.selected === true ? { ...e, selected: false } : e)),
      focus: { nodeId, field, seq: (s.focus?.seq ?? 0) + 1 },
    }));
  },
  allSelected() {
    set((s) => ({ nodes: s.nodes.map((n) => ({ ...n, selected: true })), edges: s.edges.map((e) => ({ ...e, selected: true })) }));
  },
  selectionCleared() {
    set((s) => ({
      nodes: s.nodes.map((n) => (n.selected === true ? { ...n, selected: false } : n)),
      edges: s.edges.map((e) => (e.selected === true ? { ...e, selected: false } : e)),
      focus: null,
    }));
  },
});

const createHistorySlice: Slice<HistorySlice> = (set, get) => ({
  past: [],
  future: [],
  lastEdit: null,
  dragging: false,
  undoRequested() {
    const state = get();
    const previous = state.past[state.past.length - 1];
    if (previous === undefined) return;
    set({ ...previous, past: state.past.slice(0, -1), future: [snapshot(state), ...state.future], lastEdit: null, dirty: true });
  },
  redoRequested() {
    const state = get();
    const next = state.future[0];
    if (next === undefined) return;
    set({ ...next, past: [...state.past, snapshot(state)], future: state.future.slice(1), lastEdit: null, dirty: true });
  },
});

const createClipboardSlice: Slice<ClipboardSlice> = (set, get) => ({
  clipboard: null,
  pastes: 0,
  copyRequested() {
    const state = get();
    const nodes = state.nodes.filter((n) => n.selected === true);
    if (nodes.length === 0) return;
    const ids = new Set(nodes.map((n) => n.id));
    const edges = state.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
    set({ clipboard: structuredClone(snapshot({ ...state, nodes, edges })), pastes: 0 });
  },
  pasteRequested() {
    const state = get();
    if (state.clipboard === null || state.clipboard.nodes.length === 0) return;
    const copies = pasteCopies(state.clipboard, new Set(state.nodes.map((n) => n.id)), PASTE_OFFSET * (state.pastes + 1));
    remember(set, get);
    set((s) => ({
      nodes: [...s.nodes.map((n) => (n.selected === true ? { ...n, selected: false } : n)), ...copies.nodes],
      edges: [...s.edges.map((e) => (e.selected === true ? { ...e, selected: false } : e)), ...copies.edges],
      pastes: s.pastes + 1,
    }));
  },
});

const createFileSlice: Slice<FileSlice> = (set) => ({
  path: null,
  dirty: false,
  external: false,
  recent: [],
  opened: 0,
  sourceText: null,
  flowOpened(flow, file) {
    const graph = flowToGraph(flow);
    set((s) => ({
      opened: s.opened + 1,
      ...graph,
      path: file.path,
      sourceText: file.text ?? null,
      external: file.external,
      dirty: file.dirty ?? false,
      past: [],
      future: [],
      lastEdit: null,
      dragging: false,
      focus: null,
    }));
  },
  flowSaved(path, text) {
    set((s) => ({ path, dirty: false, external: false, sourceText: text ?? s.sourceText }));
  },
  externalRunConfirmed() {
    set({ external: false });
  },
  recentFilesLoaded(recent) {
    set({ recent });
  },
});

const createProblemsSlice: Slice<ProblemsSlice> = (set) => ({
  problems: [],
  problemCounts: {},
  problemsComputed(problems) {
    set({ problems, problemCounts: problemCounts(problems) });
  },
});

/** The editor store's type. */
export type StudioStore = StoreApi<StudioState>;

/** Creates an editor store with an empty untitled flow. */
export function createStudioStore(): StudioStore {
  return createStore<StudioState>()((...a) => ({
    ...createGraphSlice(...a),
    ...createSelectionSlice(...a),
    ...createHistorySlice(...a),
    ...createClipboardSlice(...a),
    ...createFileSlice(...a),
    ...createProblemsSlice(...a),
  }));
}

/** The current graph of a state (for conversion and problems). */
export function graphOf(state: Pick<StudioState, 'meta' | 'nodes' | 'edges'>): Graph {
  return { meta: state.meta, nodes: state.nodes, edges: state.edges };
}

/**
 * The flow file text of the current state, in the format of its path (YAML for a new flow), written over the text it
 * was opened from so that comments, key order and untouched formatting stay.
 */
export function flowText(state: StudioState, path: string | null = state.path): string {
  return updateFlowText(state.sourceText, graphToFlow(graphOf(state)), formatOfPath(path));
}

/** Opens an empty flow named `untitled`. */
export function newFlow(store: StudioStore): void {
  store.getState().flowOpened(emptyFlow(), { path: null, external: false });
}

/**
 * Recomputes problems `delayMs` after the graph last changed (and once now). Returns the unsubscribe function.
 * Runs outside React, as a store subscription.
 */
export function watchProblems(store: StudioStore, delayMs = 200): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const compute = (): void => {
    timer = undefined;
    store.getState().problemsComputed(computeProblems(graphOf(store.getState())));
  };
  compute();
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.nodes === previous.nodes && state.edges === previous.edges && state.meta === previous.meta) return;
    // Selection and measuring change `nodes` too, but not the flow: compare the parts that matter cheaply.
    if (state.meta === previous.meta && sameFlowParts(state, previous)) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(compute, delayMs);
  });
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe();
  };
}

/** True when nodes' ids/data and edges are the same objects (only positions, selection or sizes changed). */
function sameFlowParts(a: StudioState, b: StudioState): boolean {
  if (a.nodes.length !== b.nodes.length || a.edges.length !== b.edges.length) return false;
  for (let i = 0; i < a.nodes.length; i++) {
    const x = a.nodes[i] as GraphNode;
    const y = b.nodes[i] as GraphNode;
    if (x.id !== y.id || x.data !== y.data) return false;
  }
  for (let i = 0; i < a.edges.length; i++) if ((a.edges[i] as GraphEdge).id !== (b.edges[i] as GraphEdge).id) return false;
  return true;
}

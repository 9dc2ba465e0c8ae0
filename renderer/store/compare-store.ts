/**
 * The comparison the canvas shows ("Compare with saved", "Compare with file…"): a flow file's version (the base)
 * against the flow on the canvas, diffed with the same `diffFlows` as `tributary diff` (runtime/common/flow-diff.ts),
 * and what the canvas and inspector need from it by node id: added / changed / renamed nodes, their field changes,
 * and the removed nodes as ghosts at their old positions. Kept apart from the editor store so that a comparison never
 * enters undo history; {@link watchComparison} recomputes it as the canvas changes. Vanilla (no React) except the hook.
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Flow } from '../../runtime/common/flow';
import { diffFlows, isEmptyDiff, type FieldChange, type FlowDiff } from '../../runtime/common/flow-diff';
import { flowToGraph, graphToFlow } from './convert';
import { graphOf, type StudioStore } from './store';

/** How a node on the canvas differs from the base: `renamed` is a changed node under a new id. */
export type NodeCompareStatus = 'added' | 'changed' | 'renamed';

/** A node of the base that the canvas no longer has, drawn as a ghost where it was. */
export interface GhostNode {
  id: string;
  type: string;
  title?: string;
  position: { x: number; y: number };
}

/** A comparison as the canvas shows it. */
export interface Comparison {
  /** What the canvas is compared with, for the bar: e.g. `saved file orders.flow.yaml`. */
  label: string;
  /** The compared file's path. */
  path: string;
  /** The compared file's flow (parsed with `${VAR}` references kept). */
  base: Flow;
  diff: FlowDiff;
  /** Status of each canvas node that differs, by (new) id. */
  status: Record<string, NodeCompareStatus>;
  /** Field changes (`config.topic`, `title`, ...) of each changed or renamed node, by (new) id. */
  fields: Record<string, FieldChange[]>;
  /** Old id of each renamed node, by new id. */
  previousIds: Record<string, string>;
  /** The removed nodes, at their positions in the base. */
  ghosts: GhostNode[];
}

/** The compare state and its events. */
export interface CompareState {
  comparison: Comparison | null;
  /** True while the browser-mode "Compare with file…" path dialog is open. */
  dialogOpen: boolean;
  /** A comparison with `base` was asked for; `current` is the canvas flow now. */
  compareStarted(base: Flow, source: { label: string; path: string }, current: Flow): void;
  /** The canvas changed: the comparison is computed again against the same base. */
  canvasChanged(current: Flow): void;
  compareClosed(): void;
  dialogToggled(open: boolean): void;
}

/**
 * The comparison of `base` with the canvas flow `current`, indexed for the canvas.
 * @param base the compared file's flow
 * @param current the canvas flow (`graphToFlow`)
 */
export function compareFlows(base: Flow, current: Flow, source: { label: string; path: string }): Comparison {
  const diff = diffFlows(base, current);
  const status: Record<string, NodeCompareStatus> = {};
  const fields: Record<string, FieldChange[]> = {};
  const previousIds: Record<string, string> = {};
  const removed = new Set<string>();
  for (const node of diff.nodes) {
    if (node.change === 'removed') removed.add(node.id);
    else status[node.id] = node.change;
    if (node.change === 'changed' || node.change === 'renamed') fields[node.id] = node.fields;
    if (node.change === 'renamed') previousIds[node.id] = node.previousId;
  }
  const ghosts = flowToGraph(base)
    .nodes.filter((n) => removed.has(n.id))
    .map((n): GhostNode => ({ id: n.id, type: n.data.type, position: n.position, ...(n.data.title === undefined ? {} : { title: n.data.title }) }));
  return { ...source, base, diff, status, fields, previousIds, ghosts };
}

/** True when the comparison found nothing (layout included). */
export function comparisonIsEmpty(comparison: Comparison): boolean {
  return isEmptyDiff(comparison.diff);
}

/** Creates a compare store with no comparison. */
export function createCompareStore(): StoreApi<CompareState> {
  return createStore<CompareState>()((set, get) => ({
    comparison: null,
    dialogOpen: false,
    compareStarted: (base, source, current) => set({ comparison: compareFlows(base, current, source), dialogOpen: false }),
    canvasChanged(current) {
      const comparison = get().comparison;
      if (comparison !== null) set({ comparison: compareFlows(comparison.base, current, comparison) });
    },
    compareClosed: () => set({ comparison: null }),
    dialogToggled: (open) => set({ dialogOpen: open }),
  }));
}

/** The compare store of this window. */
export const compareStore = createCompareStore();

/** Reads the compare store through a selector. */
export function useCompare<T>(selector: (state: CompareState) => T): T {
  return useStore(compareStore, selector);
}

/**
 * Recomputes the comparison `delayMs` after the canvas flow last changed (nodes, edges, flow fields; a drag ends in one
 * recomputation), while there is one, and closes it when another flow is opened. Returns the unsubscribe function.
 */
export function watchComparison(studio: StudioStore, compare: StoreApi<CompareState> = compareStore, delayMs = 150): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = studio.subscribe((state, previous) => {
    if (compare.getState().comparison === null) return;
    // Another flow was opened: the comparison was of the one before.
    if (state.opened !== previous.opened) {
      if (timer !== undefined) clearTimeout(timer);
      compare.getState().compareClosed();
      return;
    }
    if (state.nodes === previous.nodes && state.edges === previous.edges && state.meta === previous.meta) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      compare.getState().canvasChanged(graphToFlow(graphOf(studio.getState())));
    }, delayMs);
  });
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe();
  };
}

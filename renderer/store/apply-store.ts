/**
 * Apply (edit while running) in the renderer: the flow the runtime runs (set by Run, replaced by each Apply), the
 * Apply in progress, the last applied change (the status bar's "Applied: 2 nodes changed (filter, map) at 18:40:12")
 * and the last failed Apply, with the running flow's text kept for a retry. Vanilla (no React) plus a hook.
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { formatApplied, planApply, type ApplyPlan } from '../../runtime/common/apply-plan';
import type { Flow } from '../../runtime/common/flow';
import type { ApplyResult } from '../../runtime/common/studio-api';

/** The flow a run runs, as text (sent again by a retry) and parsed (compared with the canvas). */
export interface RunningFlow {
  text: string;
  flow: Flow;
  path: string | null;
}

/** Apply state and its events. */
export interface ApplyState {
  /** The flow the studio's run runs; null before the first Run. */
  running: RunningFlow | null;
  /** The plan being applied, while Apply waits for the new version. */
  applying: ApplyPlan | null;
  /** The status bar's line for the last Apply. */
  applied: string | null;
  /** The last Apply that failed: the error, and the flow that ran before it (for a retry). */
  failed: { error: string; previous: RunningFlow } | null;
  /** The flow that ran before the last Apply, while the applied version runs. */
  previous: RunningFlow | null;
  runStarted(running: RunningFlow): void;
  /**
   * The backend reported the flow its run runs (run state `running`, e.g. after a page reload): taken as the running
   * flow when it differs from the known one, unless an Apply is under way (that Apply then sets it).
   */
  runReported(running: RunningFlow): void;
  applyStarted(plan: ApplyPlan): void;
  applySucceeded(result: ApplyResult, running: RunningFlow): void;
  applyFailed(error: string): void;
  /** The run crashed: when it was an applied version, that counts as a failed Apply (the previous flow is kept). */
  runCrashed(reason: string): void;
}

/** Creates an apply store (nothing running). */
export function createApplyStore(): StoreApi<ApplyState> {
  return createStore<ApplyState>()((set, get) => ({
    running: null,
    applying: null,
    applied: null,
    failed: null,
    previous: null,
    runStarted(running) {
      set({ running, applying: null, applied: null, failed: null, previous: null });
    },
    runReported(running) {
      const { applying, running: known } = get();
      if (applying !== null || (known?.text === running.text && known.path === running.path)) return;
      set({ running });
    },
    applyStarted(applying) {
      set({ applying, failed: null });
    },
    applySucceeded(result, running) {
      set({ running, previous: get().running, applying: null, applied: formatApplied(result, result.appliedAt), failed: null });
    },
    applyFailed(error) {
      const previous = get().running;
      set({ applying: null, applied: null, failed: previous === null ? null : { error, previous } });
    },
    runCrashed(reason) {
      const { previous, applying } = get();
      if (applying !== null || previous === null) return;
      set({ applied: null, failed: { error: `the applied version stopped: ${reason}`, previous }, previous: null });
    },
  }));
}

/** The studio's apply store. */
export const applyStore = createApplyStore();

/** Subscribes a component to a slice of the apply store. */
export function useApply<T>(selector: (state: ApplyState) => T): T {
  return useStore(applyStore, selector);
}

/** The plan of applying the canvas' flow `edited` over the running one; null when nothing runs. */
export function pendingPlan(running: RunningFlow | null, edited: Flow): ApplyPlan | null {
  return running === null ? null : planApply(running.flow, edited);
}

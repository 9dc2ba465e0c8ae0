/**
 * Run state and the last preview, in their own store (never in React Flow node data). Live telemetry has a store of
 * its own (`telemetry-store.ts`), so this one changes only when the run state or the preview does.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PreviewResult, RunState } from '../../runtime/common/studio-api';

/** Run state and the last preview. */
export interface RunStoreState {
  runState: RunState;
  preview: PreviewResult | null;
  /** True while a preview is running. */
  previewing: boolean;
  runStateChanged(state: RunState): void;
  previewStarted(): void;
  previewFinished(result: PreviewResult | null): void;
  previewClosed(): void;
}

/** Creates a run store (idle). */
export function createRunStore(): StoreApi<RunStoreState> {
  return createStore<RunStoreState>()((set) => ({
    runState: { status: 'idle' },
    preview: null,
    previewing: false,
    runStateChanged(runState) {
      // A new run replaces the last preview on the canvas.
      set(runState.status === 'starting' && runState.mode === 'run' ? { runState, preview: null } : { runState });
    },
    previewStarted() {
      set({ previewing: true, preview: null });
    },
    previewFinished(preview) {
      set({ previewing: false, preview });
    },
    previewClosed() {
      set({ preview: null });
    },
  }));
}

/**
 * True while a run (not a preview) is starting, running or stopping, or the studio is attached to headless instances
 * (live figures shown; Run, Open and New disabled).
 */
export function isRunActive(state: RunState): boolean {
  return state.status === 'starting' || state.status === 'running' || state.status === 'stopping' || state.status === 'attached';
}

/**
 * True while the canvas and the inspector must stay read-only: only when attached to headless instances. A run of
 * the studio's own stays editable (edit while running); Apply puts the edits live.
 */
export function isEditLocked(state: RunState): boolean {
  return state.status === 'attached';
}

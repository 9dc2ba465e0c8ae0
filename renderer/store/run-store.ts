/**
 * Run state and live telemetry, in their own store (never in React Flow node data): the editor store does not
 * re-render on every telemetry frame, and nodes read their own figures by id.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PreviewResult, RunState } from '../../runtime/common/studio-api';
import type { NodeTelemetry, TelemetryFrame } from '../../runtime/common/telemetry';

/** Run state, the last telemetry frame by node id, and the last preview. */
export interface RunStoreState {
  runState: RunState;
  /** Figures of the last frame, by node id. */
  nodeStats: Record<string, NodeTelemetry>;
  /** The last frame's totals, for the status bar. */
  totals: TelemetryFrame['totals'] | null;
  preview: PreviewResult | null;
  /** True while a preview is running. */
  previewing: boolean;
  runStateChanged(state: RunState): void;
  telemetryReceived(frame: TelemetryFrame): void;
  previewStarted(): void;
  previewFinished(result: PreviewResult | null): void;
  previewClosed(): void;
}

/** Creates a run store (idle). */
export function createRunStore(): StoreApi<RunStoreState> {
  return createStore<RunStoreState>()((set) => ({
    runState: { status: 'idle' },
    nodeStats: {},
    totals: null,
    preview: null,
    previewing: false,
    runStateChanged(runState) {
      set(runState.status === 'starting' ? { runState, nodeStats: {}, totals: null } : { runState });
    },
    telemetryReceived(frame) {
      set({ nodeStats: frame.nodes, totals: frame.totals });
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

/** True while the canvas must stay read-only: a run (not a preview) is starting, running or stopping. */
export function isRunActive(state: RunState): boolean {
  return state.status === 'starting' || state.status === 'running' || state.status === 'stopping';
}

/**
 * The studio's store instances and their React hooks. Components read through selectors (`useStudio(s => s.x)`,
 * `useShallow` for computed objects); side effects subscribe outside React.
 */
import { useStore } from 'zustand';
import { createRunStore, type RunStoreState } from './run-store';
import { createStudioStore, type StudioState } from './store';
import { createTelemetryStore, type TelemetryState } from './telemetry-store';

/** The editor store of this window. */
export const studioStore = createStudioStore();
/** The run / telemetry store of this window. */
export const runStore = createRunStore();
/** The live telemetry store of this window (figures by node id and edge key, samples). */
export const telemetryStore = createTelemetryStore();

/** Reads the editor store through a selector. */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  return useStore(studioStore, selector);
}

/** Reads the run store through a selector. */
export function useRun<T>(selector: (state: RunStoreState) => T): T {
  return useStore(runStore, selector);
}

/** Reads the telemetry store through a selector (select one node's figures by its id). */
export function useTelemetry<T>(selector: (state: TelemetryState) => T): T {
  return useStore(telemetryStore, selector);
}

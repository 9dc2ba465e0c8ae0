/**
 * Whether the quick-add search box is open, and where: a point in window (client) coordinates, px. The canvas opens it
 * on a double-click on the empty pane, the keyboard on `/`; the `QuickAdd` box closes it.
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';

/** The quick-add box's state. */
export interface QuickAddState {
  /** Where the box is open (client px; the chosen node is placed there), null when closed. */
  at: { x: number; y: number } | null;
  /** Opens the box at a client point (px). */
  opened(at: { x: number; y: number }): void;
  /** Closes the box. */
  closed(): void;
}

/** The one quick-add store of the renderer. */
export const quickAddStore: StoreApi<QuickAddState> = createStore<QuickAddState>()((set) => ({
  at: null,
  opened: (at) => set({ at: { x: Math.round(at.x), y: Math.round(at.y) } }),
  closed: () => set({ at: null }),
}));

/** React binding of {@link quickAddStore}. */
export function useQuickAdd<T>(selector: (state: QuickAddState) => T): T {
  return useStore(quickAddStore, selector);
}

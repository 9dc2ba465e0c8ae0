/**
 * Transient UI state: the open dialog, the last notice, the connection to the backend. Kept apart from the editor
 * store so that dialogs never enter undo history.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { LiteralSecret } from '../../runtime/common/secrets';
import type { StudioTheme } from '../../runtime/common/studio-menu';

/** The dialog being shown, if any. */
export type Modal =
  | { kind: 'open' }
  | { kind: 'saveAs'; suggested: string }
  | { kind: 'recover'; text: string; path: string | null; savedAt: number }
  | { kind: 'confirmExternal'; path: string | null }
  | { kind: 'confirmDiscard'; action: 'new' | 'open' }
  /** The open file changed on disk while the studio has unsaved edits: reload it (losing them) or keep them. */
  | { kind: 'fileChanged'; path: string; text: string }
  | { kind: 'export'; text: string; command: string; variables: string[] }
  /** "Attach…": instance URLs or a list file, and the token. */
  | { kind: 'attach' }
  /** Before Save / Save As (`then`): the secrets written literally, to store as `${VAR}` references or keep. */
  | { kind: 'secrets'; secrets: LiteralSecret[]; then: 'save' | 'saveAs' }
  /** After a save that turned secrets into references: the `export` lines that set them. */
  | { kind: 'secretExports'; path: string; lines: string[] };

/** A notice in the status line. */
export interface Notice {
  kind: 'info' | 'error';
  text: string;
  /** Increases with every notice, so the same text shown twice re-renders. */
  seq: number;
}

/** UI state and its events. */
export interface UiState {
  modal: Modal | null;
  notice: Notice | null;
  /** True while the backend is reachable (always in Electron). */
  connected: boolean;
  /** Light, dark, or following the system (the default). */
  theme: StudioTheme;
  modalOpened(modal: Modal): void;
  modalClosed(): void;
  noticeShown(kind: Notice['kind'], text: string): void;
  noticeDismissed(): void;
  connectionChanged(connected: boolean): void;
  themeChosen(theme: StudioTheme): void;
}

/** The UI store of this window. */
export const uiStore: StoreApi<UiState> = createStore<UiState>()((set) => ({
  modal: null,
  notice: null,
  connected: true,
  theme: 'system',
  modalOpened: (modal) => set({ modal }),
  modalClosed: () => set({ modal: null }),
  noticeShown: (kind, text) => set((s) => ({ notice: { kind, text, seq: (s.notice?.seq ?? 0) + 1 } })),
  noticeDismissed: () => set({ notice: null }),
  connectionChanged: (connected) => set({ connected }),
  themeChosen: (theme) => set({ theme }),
}));

/** Reads the UI store through a selector. */
export function useUi<T>(selector: (state: UiState) => T): T {
  return useStore(uiStore, selector);
}

/**
 * Native menu commands the Electron shell forwards to the renderer, and the extra bridge functions the Electron
 * preload exposes next to {@link StudioApi} on `window.tributary`. Browser-safe: types and constants only.
 *
 * Menu items that need the document (New, Open, Save, Undo, Fit, Run, ...) are not handled in main: main sends a
 * {@link MenuCommand} to the focused window and the renderer acts, calling the StudioApi as it would from a toolbar
 * button (e.g. `open` -> `openFlow()` with no path shows the native Open dialog). Cut, Copy, Paste and Quit are native
 * roles and never reach the renderer.
 */
import type { StudioApi, Unsubscribe } from './studio-api';

/** Every menu command name, in menu order. */
export const MENU_COMMANDS = [
  'new',
  'open',
  'openRecent',
  'save',
  'saveAs',
  'exportHeadless',
  'compareSaved',
  'compareFile',
  'undo',
  'redo',
  'selectAll',
  'delete',
  'zoomIn',
  'zoomOut',
  'zoomReset',
  'fit',
  'autoLayout',
  'theme',
  'run',
  'stop',
  'preview',
  'attach',
] as const;

/** A menu command name. */
export type MenuCommandName = (typeof MENU_COMMANDS)[number];

/** The editor's colour theme, as chosen in View > Theme. */
export type StudioTheme = 'light' | 'dark' | 'system';

/**
 * A menu command sent to the renderer.
 * - `openRecent` carries the file's absolute path (call `openFlow(path)`).
 * - `save` with `thenClose: true` comes from the unsaved-changes prompt on close: save (Save As when the flow has no
 *   path), then call `setDocumentState({ dirty: false, ... })` and `window.close()`; do nothing more when cancelled.
 * - `theme` carries the chosen theme.
 * - `compareSaved`, `compareFile` and `attach` are the toolbar's "Compare with saved", "Compare with file…" and
 *   "Attach…"; the renderer refuses them when the toolbar button is disabled (no saved file; a run is active).
 * - `undo`, `redo`, `selectAll`, `delete` have accelerators (Ctrl/Cmd+Z, ...), so they arrive even while a text field
 *   has focus: apply them to that field then (`document.execCommand('undo')`, ...), else to the canvas.
 */
export type MenuCommand =
  | { command: Exclude<MenuCommandName, 'openRecent' | 'save' | 'theme'> }
  | { command: 'openRecent'; path: string }
  | { command: 'save'; thenClose?: boolean }
  | { command: 'theme'; theme: StudioTheme };

/** What the renderer tells the Electron shell about the open document (title bar, unsaved-changes prompt on close). */
export interface DocumentState {
  /** True when the flow has changes that are not saved. */
  dirty: boolean;
  /** The flow's file, null for a new flow. */
  path: string | null;
}

/**
 * `window.tributary` in Electron: the {@link StudioApi} (transport `'electron'`) plus the shell's menu and document
 * hooks. In browser mode `onMenu` and `setDocumentState` do not exist.
 */
export interface StudioBridge extends StudioApi {
  /** Menu commands for the renderer to carry out; returns a function that stops listening. */
  onMenu(listener: (command: MenuCommand) => void): Unsubscribe;
  /** Reports the document's state, so that closing the window asks about unsaved changes. */
  setDocumentState(state: DocumentState): void;
}

/** True when `value` is a well-formed {@link MenuCommand}. */
export function isMenuCommand(value: unknown): value is MenuCommand {
  if (value === null || typeof value !== 'object') return false;
  const command = (value as { command?: unknown }).command;
  if (typeof command !== 'string' || !(MENU_COMMANDS as readonly string[]).includes(command)) return false;
  if (command === 'openRecent') return typeof (value as { path?: unknown }).path === 'string';
  if (command === 'theme') return ['light', 'dark', 'system'].includes(String((value as { theme?: unknown }).theme));
  return true;
}

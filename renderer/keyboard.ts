/**
 * Keyboard shortcuts: Ctrl/Cmd+S save, +Z undo, +Shift+Z (or +Y) redo, +C copy, +V paste, +A select all, Delete /
 * Backspace delete the selection, `/` opens the quick-add box on the canvas. Ignored while typing in a field (except save).
 */
import { isReadOnly, saveRequested } from './session';
import { studioStore } from './store/index';
import { quickAddStore } from './store/quick-add-store';

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * `/` with the canvas focused (or nothing focused): opens the quick-add box at the canvas centre. Returns false (not a
 * shortcut) when the focus is elsewhere, e.g. a panel's button.
 */
function quickAddFromKeyboard(target: EventTarget | null): boolean {
  const canvas = document.querySelector('[data-testid="canvas"]');
  if (canvas === null || !(target === document.body || (target instanceof Node && canvas.contains(target)))) return false;
  const box = canvas.getBoundingClientRect();
  quickAddStore.getState().opened({ x: box.left + box.width / 2, y: box.top + box.height / 3 });
  return true;
}

/** Handles one keydown; returns true when it was a shortcut. */
export function handleShortcut(event: KeyboardEvent): boolean {
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  const state = studioStore.getState();
  if (mod && key === 's') {
    void saveRequested();
    return true;
  }
  if (typing(event.target) || document.querySelector('[role="dialog"]') !== null) return false;
  const readOnly = isReadOnly();
  if (mod && key === 'z') {
    if (!readOnly) (event.shiftKey ? state.redoRequested : state.undoRequested)();
    return true;
  }
  if (mod && key === 'y') {
    if (!readOnly) state.redoRequested();
    return true;
  }
  if (mod && key === 'c') {
    state.copyRequested();
    return true;
  }
  if (mod && key === 'v') {
    if (!readOnly) state.pasteRequested();
    return true;
  }
  if (mod && key === 'a') {
    state.allSelected();
    return true;
  }
  if (!mod && event.key === '/' && !readOnly && quickAddFromKeyboard(event.target)) return true;
  if (!mod && (event.key === 'Delete' || event.key === 'Backspace')) {
    if (!readOnly) state.nodesDeleted();
    return true;
  }
  return false;
}

/** Installs the shortcuts on the window; returns the uninstaller. */
export function installShortcuts(): () => void {
  const listener = (event: KeyboardEvent): void => {
    if (handleShortcut(event)) event.preventDefault();
  };
  window.addEventListener('keydown', listener);
  return () => window.removeEventListener('keydown', listener);
}

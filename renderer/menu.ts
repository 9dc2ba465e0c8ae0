/**
 * Electron's native menu: carries out the {@link MenuCommand}s the shell sends (`window.tributary.onMenu`) and reports
 * the document state back (`setDocumentState`) for the title bar and the unsaved-changes prompt on close. Does nothing
 * in browser mode, where the bridge has no `onMenu`.
 */
import type { MenuCommand, StudioBridge } from '../runtime/common/studio-menu';
import {
  exportRequested,
  isReadOnly,
  newRequested,
  openPath,
  openRequested,
  previewRequested,
  runRequested,
  saveAsRequested,
  saveRequested,
  stopRequested,
} from './session';
import { compareWithFileRequested, compareWithSavedRequested } from './components/CompareSession';
import { runStore, studioStore } from './store/index';
import { menuCommandRefusal } from './store/menu-availability';
import { uiStore } from './store/ui-store';

/** Canvas commands, registered by the canvas (they need its React Flow instance). */
export interface CanvasCommands {
  zoomIn(): void;
  zoomOut(): void;
  zoomReset(): void;
  fit(): void;
  autoLayout(): void;
}

let canvas: CanvasCommands | undefined;

/** Called by the canvas when it mounts (and with undefined when it unmounts). */
export function registerCanvasCommands(commands: CanvasCommands | undefined): void {
  canvas = commands;
}

function editing(): boolean {
  const active = document.activeElement;
  return active instanceof HTMLElement && (active.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName));
}

/** Carries out one menu command. */
export async function runMenuCommand(command: MenuCommand): Promise<void> {
  const state = studioStore.getState();
  switch (command.command) {
    case 'new':
      return newRequested();
    case 'open':
      return openRequested();
    case 'openRecent':
      return openPath(command.path);
    case 'save': {
      const saved = await saveRequested();
      if (command.thenClose === true && saved) {
        (window.tributary as StudioBridge | undefined)?.setDocumentState({ dirty: false, path: studioStore.getState().path });
        window.close();
      }
      return;
    }
    case 'saveAs':
      await saveAsRequested();
      return;
    case 'exportHeadless':
      return exportRequested();
    case 'compareSaved': {
      // Like the toolbar entry: refused (with a notice) when the flow has no saved file.
      const refusal = menuCommandRefusal('compareSaved', { runState: runStore.getState().runState, path: state.path });
      if (refusal === undefined) await compareWithSavedRequested();
      else uiStore.getState().noticeShown('error', refusal);
      return;
    }
    case 'compareFile':
      await compareWithFileRequested();
      return;
    case 'undo':
    case 'redo':
    case 'selectAll':
    case 'delete':
      if (editing()) {
        document.execCommand(command.command === 'selectAll' ? 'selectAll' : command.command);
        return;
      }
      if (command.command === 'selectAll') state.allSelected();
      else if (!isReadOnly()) {
        if (command.command === 'undo') state.undoRequested();
        else if (command.command === 'redo') state.redoRequested();
        else state.nodesDeleted();
      }
      return;
    case 'zoomIn':
    case 'zoomOut':
    case 'zoomReset':
    case 'fit':
    case 'autoLayout':
      canvas?.[command.command]();
      return;
    case 'theme':
      uiStore.getState().themeChosen(command.theme);
      return;
    case 'run':
      return runRequested();
    case 'stop':
      return stopRequested();
    case 'preview':
      return previewRequested();
    case 'attach': {
      // Like the toolbar button, disabled while a run or an attachment is active.
      const refusal = menuCommandRefusal('attach', { runState: runStore.getState().runState, path: state.path });
      if (refusal === undefined) uiStore.getState().modalOpened({ kind: 'attach' });
      else uiStore.getState().noticeShown('error', refusal);
      return;
    }
  }
}

/** Subscribes to the Electron menu and reports the document state; returns the uninstaller. */
export function installMenu(): () => void {
  const bridge = window.tributary as Partial<StudioBridge> | undefined;
  if (bridge?.onMenu === undefined || bridge.setDocumentState === undefined) return () => undefined;
  const report = bridge.setDocumentState.bind(bridge);
  const off = bridge.onMenu((command) => {
    runMenuCommand(command).catch((error: unknown) => uiStore.getState().noticeShown('error', String(error)));
  });
  let last = '';
  const unsubscribe = studioStore.subscribe((s) => {
    const key = `${s.dirty}:${s.path}`;
    if (key === last) return;
    last = key;
    report({ dirty: s.dirty, path: s.path });
  });
  report({ dirty: studioStore.getState().dirty, path: studioStore.getState().path });
  return () => {
    off();
    unsubscribe();
  };
}

/**
 * The toolbar: file commands with the file name and a dirty indicator, undo/redo, Run / Stop / Preview with the run
 * state (a crash shows its reason and last log lines), and the connection state.
 */
import { useState } from 'react';
import type { RunState } from '../../runtime/common/studio-api';
import {
  exportRequested,
  newRequested,
  openRequested,
  previewRequested,
  runRequested,
  saveAsRequested,
  saveRequested,
  stopRequested,
} from '../session';
import { studioStore, useRun, useStudio } from '../store/index';
import { isEditLocked, isRunActive } from '../store/run-store';
import { ApplyButton } from './ApplyButton';
import { CompareMenu } from './CompareMenu';
import { describeAttachment } from '../store/attach';
import { uiStore, useUi } from '../store/ui-store';

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** A short description of a run state. */
export function describeRunState(state: RunState): string {
  switch (state.status) {
    case 'idle':
      return 'Not running';
    case 'starting':
      return state.applied === true ? 'Applying: starting the new version...' : `Starting ${state.mode}...`;
    case 'running':
      return `Running (pid ${state.pid})`;
    case 'stopping':
      return 'Stopping: draining and committing...';
    case 'exited':
      return state.crashed ? `Crashed: ${state.reason}` : `Stopped: ${state.reason}`;
    case 'attached':
      return describeAttachment(state);
  }
}

function RunStatus() {
  const state = useRun((s) => s.runState);
  const [showLog, setShowLog] = useState(false);
  const crashed = state.status === 'exited' && state.crashed;
  return (
    <div className={`run-status status-${state.status}${crashed ? ' crashed' : ''}`} data-testid="run-state">
      <span className="dot" />
      <span data-testid="run-state-text">{describeRunState(state)}</span>
      {state.status === 'exited' && state.lastLogLines.length > 0 && (
        <>
          <button type="button" className="link" onClick={() => setShowLog(!showLog)} data-testid="run-log-toggle">
            {showLog ? 'hide log' : 'last log lines'}
          </button>
          {(showLog || crashed) && showLog && (
            <pre className="run-log" data-testid="run-log">
              {state.lastLogLines.join('\n')}
            </pre>
          )}
        </>
      )}
    </div>
  );
}

/** The toolbar. */
export function Toolbar() {
  const path = useStudio((s) => s.path);
  const name = useStudio((s) => s.meta.name);
  const dirty = useStudio((s) => s.dirty);
  const canUndo = useStudio((s) => s.past.length > 0);
  const canRedo = useStudio((s) => s.future.length > 0);
  const runState = useRun((s) => s.runState);
  const previewing = useRun((s) => s.previewing);
  const connected = useUi((s) => s.connected);
  const active = isRunActive(runState);
  const locked = isEditLocked(runState);
  return (
    <header className="toolbar" data-testid="toolbar">
      <div className="brand">Tributary</div>
      <div className="group">
        <button type="button" onClick={() => newRequested()} disabled={active} data-testid="file-new">
          New
        </button>
        <button type="button" onClick={() => void openRequested()} disabled={active} data-testid="file-open">
          Open
        </button>
        <button type="button" onClick={() => void saveRequested()} data-testid="file-save" title="Ctrl/Cmd+S">
          Save
        </button>
        <button type="button" onClick={() => void saveAsRequested()} data-testid="file-save-as">
          Save As
        </button>
        <button type="button" onClick={() => void exportRequested()} data-testid="file-export">
          Export
        </button>
      </div>
      <CompareMenu />
      <div className="group">
        <button type="button" onClick={() => studioStore.getState().undoRequested()} disabled={!canUndo || locked} data-testid="undo" title="Ctrl/Cmd+Z">
          Undo
        </button>
        <button type="button" onClick={() => studioStore.getState().redoRequested()} disabled={!canRedo || locked} data-testid="redo" title="Ctrl/Cmd+Shift+Z">
          Redo
        </button>
      </div>
      <div className="file-name" data-testid="file-name" title={path ?? 'not saved yet'}>
        {dirty && (
          <span className="dirty" data-testid="dirty-indicator" title="unsaved changes">
            ●
          </span>
        )}
        {path === null ? `${name} (not saved)` : baseName(path)}
      </div>
      <div className="group run">
        <button type="button" className="primary" onClick={() => void runRequested()} disabled={active} data-testid="run">
          Run
        </button>
        <button type="button" onClick={() => void stopRequested()} disabled={!active} data-testid="stop">
          {runState.status === 'attached' ? 'Detach' : 'Stop'}
        </button>
        <ApplyButton />
        <button type="button" onClick={() => void previewRequested()} disabled={active || previewing} data-testid="preview">
          {previewing ? 'Previewing...' : 'Preview'}
        </button>
        <button type="button" onClick={() => uiStore.getState().modalOpened({ kind: 'attach' })} disabled={active} data-testid="attach" title="Watch headless instances of a flow">
          Attach…
        </button>
      </div>
      <RunStatus />
      {!connected && (
        <div className="disconnected" data-testid="disconnected">
          reconnecting to the studio server...
        </div>
      )}
    </header>
  );
}

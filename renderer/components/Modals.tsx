/**
 * Dialogs: browser Open (recent files + path) and Save As (path), autosave recovery, the one-time question before
 * running a flow from outside the studio, unsaved-changes confirmation, and the headless export.
 */
import { useState, type ReactNode } from 'react';
import { newRequested, openPath, openRequested, recoveryAnswered, runRequested, saveAsPathChosen } from '../session';
import { useStudio } from '../store/index';
import { uiStore, useUi } from '../store/ui-store';

function Dialog({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label={title} data-testid={testId}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

const close = (): void => uiStore.getState().modalClosed();

function OpenDialog() {
  const recent = useStudio((s) => s.recent);
  const [path, setPath] = useState('');
  return (
    <Dialog title="Open a flow" testId="open-dialog">
      {recent.length > 0 && (
        <>
          <h3>Recent files</h3>
          <ul className="recent">
            {recent.map((p, i) => (
              <li key={p}>
                <button type="button" className="link" onClick={() => void openPath(p)} data-testid={`recent-${i}`}>
                  {p}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim() !== '') void openPath(path.trim());
        }}
      >
        <label>
          Path of a *.flow.yaml or *.flow.json file
          <input autoFocus value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/my.flow.yaml" data-testid="open-path" />
        </label>
        <div className="buttons">
          <button type="button" onClick={close} data-testid="open-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="open-confirm">
            Open
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function SaveAsDialog({ suggested }: { suggested: string }) {
  const [path, setPath] = useState(suggested);
  return (
    <Dialog title="Save flow as" testId="save-as-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void saveAsPathChosen(path);
        }}
      >
        <label>
          Path (*.flow.yaml or *.flow.json; relative paths are relative to where `tributary studio` runs)
          <input autoFocus value={path} onChange={(e) => setPath(e.target.value)} data-testid="save-as-path" />
        </label>
        <div className="buttons">
          <button type="button" onClick={close} data-testid="save-as-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="save-as-confirm">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The dialog being shown, if any. */
export function Modals() {
  const modal = useUi((s) => s.modal);
  if (modal === null) return null;
  switch (modal.kind) {
    case 'open':
      return <OpenDialog />;
    case 'saveAs':
      return <SaveAsDialog suggested={modal.suggested} />;
    case 'recover':
      return (
        <Dialog title="Recover unsaved work?" testId="recover-dialog">
          <p>
            The studio did not close cleanly. An autosaved copy of {modal.path ?? 'a new flow'} from {new Date(modal.savedAt).toLocaleString()} is
            available.
          </p>
          <div className="buttons">
            <button type="button" onClick={() => void recoveryAnswered(false)} data-testid="recover-discard">
              Discard it
            </button>
            <button type="button" className="primary" onClick={() => void recoveryAnswered(true)} data-testid="recover-accept">
              Recover
            </button>
          </div>
        </Dialog>
      );
    case 'confirmExternal':
      return (
        <Dialog title="Run a flow from outside the studio?" testId="external-dialog">
          <p>
            {modal.path ?? 'This flow'} was not created in this studio. Its expressions are code that will run on this machine with your
            permissions. Run it only if you trust where it came from.
          </p>
          <div className="buttons">
            <button type="button" onClick={close} data-testid="external-cancel">
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => void runRequested(true)} data-testid="external-confirm">
              I trust it: run
            </button>
          </div>
        </Dialog>
      );
    case 'confirmDiscard':
      return (
        <Dialog title="Discard unsaved changes?" testId="discard-dialog">
          <p>The flow has changes that are not saved.</p>
          <div className="buttons">
            <button type="button" onClick={close} data-testid="discard-cancel">
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => (modal.action === 'new' ? newRequested(true) : void openRequested(true))}
              data-testid="discard-confirm"
            >
              Discard
            </button>
          </div>
        </Dialog>
      );
    case 'export':
      return (
        <Dialog title="Export headless config" testId="export-dialog">
          <p>Run this flow without the studio:</p>
          <pre className="command" data-testid="export-command">
            {modal.command}
          </pre>
          {modal.variables.length > 0 && (
            <p>
              Set these environment variables first: <code>{modal.variables.join(', ')}</code>
            </p>
          )}
          <pre className="export-text" data-testid="export-text">
            {modal.text}
          </pre>
          <div className="buttons">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(modal.command)} data-testid="export-copy">
              Copy command
            </button>
            <button type="button" className="primary" onClick={close} data-testid="export-close">
              Close
            </button>
          </div>
        </Dialog>
      );
  }
}

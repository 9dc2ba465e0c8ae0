/**
 * Dialogs: browser Open (recent files + path) and Save As (path), autosave recovery, the one-time question before
 * running a flow from outside the studio, unsaved-changes confirmation, the headless export, and before a save the
 * secrets written literally (store as `${VAR}` references or keep), then the `export` lines that set them.
 */
import { useState } from 'react';
import { formatPath } from '../../runtime/common/flow-path';
import { isVariableName, type LiteralSecret } from '../../runtime/common/secrets';
import { newRequested, openPath, openRequested, recoveryAnswered, reloadChangedFile, runRequested, saveAsPathChosen, secretsAnswered } from '../session';
import { useStudio } from '../store/index';
import { AttachDialog } from './AttachDialog';
import { Dialog } from './Dialog';
import { uiStore, useUi } from '../store/ui-store';

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

/** Before a save: each literal secret with its proposed, editable variable; store them as references or keep them. */
function SecretsDialog({ secrets }: { secrets: LiteralSecret[] }) {
  const [variables, setVariables] = useState(() => secrets.map((s) => s.variable));
  const [error, setError] = useState<string | undefined>();
  const invalid = variables.some((v) => !isVariableName(v.trim()));
  const answer = (choice: 'references' | 'keep' | 'cancel'): void => {
    secretsAnswered(choice, variables).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  return (
    <Dialog title="Store secrets as environment variables?" testId="secrets-dialog">
      <p>
        {secrets.length === 1 ? 'A secret is' : `${secrets.length} secrets are`} written literally in this flow. Stored as {'${VAR}'} references, the
        file holds only the variable names and the values come from the environment where the flow runs (the same names as Export headless config).
      </p>
      <table className="secrets">
        <thead>
          <tr>
            <th>Node</th>
            <th>Field</th>
            <th>Variable</th>
          </tr>
        </thead>
        <tbody>
          {secrets.map((s, i) => (
            <tr key={`${s.nodeId}:${s.path.join('.')}`} data-testid={`secret-${i}`}>
              <td className="mono">{s.nodeId}</td>
              <td className="mono">
                {formatPath(s.path)}
                {s.part === 'url-password' ? ' (password in the URL)' : ''}
              </td>
              <td>
                <input
                  value={variables[i]}
                  spellCheck={false}
                  aria-label={`variable for ${s.nodeId} ${formatPath(s.path)}`}
                  className={isVariableName((variables[i] ?? '').trim()) ? undefined : 'invalid'}
                  data-testid={`secret-variable-${i}`}
                  onChange={(e) => setVariables(variables.map((v, j) => (j === i ? e.target.value : v)))}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="field-warning">Keeping them writes the secrets in plain text: anyone who can read the file can read them.</p>
      {invalid && <p className="field-error">A variable name is letters, digits and _, and does not start with a digit.</p>}
      {error !== undefined && <p className="field-error">{error}</p>}
      <div className="buttons">
        <button type="button" onClick={() => answer('cancel')} data-testid="secrets-cancel">
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => answer('keep')} data-testid="secrets-keep">
          Keep as plain text
        </button>
        <button type="button" className="primary" disabled={invalid} onClick={() => answer('references')} data-testid="secrets-reference">
          Store as references
        </button>
      </div>
    </Dialog>
  );
}

/** After a save that turned secrets into references: the `export` lines, values hidden until asked. */
function SecretExportsDialog({ path, lines }: { path: string; lines: string[] }) {
  const [shown, setShown] = useState(false);
  const masked = lines.map((line) => line.replace(/=.*$/, '=********'));
  return (
    <Dialog title="Set these variables" testId="secret-exports-dialog">
      <p>
        Saved {path} with {'${VAR}'} references. Set the variables in the environment of `tributary run` (and of this studio, to Run the flow here):
      </p>
      <pre className="command" data-testid="secret-exports">
        {(shown ? lines : masked).join('\n')}
      </pre>
      <div className="buttons">
        <button type="button" onClick={() => setShown(!shown)} data-testid="secret-exports-toggle">
          {shown ? 'Hide values' : 'Show values'}
        </button>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(`${lines.join('\n')}\n`)} data-testid="secret-exports-copy">
          Copy export lines
        </button>
        <button type="button" className="primary" onClick={close} data-testid="secret-exports-close">
          Close
        </button>
      </div>
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
    case 'attach':
      return <AttachDialog />;
    case 'saveAs':
      return <SaveAsDialog suggested={modal.suggested} />;
    case 'secrets':
      return <SecretsDialog secrets={modal.secrets} />;
    case 'secretExports':
      return <SecretExportsDialog path={modal.path} lines={modal.lines} />;
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
    case 'fileChanged':
      return (
        <Dialog title="The file changed on disk" testId="file-changed-dialog">
          <p>
            <code>{modal.path}</code> was changed by another program while the studio has unsaved edits.
          </p>
          <div className="buttons">
            <button type="button" onClick={close} data-testid="file-changed-keep">
              Keep my edits
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                close();
                reloadChangedFile(modal.path, modal.text);
              }}
              data-testid="file-changed-reload"
            >
              Reload from disk
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

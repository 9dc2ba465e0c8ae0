/**
 * "Attach…": watch headless `tributary run --metrics-port` instances of one flow. The user gives instance URLs (one
 * per line, or a list file the studio backend reads) and their token (`TRIBUTARY_METRICS_TOKEN`; left empty, the
 * studio's own environment variable is used). On success the flow the instances run opens read-only and the canvas
 * shows their figures combined; the toolbar then reads "Attached to N instances" with Detach.
 */
import { useState } from 'react';
import { studioApi } from '../api/studio-api';
import { loadFlowText } from '../session';
import { parseInstanceUrls } from '../store/attach';
import { telemetryStore, useStudio } from '../store/index';
import { uiStore } from '../store/ui-store';
import { Dialog } from './Dialog';

/**
 * Attaches and opens the flow the instances run.
 * @returns the error message for the dialog, or undefined once attached (the dialog is then closed)
 */
async function attach(urls: string[], token: string, listFile: string): Promise<string | undefined> {
  // The last run's figures go; the instances' arrive from their first poll on (possibly before the reply).
  telemetryStore.getState().runStarted();
  try {
    const result = await studioApi().attach(urls, token, listFile.trim() === '' ? undefined : listFile.trim());
    if (!loadFlowText(result.flow.text, { path: null, external: true })) {
      await studioApi().detach();
      return `the flow of ${result.flow.file} cannot be shown (its problems are in the status line); detached`;
    }
    uiStore.getState().modalClosed();
    const n = result.instances.length;
    const warning = result.warning === undefined ? '' : ` ${result.warning}`;
    uiStore.getState().noticeShown('info', `Attached to ${n} instance${n === 1 ? '' : 's'} of ${result.flow.name}: read-only until Detach.${warning}`);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The dialog. */
export function AttachDialog() {
  const dirty = useStudio((s) => s.dirty);
  const [urls, setUrls] = useState('');
  const [listFile, setListFile] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const close = (): void => uiStore.getState().modalClosed();
  const nothing = parseInstanceUrls(urls).length === 0 && listFile.trim() === '';
  return (
    <Dialog title="Attach to headless instances" testId="attach-dialog">
      <p className="muted small">
        Watch instances started with <code>tributary run --metrics-port N</code> and <code>TRIBUTARY_METRICS_TOKEN</code> set: their flow
        opens read-only and the canvas shows their figures combined (counts and rates summed, each partition from the instance that owns it).
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (busy || nothing) return;
          setBusy(true);
          setError(undefined);
          void attach(parseInstanceUrls(urls), token, listFile).then((message) => {
            setBusy(false);
            setError(message);
          });
        }}
      >
        <label>
          Instance URLs, one per line
          <textarea
            autoFocus
            rows={4}
            value={urls}
            onChange={(e) => setUrls(e.target.value)}
            placeholder={'http://10.0.0.5:9464\nhttp://10.0.0.6:9464'}
            data-testid="attach-urls"
          />
        </label>
        <label>
          or a list file (one URL per line, # comments)
          <input value={listFile} onChange={(e) => setListFile(e.target.value)} placeholder="/path/to/instances.txt" data-testid="attach-list-file" />
        </label>
        <label>
          Token (the instances&apos; TRIBUTARY_METRICS_TOKEN; empty: the studio&apos;s own)
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" data-testid="attach-token" />
        </label>
        {dirty && (
          <p className="replay-warning" data-testid="attach-dirty">
            The flow open now has unsaved changes: attaching replaces it on the canvas. Save it first to keep them.
          </p>
        )}
        {error !== undefined && (
          <p className="field-error" role="alert" data-testid="attach-error">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="button" onClick={close} data-testid="attach-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || nothing} data-testid="attach-confirm">
            {busy ? 'Attaching...' : dirty ? 'Discard changes and attach' : 'Attach'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

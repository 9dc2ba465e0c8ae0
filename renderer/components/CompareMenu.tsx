/**
 * The toolbar's Compare menu: "Compare with saved" and "Compare with file…" (CompareSession.ts),
 * the browser-mode path dialog for the latter, and the comparison's canvas overlay (its styles are in styles.css).
 */
import { useEffect, useRef, useState } from 'react';
import { comparePathChosen, compareWithFileRequested, compareWithSavedRequested } from './CompareSession';
import { compareStore, useCompare } from '../store/compare-store';
import { useStudio } from '../store/index';
import { CompareOverlay } from './CompareOverlay';
import { Dialog } from './Dialog';

/** Browser mode's "Compare with file…": a path field and the recent files. */
function CompareDialog() {
  const recent = useStudio((s) => s.recent);
  const [path, setPath] = useState('');
  const close = (): void => compareStore.getState().dialogToggled(false);
  return (
    <Dialog title="Compare with a flow file" testId="compare-dialog">
      {recent.length > 0 && (
        <ul className="recent">
          {recent.map((p, i) => (
            <li key={p}>
              <button type="button" className="link" onClick={() => void comparePathChosen(p)} data-testid={`compare-recent-${i}`}>
                {p}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim() !== '') void comparePathChosen(path);
        }}
      >
        <label htmlFor="compare-path">Path of a *.flow.yaml or *.flow.json file (compared with the canvas)</label>
        <input id="compare-path" autoFocus value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/my.flow.yaml" data-testid="compare-path" />
        <div className="buttons">
          <button type="button" onClick={close} data-testid="compare-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="compare-confirm">
            Compare
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The Compare menu button with its two entries. */
export function CompareMenu() {
  const [open, setOpen] = useState(false);
  const saved = useStudio((s) => s.path !== null);
  const comparing = useCompare((s) => s.comparison !== null);
  const dialogOpen = useCompare((s) => s.dialogOpen);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const outside = (event: MouseEvent): void => {
      if (!(event.target instanceof Node) || root.current?.contains(event.target) !== true) setOpen(false);
    };
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [open]);
  const choose = (action: () => Promise<boolean>) => () => {
    setOpen(false);
    void action();
  };
  return (
    <div className="group compare-menu" ref={root}>
      <button
        type="button"
        className={comparing ? 'comparing' : undefined}
        onClick={() => setOpen(!open)}
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="compare-menu"
        title="Compare the canvas with the saved file or another flow file"
      >
        Compare…
      </button>
      {open && (
        <div className="compare-menu-list" role="menu">
          <button type="button" role="menuitem" onClick={choose(compareWithSavedRequested)} disabled={!saved} data-testid="compare-saved" title={saved ? undefined : 'the flow has not been saved yet'}>
            Compare with saved
          </button>
          <button type="button" role="menuitem" onClick={choose(compareWithFileRequested)} data-testid="compare-file">
            Compare with file…
          </button>
          {comparing && (
            <button type="button" role="menuitem" onClick={() => {
                setOpen(false);
                compareStore.getState().compareClosed();
              }} data-testid="compare-end">
              Close the comparison
            </button>
          )}
        </div>
      )}
      {dialogOpen && <CompareDialog />}
      <CompareOverlay />
    </div>
  );
}

/** The status notice: the last info or error message (refused connections, file errors, saves). */
import { useEffect } from 'react';
import { uiStore, useUi } from '../store/ui-store';

/** How long an info notice stays (ms); errors stay until dismissed or replaced. */
const INFO_MS = 4000;

/** The notice line. */
export function Notice() {
  const notice = useUi((s) => s.notice);
  useEffect(() => {
    if (notice?.kind !== 'info') return;
    const timer = setTimeout(() => {
      if (uiStore.getState().notice?.seq === notice.seq) uiStore.getState().noticeDismissed();
    }, INFO_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  if (notice === null) return null;
  return (
    <div className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
      <pre>{notice.text}</pre>
      <button type="button" className="link" onClick={() => uiStore.getState().noticeDismissed()} data-testid="notice-dismiss">
        dismiss
      </button>
    </div>
  );
}

/** The status bar: the whole run at a glance (uptime, records in / delivered, errors, in flight, end-to-end latency). */
import { formatCount, formatMs, formatUptime } from '../store/samples';
import { useRun, useTelemetry } from '../store/index';
import { isRunActive } from '../store/run-store';
import { retryPreviousRequested } from '../session';
import { useApply } from '../store/apply-store';

/** The last Apply: what it changed and when, or why it failed (with a retry of the flow that ran before it). */
function ApplyStatus({ active }: { active: boolean }) {
  const applied = useApply((s) => s.applied);
  const failed = useApply((s) => s.failed);
  if (failed !== null) {
    return (
      <span className="status-errors" data-testid="status-apply-failed">
        Apply failed: {failed.error}
        {!active && (
          <button type="button" className="link" onClick={() => void retryPreviousRequested()} data-testid="apply-retry">
            Run the previous version
          </button>
        )}
      </span>
    );
  }
  return applied === null ? null : <span data-testid="status-applied">{applied}</span>;
}

/** The status bar (one small component re-rendered per frame; the canvas is not). */
export function StatusBar() {
  const summary = useTelemetry((s) => s.summary);
  const active = useRun((s) => isRunActive(s.runState));
  const previewing = useRun((s) => s.previewing);
  return (
    <footer className="status-bar" data-testid="status-bar">
      {summary === null ? (
        <>
          <span className="muted">{previewing ? 'Previewing...' : active ? 'Waiting for the first telemetry frame...' : 'Not running. Run the flow to see live figures, or Preview a few records.'}</span>
          <ApplyStatus active={active} />
        </>
      ) : (
        <>
          <span className={active ? 'live-dot on' : 'live-dot'} title={active ? 'live' : 'last run'} />
          <span>
            uptime <b data-testid="status-uptime">{formatUptime(summary.uptimeMs)}</b>
          </span>
          <span>
            in <b data-testid="status-in" data-count={summary.in}>{formatCount(summary.in)}</b>
          </span>
          <span>
            delivered <b data-testid="status-delivered" data-count={summary.delivered}>{formatCount(summary.delivered)}</b>
          </span>
          <span className={summary.errors > 0 ? 'status-errors' : undefined}>
            errors <b data-testid="status-errors" data-count={summary.errors}>{formatCount(summary.errors)}</b>
          </span>
          <span>
            in flight <b data-testid="status-in-flight">{formatCount(summary.inFlight)}</b>
          </span>
          <span>
            end-to-end p50 <b>{formatMs(summary.endToEnd.p50)}</b> p99 <b data-testid="status-e2e-p99">{formatMs(summary.endToEnd.p99)}</b>
          </span>
          {!active && <span className="muted">(last run)</span>}
          <ApplyStatus active={active} />
        </>
      )}
    </footer>
  );
}

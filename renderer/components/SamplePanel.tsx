/**
 * The sample panel: the selected node's last records in and out (20 each), live while a run is active (refreshed
 * about twice a second), otherwise those of the last preview. A JSON tree or a table with columns from the records'
 * fields, a search filter, Pause (live only) and Copy as JSON.
 */
import { useMemo, useState } from 'react';
import type { SampleRecord } from '../../runtime/common/telemetry';
import { cellText, filterSamples, sampleColumns, type ShownRecord } from '../store/samples';
import { runStore, telemetryStore, useRun, useStudio, useTelemetry } from '../store/index';
import { isRunActive } from '../store/run-store';
import { traceStore } from '../store/trace-store';
import { uiStore } from '../store/ui-store';
import { SaveTestCase } from './SaveTestCase';

const NO_RECORDS: readonly ShownRecord[] = [];

/** The id of the one selected node (undefined for none or several). */
function useSelectedNodeId(): string | undefined {
  return useStudio((s) => {
    let found: string | undefined;
    for (const n of s.nodes) {
      if (n.selected !== true) continue;
      if (found !== undefined) return undefined;
      found = n.id;
    }
    return found;
  });
}

/** A collapsible JSON tree. */
function JsonTree({ name, value, depth = 0 }: { name: string; value: unknown; depth?: number }) {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const open = Array.isArray(value) ? '[' : '{';
    return (
      <details className="json-node" open={depth < 2}>
        <summary>
          <span className="json-key">{name}</span> <span className="muted">{open}{entries.length}{open === '[' ? ']' : '}'}</span>
        </summary>
        {entries.map(([k, v]) => (
          <JsonTree key={k} name={k} value={v} depth={depth + 1} />
        ))}
      </details>
    );
  }
  const kind = value === null ? 'null' : typeof value;
  return (
    <div className="json-leaf">
      <span className="json-key">{name}</span>: <span className={`json-${kind}`}>{typeof value === 'string' ? JSON.stringify(value) : String(value)}</span>
    </div>
  );
}

function recordLabel(r: ShownRecord, i: number): string {
  const where = r.meta.partition === undefined ? '' : ` p${r.meta.partition}@${r.meta.offset ?? '?'}`;
  return `#${i + 1}${r.port === undefined ? '' : ` → ${r.port}`} key ${r.key === null ? 'null' : JSON.stringify(r.key)}${where}`;
}

function RecordsView({ records, view }: { records: readonly ShownRecord[]; view: 'json' | 'table' }) {
  const columns = useMemo(() => sampleColumns(records), [records]);
  if (records.length === 0) return <div className="muted sample-empty">No records.</div>;
  if (view === 'table') {
    return (
      <table className="sample-table" data-testid="sample-table">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {records.map((r, i) => (
            <tr key={i} className={r.error === undefined ? undefined : 'sample-error'} data-testid="sample-row">
              {columns.map((c) => (
                <td key={c}>{cellText(r, c)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <div className="sample-json" data-testid="sample-json">
      {records.map((r, i) => (
        <div key={i} className={`sample-record${r.error === undefined ? '' : ' sample-error'}`} data-testid="sample-record">
          <div className="sample-record-head">
            {recordLabel(r, i)}
            {r.trace !== undefined && (
              <button type="button" className="sample-trace" title="Highlight the path this record took and the time at each hop" onClick={() => traceStore.getState().traceShown(r.trace!)} data-testid="sample-trace">
                Trace
              </button>
            )}
          </div>
          {r.error !== undefined && <div className="field-error">{`${r.error.code} in ${r.error.nodeId}: ${r.error.message}`}</div>}
          <JsonTree name="value" value={r.value} />
          {Object.keys(r.headers).length > 0 && <JsonTree name="headers" value={r.headers} depth={1} />}
        </div>
      ))}
    </div>
  );
}

/** The sample panel (shown while running, after a run, and after a preview). */
export function SamplePanel() {
  const nodeId = useSelectedNodeId();
  const active = useRun((s) => isRunActive(s.runState));
  const preview = useRun((s) => s.preview);
  const live = useTelemetry((s) => (nodeId === undefined ? undefined : s.samples[nodeId]));
  const hasRun = useTelemetry((s) => s.summary !== null);
  const paused = useTelemetry((s) => s.samplesPaused);
  const [side, setSide] = useState<'in' | 'out'>('out');
  const [view, setView] = useState<'json' | 'table'>('json');
  const [query, setQuery] = useState('');

  const previewNode = nodeId === undefined ? undefined : preview?.nodes.find((n) => n.id === nodeId);
  const source: 'live' | 'preview' | 'last run' | undefined = active ? 'live' : previewNode !== undefined ? 'preview' : live !== undefined ? 'last run' : undefined;
  const samples = source === 'preview' ? previewNode : live;
  const inRecords: readonly SampleRecord[] = samples?.in ?? NO_RECORDS;
  const outRecords: readonly ShownRecord[] = samples?.out ?? NO_RECORDS;
  const shown = useMemo(() => filterSamples(side === 'in' ? inRecords : outRecords, query), [side, inRecords, outRecords, query]);

  if (!active && preview === null && !hasRun) return null;

  const copy = (): void => {
    const text = JSON.stringify(shown, null, 2);
    const done = (): void => uiStore.getState().noticeShown('info', `copied ${shown.length} record${shown.length === 1 ? '' : 's'} as JSON`);
    if (navigator.clipboard === undefined) {
      uiStore.getState().noticeShown('error', 'the clipboard is not available here');
      return;
    }
    navigator.clipboard.writeText(text).then(done, (error: unknown) => uiStore.getState().noticeShown('error', `cannot copy: ${String(error)}`));
  };

  return (
    <section className="sample-panel" data-testid="sample-panel" data-source={source ?? ''} data-node={nodeId ?? ''}>
      <div className="sample-bar">
        <b>Samples</b>
        {nodeId === undefined ? (
          <span className="muted">select a node to see its last 20 records in and out</span>
        ) : (
          <>
            <span data-testid="sample-node">{nodeId}</span>
            <span className={`sample-source source-${(source ?? 'none').replace(' ', '-')}`}>{source ?? 'no samples yet'}</span>
            <div className="segmented">
              <button type="button" className={side === 'in' ? 'on' : ''} onClick={() => setSide('in')} data-testid="sample-side-in">
                in ({inRecords.length})
              </button>
              <button type="button" className={side === 'out' ? 'on' : ''} onClick={() => setSide('out')} data-testid="sample-side-out">
                out ({outRecords.length})
              </button>
            </div>
            <div className="segmented">
              <button type="button" className={view === 'json' ? 'on' : ''} onClick={() => setView('json')} data-testid="sample-view-json">
                JSON
              </button>
              <button type="button" className={view === 'table' ? 'on' : ''} onClick={() => setView('table')} data-testid="sample-view-table">
                Table
              </button>
            </div>
            <input type="search" placeholder="filter records" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="sample-search" />
            {source === 'live' && (
              <label className="field-inline">
                <input type="checkbox" checked={paused} onChange={(e) => telemetryStore.getState().samplesPausedChanged(e.target.checked)} data-testid="sample-pause" />
                pause
              </label>
            )}
            <button type="button" onClick={copy} disabled={shown.length === 0} data-testid="sample-copy">
              Copy JSON
            </button>
            {source === 'live' && <SaveTestCase />}
          </>
        )}
        {preview !== null && !active && (
          <span className="sample-preview-info" data-testid="preview-panel">
            preview of {preview.nodes.length} nodes{preview.error === undefined ? '' : `, failed: ${preview.error}`}
            <button type="button" className="link" onClick={() => runStore.getState().previewClosed()} data-testid="preview-close">
              close preview
            </button>
          </span>
        )}
      </div>
      {nodeId !== undefined && (
        <div className="sample-body" data-testid="sample-body" data-count={shown.length}>
          <RecordsView records={shown} view={view} />
        </div>
      )}
    </section>
  );
}

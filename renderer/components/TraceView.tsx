/**
 * The trace view: a panel on the canvas listing the hops of the traced record in path order (fan-out branches
 * indented under the hop they split from): node, the port it arrived at and the ports it left by (`error` in red),
 * the time spent there, when it started after the first hop (a small waterfall bar), and for sinks the
 * acknowledgement. The canvas highlights the same path (FlowNode, LiveEdge read {@link useTrace}). The view follows
 * newer samples of the same trace (hops recorded after the sample was taken). It sits below the canvas's top banners
 * (the running flow's). Its styles, and the highlights', are in styles.css.
 */
import { Panel } from '@xyflow/react';
import { useEffect, useMemo } from 'react';
import type { SampleTrace } from '../../runtime/common/telemetry';
import { formatMs } from '../store/samples';
import { telemetryStore } from '../store/index';
import { traceRows, traceStore, useTrace } from '../store/trace-store';

/** The traces carried by the latest samples of every node. */
function sampleTraces(samples: ReturnType<typeof telemetryStore.getState>['samples']): SampleTrace[] {
  const traces: SampleTrace[] = [];
  for (const node of Object.values(samples)) {
    if (node === undefined) continue;
    for (const r of [...node.in, ...node.out]) if (r.trace !== undefined) traces.push(r.trace);
  }
  return traces;
}

/** The trace panel on the canvas, shown while a trace is chosen. */
export function TraceView() {
  const trace = useTrace((s) => s.trace);
  const rows = useMemo(() => (trace === null ? [] : traceRows(trace)), [trace]);

  useEffect(() => {
    if (trace === null) return undefined;
    return telemetryStore.subscribe((state, previous) => {
      if (state.samples !== previous.samples) traceStore.getState().samplesArrived(sampleTraces(state.samples));
    });
  }, [trace]);

  const total = Math.max(1, ...rows.map((r) => r.offsetMs + (r.hop.durationMs ?? 0)));
  return (
    <>
      {trace !== null && (
        <Panel position="top-left" className="trace-view" data-testid="trace-view" data-trace={trace.traceId}>
          <div className="trace-view-head">
            <strong>Record trace</strong>
            <span className="trace-id" title={`trace id ${trace.traceId}`}>
              {trace.traceId.slice(0, 12)}…
            </span>
            <span className="muted">
              {rows.length} hop{rows.length === 1 ? '' : 's'}, {formatMs(total)}
            </span>
            <button type="button" className="link" onClick={() => traceStore.getState().traceClosed()} data-testid="trace-close">
              close
            </button>
          </div>
          <ol className="trace-hops">
            {rows.map(({ hop, depth, offsetMs, ackAfterMs }) => (
              <li
                key={hop.spanId}
                className={`trace-hop${hop.ports.includes('error') ? ' hop-error' : ''}`}
                data-testid="trace-hop"
                data-node={hop.nodeId}
                data-duration={hop.durationMs ?? ''}
                data-ports={hop.ports.join(',')}
                data-from={hop.from === null ? '' : `${hop.from.nodeId}:${hop.from.port}`}
              >
                <span className="trace-hop-name" style={{ paddingLeft: depth * 12 }} title={`span ${hop.spanId}`}>
                  {depth > 0 ? '└ ' : ''}
                  <b>{hop.nodeId}</b>{' '}
                  <span className="trace-hop-ports">
                    {hop.from !== null && hop.from.toPort !== 'in' ? `${hop.from.toPort} ` : ''}
                    {hop.ports.length === 0 ? (hop.kind === 'sink' ? '' : '(kept back)') : '→ '}
                    {hop.ports.map((p, i) => (
                      <span key={p} className={p === 'error' ? 'trace-port-error' : undefined}>
                        {i > 0 ? ', ' : ''}
                        {p}
                      </span>
                    ))}
                  </span>
                </span>
                <span className="trace-bar" title={`started ${formatMs(offsetMs)} after the first hop`}>
                  <span style={{ left: `${(offsetMs / total) * 100}%`, width: `${((hop.durationMs ?? 0) / total) * 100}%` }} />
                </span>
                <span className="trace-hop-time" data-testid="trace-hop-duration">
                  {hop.durationMs === null ? 'in node' : formatMs(hop.durationMs)}
                </span>
                {hop.kind === 'sink' && (
                  <span className={`trace-hop-ack${ackAfterMs === null ? ' not-acked' : ''}`} data-testid="trace-hop-ack">
                    {ackAfterMs === null ? 'not acknowledged' : `✓ acknowledged after ${formatMs(ackAfterMs)}`}
                  </span>
                )}
                {hop.error !== undefined && <span className="trace-hop-error" title={hop.error}>{hop.error}</span>}
              </li>
            ))}
          </ol>
        </Panel>
      )}
    </>
  );
}

/**
 * The trace view: a panel on the canvas listing the hops of the traced record in path order (fan-out branches
 * indented under the hop they split from): node, the port it arrived at and the ports it left by (`error` in red),
 * the time spent there, when it started after the first hop (a small waterfall bar), and for sinks the
 * acknowledgement. The canvas highlights the same path (FlowNode, LiveEdge read {@link useTrace}). The view follows
 * newer samples of the same trace (hops recorded after the sample was taken). It sits below the canvas's top banners
 * (the running flow's). Its styles are one `<style>` element (the CSP allows inline styles).
 */
import { Panel } from '@xyflow/react';
import { useEffect, useMemo } from 'react';
import type { SampleTrace } from '../../runtime/common/telemetry';
import { formatMs } from '../store/samples';
import { telemetryStore } from '../store/index';
import { traceRows, traceStore, useTrace } from '../store/trace-store';

const CSS = `
.flow-node.traced { box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 75%, transparent), var(--shadow); }
.flow-node.traced.traced-error { box-shadow: 0 0 0 3px color-mix(in srgb, var(--danger) 75%, transparent), var(--shadow); }
.flow-node.trace-dim { opacity: 0.45; }
.flow-port.port-traced > span { font-weight: 700; color: var(--accent); }
.flow-port.port-traced.port-error > span { color: var(--danger); }
.flow-port.port-traced .flow-handle { background: var(--accent); border-color: var(--accent); }
.flow-port.port-traced.port-error .flow-handle { background: var(--danger); border-color: var(--danger); }
.trace-edge-path { stroke: var(--accent); stroke-width: 4px; fill: none; stroke-dasharray: 8 5; pointer-events: none;
  animation: trace-dash 0.8s linear infinite; }
.trace-edge-path.trace-edge-error { stroke: var(--danger); }
@keyframes trace-dash { to { stroke-dashoffset: -13; } }
.trace-view { background: var(--panel); border: 1px solid var(--border); border-left: 4px solid var(--accent); border-radius: 8px;
  box-shadow: var(--shadow); padding: 6px 10px; width: 360px; max-width: 40vw; font-size: 12px; margin-top: 52px; }
.trace-view-head { display: flex; align-items: center; gap: 8px; }
.trace-view-head strong { font-weight: 600; }
.trace-view-head .trace-id { font-family: var(--mono); font-size: 11px; color: var(--muted); }
.trace-view-head button { margin-left: auto; }
.trace-hops { margin: 6px 0 0; padding: 6px 0 0; border-top: 1px solid var(--border); list-style: none; max-height: 30vh;
  overflow: auto; }
.trace-hop { display: grid; grid-template-columns: minmax(0, 1fr) 56px 60px; gap: 6px; align-items: center; padding: 2px 0; }
.trace-hop-name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.trace-hop-name b { font-weight: 600; }
.trace-hop-ports { font-family: var(--mono); font-size: 11px; color: var(--muted); }
.trace-hop-ports .trace-port-error { color: var(--danger); font-weight: 600; }
.trace-hop-time { font-family: var(--mono); font-size: 11px; text-align: right; }
.trace-bar { position: relative; height: 8px; background: var(--panel-2); border-radius: 4px; overflow: hidden; }
.trace-bar > span { position: absolute; top: 0; bottom: 0; min-width: 2px; background: var(--accent); border-radius: 4px; }
.trace-hop.hop-error .trace-bar > span { background: var(--danger); }
.trace-hop-ack { grid-column: 1 / -1; font-size: 11px; color: var(--ok); padding-left: 14px; }
.trace-hop-ack.not-acked { color: var(--muted); }
.trace-hop-error { grid-column: 1 / -1; font-size: 11px; color: var(--danger); padding-left: 14px; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.sample-trace { margin-left: 8px; font-size: 11px; padding: 0 6px; line-height: 18px; }
`;

/** The traces carried by the latest samples of every node. */
function sampleTraces(samples: ReturnType<typeof telemetryStore.getState>['samples']): SampleTrace[] {
  const traces: SampleTrace[] = [];
  for (const node of Object.values(samples)) {
    if (node === undefined) continue;
    for (const r of [...node.in, ...node.out]) if (r.trace !== undefined) traces.push(r.trace);
  }
  return traces;
}

/** The trace panel on the canvas, shown while a trace is chosen; its styles always (the highlights use them). */
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
      <style>{CSS}</style>
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

/**
 * The canvas edge: a bezier path whose stroke width follows the records/s crossing it, with a rate label. The rate
 * is read from the telemetry store by edge key (`from:port->to:port`) and written to the path and label by a
 * {@link LiveWriter} registered with the batching writer (`liveWriters`): one animation frame per telemetry frame, only
 * while the edge is in view, only what changed. A telemetry frame never re-renders the edge, and never touches React
 * Flow edge data. Zoomed out, the edge has no label.
 */
import { EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo, useContext, useEffect, useRef } from 'react';
import { edgeKey } from '../../runtime/common/telemetry';
import { formatCount, formatRate } from '../store/samples';
import { useTelemetry } from '../store/index';
import { edgeStroke, strokeWidthToWrite } from '../store/live-display';
import type { EdgeLive } from '../store/telemetry-store';
import { useTrace } from '../store/trace-store';
import { liveWriters, ZoomedOutContext } from './live-hub';

/** Stroke width of an edge with no records crossing it (px). */
const IDLE_WIDTH = edgeStroke(0).width;

/** What an edge last wrote to the DOM, so unchanged strokes and labels are not written again. */
interface EdgeShown {
  width: number;
  active: boolean;
  live: boolean;
  edge: EdgeLive | undefined;
}

/** Writes an edge's stroke (always) and label (when it has one) for `edge`; skips what did not change. */
function writeEdge(line: SVGPathElement | null, label: HTMLDivElement | null, edge: EdgeLive | undefined, shown: EdgeShown): void {
  const stroke = edgeStroke(edge?.rate ?? 0);
  if (line !== null) {
    const width = strokeWidthToWrite(shown.width, stroke.width, IDLE_WIDTH);
    if (width !== undefined) line.style.strokeWidth = `${(shown.width = width)}px`;
    if (stroke.active !== shown.active) line.classList.toggle('edge-active', (shown.active = stroke.active));
    if ((edge !== undefined) !== shown.live) line.classList.toggle('edge-live', (shown.live = edge !== undefined));
  }
  if (label !== null && edge !== undefined && edge !== shown.edge) {
    const previous = shown.edge;
    shown.edge = edge;
    if (previous?.rate !== edge.rate) {
      label.textContent = `${formatRate(edge.rate)}/s`;
      label.setAttribute('data-rate', String(edge.rate));
    }
    if (previous?.count !== edge.count) {
      label.title = `${formatCount(edge.count)} records crossed this edge`;
      label.setAttribute('data-count', String(edge.count));
    }
    label.classList.toggle('edge-active', stroke.active);
  }
}

function LiveEdgeView(props: EdgeProps) {
  const { id, source, target, sourceHandleId, targetHandleId, markerEnd, style, interactionWidth } = props;
  const [path, labelX, labelY] = getBezierPath(props);
  const key = edgeKey(source, sourceHandleId ?? 'out', target, targetHandleId ?? 'in');
  const line = useRef<SVGPathElement>(null);
  const label = useRef<HTMLDivElement>(null);
  const live = useTelemetry((s) => s.edges[key] !== undefined);
  const zoomedOut = useContext(ZoomedOutContext);
  const labelled = live && !zoomedOut;
  // The shown record trace crossed this edge: drawn over the live stroke (the live writer owns that path's classes).
  const traced = useTrace((s) => s.highlight.edges.has(key));

  useEffect(() => {
    // Fresh elements (or a label added or removed): write everything once, then only changes.
    const shown: EdgeShown = { width: Number.NaN, active: false, live: false, edge: undefined };
    const writer = liveWriters.register({
      nodes: [source, target],
      changed: (state, previous) => state.edges[key] !== previous.edges[key],
      write: (state) => writeEdge(line.current, label.current, state.edges[key], shown),
    });
    return () => writer.remove();
  }, [key, source, target, labelled]);

  return (
    <>
      <path ref={line} id={id} d={path} fill="none" className="react-flow__edge-path live-edge-path" markerEnd={markerEnd} style={style} />
      {traced && <path d={path} className={`trace-edge-path${sourceHandleId === 'error' ? ' trace-edge-error' : ''}`} data-testid={`edge-traced-${key}`} />}
      <path d={path} fill="none" strokeOpacity={0} strokeWidth={interactionWidth ?? 20} className="react-flow__edge-interaction" />
      {labelled && (
        <EdgeLabelRenderer>
          <div
            ref={label}
            className="edge-rate"
            data-testid={`edge-rate-${key}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          />
        </EdgeLabelRenderer>
      )}
    </>
  );
}

/** The memoized live edge (registered as React Flow's `default` edge type). */
export const LiveEdge = memo(LiveEdgeView);

/**
 * The canvas edge: a bezier path whose stroke width follows the records/s crossing it, with a rate label. The rate
 * is read from the telemetry store by edge key (`from:port->to:port`) and written to the path and label by a
 * transient `subscribe`: a telemetry frame never re-renders the edge, and never touches React Flow edge data.
 */
import { EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo, useEffect, useRef } from 'react';
import { edgeKey } from '../../runtime/common/telemetry';
import { formatCount, formatRate } from '../store/samples';
import { telemetryStore, useTelemetry } from '../store/index';
import { edgeStroke, type EdgeLive } from '../store/telemetry-store';

function LiveEdgeView(props: EdgeProps) {
  const { id, source, target, sourceHandleId, targetHandleId, markerEnd, style, interactionWidth } = props;
  const [path, labelX, labelY] = getBezierPath(props);
  const key = edgeKey(source, sourceHandleId ?? 'out', target, targetHandleId ?? 'in');
  const line = useRef<SVGPathElement>(null);
  const label = useRef<HTMLDivElement>(null);
  const live = useTelemetry((s) => s.edges[key] !== undefined);

  useEffect(() => {
    let shown: EdgeLive | undefined | null = null;
    const apply = (edge: EdgeLive | undefined): void => {
      if (edge === shown) return;
      shown = edge;
      const stroke = edgeStroke(edge?.rate ?? 0);
      if (line.current !== null) {
        line.current.style.strokeWidth = `${stroke.width}px`;
        line.current.classList.toggle('edge-active', stroke.active);
        line.current.classList.toggle('edge-live', edge !== undefined);
      }
      if (label.current !== null && edge !== undefined) {
        label.current.textContent = `${formatRate(edge.rate)}/s`;
        label.current.title = `${formatCount(edge.count)} records crossed this edge`;
        label.current.setAttribute('data-rate', String(edge.rate));
        label.current.setAttribute('data-count', String(edge.count));
        label.current.classList.toggle('edge-active', stroke.active);
      }
    };
    apply(telemetryStore.getState().edges[key]);
    return telemetryStore.subscribe((state, previous) => {
      if (state.edges[key] !== previous.edges[key]) apply(state.edges[key]);
    });
  }, [key, live]);

  return (
    <>
      <path ref={line} id={id} d={path} fill="none" className="react-flow__edge-path live-edge-path" markerEnd={markerEnd} style={style} />
      <path d={path} fill="none" strokeOpacity={0} strokeWidth={interactionWidth ?? 20} className="react-flow__edge-interaction" />
      {live && (
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

/**
 * The one canvas node component, rendered from the node's spec: title, type, named input ports on the left, named
 * output ports on the right (the spec's, the config-derived ones, then `error`), and a problem badge when the node has
 * compile problems. Memoized; reads its own problem count by id, and its live figures (below the ports) from the
 * telemetry store by id: a telemetry frame re-renders this component only when its highlight (errors, backpressure)
 * flips. A sink shows its delivery guarantee as a badge (DeliveryBadge), computed from its config.
 *
 * Zoomed out (below `DETAIL_MIN_ZOOM`) the node is a plain box: title, highlight and the port handles (so edges keep
 * their anchors and connecting still works), without the type line, port names and live figures.
 */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, useContext, useMemo } from 'react';
import { specRegistry } from '../../nodes/specs';
import { useStudio, useTelemetry } from '../store/index';
import { nodeAlert } from '../store/live-display';
import type { GraphNode } from '../store/convert';
import { nodeInputPorts, nodeOutputPorts } from '../store/graph-ops';
import { DeliveryBadge } from './DeliveryBadge';
import { nodeTraceClass, nodeTraceMark, useTrace } from '../store/trace-store';
import { ZoomedOutContext } from './live-hub';
import { NodeStats } from './NodeStats';
import { CompareBadge, useCompareStatus } from './CompareBadge';

/** Vertical distance between ports (px). */
const PORT_GAP = 22;
/** Height of the node header (px). */
const HEADER = 46;

function FlowNodeView({ id, data, selected }: NodeProps<GraphNode>) {
  const spec = specRegistry.get(data.type);
  const problems = useStudio((s) => s.problemCounts[id] ?? 0);
  const inputs = useMemo(() => (spec === undefined ? [] : nodeInputPorts({ id, data } as GraphNode)), [spec, id, data]);
  const outputs = useMemo(() => nodeOutputPorts({ id, data } as GraphNode), [id, data]);
  const rows = Math.max(inputs.length, outputs.length, 1);
  const kind = spec?.kind ?? 'unknown';
  const alert = useTelemetry((s) => nodeAlert(s.nodes[id], s.partitions[id]));
  const zoomedOut = useContext(ZoomedOutContext);
  const compared = useCompareStatus(id);
  const traced = useTrace((s) => nodeTraceMark(s, id));
  const tracedPorts = useTrace((s) => s.highlight.ports.get(id));
  return (
    <div
      className={`flow-node kind-${kind}${selected ? ' selected' : ''}${problems > 0 ? ' has-problems' : ''}${alert === undefined ? '' : ` alert-${alert}`}${compared === undefined ? '' : ` compare-${compared}`}${nodeTraceClass(traced)}`}
      data-testid={`node-${id}`}
      data-alert={alert ?? ''}
      style={{ minHeight: HEADER + rows * PORT_GAP + 6 }}
    >
      {compared !== undefined && <CompareBadge id={id} status={compared} />}
      <div className="flow-node-header">
        <span className="flow-node-title">{data.title ?? id}</span>
        {problems > 0 && (
          <span className="flow-node-badge" data-testid={`node-problems-${id}`} title={`${problems} problem${problems === 1 ? '' : 's'}`}>
            {problems}
          </span>
        )}
        {!zoomedOut && kind === 'sink' && <DeliveryBadge nodeId={id} type={data.type} config={data.config} />}
        {!zoomedOut && (
          <div className="flow-node-type">
            {spec?.title ?? 'Unknown type'} · {data.type}
          </div>
        )}
      </div>
      {inputs.map((port, i) => (
        <div key={`in-${port.name}`} className={`flow-port flow-port-in${tracedPorts?.in.includes(port.name) === true ? ' port-traced' : ''}`} style={{ top: HEADER + i * PORT_GAP }} title={port.description}>
          <Handle
            type="target"
            id={port.name}
            position={Position.Left}
            data-testid={`handle-${id}-in-${port.name}`}
            className="flow-handle"
          />
          {!zoomedOut && <span>{port.name}</span>}
        </div>
      ))}
      {outputs.map((port, i) => (
        <div
          key={`out-${port.name}`}
          className={`flow-port flow-port-out${port.name === 'error' ? ' port-error' : ''}${tracedPorts?.out.includes(port.name) === true ? ' port-traced' : ''}`}
          style={{ top: HEADER + i * PORT_GAP }}
          title={port.description}
        >
          {!zoomedOut && <span>{port.name}</span>}
          <Handle
            type="source"
            id={port.name}
            position={Position.Right}
            data-testid={`handle-${id}-out-${port.name}`}
            className="flow-handle"
          />
        </div>
      ))}
      <div className="flow-node-ports-space" style={{ height: HEADER - 40 + rows * PORT_GAP }} />
      {!zoomedOut && <NodeStats id={id} kind={kind} />}
    </div>
  );
}

/** The memoized generic node. */
export const FlowNode = memo(FlowNodeView);

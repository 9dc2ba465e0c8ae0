/**
 * The delivery guarantee of a sink node (runtime/common/delivery-guarantee.ts): a small badge on the canvas node with
 * the reason as its tooltip, and a line with the reason in the inspector. Computed from the node's config (parsed with
 * the spec's defaults when it parses) and the flow's `settings.delivery`, exactly as `tributary validate` prints it.
 * Renders nothing for sources and transforms.
 */
import { useMemo, type CSSProperties } from 'react';
import {
  DELIVERY_GUARANTEE_BADGES,
  DELIVERY_GUARANTEE_LABELS,
  sinkDelivery,
  type DeliveryGuarantee,
  type FlowDelivery,
  type SinkDelivery,
} from '../../runtime/common/delivery-guarantee';
import { specRegistry } from '../../nodes/specs';
import { useStudio } from '../store/index';

/** Colour of each guarantee (theme variables of styles.css). */
const COLORS: Record<DeliveryGuarantee, string> = {
  'exactly-once': 'var(--ok)',
  idempotent: 'var(--accent)',
  'at-least-once': 'var(--warn)',
  none: 'var(--danger)',
};

const badgeStyle: CSSProperties = {
  float: 'right',
  marginLeft: 6,
  padding: '0 5px',
  border: '1px solid currentColor',
  borderRadius: 9,
  fontSize: 10,
  lineHeight: '15px',
  fontWeight: 600,
  whiteSpace: 'nowrap',
  cursor: 'help',
};

/** The guarantee of a node of the given type and config in the flow being edited, or undefined for non-sinks. */
function useSinkDelivery(type: string, config: Record<string, unknown>): SinkDelivery | undefined {
  const delivery: FlowDelivery = useStudio((s) => ((s.meta.settings as { delivery?: unknown }).delivery === 'exactly-once' ? 'exactly-once' : 'at-least-once'));
  return useMemo(() => {
    const spec = specRegistry.get(type);
    if (spec?.kind !== 'sink') return undefined;
    const parsed = spec.config.safeParse(config);
    return sinkDelivery(type, parsed.success ? (parsed.data as Record<string, unknown>) : config, delivery);
  }, [type, config, delivery]);
}

/** The badge on a canvas sink node: the short guarantee, the full label and reason as tooltip. */
export function DeliveryBadge({ nodeId, type, config }: { nodeId: string; type: string; config: Record<string, unknown> }) {
  const result = useSinkDelivery(type, config);
  if (result === undefined) return null;
  return (
    <span
      className="flow-node-delivery"
      data-testid={`node-delivery-${nodeId}`}
      data-guarantee={result.guarantee}
      title={`${DELIVERY_GUARANTEE_LABELS[result.guarantee]}: ${result.reason}`}
      style={{ ...badgeStyle, color: COLORS[result.guarantee] }}
    >
      {DELIVERY_GUARANTEE_BADGES[result.guarantee]}
    </span>
  );
}

/** The inspector's line for a sink: the guarantee and its reason. */
export function DeliveryDetails({ type, config }: { type: string; config: Record<string, unknown> }) {
  const result = useSinkDelivery(type, config);
  if (result === undefined) return null;
  return (
    <div className="field" data-testid="inspector-delivery" data-guarantee={result.guarantee}>
      <div className="field-label">
        <span className="field-name">delivery</span>
      </div>
      <div style={{ color: COLORS[result.guarantee], fontWeight: 600 }}>{DELIVERY_GUARANTEE_LABELS[result.guarantee]}</div>
      <div className="field-description">
        {result.reason}. Set by the node&apos;s config and the flow&apos;s settings.delivery; docs/runtime.md explains each guarantee.
      </div>
    </div>
  );
}

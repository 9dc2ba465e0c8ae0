/**
 * Fixtures for tests of the studio's telemetry store: node telemetry with every figure at zero.
 */
import { emptyNodeTelemetry, type NodeTelemetry } from '../../runtime/common/telemetry';

/** Telemetry of one node with every count, rate and latency empty, overridden by `over`. */
export function nodeTelemetry(over: Partial<NodeTelemetry> = {}): NodeTelemetry {
  return { ...emptyNodeTelemetry(), out: { out: 0 }, ...over };
}

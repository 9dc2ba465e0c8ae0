/**
 * Fixtures for tests of the studio's telemetry store: node telemetry with every figure at zero.
 */
import type { NodeTelemetry } from '../../runtime/common/telemetry';

/** Telemetry of one node with every count, rate and latency empty, overridden by `over`. */
export function nodeTelemetry(over: Partial<NodeTelemetry> = {}): NodeTelemetry {
  return {
    in: 0,
    out: { out: 0 },
    errors: 0,
    dropped: 0,
    rateIn1s: 0,
    rateIn10s: 0,
    rateOut1s: 0,
    rateOut10s: 0,
    batchLatency: { p50: null, p99: null },
    history: [],
    backpressured: false,
    ...over,
  };
}

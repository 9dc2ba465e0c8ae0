/**
 * The flow file format, defined once as a zod schema: the studio edits it, `tributary run` executes it, and
 * `schema/flow.schema.json` is generated from it (`npm run schema`). Browser-safe.
 */
import { z } from 'zod';
import type { NodeSpec } from './node-spec';

/** Node ids: unique within a flow, `[A-Za-z0-9_-]+`, at most 64 characters. */
export const NodeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'node ids use only letters, digits, "_" and "-"')
  .max(64)
  .describe('Unique node id, [A-Za-z0-9_-]+.');

/** Node types: `<kind>.<name>`, e.g. `sink.redis`. */
export const NodeTypeSchema = z
  .string()
  .regex(/^(source|transform|sink)\.[a-z0-9][a-z0-9-]*$/, 'node types are <kind>.<name> with kind source, transform or sink')
  .describe('Node type, <kind>.<name>, e.g. source.kafka.');

/** What happens to a failed record when the node's `error` port is not wired. */
export const OnErrorSchema = z
  .enum(['drop', 'stop'])
  .describe(
    'When the error port is not wired: "stop" ends the run with the error (nothing is committed past the record), ' +
      '"drop" counts the record in tributary_node_errors_total, logs it with its source offset, and goes on.',
  );

export const FlowNodeSchema = z
  .strictObject({
    id: NodeIdSchema,
    type: NodeTypeSchema,
    title: z.string().max(200).optional().describe('Label shown on the canvas; defaults to the id.'),
    config: z.record(z.string(), z.unknown()).default({}).describe("The node's config; its shape is the node type's spec."),
    onError: OnErrorSchema.default('stop'),
  })
  .describe('A node of the flow.');

/** An edge endpoint: `node` (default port) or `node:port`. */
export const EndpointSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(:[a-z][a-z0-9-]*)?$/, 'an endpoint is "node" or "node:port"')
  .describe('"node" for its default port ("out" / "in") or "node:port".');

export const FlowEdgeSchema = z
  .strictObject({ from: EndpointSchema, to: EndpointSchema })
  .describe('A wire from an output port to an input port.');

export const FlowSettingsSchema = z
  .strictObject({
    shutdownTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(30_000)
      .describe('On SIGTERM/SIGINT: how long to drain in-flight records and flush sinks before exiting anyway (ms).'),
    maxBlockMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .refine((ms) => ms === 0 || ms >= 100, 'maxBlockMs is 0 (off) or at least 100 ms')
      .default(10_000)
      .describe(
        'Longest a node may block the event loop (a catastrophic regular expression, a long recursion) before the ' +
          'watchdog stops the runtime with exit code 4 and a line naming the node and its expression (ms); the records ' +
          'in flight are replayed on restart. 0 switches the watchdog off (e.g. to debug with breakpoints).',
      ),
    maxInFlightRecords: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(4_000)
      .describe('Upper bound of records read but not yet acknowledged by every sink; sources pause beyond it.'),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1_000)
      .describe('Records per batch moved through the graph.'),
    delivery: z
      .enum(['at-least-once', 'exactly-once'])
      .default('at-least-once')
      .describe(
        'Delivery guarantee of the flow. at-least-once: offsets are committed after every sink acknowledged the records, ' +
          'so a crash replays (duplicates) what was not yet committed. exactly-once: Kafka to Kafka only (source.kafka ' +
          'into sink.kafka nodes); the records produced for a batch and the consumed offsets are committed in one Kafka ' +
          'transaction (one transactional id per input partition), aborted and replayed on any failure; readers of the ' +
          'output topics must read read_committed.',
      ),
    telemetry: z.boolean().default(true).describe('Per-node metrics and record samples (switch off only to measure their cost).'),
    traceSampleRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe(
        'Fraction of records that carry a trace (0..1): the engine records each traced record\'s hops (node, ports, ' +
          'time spent, sink acknowledgement), sink.kafka writes a W3C traceparent header on it and --otlp-endpoint ' +
          'exports its spans. Records read with a sampled traceparent header continue that trace. 0 switches tracing off.',
      ),
    metricsHost: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe(
        'Address the metrics endpoint (/metrics, /healthz, /readyz) binds to when --metrics-port is given: 127.0.0.1 by ' +
          'default, 0.0.0.0 (or ::) to be reachable from other hosts (Prometheus, Kubernetes probes). --metrics-host wins.',
      ),
    unreadyAfterMs: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(30_000)
      .describe('/readyz answers 503 once a sink has been failing (retrying) for longer than this (ms); ready again when it recovers.'),
    sourceUnavailableTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(86_400_000)
      .default(300_000)
      .describe(
        'How long a source may find its broker unavailable (connection refused, timeouts, no coordinator) before the run ' +
          'fails (ms). Meanwhile the source reconnects with bounded exponential backoff and /readyz answers 503.',
      ),
  })
  .describe('Engine settings.');

export const PositionSchema = z.strictObject({ x: z.number(), y: z.number() });

export const FlowSchema = z
  .strictObject({
    $schema: z
      .string()
      .max(2000)
      .optional()
      .describe('The JSON Schema of this file (a path or URL), for editors that complete and check flow files; ignored by the runtime.'),
    version: z.literal(1).describe('Flow file format version.'),
    name: z.string().min(1).max(200).describe('Flow name; also the default consumer client id.'),
    description: z.string().max(10_000).optional().describe('What the flow does.'),
    settings: FlowSettingsSchema.prefault({}),
    nodes: z.array(FlowNodeSchema).max(2000, 'a flow has at most 2,000 nodes'),
    edges: z.array(FlowEdgeSchema).default([]),
    layout: z
      .record(NodeIdSchema, PositionSchema)
      .optional()
      .describe('Canvas positions by node id; the runtime ignores it, so moving nodes never touches config lines.'),
  })
  .describe('A Tributary flow: source, transform and sink nodes and the edges between them.');

/** A parsed flow, with defaults applied. */
export type Flow = z.output<typeof FlowSchema>;
/** A flow as written in a file (defaults not yet applied). */
export type FlowInput = z.input<typeof FlowSchema>;
export type FlowNode = z.output<typeof FlowNodeSchema>;
export type FlowEdge = z.output<typeof FlowEdgeSchema>;
export type FlowSettings = z.output<typeof FlowSettingsSchema>;

/** Largest flow file accepted, in bytes (5 MB). */
export const MAX_FLOW_BYTES = 5 * 1024 * 1024;
/** Most nodes accepted in one flow. */
export const MAX_FLOW_NODES = 2000;

/** An edge endpoint split into node id and port. */
export interface Endpoint {
  nodeId: string;
  /** The port; `undefined` means the node's default port. */
  port: string | undefined;
}

/** Splits `node` / `node:port`. */
export function parseEndpoint(text: string): Endpoint {
  const colon = text.indexOf(':');
  return colon < 0 ? { nodeId: text, port: undefined } : { nodeId: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** Where an edge connects, resolved by the compiler. */
export interface PlanTarget {
  nodeId: string;
  port: string;
}

/** A node of a compiled plan: its spec, its parsed and defaulted config, and where each output port goes. */
export interface PlanNode {
  id: string;
  spec: NodeSpec;
  /** The config after zod parsing (defaults applied once, here). */
  config: Record<string, unknown>;
  onError: 'drop' | 'stop';
  /** Output port -> targets (empty array when the port is not wired). Includes `error`. */
  outputs: Map<string, PlanTarget[]>;
  /** Ids of the nodes wired into this node. */
  upstream: string[];
}

/** A compiled flow, ready for the engine. */
export interface Plan {
  flow: Flow;
  /** Nodes in topological order (every node after all of its upstream nodes). */
  nodes: PlanNode[];
  byId: Map<string, PlanNode>;
  sources: PlanNode[];
  sinks: PlanNode[];
}

/** A registry of node specs by type. */
export type SpecRegistry = ReadonlyMap<string, NodeSpec>;

/**
 * The shape of a node type's spec: pure data that both the studio (palette, inspector, canvas ports) and the runtime
 * (compiler, engine) read. Browser-safe: specs import nothing from Node.
 *
 * A node type is one spec (`nodes/<kind>/<name>.spec.ts`) and one runtime (`nodes/<kind>/<name>.runtime.ts`).
 */
import type { z } from 'zod';

/** Where a node sits in a pipeline. Sources have no inputs; sinks have no outputs but `error`. */
export type NodeKind = 'source' | 'transform' | 'sink';

/** A named input or output port. */
export interface PortSpec {
  /** Port name, `[a-z][a-z0-9-]*`. `in` and `out` are the default input and output ports. */
  name: string;
  /** What flows through the port, shown on the canvas and in docs. */
  description: string;
}

/** Every node has this output port; failed records leave through it with `record.error` set. */
export const ERROR_PORT = 'error';
/** The default input port name. */
export const DEFAULT_INPUT = 'in';
/** The default output port name. */
export const DEFAULT_OUTPUT = 'out';

/** The spec of a node type. `C` is the zod schema of its config (an object schema). */
export interface NodeSpec<C extends z.ZodType = z.ZodType> {
  /** `<kind>.<name>`, e.g. `sink.redis`. */
  type: string;
  kind: NodeKind;
  /** Spec version; bumped when a config change is not backwards compatible. */
  version: number;
  /** Short title for the palette, e.g. "Redis". */
  title: string;
  /** One or two sentences: what the node does. Shown in the palette, inspector and docs/nodes.md. */
  description: string;
  /** Input ports; empty for sources. */
  inputs: PortSpec[];
  /** Output ports other than `error` (which every node has). Empty for sinks. */
  outputs: PortSpec[];
  /**
   * The config schema. Every field carries `.describe()`; defaults are given with `.default()` and applied once, by
   * the compiler. Unknown keys are rejected (`z.strictObject`).
   */
  config: C;
  /**
   * Config fields (dot paths into the parsed config, `[]` for each array element, e.g. `routes[].expression`) whose
   * string values are expressions: the compiler syntax-checks them and the inspector offers completion for them.
   */
  expressions?: string[];
  /** Extra variables an expression of this node may use besides value/key/headers/meta (e.g. `i`, `now`). */
  expressionVariables?: string[];
  /** Output ports that depend on the config (e.g. the routes of `transform.route`); called with the parsed config. */
  outputsFromConfig?: (config: z.output<C>) => PortSpec[];
  /** An example config, shown in docs and used by the palette when the node is dropped. */
  example?: Record<string, unknown>;
  /**
   * The service the node connects to, when it offers "Test connection" in the inspector: its runtime has a
   * `check(config)` (see `runtime/engine/types.ts`), and for `kafka` the inspector also completes topic names.
   */
  connectionCheck?: ConnectionService;
}

/** A service a node type connects to and can test a connection with (see {@link NodeSpec} `connectionCheck`). */
export type ConnectionService = 'kafka' | 'redis';

/** Helper that keeps the config type of a spec while checking its shape. */
export function defineNodeSpec<C extends z.ZodType>(spec: NodeSpec<C>): NodeSpec<C> {
  return spec;
}

/** All output ports of a node of this spec with this config: static ones, config-derived ones, then `error`. */
export function outputPorts(spec: NodeSpec, config: unknown): PortSpec[] {
  const ports = [...spec.outputs];
  if (spec.outputsFromConfig !== undefined && config !== undefined) {
    for (const port of spec.outputsFromConfig(config)) if (!ports.some((p) => p.name === port.name)) ports.push(port);
  }
  ports.push({ name: ERROR_PORT, description: 'Records that failed in this node, with `error: { nodeId, message, code }`.' });
  return ports;
}

/**
 * Pure graph operations used by the store: node ids, ports, connection checks (with the reason a connection is
 * refused), copy/paste remapping. No DOM, no React.
 */
import type { Connection } from '@xyflow/react';
import { outputPorts, type PortSpec } from '../../runtime/common/node-spec';
import { specRegistry } from '../../nodes/specs';
import { makeEdge, type GraphEdge, type GraphNode } from './convert';

/** A fresh node id for a type: its short name (`transform.map` -> `map`), then `map-2`, `map-3`, ... */
export function freshNodeId(type: string, taken: ReadonlySet<string>): string {
  const base = (type.split('.')[1] ?? type).replace(/[^A-Za-z0-9_-]/g, '-') || 'node';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/**
 * The output ports of a canvas node: the spec's, those derived from its config (when the config parses), then
 * `error`. Unknown types have just `out` and `error`.
 */
export function nodeOutputPorts(node: GraphNode): PortSpec[] {
  const spec = specRegistry.get(node.data.type);
  if (spec === undefined) return [{ name: 'out', description: '' }, { name: 'error', description: '' }];
  const parsed = spec.outputsFromConfig === undefined ? undefined : spec.config.safeParse(node.data.config);
  let config: unknown;
  if (parsed?.success === true) config = parsed.data;
  try {
    return outputPorts(spec, config);
  } catch {
    return outputPorts(spec, undefined);
  }
}

/** The input ports of a canvas node (none for sources and unknown types). */
export function nodeInputPorts(node: GraphNode): PortSpec[] {
  return specRegistry.get(node.data.type)?.inputs ?? [];
}

/** A path of node ids from `from` to `to` following edges, or undefined when `to` is not reachable. */
function pathBetween(edges: readonly GraphEdge[], from: string, to: string): string[] | undefined {
  const previous = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    if (id === to) {
      const path = [to];
      for (let at = to; at !== from; ) {
        at = previous.get(at) as string;
        path.unshift(at);
      }
      return path;
    }
    for (const edge of edges) {
      if (edge.source !== id || seen.has(edge.target)) continue;
      seen.add(edge.target);
      previous.set(edge.target, id);
      queue.push(edge.target);
    }
  }
  return undefined;
}

/**
 * Why a connection is refused, or undefined when it is allowed. Refused: incomplete connections, a node wired to
 * itself, ports the nodes do not have (sources have no inputs, sinks no outputs but `error`), duplicates and cycles.
 */
export function connectionProblem(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  connection: Pick<Connection, 'source' | 'target'> & { sourceHandle?: string | null; targetHandle?: string | null },
): string | undefined {
  const source = nodes.find((n) => n.id === connection.source);
  const target = nodes.find((n) => n.id === connection.target);
  if (source === undefined || target === undefined) return 'connect an output port to an input port of another node';
  if (source.id === target.id) return `"${source.id}" cannot be connected to itself`;
  const outputs = nodeOutputPorts(source).map((p) => p.name);
  const fromPort = connection.sourceHandle ?? 'out';
  if (!outputs.includes(fromPort)) return `"${source.id}" has no output port "${fromPort}"`;
  const inputs = nodeInputPorts(target).map((p) => p.name);
  if (inputs.length === 0) return `"${target.id}" is a source: it has no inputs`;
  const toPort = connection.targetHandle ?? 'in';
  if (!inputs.includes(toPort)) return `"${target.id}" has no input port "${toPort}"`;
  if (edges.some((e) => e.source === source.id && e.target === target.id && (e.sourceHandle ?? 'out') === fromPort && (e.targetHandle ?? 'in') === toPort)) {
    return `"${source.id}:${fromPort}" is already connected to "${target.id}:${toPort}"`;
  }
  const back = pathBetween(edges, target.id, source.id);
  if (back !== undefined) return `this would make a cycle: ${[...back, target.id].join(' -> ')}; a flow must not loop back`;
  return undefined;
}

/** What the clipboard holds: copied nodes and the edges between them. */
export interface ClipboardContent {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/**
 * Copies of clipboard nodes for pasting: fresh ids (not in `taken`), positions shifted by `offset`, edges between
 * them remapped, everything selected.
 */
export function pasteCopies(content: ClipboardContent, taken: ReadonlySet<string>, offset: number): ClipboardContent {
  const used = new Set(taken);
  const ids = new Map<string, string>();
  const nodes = content.nodes.map((node) => {
    const id = freshNodeId(`x.${node.id.replace(/-\d+$/, '')}`, used);
    used.add(id);
    ids.set(node.id, id);
    return {
      id,
      type: 'flowNode' as const,
      position: { x: node.position.x + offset, y: node.position.y + offset },
      data: structuredClone(node.data),
      selected: true,
    };
  });
  const edges = content.edges.flatMap((edge) => {
    const source = ids.get(edge.source);
    const target = ids.get(edge.target);
    if (source === undefined || target === undefined) return [];
    return [{ ...makeEdge(source, edge.sourceHandle ?? 'out', target, edge.targetHandle ?? 'in'), selected: true }];
  });
  return { nodes, edges };
}

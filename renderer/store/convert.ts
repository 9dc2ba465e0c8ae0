/**
 * Flow <-> canvas graph. The canvas holds React Flow nodes and edges; the file holds a {@link Flow}. Positions live in
 * the flow's `layout`, so moving a node never touches config lines. Pure functions, no DOM: unit-tested in Node.
 */
import type { Edge, Node } from '@xyflow/react';
import type { Flow, FlowSettings } from '../../runtime/common/flow';
import { FlowSchema, parseEndpoint } from '../../runtime/common/flow';
import { DEFAULT_INPUT, DEFAULT_OUTPUT } from '../../runtime/common/node-spec';

/** The data a canvas node carries: the flow node minus its id (which is the React Flow node id). */
export interface FlowNodeData extends Record<string, unknown> {
  /** Node type, e.g. `transform.map`. */
  type: string;
  /** Label; absent means the id. */
  title?: string;
  /** The config as written (defaults not applied, `${VAR}` references kept). */
  config: Record<string, unknown>;
  /** What happens to failed records when `error` is not wired. */
  onError: 'drop' | 'stop';
}

/** A canvas node. */
export type GraphNode = Node<FlowNodeData, 'flowNode'>;
/** A canvas edge: `sourceHandle` / `targetHandle` are port names. */
export type GraphEdge = Edge;

/** Flow-level fields that are not nodes or edges. */
export interface FlowMeta {
  name: string;
  description?: string;
  /** Settings as written (only the keys present in the file or set in the studio). */
  settings: Partial<FlowSettings>;
}

/** A canvas graph: what the store's graph slice holds. */
export interface Graph {
  meta: FlowMeta;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Horizontal distance between nodes placed by {@link flowToGraph} when the flow has no layout (px). */
const FALLBACK_SPACING_X = 260;

/** The id of the edge from `source:sourceHandle` to `target:targetHandle`. */
export function edgeId(source: string, sourceHandle: string, target: string, targetHandle: string): string {
  return `${source}:${sourceHandle}->${target}:${targetHandle}`;
}

/** A canvas edge between two ports. */
export function makeEdge(source: string, sourceHandle: string, target: string, targetHandle: string): GraphEdge {
  return { id: edgeId(source, sourceHandle, target, targetHandle), source, sourceHandle, target, targetHandle };
}

/**
 * A flow (parsed with `substitute: false`) -> the canvas graph. Nodes keep their flow order; nodes missing from
 * `layout` are placed in a row below the laid-out ones.
 */
export function flowToGraph(flow: Flow): Graph {
  const layout = flow.layout ?? {};
  const laidOut = Object.values(layout);
  const maxY = laidOut.length === 0 ? 0 : Math.max(...laidOut.map((p) => p.y)) + 160;
  let unplaced = 0;
  const nodes: GraphNode[] = flow.nodes.map((node) => {
    const placed = layout[node.id];
    const position = placed === undefined ? { x: FALLBACK_SPACING_X * unplaced++, y: laidOut.length === 0 ? 0 : maxY } : { x: placed.x, y: placed.y };
    const data: FlowNodeData = { type: node.type, config: structuredClone(node.config ?? {}), onError: node.onError ?? 'stop' };
    if (node.title !== undefined) data.title = node.title;
    return { id: node.id, type: 'flowNode', position, data };
  });
  const edges: GraphEdge[] = (flow.edges ?? []).map((edge) => {
    const from = parseEndpoint(edge.from);
    const to = parseEndpoint(edge.to);
    return makeEdge(from.nodeId, from.port ?? DEFAULT_OUTPUT, to.nodeId, to.port ?? DEFAULT_INPUT);
  });
  const meta: FlowMeta = { name: flow.name, settings: settingsAsWritten(flow.settings) };
  if (flow.description !== undefined) meta.description = flow.description;
  return { meta, nodes, edges };
}

const SETTINGS_DEFAULTS: FlowSettings = FlowSchema.shape.settings.parse(undefined);

/** The settings of a parsed flow that differ from their defaults (the ones worth showing as set). */
function settingsAsWritten(settings: FlowSettings | undefined): Partial<FlowSettings> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings ?? {})) {
    if (SETTINGS_DEFAULTS[key as keyof FlowSettings] !== value) out[key] = value;
  }
  return out as Partial<FlowSettings>;
}

/** Rounds a canvas coordinate for the file (whole pixels). */
function round(n: number): number {
  return Math.round(n);
}

/**
 * The canvas graph -> a flow for {@link serializeFlow}. Endpoints use the short form (`node` for the default ports
 * `out` / `in`); every node gets a `layout` entry with whole-pixel positions.
 */
export function graphToFlow(graph: Graph): Flow {
  const endpoint = (nodeId: string, port: string | null | undefined, fallback: string): string =>
    port === null || port === undefined || port === fallback ? nodeId : `${nodeId}:${port}`;
  const flow: Flow = {
    version: 1,
    name: graph.meta.name,
    settings: graph.meta.settings as FlowSettings,
    nodes: graph.nodes.map((node) => {
      const out: Flow['nodes'][number] = { id: node.id, type: node.data.type, config: node.data.config, onError: node.data.onError };
      if (node.data.title !== undefined && node.data.title !== '') out.title = node.data.title;
      return out;
    }),
    edges: graph.edges.map((edge) => ({
      from: endpoint(edge.source, edge.sourceHandle, DEFAULT_OUTPUT),
      to: endpoint(edge.target, edge.targetHandle, DEFAULT_INPUT),
    })),
    layout: Object.fromEntries(graph.nodes.map((node) => [node.id, { x: round(node.position.x), y: round(node.position.y) }])),
  };
  if (graph.meta.description !== undefined && graph.meta.description !== '') flow.description = graph.meta.description;
  return flow;
}

/** A flow file's format from its path: `.json` -> JSON, anything else YAML. */
export function formatOfPath(path: string | null): 'yaml' | 'json' {
  return path !== null && /\.json$/i.test(path) ? 'json' : 'yaml';
}

/** A fresh, empty flow. */
export function emptyFlow(name = 'untitled'): Flow {
  return { version: 1, name, settings: {} as FlowSettings, nodes: [], edges: [] };
}

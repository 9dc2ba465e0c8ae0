/**
 * Auto-layout with elkjs (layered, left to right, ports in order), on the main thread via the bundled build.
 */
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphEdge, GraphNode } from '../store/convert';

const elk = new ELK();

/** Size used for nodes React Flow has not measured yet (px). */
const DEFAULT_SIZE = { width: 200, height: 90 };

/**
 * New top-left positions for every node, laid out in layers from sources (left) to sinks (right).
 * @param nodes canvas nodes (their measured sizes are used when known)
 * @param edges canvas edges
 */
export async function autoLayout(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Promise<Record<string, { x: number; y: number }>> {
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.measured?.width ?? DEFAULT_SIZE.width,
      height: n.measured?.height ?? DEFAULT_SIZE.height,
    })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const laid = await elk.layout(graph);
  const positions: Record<string, { x: number; y: number }> = {};
  for (const child of laid.children ?? []) positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  return positions;
}

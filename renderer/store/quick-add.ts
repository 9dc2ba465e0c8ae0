/**
 * Quick add and drop-on-edge, the pure parts: ranking node types for the quick-add search box, and splitting an edge
 * around a node (from -> node's default input, node's default output -> to). No DOM, no React; the store's
 * `nodeDroppedOnEdge` / `nodeInsertedIntoEdge` actions and the `QuickAdd` box use them.
 */
import type { NodeSpec } from '../../runtime/common/node-spec';
import { nodeSpecs, specRegistry } from '../../nodes/specs';
import { makeEdge, type GraphEdge, type GraphNode } from './convert';
import { connectionProblem, nodeInputPorts, nodeOutputPorts } from './graph-ops';

/** Whether the letters of `needle` appear in `hay` in order (a fuzzy match: "flt" matches "filter"). */
function subsequence(needle: string, hay: string): boolean {
  let at = 0;
  for (const ch of hay) if (ch === needle[at] && ++at === needle.length) return true;
  return needle.length === 0;
}

/**
 * How well a spec matches one search word (higher is better, 0 is no match): a title or type that starts with it
 * (4), contains it (3), a description word that starts with it (2), the letters in order in the type or title (1).
 */
function wordScore(spec: NodeSpec, word: string): number {
  const title = spec.title.toLowerCase();
  const type = spec.type.toLowerCase();
  const short = type.split('.')[1] ?? type;
  if (title.startsWith(word) || short.startsWith(word) || type.startsWith(word)) return 4;
  if (title.includes(word) || type.includes(word)) return 3;
  if (spec.description.toLowerCase().split(/[^a-z0-9]+/).some((w) => w.startsWith(word))) return 2;
  if (subsequence(word, short) || subsequence(word, title)) return 1;
  return 0;
}

/**
 * The node types matching a quick-add search, best first: every word of `search` must match (see the scores above);
 * ties keep the palette's order (sources, transforms, sinks as registered). An empty search lists every type.
 */
export function quickAddMatches(search: string, specs: readonly NodeSpec[] = nodeSpecs): NodeSpec[] {
  const words = search.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const scored: { spec: NodeSpec; score: number; index: number }[] = [];
  specs.forEach((spec, index) => {
    let score = 0;
    for (const word of words) {
      const s = wordScore(spec, word);
      if (s === 0) return;
      score += s;
    }
    scored.push({ spec, score, index });
  });
  return scored.sort((a, b) => b.score - a.score || a.index - b.index).map((s) => s.spec);
}

/** The ports a node is wired through when it is inserted into an edge: its first input and its `out` (or first) output. */
export function insertionPorts(node: GraphNode): { input: string | undefined; output: string | undefined } {
  const outputs = nodeOutputPorts(node).map((p) => p.name).filter((name) => name !== 'error');
  return {
    input: nodeInputPorts(node)[0]?.name,
    output: outputs.includes('out') ? 'out' : outputs[0],
  };
}

/**
 * The edges after inserting `node` into the edge `edgeId`: that edge is replaced by from -> node (its default input)
 * and node (its default output) -> to. Returns the reason instead when it cannot be inserted (a source has no input,
 * a sink no output, the edge is gone, or a new edge would be refused, e.g. a cycle).
 */
export function edgesWithInsertion(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  edgeId: string,
  node: GraphNode,
): GraphEdge[] | string {
  const edge = edges.find((e) => e.id === edgeId);
  if (edge === undefined) return `there is no edge "${edgeId}"`;
  const kind = specRegistry.get(node.data.type)?.kind;
  const { input, output } = insertionPorts(node);
  if (input === undefined) return `"${node.id}" is ${kind === 'source' ? 'a source' : 'a node'} with no input, so it cannot go into an edge`;
  if (output === undefined) return `"${node.id}" is ${kind === 'sink' ? 'a sink' : 'a node'} with no output, so it cannot go into an edge`;
  if (edge.source === node.id || edge.target === node.id) return `"${node.id}" is already an end of that edge`;
  const others = edges.filter((e) => e.id !== edgeId);
  const all = nodes.some((n) => n.id === node.id) ? nodes : [...nodes, node];
  const first = { source: edge.source, sourceHandle: edge.sourceHandle ?? 'out', target: node.id, targetHandle: input };
  const firstProblem = connectionProblem(all, others, first);
  if (firstProblem !== undefined) return firstProblem;
  const inEdge = makeEdge(first.source, first.sourceHandle, first.target, first.targetHandle);
  const second = { source: node.id, sourceHandle: output, target: edge.target, targetHandle: edge.targetHandle ?? 'in' };
  const secondProblem = connectionProblem(all, [...others, inEdge], second);
  if (secondProblem !== undefined) return secondProblem;
  const at = edges.indexOf(edge);
  return [...edges.slice(0, at), inEdge, makeEdge(second.source, second.sourceHandle, second.target, second.targetHandle), ...edges.slice(at + 1)];
}

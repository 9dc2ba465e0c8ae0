/**
 * The compiler: a loaded {@link Flow} + the node specs -> a {@link Plan} the engine runs, or every problem found.
 * The studio runs it on every edit, `tributary validate` prints its problems, `tributary run` refuses to start without
 * a plan. Browser-safe: no Node imports.
 */
import type { Problem } from './errors';
import { exactlyOnceProblems, offsetIdProblems, type DeliveryNode } from './delivery-guarantee';
import { checkExpression } from './expression';
import { parseEndpoint, type Flow, type FlowNode, type Plan, type PlanNode, type PlanTarget, type SpecRegistry } from './flow';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, ERROR_PORT, outputPorts, type NodeSpec, type PortSpec } from './node-spec';
import { formatPath } from './flow-path';
import { didYouMean } from './suggestions';
import { describeZodIssues } from './zod-issues';

/** The result of {@link compileFlow}: a plan and warnings, or every problem found (never both). */
export type CompileResult = { ok: true; plan: Plan; warnings: Problem[] } | { ok: false; problems: Problem[] };

/** One value of an expression field: its path in the config (`routes[1].expression`) and its value. */
export interface ExpressionField {
  path: (string | number)[];
  value: unknown;
}

/**
 * Resolves a spec expression path (`routes[].expression`: dot-separated keys, `[]` for every element of an array) in a
 * config. Absent fields and non-array values under `[]` are skipped (the config schema reports them).
 * @param config the node config (parsed, or raw when it did not parse)
 * @param specPath a path from `NodeSpec.expressions`
 * @returns every value found, with its concrete path
 */
export function expressionFields(config: unknown, specPath: string): ExpressionField[] {
  let current: ExpressionField[] = [{ path: [], value: config }];
  for (const part of specPath.split('.')) {
    const m = /^([^[\]]*)((?:\[\])*)$/.exec(part);
    if (m === null) return [];
    const key = m[1] as string;
    const arrays = (m[2] as string).length / 2;
    const next: ExpressionField[] = [];
    for (const field of current) {
      let found: ExpressionField[] = [];
      if (key === '') found = [field];
      else if (field.value !== null && typeof field.value === 'object' && !Array.isArray(field.value) && Object.hasOwn(field.value, key)) {
        found = [{ path: [...field.path, key], value: (field.value as Record<string, unknown>)[key] }];
      }
      for (let i = 0; i < arrays; i++) {
        found = found.flatMap((f) =>
          Array.isArray(f.value) ? f.value.map((value: unknown, index) => ({ path: [...f.path, index], value })) : [],
        );
      }
      next.push(...found);
    }
    current = next;
  }
  return current.filter((f) => f.value !== undefined);
}

/** A node being compiled. */
interface Work {
  node: FlowNode;
  index: number;
  spec: NodeSpec | undefined;
  /** Parsed config, or `undefined` when the type is unknown or the config has problems. */
  config: Record<string, unknown> | undefined;
  /** Output port names, or `undefined` when they cannot be known (unknown type, or config-derived ports of a bad config). */
  outputs: string[] | undefined;
}

/** An edge whose endpoints both exist. */
interface Wire {
  index: number;
  from: PlanTarget;
  to: PlanTarget;
}

function portList(ports: readonly PortSpec[] | readonly string[]): string {
  const names = ports.map((p) => (typeof p === 'string' ? p : p.name));
  return names.length === 0 ? 'none' : names.map((n) => `"${n}"`).join(', ');
}

/**
 * Finds one cycle per strongly connected component of two or more nodes (Tarjan), plus every self-loop, each as node
 * ids starting and ending with the first node of the cycle in flow order, e.g. `['a', 'b', 'a']`, sorted by that node.
 */
function findCycles(ids: readonly string[], next: ReadonlyMap<string, string[]>): string[][] {
  const order = new Map(ids.map((id, i) => [id, i]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  // Iterative Tarjan, so a 2,000-node chain does not exhaust the call stack.
  for (const root of ids) {
    if (index.has(root)) continue;
    const frames: { id: string; successors: string[]; at: number }[] = [];
    const enter = (id: string): void => {
      index.set(id, counter);
      low.set(id, counter);
      counter++;
      stack.push(id);
      onStack.add(id);
      frames.push({ id, successors: next.get(id) ?? [], at: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as (typeof frames)[number];
      if (frame.at < frame.successors.length) {
        const successor = frame.successors[frame.at++] as string;
        if (!index.has(successor)) enter(successor);
        else if (onStack.has(successor)) low.set(frame.id, Math.min(low.get(frame.id) as number, index.get(successor) as number));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        if (component.length > 1) components.push(component);
      }
    }
  }
  // A concrete cycle inside each component: breadth-first from its first node back to itself, staying inside (the
  // shortest such cycle, ignoring self-loops).
  return components
    .map((component) => {
      const members = new Set(component);
      const start = [...component].sort((a, b) => (order.get(a) as number) - (order.get(b) as number))[0] as string;
      const previous = new Map<string, string>();
      const queue = [start];
      let last: string | undefined;
      for (let i = 0; i < queue.length && last === undefined; i++) {
        const id = queue[i] as string;
        for (const successor of next.get(id) ?? []) {
          if (!members.has(successor)) continue;
          if (successor === start) {
            if (id === start) continue; // the self-loop, reported on its own
            last = id;
            break;
          }
          if (!previous.has(successor)) {
            previous.set(successor, id);
            queue.push(successor);
          }
        }
      }
      const path = [start];
      for (let id = last; id !== undefined && id !== start; id = previous.get(id)) path.splice(1, 0, id);
      path.push(start);
      return path;
    })
    // Every self-loop too: it is a cycle of its own even inside a larger component.
    .concat(ids.filter((id) => (next.get(id) ?? []).includes(id)).map((id) => [id, id]))
    .sort((a, b) => (order.get(a[0] as string) as number) - (order.get(b[0] as string) as number));
}

/** Node ids reachable from `starts` following `next`, the starts included. */
function reachable(starts: Iterable<string>, next: ReadonlyMap<string, string[]>): Set<string> {
  const seen = new Set<string>(starts);
  const queue = [...seen];
  for (let i = 0; i < queue.length; i++) {
    for (const successor of next.get(queue[i] as string) ?? []) {
      if (!seen.has(successor)) {
        seen.add(successor);
        queue.push(successor);
      }
    }
  }
  return seen;
}

/**
 * Compiles a flow against the node specs. Never throws for a bad flow: every problem is returned at once, each with
 * `code`, `path`, `message` and (for node problems) `nodeId`; paths of node problems are relative to the node
 * (`config.routes[1].expression`), paths of edge problems are flow paths (`edges[2].to`). Lines are not known here:
 * `locateProblems` (yaml-locator.ts) adds them from the file text.
 *
 * Checks:
 * - `E_CONFIG`: unknown node type (with the closest known type); each config schema issue, at `config.<field>`;
 * - `E_EXPRESSION`: syntax or policy errors in the spec's expression fields, with the column inside the expression;
 * - `E_CONFIG` (delivery, runtime/common/delivery-guarantee.ts): `settings.delivery: exactly-once` with a sink other than
 *   `sink.kafka` (or one with acks other than -1) or a source other than `source.kafka` (or one reading
 *   read_uncommitted); `sink.redis` xadd `id: from-offset` reached by a source that is not `source.kafka`;
 * - `E_GRAPH`: edge endpoints that are not nodes, output / input ports the node does not have (sources have no
 *   inputs, sinks only the `error` output), duplicate edges, cycles (`a -> b -> a`), sources that reach no sink, sinks
 *   no source reaches, nodes with no edges at all.
 *
 * Warnings (the plan is still built): a non-`error` output port that is not wired (records sent to it are counted and
 * dropped), and a non-source node that no source reaches (it never receives records).
 * @param flow a flow from `parseFlowText` (defaults of the flow schema applied)
 * @param specs the node specs by type
 * @returns the plan (nodes in topological order, configs parsed with their defaults) and warnings, or the problems
 */
export function compileFlow(flow: Flow, specs: SpecRegistry): CompileResult {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const works: Work[] = [];
  const byId = new Map<string, Work>();

  // Nodes: type, config, expressions.
  flow.nodes.forEach((node, index) => {
    const spec = specs.get(node.type);
    const work: Work = { node, index, spec, config: undefined, outputs: undefined };
    works.push(work);
    const first = byId.get(node.id);
    if (first === undefined) byId.set(node.id, work);
    else {
      problems.push({
        code: 'E_FLOW_SCHEMA',
        nodeId: node.id,
        path: 'id',
        message: `duplicate node id "${node.id}": nodes[${first.index}] and nodes[${index}]; node ids must be unique`,
      });
    }
    if (spec === undefined) {
      problems.push({
        code: 'E_CONFIG',
        nodeId: node.id,
        path: 'type',
        message: `unknown node type "${node.type}"${didYouMean(node.type, specs.keys())}`,
      });
      return;
    }
    const rawConfig = node.config ?? {};
    const parsed = spec.config.safeParse(rawConfig);
    if (parsed.success) {
      work.config = parsed.data as Record<string, unknown>;
      try {
        work.outputs = outputPorts(spec, work.config).map((p) => p.name);
      } catch (error) {
        work.config = undefined;
        problems.push({
          code: 'E_CONFIG',
          nodeId: node.id,
          path: 'config',
          message: `the output ports of this config cannot be derived: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    } else {
      for (const issue of describeZodIssues(parsed.error.issues, spec.config, rawConfig)) {
        problems.push({ code: 'E_CONFIG', nodeId: node.id, path: formatPath(['config', ...issue.path]), message: issue.message });
      }
      // Static ports are still known; config-derived ones are not.
      if (spec.outputsFromConfig === undefined) work.outputs = outputPorts(spec, undefined).map((p) => p.name);
    }
    // Expressions are checked even in a config that did not parse, so that all problems show at once.
    const target = work.config ?? rawConfig;
    for (const specPath of spec.expressions ?? []) {
      for (const field of expressionFields(target, specPath)) {
        if (typeof field.value !== 'string') continue;
        const error = checkExpression(field.value);
        if (error === undefined) continue;
        problems.push({
          code: 'E_EXPRESSION',
          nodeId: node.id,
          path: formatPath(['config', ...field.path]),
          message: `expression error at column ${error.column}: ${error.message}`,
          column: error.column,
        });
      }
    }
  });

  // Edges: endpoints, ports, duplicates.
  const wires: Wire[] = [];
  const seenEdges = new Map<string, number>();
  const nodeIds = flow.nodes.map((n) => n.id);
  (flow.edges ?? []).forEach((edge, index) => {
    const from = parseEndpoint(edge.from);
    const to = parseEndpoint(edge.to);
    const fromWork = byId.get(from.nodeId);
    const toWork = byId.get(to.nodeId);
    if (fromWork === undefined) {
      problems.push({
        code: 'E_GRAPH',
        path: `edges[${index}].from`,
        message: `edge from unknown node "${from.nodeId}"${didYouMean(from.nodeId, nodeIds)}`,
      });
    }
    if (toWork === undefined) {
      problems.push({
        code: 'E_GRAPH',
        path: `edges[${index}].to`,
        message: `edge to unknown node "${to.nodeId}"${didYouMean(to.nodeId, nodeIds)}`,
      });
    }
    const fromPort = from.port ?? DEFAULT_OUTPUT;
    const toPort = to.port ?? DEFAULT_INPUT;
    if (fromWork?.spec !== undefined) {
      const spec = fromWork.spec;
      const outputs = fromWork.outputs;
      if (spec.kind === 'sink' && fromPort !== ERROR_PORT) {
          problems.push({
          code: 'E_GRAPH',
          path: `edges[${index}].from`,
          message: `sink "${from.nodeId}" has no output port "${fromPort}"; a sink only has the "${ERROR_PORT}" output`,
        });
      } else if (outputs !== undefined && !outputs.includes(fromPort)) {
          problems.push({
          code: 'E_GRAPH',
          path: `edges[${index}].from`,
          message: `node "${from.nodeId}" (${spec.type}) has no output port "${fromPort}"; its output ports are ${portList(outputs)}`,
        });
      }
    }
    if (toWork?.spec !== undefined) {
      const spec = toWork.spec;
      if (spec.kind === 'source' || spec.inputs.length === 0) {
          problems.push({
          code: 'E_GRAPH',
          path: `edges[${index}].to`,
          message: `${spec.kind === 'source' ? 'source' : 'node'} "${to.nodeId}" (${spec.type}) has no inputs; an edge cannot end at it`,
        });
      } else if (!spec.inputs.some((p) => p.name === toPort)) {
          problems.push({
          code: 'E_GRAPH',
          path: `edges[${index}].to`,
          message: `node "${to.nodeId}" (${spec.type}) has no input port "${toPort}"; its input ports are ${portList(spec.inputs)}`,
        });
      }
    }
    const key = `${from.nodeId}:${fromPort} -> ${to.nodeId}:${toPort}`;
    const first = seenEdges.get(key);
    if (first !== undefined) {
      problems.push({
        code: 'E_GRAPH',
        path: `edges[${index}]`,
        message: `duplicate edge ${key}: the same as edges[${first}]`,
      });
      return;
    }
    seenEdges.set(key, index);
    // Edges whose ports are wrong still count for the graph checks below, so that one mistake is reported once.
    if (fromWork !== undefined && toWork !== undefined) {
      wires.push({ index, from: { nodeId: from.nodeId, port: fromPort }, to: { nodeId: to.nodeId, port: toPort } });
    }
  });

  // Graph: isolated nodes, cycles, reachability.
  const next = new Map<string, string[]>(nodeIds.map((id) => [id, []]));
  const previous = new Map<string, string[]>(nodeIds.map((id) => [id, []]));
  const touched = new Set<string>();
  for (const wire of wires) {
    touched.add(wire.from.nodeId);
    touched.add(wire.to.nodeId);
    const successors = next.get(wire.from.nodeId) as string[];
    if (!successors.includes(wire.to.nodeId)) successors.push(wire.to.nodeId);
    const predecessors = previous.get(wire.to.nodeId) as string[];
    if (!predecessors.includes(wire.from.nodeId)) predecessors.push(wire.from.nodeId);
  }
  const edgeEnds = new Set<string>();
  for (const edge of flow.edges ?? []) {
    edgeEnds.add(parseEndpoint(edge.from).nodeId);
    edgeEnds.add(parseEndpoint(edge.to).nodeId);
  }
  for (const work of works) {
    if (byId.get(work.node.id) !== work || edgeEnds.has(work.node.id)) continue;
    problems.push({
      code: 'E_GRAPH',
      nodeId: work.node.id,
      path: '',
      message: `node "${work.node.id}" has no edges; wire it into the flow or remove it`,
    });
  }
  for (const cycle of findCycles(nodeIds, next)) {
    problems.push({
      code: 'E_GRAPH',
      nodeId: cycle[0] as string,
      path: '',
      message: `cycle: ${cycle.join(' -> ')}; a flow must not loop back`,
    });
  }
  const uniqueWorks = works.filter((w) => byId.get(w.node.id) === w);
  const kindOf = (w: Work): string | undefined => w.spec?.kind ?? w.node.type.split('.')[0];
  if (!works.some((w) => kindOf(w) === 'source')) {
    problems.push({ code: 'E_GRAPH', path: 'nodes', message: 'the flow has no source node; add one to read records' });
  }
  if (!works.some((w) => kindOf(w) === 'sink')) {
    problems.push({ code: 'E_GRAPH', path: 'nodes', message: 'the flow has no sink node; add one to write records' });
  }
  const sources = uniqueWorks.filter((w) => w.spec?.kind === 'source');
  const sinks = uniqueWorks.filter((w) => w.spec?.kind === 'sink');
  const sinkIds = new Set(sinks.map((w) => w.node.id));
  const fromSources = reachable(
    sources.map((w) => w.node.id),
    next,
  );
  for (const source of sources) {
    if (!touched.has(source.node.id)) continue; // reported as "no edges"
    const reached = reachable([source.node.id], next);
    if (![...reached].some((id) => sinkIds.has(id))) {
      problems.push({
        code: 'E_GRAPH',
        nodeId: source.node.id,
        path: '',
        message: `source "${source.node.id}" does not reach any sink; records it reads would go nowhere`,
      });
    }
  }
  for (const sink of sinks) {
    if (!touched.has(sink.node.id)) continue; // reported as "no edges"
    if (!fromSources.has(sink.node.id)) {
      problems.push({
        code: 'E_GRAPH',
        nodeId: sink.node.id,
        path: '',
        message: `sink "${sink.node.id}" is not reached by any source; it would never receive records`,
      });
    }
  }

  // Delivery: exactly-once needs Kafka at both ends; xadd ids from offsets need Kafka sources.
  const deliveryNodes: DeliveryNode[] = uniqueWorks.map((w) => ({ id: w.node.id, type: w.node.type, kind: w.spec?.kind, config: w.config }));
  const deliveryById = new Map(deliveryNodes.map((n) => [n.id, n]));
  problems.push(...exactlyOnceProblems(deliveryNodes, flow.settings.delivery));
  problems.push(
    ...offsetIdProblems(deliveryNodes, (id) => [...reachable([id], previous)].flatMap((up) => (deliveryById.get(up)?.kind === 'source' ? [deliveryById.get(up)!] : []))),
  );

  if (problems.length > 0) return { ok: false, problems };

  // Warnings and the plan. Every node here has a spec, a parsed config and known output ports.
  for (const work of works) {
    const spec = work.spec as NodeSpec;
    if (spec.kind === 'transform' && !fromSources.has(work.node.id)) {
      warnings.push({
        code: 'E_GRAPH',
        nodeId: work.node.id,
        path: '',
        message: `node "${work.node.id}" is not reached by any source; it will never receive records`,
      });
    }
  }

  const planNodes = new Map<string, PlanNode>();
  for (const work of works) {
    const outputs = new Map<string, PlanTarget[]>();
    for (const port of work.outputs as string[]) outputs.set(port, []);
    planNodes.set(work.node.id, {
      id: work.node.id,
      spec: work.spec as NodeSpec,
      config: work.config as Record<string, unknown>,
      onError: work.node.onError ?? 'stop',
      outputs,
      upstream: [],
    });
  }
  for (const wire of wires) {
    (planNodes.get(wire.from.nodeId) as PlanNode).outputs.get(wire.from.port)?.push({ ...wire.to });
    const upstream = (planNodes.get(wire.to.nodeId) as PlanNode).upstream;
    if (!upstream.includes(wire.from.nodeId)) upstream.push(wire.from.nodeId);
  }
  for (const node of planNodes.values()) {
    for (const [port, targets] of node.outputs) {
      if (port === ERROR_PORT || targets.length > 0) continue;
      warnings.push({
        code: 'E_GRAPH',
        nodeId: node.id,
        path: '',
        message: `output port "${port}" is not wired: records sent to it are counted and dropped`,
      });
    }
  }

  // Topological order (Kahn), ties broken by flow order so that the plan is deterministic.
  const inDegree = new Map(nodeIds.map((id) => [id, (previous.get(id) as string[]).length]));
  const ordered: PlanNode[] = [];
  const ready = nodeIds.filter((id) => inDegree.get(id) === 0);
  const position = new Map(nodeIds.map((id, i) => [id, i]));
  while (ready.length > 0) {
    ready.sort((a, b) => (position.get(a) as number) - (position.get(b) as number));
    const id = ready.shift() as string;
    ordered.push(planNodes.get(id) as PlanNode);
    for (const successor of next.get(id) ?? []) {
      const degree = (inDegree.get(successor) as number) - 1;
      inDegree.set(successor, degree);
      if (degree === 0) ready.push(successor);
    }
  }

  const plan: Plan = {
    flow,
    nodes: ordered,
    byId: planNodes,
    sources: ordered.filter((n) => n.spec.kind === 'source'),
    sinks: ordered.filter((n) => n.spec.kind === 'sink'),
  };
  return { ok: true, plan, warnings };
}

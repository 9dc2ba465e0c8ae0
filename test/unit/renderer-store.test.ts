import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { serializeFlow } from '../../runtime/common/flow-serializer';
import { specRegistry } from '../../nodes/specs';
import { flowToGraph, graphToFlow } from '../../renderer/store/convert';
import { connectionProblem, freshNodeId, nodeOutputPorts } from '../../renderer/store/graph-ops';
import { createStudioStore, flowText, graphOf, watchProblems, type StudioStore } from '../../renderer/store/store';

const demoText = readFileSync(new URL('../../examples/demo.flow.yaml', import.meta.url), 'utf8');

function parse(text: string) {
  const parsed = parseFlowText(text, { env: {}, substitute: false });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.flow;
}

/** A store with generator -> map -> console, built through the store's events. */
function pipeline(): StudioStore {
  const store = createStudioStore();
  const s = store.getState();
  s.nodeDropped('source.generator', { x: 0, y: 0 });
  s.nodeDropped('transform.map', { x: 300, y: 0 });
  s.nodeDropped('sink.console', { x: 600, y: 0 });
  expect(s.edgeConnected({ source: 'generator', sourceHandle: 'out', target: 'map', targetHandle: 'in' })).toBeUndefined();
  expect(s.edgeConnected({ source: 'map', sourceHandle: 'out', target: 'console', targetHandle: 'in' })).toBeUndefined();
  return store;
}

describe('flow <-> graph', () => {
  it('round-trips the demo flow: same flow, same YAML (layout kept)', () => {
    const flow = parse(demoText);
    const graph = flowToGraph(flow);
    expect(graph.nodes.map((n) => [n.id, n.position])).toEqual([
      ['orders', { x: 0, y: 0 }],
      ['price', { x: 260, y: 0 }],
      ['large', { x: 520, y: 0 }],
      ['print', { x: 780, y: 0 }],
    ]);
    expect(graph.edges.map((e) => `${e.source}:${e.sourceHandle}->${e.target}:${e.targetHandle}`)).toEqual([
      'orders:out->price:in',
      'price:out->large:in',
      'large:out->print:in',
    ]);
    const back = graphToFlow(graph);
    expect(serializeFlow(back, 'yaml')).toBe(serializeFlow(flow, 'yaml'));
    expect(parse(serializeFlow(back, 'yaml'))).toEqual(flow);
  });

  it('keeps ${VAR} references, titles, onError, named ports and non-default settings', () => {
    const text = [
      'version: 1',
      'name: t',
      'settings: { batchSize: 10 }',
      'nodes:',
      '  - { id: src, type: source.kafka, title: Orders, config: { brokers: ["${KAFKA_BROKERS}"], topic: o, groupId: g } }',
      '  - { id: out, type: sink.console, onError: drop, config: {} }',
      'edges:',
      '  - { from: src, to: out }',
      '  - { from: out:error, to: out }',
    ].join('\n');
    const flow = parse(text);
    const graph = flowToGraph(flow);
    expect(graph.meta.settings).toEqual({ batchSize: 10 });
    expect(graph.nodes[0]?.data).toMatchObject({ title: 'Orders', config: { brokers: ['${KAFKA_BROKERS}'] } });
    expect(graph.nodes[1]?.data.onError).toBe('drop');
    expect(graph.edges[1]).toMatchObject({ source: 'out', sourceHandle: 'error', target: 'out', targetHandle: 'in' });
    const yaml = serializeFlow(graphToFlow(graph), 'yaml');
    expect(yaml).toContain('${KAFKA_BROKERS}');
    expect(yaml).toContain('from: out:error');
    expect(yaml).toContain('batchSize: 10');
    expect(yaml).not.toContain('shutdownTimeoutMs');
    // nodes without a layout entry get one
    expect(graphToFlow(graph).layout).toHaveProperty('src');
  });

  it('writes JSON for *.flow.json paths', () => {
    const store = pipeline();
    const json = flowText(store.getState(), '/x/a.flow.json');
    expect(JSON.parse(json)).toMatchObject({ version: 1, nodes: [{ id: 'generator' }, { id: 'map' }, { id: 'console' }] });
  });
});

describe('graph slice', () => {
  it('builds a valid flow from events (passes the compiler once the map has an expression)', () => {
    const store = pipeline();
    store.getState().configChanged('map', 'expression', 'value');
    const flow = parse(flowText(store.getState()));
    const result = compileFlow(flow, specRegistry);
    expect(result.ok).toBe(true);
    expect(store.getState().dirty).toBe(true);
  });

  it('gives dropped nodes fresh ids and the spec example as config', () => {
    const store = createStudioStore();
    const a = store.getState().nodeDropped('transform.map', { x: 1.4, y: 2.6 });
    const b = store.getState().nodeDropped('transform.map', { x: 0, y: 0 });
    expect([a, b]).toEqual(['map', 'map-2']);
    const node = store.getState().nodes[0];
    expect(node?.position).toEqual({ x: 1, y: 3 });
    expect(node?.data.config).toEqual(specRegistry.get('transform.map')?.example);
    expect(store.getState().nodes.filter((n) => n.selected === true).map((n) => n.id)).toEqual(['map-2']);
    expect(freshNodeId('sink.console', new Set(['console', 'console-2']))).toBe('console-3');
  });

  it('refuses connections with a reason: self, source inputs, duplicates, cycles', () => {
    const store = pipeline();
    const s = store.getState();
    expect(s.edgeConnected({ source: 'map', sourceHandle: 'out', target: 'map', targetHandle: 'in' })).toMatch(/cannot be connected to itself/);
    expect(s.edgeConnected({ source: 'map', sourceHandle: 'out', target: 'generator', targetHandle: 'in' })).toMatch(/is a source: it has no inputs/);
    expect(s.edgeConnected({ source: 'generator', sourceHandle: 'out', target: 'map', targetHandle: 'in' })).toMatch(/already connected/);
    s.nodeDropped('transform.filter', { x: 0, y: 0 });
    expect(s.edgeConnected({ source: 'map', sourceHandle: 'out', target: 'filter', targetHandle: 'in' })).toBeUndefined();
    expect(s.edgeConnected({ source: 'filter', sourceHandle: 'out', target: 'map', targetHandle: 'in' })).toBe(
      'this would make a cycle: map -> filter -> map; a flow must not loop back',
    );
    expect(store.getState().edges).toHaveLength(3);
  });

  it('derives output ports from the config (and always has error)', () => {
    const store = pipeline();
    const map = store.getState().nodes.find((n) => n.id === 'map');
    expect(nodeOutputPorts(map!).map((p) => p.name)).toEqual(['out', 'error']);
    const route = specRegistry.get('transform.route');
    if (route?.example !== undefined) {
      const id = store.getState().nodeDropped('transform.route', { x: 0, y: 0 });
      const node = store.getState().nodes.find((n) => n.id === id)!;
      const ports = nodeOutputPorts(node).map((p) => p.name);
      expect(ports.length).toBeGreaterThan(2);
      expect(ports.at(-1)).toBe('error');
      expect(connectionProblem(store.getState().nodes, [], { source: id, sourceHandle: 'nope', target: 'console', targetHandle: 'in' })).toMatch(
        /no output port "nope"/,
      );
    }
  });

  it('deletes the selection with the edges that touch it', () => {
    const store = pipeline();
    store.getState().nodeSelected('map');
    store.getState().nodesDeleted();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(['generator', 'console']);
    expect(store.getState().edges).toEqual([]);
  });

  it('renames a node and its edges, refusing taken or bad ids', () => {
    const store = pipeline();
    expect(store.getState().nodeRenamed('map', 'console')).toMatch(/already a node/);
    expect(store.getState().nodeRenamed('map', 'a b')).toMatch(/letters, digits/);
    expect(store.getState().nodeRenamed('map', 'price')).toBeUndefined();
    expect(store.getState().edges.map((e) => e.id)).toEqual(['generator:out->price:in', 'price:out->console:in']);
  });
});

describe('history', () => {
  it('undoes and redoes edits', () => {
    const store = pipeline();
    expect(store.getState().edges).toHaveLength(2);
    store.getState().undoRequested();
    expect(store.getState().edges).toHaveLength(1);
    store.getState().undoRequested();
    store.getState().undoRequested();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(['generator', 'map']);
    store.getState().redoRequested();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(['generator', 'map', 'console']);
    store.getState().nodeDropped('transform.filter', { x: 0, y: 0 });
    expect(store.getState().future).toEqual([]);
  });

  it('makes one undo step of a whole drag', () => {
    const store = pipeline();
    const steps = store.getState().past.length;
    const move = (x: number, dragging: boolean) =>
      store.getState().nodesChanged([{ type: 'position', id: 'map', position: { x, y: 0 }, dragging }]);
    move(310, true);
    move(320, true);
    move(330, true);
    move(330, false);
    expect(store.getState().past.length).toBe(steps + 1);
    expect(store.getState().nodes.find((n) => n.id === 'map')?.position).toEqual({ x: 330, y: 0 });
    store.getState().undoRequested();
    expect(store.getState().nodes.find((n) => n.id === 'map')?.position).toEqual({ x: 300, y: 0 });
  });

  it('coalesces typing in one field into one step, but not edits of different fields', () => {
    const store = pipeline();
    const steps = store.getState().past.length;
    for (const text of ['v', 'va', 'val', 'value']) store.getState().configChanged('map', 'expression', text);
    expect(store.getState().past.length).toBe(steps + 1);
    store.getState().configChanged('map', 'key', 'x');
    expect(store.getState().past.length).toBe(steps + 2);
    store.getState().undoRequested();
    store.getState().undoRequested();
    expect(store.getState().nodes.find((n) => n.id === 'map')?.data.config.expression).toBe(specRegistry.get('transform.map')?.example?.expression);
  });

  it('does not record selection changes', () => {
    const store = pipeline();
    const steps = store.getState().past.length;
    store.getState().nodesChanged([{ type: 'select', id: 'map', selected: true }]);
    store.getState().allSelected();
    store.getState().selectionCleared();
    expect(store.getState().past.length).toBe(steps);
  });
});

describe('clipboard', () => {
  it('pastes copies with fresh ids, shifted, with the edges between them, selected', () => {
    const store = pipeline();
    store.getState().allSelected();
    store.getState().copyRequested();
    store.getState().pasteRequested();
    const state = store.getState();
    expect(state.nodes.map((n) => n.id)).toEqual(['generator', 'map', 'console', 'generator-2', 'map-2', 'console-2']);
    expect(state.nodes.find((n) => n.id === 'map-2')?.position).toEqual({ x: 340, y: 40 });
    expect(state.edges.map((e) => e.id)).toContain('generator-2:out->map-2:in');
    expect(state.edges).toHaveLength(4);
    expect(state.nodes.filter((n) => n.selected === true).map((n) => n.id)).toEqual(['generator-2', 'map-2', 'console-2']);
    // copies are independent
    store.getState().configChanged('map-2', 'expression', 'changed');
    expect(store.getState().nodes.find((n) => n.id === 'map')?.data.config.expression).not.toBe('changed');
    store.getState().undoRequested();
    store.getState().undoRequested();
    expect(store.getState().nodes).toHaveLength(3);
  });
});

describe('file slice', () => {
  it('opens a flow clean, with empty history, and marks external files', () => {
    const store = pipeline();
    store.getState().flowOpened(parse(demoText), { path: '/x/demo.flow.yaml', external: true });
    const s = store.getState();
    expect(s).toMatchObject({ path: '/x/demo.flow.yaml', external: true, dirty: false, past: [], future: [] });
    s.externalRunConfirmed();
    expect(store.getState().external).toBe(false);
    store.getState().configChanged('price', 'expression', 'value');
    expect(store.getState().dirty).toBe(true);
    store.getState().flowSaved('/x/b.flow.yaml');
    expect(store.getState()).toMatchObject({ path: '/x/b.flow.yaml', dirty: false });
  });
});

describe('problems', () => {
  it('are computed debounced with the messages of tributary validate', () => {
    vi.useFakeTimers();
    try {
      const store = pipeline();
      const stop = watchProblems(store, 100);
      // map has its example expression: valid
      expect(store.getState().problems).toEqual([]);
      store.getState().configChanged('map', 'expression', 'value.(');
      expect(store.getState().problems).toEqual([]);
      vi.advanceTimersByTime(150);
      const problems = store.getState().problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ code: 'E_EXPRESSION', nodeId: 'map', path: 'config.expression' });
      expect(problems[0]?.message).toMatch(/^expression error at column \d+: /);
      expect(problems[0]?.line).toBeGreaterThan(0);
      expect(store.getState().problemCounts).toEqual({ map: 1 });
      // same messages as the compiler on the saved text
      const direct = compileFlow(parse(flowText(store.getState())), specRegistry);
      expect(direct.ok).toBe(false);
      if (!direct.ok) expect(direct.problems.map((p) => p.message)).toEqual(problems.map((p) => p.message));
      // moving a node does not recompute
      const before = store.getState().problems;
      store.getState().nodesChanged([{ type: 'position', id: 'map', position: { x: 5, y: 5 } }]);
      vi.advanceTimersByTime(150);
      expect(store.getState().problems).toBe(before);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports graph problems of an unwired node', () => {
    const store = createStudioStore();
    store.getState().nodeDropped('transform.filter', { x: 0, y: 0 });
    const stop = watchProblems(store);
    const messages = store.getState().problems.map((p) => p.message);
    expect(messages).toContain('node "filter" has no edges; wire it into the flow or remove it');
    expect(messages).toContain('the flow has no source node; add one to read records');
    stop();
    expect(graphOf(store.getState()).nodes).toHaveLength(1);
  });
});

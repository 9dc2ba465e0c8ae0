// The studio's comparison state (renderer/store/compare-store.ts): the canvas compared with a flow file, indexed by
// node id for the canvas and the inspector, following the canvas edits and closed when another flow is opened.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Flow } from '../../runtime/common/flow';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { compareFlows, comparisonIsEmpty, createCompareStore, watchComparison } from '../../renderer/store/compare-store';
import { graphToFlow } from '../../renderer/store/convert';
import { createStudioStore, graphOf } from '../../renderer/store/store';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/diff');

function load(name: string): Flow {
  const parsed = parseFlowText(readFileSync(join(FIXTURES, name), 'utf8'), { fileName: name, env: {}, substitute: false });
  if (!parsed.ok) throw new Error(`fixture ${name} does not parse`);
  return parsed.flow;
}

const source = { label: 'saved file orders.flow.yaml', path: '/x/orders.flow.yaml' };
const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

/** Waits past the watcher's delay. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

describe('compare store', () => {
  it('indexes the diff of v2 against the canvas (v1) by node id, with the removed node as a ghost at its old position', () => {
    const comparison = compareFlows(load('orders-v2.flow.yaml'), load('orders-v1.flow.yaml'), source);
    expect(comparison.status).toEqual({ risk: 'changed', alerts: 'changed', debug: 'added', dlq: 'renamed' });
    expect(comparison.previousIds).toEqual({ dlq: 'dead-letters' });
    expect(comparison.fields.risk).toEqual([
      { path: 'title', before: 'Risk routing', after: undefined },
      { path: 'config.routes[1].expression', before: 'value.total >= 200', after: 'value.total >= 100' },
    ]);
    expect(comparison.ghosts).toEqual([{ id: 'enrich', type: 'transform.map', position: { x: 260, y: 0 } }]);
  });

  it('finds nothing between a file and the canvas that opened it (the canvas writes settings and ports its own way)', () => {
    const studio = createStudioStore();
    studio.getState().flowOpened(load('orders-v2.flow.yaml'), { path: source.path, external: false });
    const comparison = compareFlows(load('orders-v2.flow.yaml'), graphToFlow(graphOf(studio.getState())), source);
    expect(comparisonIsEmpty(comparison)).toBe(true);
  });

  it('follows the canvas edits, and closes when another flow is opened', async () => {
    const studio = createStudioStore();
    const compare = createCompareStore();
    const base = load('orders-v1.flow.yaml');
    studio.getState().flowOpened(base, { path: source.path, external: false });
    stops.push(watchComparison(studio, compare, 0));
    compare.getState().compareStarted(base, source, graphToFlow(graphOf(studio.getState())));
    expect(comparisonIsEmpty(compare.getState().comparison!)).toBe(true);

    studio.getState().configChanged('alerts', 'topic', 'order-alerts-v2');
    studio.getState().nodesDeleted(['debug']);
    await settle();
    const comparison = compare.getState().comparison!;
    expect(comparison.status).toEqual({ alerts: 'changed' });
    expect(comparison.fields.alerts).toEqual([{ path: 'config.topic', before: 'order-alerts', after: 'order-alerts-v2' }]);
    expect(comparison.ghosts.map((g) => [g.id, g.position])).toEqual([['debug', { x: 520, y: 320 }]]);

    studio.getState().undoRequested();
    studio.getState().undoRequested();
    await settle();
    expect(comparisonIsEmpty(compare.getState().comparison!)).toBe(true);

    studio.getState().flowOpened(load('orders-v2.flow.yaml'), { path: null, external: false });
    await settle();
    expect(compare.getState().comparison).toBeNull();
  });
});

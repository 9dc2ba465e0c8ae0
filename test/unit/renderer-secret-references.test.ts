/**
 * The studio's literal secrets (`renderer/store/secret-references.ts`) on a real editor store: the secrets of the
 * flow being edited, and turning them into `${VAR}` references as Save's "store as references" does (undoable edits,
 * the export lines, a bad variable name changing nothing).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { flowSecrets, referenceFlowSecrets } from '../../renderer/store/secret-references';
import { createStudioStore, flowText, type StudioStore } from '../../renderer/store/store';

const FLOW = [
  'version: 1',
  'name: orders',
  'nodes:',
  '  - id: orders',
  '    type: source.kafka',
  '    config:',
  '      brokers: ["127.0.0.1:9092"]',
  '      topic: orders',
  '      groupId: g',
  '      sasl: { mechanism: plain, username: app, password: hunter2 }',
  '  - id: store',
  '    type: sink.redis',
  '    config: { url: "redis://:s3cret@cache:6379", command: set, key: "key" }',
  'edges:',
  '  - { from: orders, to: store }',
  '',
].join('\n');
const PATH = '/flows/orders.flow.yaml';

let store: StudioStore;

function open(text: string): void {
  const parsed = parseFlowText(text, { env: {}, substitute: false });
  if (!parsed.ok) throw new Error('the test flow does not parse');
  store.getState().flowOpened(parsed.flow, { path: PATH, external: false });
}

function sasl(): Record<string, unknown> {
  return store.getState().nodes.find((n) => n.id === 'orders')?.data.config.sasl as Record<string, unknown>;
}

describe('secrets of the flow being edited', () => {
  beforeEach(() => {
    store = createStudioStore();
    open(FLOW);
  });

  it('lists every literal secret with its proposed variable', () => {
    expect(flowSecrets(store).map((s) => [s.nodeId, s.path.join('.'), s.part, s.variable])).toEqual([
      ['orders', 'sasl.password', 'value', 'ORDERS_SASL_PASSWORD'],
      ['store', 'url', 'url-password', 'STORE_URL_PASSWORD'],
    ]);
  });

  it('turns them into the chosen references, as undoable edits, and gives the export lines', () => {
    const lines = referenceFlowSecrets(store, flowSecrets(store), [' KAFKA_PASSWORD ']);
    expect(lines).toEqual(['export KAFKA_PASSWORD=hunter2', 'export STORE_URL_PASSWORD=s3cret']);
    expect(sasl()).toEqual({ mechanism: 'plain', username: 'app', password: '${KAFKA_PASSWORD}' });
    const text = flowText(store.getState());
    expect(text).toContain('password: ${KAFKA_PASSWORD}');
    expect(text).toContain('url: redis://:${STORE_URL_PASSWORD}@cache:6379');
    expect(text).not.toMatch(/hunter2|s3cret/);
    expect(flowSecrets(store)).toEqual([]);
    expect(store.getState().dirty).toBe(true);
    store.getState().undoRequested();
    store.getState().undoRequested();
    expect(sasl().password).toBe('hunter2');
    expect(flowSecrets(store)).toHaveLength(2);
  });

  it('refuses a variable that is not an environment variable name, changing nothing', () => {
    expect(() => referenceFlowSecrets(store, flowSecrets(store), ['OK', '1-bad'])).toThrow(/"1-bad" is not an environment variable name/);
    expect(sasl().password).toBe('hunter2');
    expect(store.getState().dirty).toBe(false);
  });

  it('finds nothing in a flow whose secrets are references', () => {
    open(FLOW.replace('hunter2', '"${KAFKA_PASSWORD}"').replace(':s3cret@', ':${REDIS_PASSWORD}@'));
    expect(flowSecrets(store)).toEqual([]);
  });
});

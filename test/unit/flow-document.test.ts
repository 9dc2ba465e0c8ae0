// Saving a flow over the text it was opened from keeps comments, key order and untouched formatting: the studio's
// store opens examples/orders.flow.yaml, one node is edited, and the saved text differs only in that node's lines.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffLines } from 'diff';
import { describe, expect, it } from 'vitest';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { updateFlowText } from '../../runtime/common/flow-document';
import { createStudioStore, flowText } from '../../renderer/store/store';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ordersPath = join(root, 'examples', 'orders.flow.yaml');
const orders = readFileSync(ordersPath, 'utf8');

/** A store with `text` opened as `path`. */
function opened(text: string, path: string) {
  const parsed = parseFlowText(text, { env: {}, substitute: false, fileName: path });
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
  const store = createStudioStore();
  store.getState().flowOpened(parsed.flow, { path, external: false, text });
  return store;
}

/** The 1-based line numbers of `before` that a change removed or replaced, and the count of lines added. */
function changedLines(before: string, after: string): { removed: number[]; added: string[] } {
  const removed: number[] = [];
  const added: string[] = [];
  let line = 1;
  for (const part of diffLines(before, after)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (part.removed) lines.forEach((_, i) => removed.push(line + i));
    if (part.added) added.push(...lines);
    if (!part.added) line += part.count ?? lines.length;
  }
  return { removed, added };
}

/** The line range [first, last] of the node `id` in a flow file's `nodes:` list. */
function nodeLines(text: string, id: string): [number, number] {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.trim() === `- id: ${id}`);
  let last = first + 1;
  while (last < lines.length && !/^ {2}- id: /.test(lines[last]!) && !/^\S/.test(lines[last]!)) last++;
  return [first + 1, last];
}

describe('saving over the opened text', () => {
  it('writes examples/orders.flow.yaml back byte for byte when nothing changed', () => {
    expect(flowText(opened(orders, ordersPath).getState())).toBe(orders);
  });

  it('after one node edit, differs from the original only in that node\'s lines; every comment stays', () => {
    const store = opened(orders, ordersPath);
    store.getState().configChanged('risk', 'routes', [{ port: 'high', expression: 'value.riskScore >= 70' }]);
    const saved = flowText(store.getState());
    const [first, last] = nodeLines(orders, 'risk');
    const { removed, added } = changedLines(orders, saved);
    expect(removed.length).toBeGreaterThan(0);
    for (const line of removed) expect(line, `line ${line} changed outside node risk (${first}-${last})`).toBeGreaterThanOrEqual(first);
    for (const line of removed) expect(line).toBeLessThanOrEqual(last);
    expect(added.join('\n')).toContain('value.riskScore >= 70');
    const comments = (text: string) => text.split('\n').filter((l) => l.includes('#')).length;
    expect(comments(saved)).toBe(comments(orders));
    const reparsed = parseFlowText(saved, { env: {}, substitute: false });
    expect(reparsed.ok).toBe(true);
  });

  it('keeps key order, settings written at their defaults, onError: stop and an inline comment of a changed field', () => {
    const text = [
      '$schema: ../schema/flow.schema.json',
      'version: 1',
      'name: small',
      'settings:',
      '  shutdownTimeoutMs: 30000 # the default, written on purpose',
      'nodes:',
      '  - id: gen',
      '    type: source.generator',
      '    config: { count: 10, intervalMs: 5 }',
      '    onError: stop',
      '  - id: out',
      '    type: sink.console',
      '    config:',
      '      format: json # one line per record',
      'edges:',
      '  - { from: gen, to: out }',
      'layout:',
      '  gen: { x: 0, y: 0 }',
      '  out: { x: 260, y: 0 }',
      '',
    ].join('\n');
    const store = opened(text, '/tmp/small.flow.yaml');
    expect(flowText(store.getState())).toBe(text);
    store.getState().configChanged('out', 'format', 'pretty');
    const saved = flowText(store.getState());
    expect(saved).toBe(text.replace('format: json # one line per record', 'format: pretty # one line per record'));
  });

  it('removes a deleted node and its edges, appends a new one, and keeps the rest as written', () => {
    const store = opened(orders, ordersPath);
    store.getState().nodesDeleted(['alerts']);
    const saved = flowText(store.getState());
    expect(saved).not.toContain('- id: alerts');
    expect(saved).not.toContain('to: alerts');
    expect(saved).toContain('  - { from: "risk:default", to: store }');
    expect(saved.startsWith(orders.slice(0, orders.indexOf('nodes:')))).toBe(true);
  });

  it('JSON keeps the key order of the original file', () => {
    const original = `${JSON.stringify({ name: 'j', version: 1, nodes: [{ type: 'source.generator', id: 'gen', config: { count: 3 } }], edges: [] }, null, 2)}\n`;
    const parsed = parseFlowText(original, { env: {}, substitute: false });
    if (!parsed.ok) throw new Error('does not parse');
    const flow = { ...parsed.flow, nodes: parsed.flow.nodes.map((n) => ({ ...n, config: { count: 4 } })) };
    const saved = JSON.parse(updateFlowText(original, flow, 'json')) as Record<string, unknown>;
    expect(Object.keys(saved)).toEqual(['name', 'version', 'nodes', 'edges']);
    expect(Object.keys((saved.nodes as Record<string, unknown>[])[0]!)).toEqual(['type', 'id', 'config']);
    expect((saved.nodes as { config: unknown }[])[0]!.config).toEqual({ count: 4 });
  });

  it('falls back to a fresh file when there is no original or it does not parse', () => {
    const parsed = parseFlowText(orders, { env: {}, substitute: false });
    if (!parsed.ok) throw new Error('does not parse');
    for (const original of [null, '', 'nodes: [unclosed']) {
      const saved = updateFlowText(original, parsed.flow, 'yaml');
      expect(saved).not.toContain('#');
      expect(parseFlowText(saved, { env: {}, substitute: false }).ok).toBe(true);
    }
  });
});

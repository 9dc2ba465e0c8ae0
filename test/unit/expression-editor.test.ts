/**
 * The expression editor's lint source and completion (`renderer/editor/lint.ts`, `renderer/editor/completion.ts`):
 * the lint message and column are those `tributary validate` gives; completion offers sampled field paths one level
 * at a time, every runtime helper of `fn` with its signature, and the node's variables.
 */
import { describe, expect, it } from 'vitest';
import { expressionHelpers } from '../../runtime/common/expression';
import { validateFlowText } from '../../runtime/studio/flow-validation';
import { expressionCompletionsAt } from '../../renderer/editor/completion';
import { expressionDiagnostics } from '../../renderer/editor/lint';

const scope = { paths: ['value', 'key', 'value.id', 'value.customer', 'value.customer.name', 'value.customer.tier', 'headers.source'], variables: ['item', 'index'] };

describe('expression lint', () => {
  it('gives the message and column of tributary validate', () => {
    for (const source of ['value.amount *', 'value.a + )', 'this.x', 'value.constructor', '[1].map(() => { while (true) {} })']) {
      const flow = JSON.stringify({ version: 1, name: 'l', nodes: [{ id: 'm', type: 'transform.map', config: { expression: source } }], edges: [] });
      const problem = validateFlowText(flow, {}).find((p) => p.code === 'E_EXPRESSION');
      const [diagnostic] = expressionDiagnostics(source);
      expect(diagnostic?.message).toBe(problem?.message);
      expect(problem?.message).toMatch(new RegExp(`^expression error at column ${(diagnostic?.from ?? -1) + 1}: `));
    }
  });
  it('accepts a valid expression and says nothing on an empty one', () => {
    expect(expressionDiagnostics('({ ...value, doubled: value.amount * 2 })')).toEqual([]);
    expect(expressionDiagnostics('  ')).toEqual([]);
  });
});

describe('expression completion', () => {
  const labels = (text: string, explicit = false): string[] | undefined => expressionCompletionsAt(text, text.length, scope, explicit)?.options.map((o) => o.label);
  it('completes sampled field paths one level at a time, nested ones too', () => {
    expect(labels('1 + value.')).toEqual(['value.id', 'value.customer']);
    expect(labels('value.customer.')).toEqual(['value.customer.name', 'value.customer.tier']);
    expect(expressionCompletionsAt('x + value.cu', 12, scope)?.from).toBe(4);
    expect(labels('value.nothing.')).toBeUndefined();
  });
  it('offers every fn helper with its signature', () => {
    const options = expressionCompletionsAt('fn.', 3, scope)?.options ?? [];
    expect(options.map((o) => o.label)).toEqual(Object.keys(expressionHelpers).map((n) => `fn.${n}`));
    expect(options.find((o) => o.label === 'fn.round')?.detail).toBe('(n, digits = 0) → number');
  });
  it('offers the record variables, fn and the node variables at the start of a name', () => {
    expect(labels('va')).toEqual(['value', 'key', 'headers', 'meta', 'fn', 'item', 'index']);
    expect(labels('1 + ')).toBeUndefined();
    expect(labels('1 + ', true)).toContain('item');
  });
});

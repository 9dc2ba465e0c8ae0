/**
 * The studio's expression previews (`runtime/studio/evaluate-expression.ts`): results come from the runtime's own
 * compiler, refused expressions answer the column `tributary validate` prints, and an expression that never ends is
 * stopped and answered with an error while the backend carries on.
 */
import { describe, expect, it } from 'vitest';
import { validateFlowText } from '../../runtime/studio/flow-validation';
import { EVALUATE_TIMEOUT_MS, evaluateExpression } from '../../runtime/studio/evaluate-expression';

const record = (value: unknown) => ({ value, key: 'k1', headers: { h: 'x' }, meta: { source: 'gen', partition: 2 } });

describe('evaluateExpression', () => {
  it('evaluates on each record with value, key, headers, meta and fn', () => {
    const results = evaluateExpression("({ id: value.id, k: key, h: headers.h, p: meta.partition, up: fn.upper(value.name) })", [
      record({ id: 1, name: 'ada' }),
      record({ id: 2, name: 'bob' }),
    ]);
    expect(results).toEqual([
      { ok: true, text: '{"id":1,"k":"k1","h":"x","p":2,"up":"ADA"}' },
      { ok: true, text: '{"id":2,"k":"k1","h":"x","p":2,"up":"BOB"}' },
    ]);
  });

  it('evaluates the expression language as the runtime does (shadowed globals, refused names, JS operators)', () => {
    const input = { value: { id: 7, amount: 21, customer: { name: 'Ada' } }, key: 'k', headers: { source: 'web' }, meta: { source: 'gen', topic: 't' } };
    const text = (source: string): string => {
      const [r] = evaluateExpression(source, [input]);
      return r === undefined ? 'nothing' : r.ok ? r.text : `error: ${r.message}`;
    };
    expect(text('({ ...value, doubled: value.amount * 2 })')).toBe('{"id":7,"amount":21,"customer":{"name":"Ada"},"doubled":42}');
    expect(text('`${value.customer.name}-${key}`')).toBe('"Ada-k"');
    expect(text('[1, 2, 3].map((n) => n * value.amount).filter((n) => n > 21)')).toBe('[42,63]');
    expect(text('value.missing?.deep ?? "none"')).toBe('"none"');
    expect(text('fn.upper(value.customer.name) + fn.round(2.345, 2)')).toBe('"ADA2.35"');
    expect(text('/^w/.test(headers.source) ? meta.topic : 0')).toBe('"t"');
    expect(text('missing + 1')).toBe('error: ReferenceError: missing is not defined');
    expect(text('process.exit()')).toMatch(/^error: TypeError/);
    expect(text('eval("1")')).toBe("error: 'eval' is not allowed in expressions");
  });

  it('binds the node variables by name', () => {
    expect(evaluateExpression('item * 10 + index', [record(null)], { item: 4, index: 2 })).toEqual([{ ok: true, text: '42' }]);
  });

  it('answers a refused expression with the message and column validate gives', () => {
    const source = 'value.amount *';
    const [result] = evaluateExpression(source, [record({ amount: 1 })]);
    const flow = JSON.stringify({ version: 1, name: 'e', nodes: [{ id: 'm', type: 'transform.map', config: { expression: source } }], edges: [] });
    const problem = validateFlowText(flow, {}).find((p) => p.code === 'E_EXPRESSION');
    expect(result).toEqual({ ok: false, message: 'Unexpected token', column: 15 });
    expect(problem?.message).toBe(`expression error at column ${(result as { column: number }).column}: ${(result as { message: string }).message}`);
  });

  it('gives run-time errors by name and message', () => {
    expect(evaluateExpression('value.a.b', [record({})])).toEqual([{ ok: false, message: "TypeError: Cannot read properties of undefined (reading 'b')" }]);
  });

  it('stops an expression that never ends and keeps answering', () => {
    const slow = evaluateExpression("/^(a+)+$/.test('a'.repeat(40) + 'b')", [record(null)]);
    expect(slow).toEqual([{ ok: false, message: `the expression did not finish within ${EVALUATE_TIMEOUT_MS} ms` }]);
    expect(evaluateExpression('1 + 1', [record(null)])).toEqual([{ ok: true, text: '2' }]);
  });
});

// Expressions: syntax check with columns, refused names, shadowed globals, helpers, compiled evaluation.
import { describe, expect, it } from 'vitest';
import { checkExpression, compileExpression, compileRecordExpression, expressionHelpers } from '../../runtime/common/expression';

describe('checkExpression', () => {
  it('accepts expressions, parenthesised object literals included', () => {
    expect(checkExpression('value.amount > 100')).toBeUndefined();
    expect(checkExpression('({ ...value, eur: value.cents / 100 })')).toBeUndefined();
    expect(checkExpression("`order:${value.id}`")).toBeUndefined();
  });

  it('gives the 1-based column of syntax errors', () => {
    expect(checkExpression('value.a +')).toEqual({ message: 'Unexpected token', column: 10 });
    expect(checkExpression('value.a value.b')).toEqual({ message: 'unexpected text after the expression', column: 9 });
    expect(checkExpression('   ')).toEqual({ message: 'expression is empty', column: 1 });
  });

  it('refuses names that reach outside the record', () => {
    expect(checkExpression('this.x')?.message).toMatch(/'this' is not allowed/);
    expect(checkExpression('value.constructor')).toEqual({ message: "'constructor' is not allowed in expressions", column: 7 });
    expect(checkExpression("value['__proto__']")?.column).toBe(7);
    expect(checkExpression('eval("1")')?.message).toMatch(/'eval'/);
    expect(checkExpression('import("node:fs")')?.message).toMatch(/'import'/);
    expect(checkExpression('Function("return 1")')?.message).toMatch(/'Function'/);
  });

  it('refuses every loop statement with its column, and keeps array methods', () => {
    const loops = 'loops are not allowed in expressions: use array methods such as map/filter/reduce';
    expect(checkExpression('(() => { while (true) {} })()')).toEqual({ message: loops, column: 10 });
    expect(checkExpression('(() => { do {} while (true) })()')).toEqual({ message: loops, column: 10 });
    expect(checkExpression('(() => { for (;;) {} })()')).toEqual({ message: loops, column: 10 });
    expect(checkExpression('(() => { for (const k in value) {} })()')).toEqual({ message: loops, column: 10 });
    expect(checkExpression('(() => { let n = 0; for (const x of value.items) n += x; return n; })()')).toEqual({
      message: loops,
      column: 21,
    });
    expect(() => compileExpression('(() => { while (true) {} })()')).toThrow(/loops are not allowed.*\(column 10\)/);
    expect(checkExpression('value.items.map((x) => x * 2).filter((x) => x > 1).reduce((a, b) => a + b, 0)')).toBeUndefined();
    expect(checkExpression("(() => { const total = value.items.length; return total > 0 ? 'some' : 'none'; })()")).toBeUndefined();
  });
});

describe('compiled expressions', () => {
  it('evaluate over value, key, headers and meta', () => {
    const f = compileRecordExpression("key + ':' + value.id + ':' + headers.h + ':' + meta.partition");
    expect(f({ value: { id: 7 }, key: 'k', headers: { h: 'x' }, meta: { partition: 2 } })).toBe('k:7:x:2');
  });

  it('see extra variables after the record ones', () => {
    const f = compileRecordExpression('i * 2 + now', ['i', 'now']);
    expect(f({ value: null, key: null, headers: {}, meta: {} }, 5, 1)).toBe(11);
  });

  it('cannot see process, require or globalThis', () => {
    expect(compileExpression('[typeof process, typeof require, typeof globalThis, typeof fetch]')()).toEqual([
      'undefined', 'undefined', 'undefined', 'undefined',
    ]);
  });

  it('have a frozen helper set as fn', () => {
    expect(compileExpression("[fn.lower('AB'), fn.upper('cd'), fn.round(2.345, 2), fn.coalesce(null, undefined, 3)]")()).toEqual([
      'ab', 'CD', 2.35, 3,
    ]);
    expect(Object.isFrozen(expressionHelpers)).toBe(true);
    expect(compileExpression('fn.hash("a")')()).toBe(0xe40c292c);
  });

  it('refuse to compile what the check refuses, with the column', () => {
    expect(() => compileExpression('value +')).toThrow('Unexpected token (column 8)');
  });
});

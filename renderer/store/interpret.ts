/**
 * Evaluates an expression on one record without `new Function`: the studio's Content-Security-Policy (browser mode and
 * Electron) refuses `unsafe-eval`, and rightly so. The expression is checked with the runtime's own
 * `checkExpression` (same syntax, same refused names), parsed with acorn, and its tree walked here with JavaScript's own
 * operators, so results match the runtime for the expression language flows use: literals, templates, object / array
 * literals with spread, member access and optional chaining, calls (built-ins, `fn` helpers, methods), `new`, unary /
 * binary / logical / conditional operators and arrow functions with expression bodies. Assignments and block bodies
 * are not evaluated (the preview says so). Only for the studio's live feedback; the runtime compiles as before.
 */
import { parseExpressionAt } from 'acorn';
import { expressionHelpers } from '../../runtime/common/expression';

/** The built-ins an expression may use (the runtime's compiled functions see the same ones). */
const GLOBALS: Record<string, unknown> = {
  undefined,
  NaN,
  Infinity,
  Math,
  JSON,
  Date,
  Number,
  String,
  Boolean,
  Array,
  Object,
  RegExp,
  Map,
  Set,
  Error,
  parseInt,
  parseFloat,
  isNaN,
  isFinite,
  encodeURIComponent,
  decodeURIComponent,
  encodeURI,
  decodeURI,
};

/** Globals the runtime shadows with `undefined` (see `expression.ts`); the same here. */
const SHADOWED = [
  'process', 'require', 'module', 'exports', 'global', 'globalThis', 'window', 'self', 'document', 'fetch',
  'XMLHttpRequest', 'WebSocket', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'Buffer',
  '__dirname', '__filename', 'Reflect', 'Proxy', 'WebAssembly', 'Atomics', 'SharedArrayBuffer',
];

/** Acorn's ESTree nodes, loosely typed. */
interface Tree {
  type: string;
  [field: string]: unknown;
}

class Scope {
  constructor(
    private readonly vars: Map<string, unknown>,
    private readonly parent?: Scope,
  ) {}
  has(name: string): boolean {
    return this.vars.has(name) || (this.parent?.has(name) ?? false);
  }
  get(name: string): unknown {
    if (this.vars.has(name)) return this.vars.get(name);
    if (this.parent !== undefined) return this.parent.get(name);
    throw new ReferenceError(`${name} is not defined`);
  }
}

/** Thrown inside an optional chain that met null/undefined; caught by the chain. */
const SHORT_CIRCUIT = Symbol('short-circuit');

function unsupported(what: string): never {
  throw new Error(`${what} is not evaluated in the studio preview (the runtime runs it)`);
}

/** The name of a non-computed property key (`a` in `{ a: 1 }`, `'b'` in `{ 'b': 2 }`). */
function keyName(key: Tree): PropertyKey {
  return key.type === 'Identifier' ? (key.name as string) : (key.value as PropertyKey);
}

function member(node: Tree, scope: Scope): { object: unknown; value: unknown } {
  const object = evaluate(node.object as Tree, scope);
  if (node.optional === true && (object === null || object === undefined)) throw SHORT_CIRCUIT;
  const key = node.computed === true ? (evaluate(node.property as Tree, scope) as PropertyKey) : keyName(node.property as Tree);
  if (object === null || object === undefined) throw new TypeError(`Cannot read properties of ${String(object)} (reading '${String(key)}')`);
  return { object, value: (object as Record<PropertyKey, unknown>)[key] };
}

function args(list: Tree[], scope: Scope): unknown[] {
  const out: unknown[] = [];
  for (const a of list) {
    if (a.type === 'SpreadElement') out.push(...(evaluate(a.argument as Tree, scope) as Iterable<unknown>));
    else out.push(evaluate(a, scope));
  }
  return out;
}

function bind(pattern: Tree, value: unknown, vars: Map<string, unknown>, scope: Scope): void {
  switch (pattern.type) {
    case 'Identifier':
      vars.set(pattern.name as string, value);
      return;
    case 'AssignmentPattern':
      bind(pattern.left as Tree, value === undefined ? evaluate(pattern.right as Tree, scope) : value, vars, scope);
      return;
    case 'ArrayPattern': {
      const items = [...(value as Iterable<unknown>)];
      (pattern.elements as (Tree | null)[]).forEach((el, i) => {
        if (el === null) return;
        if (el.type === 'RestElement') bind(el.argument as Tree, items.slice(i), vars, scope);
        else bind(el, items[i], vars, scope);
      });
      return;
    }
    case 'ObjectPattern': {
      const source = value as Record<PropertyKey, unknown>;
      const used = new Set<PropertyKey>();
      for (const p of pattern.properties as Tree[]) {
        if (p.type === 'RestElement') {
          bind(p.argument as Tree, Object.fromEntries(Object.entries(source).filter(([k]) => !used.has(k))), vars, scope);
          continue;
        }
        const key = p.computed === true ? (evaluate(p.key as Tree, scope) as PropertyKey) : keyName(p.key as Tree);
        used.add(key);
        bind(p.value as Tree, source[key], vars, scope);
      }
      return;
    }
    default:
      unsupported(`a ${pattern.type} parameter`);
  }
}

function evaluate(node: Tree, scope: Scope): unknown {
  switch (node.type) {
    case 'Literal':
      return node.regex !== undefined ? new RegExp((node.regex as { pattern: string }).pattern, (node.regex as { flags: string }).flags) : node.value;
    case 'Identifier':
      return scope.get(node.name as string);
    case 'TemplateLiteral': {
      const quasis = node.quasis as Tree[];
      let text = '';
      quasis.forEach((q, i) => {
        text += (q.value as { cooked: string }).cooked;
        const e = (node.expressions as Tree[])[i];
        if (e !== undefined) text += String(evaluate(e, scope));
      });
      return text;
    }
    case 'ArrayExpression': {
      const out: unknown[] = [];
      for (const el of node.elements as (Tree | null)[]) {
        if (el === null) out.push(undefined);
        else if (el.type === 'SpreadElement') out.push(...(evaluate(el.argument as Tree, scope) as Iterable<unknown>));
        else out.push(evaluate(el, scope));
      }
      return out;
    }
    case 'ObjectExpression': {
      const out: Record<PropertyKey, unknown> = {};
      for (const p of node.properties as Tree[]) {
        if (p.type === 'SpreadElement') {
          Object.assign(out, evaluate(p.argument as Tree, scope));
          continue;
        }
        if (p.kind !== 'init') unsupported('a getter or setter');
        const key = p.computed === true ? (evaluate(p.key as Tree, scope) as PropertyKey) : keyName(p.key as Tree);
        out[key] = evaluate(p.value as Tree, scope);
      }
      return out;
    }
    case 'ChainExpression':
      try {
        return evaluate(node.expression as Tree, scope);
      } catch (error) {
        if (error === SHORT_CIRCUIT) return undefined;
        throw error;
      }
    case 'MemberExpression':
      return member(node, scope).value;
    case 'CallExpression': {
      const callee = node.callee as Tree;
      let fn: unknown;
      let self: unknown;
      if (callee.type === 'MemberExpression') {
        const m = member(callee, scope);
        fn = m.value;
        self = m.object;
      } else fn = evaluate(callee, scope);
      if (node.optional === true && (fn === null || fn === undefined)) throw SHORT_CIRCUIT;
      if (typeof fn !== 'function') throw new TypeError(`${callee.type === 'Identifier' ? (callee.name as string) : 'expression'} is not a function`);
      return (fn as (...a: unknown[]) => unknown).apply(self, args(node.arguments as Tree[], scope));
    }
    case 'NewExpression': {
      const ctor = evaluate(node.callee as Tree, scope);
      if (typeof ctor !== 'function') throw new TypeError('expression is not a constructor');
      return Reflect.construct(ctor, args(node.arguments as Tree[], scope));
    }
    case 'UnaryExpression': {
      const arg = node.argument as Tree;
      if (node.operator === 'typeof' && arg.type === 'Identifier' && !scope.has(arg.name as string)) return 'undefined';
      const v = evaluate(arg, scope) as number;
      switch (node.operator) {
        case '!':
          return !v;
        case '-':
          return -v;
        case '+':
          return +v;
        case '~':
          return ~v;
        case 'typeof':
          return typeof v;
        case 'void':
          return undefined;
        default:
          return unsupported(`'${String(node.operator)}'`);
      }
    }
    case 'LogicalExpression': {
      const left = evaluate(node.left as Tree, scope);
      if (node.operator === '&&') return left && evaluate(node.right as Tree, scope);
      if (node.operator === '||') return left || evaluate(node.right as Tree, scope);
      return left ?? evaluate(node.right as Tree, scope);
    }
    case 'BinaryExpression': {
      const a = evaluate(node.left as Tree, scope) as never;
      const b = evaluate(node.right as Tree, scope) as never;
      switch (node.operator) {
        case '+': return (a as number) + (b as number);
        case '-': return (a as number) - (b as number);
        case '*': return (a as number) * (b as number);
        case '/': return (a as number) / (b as number);
        case '%': return (a as number) % (b as number);
        case '**': return (a as number) ** (b as number);
        case '==': return a == b;
        case '!=': return a != b;
        case '===': return a === b;
        case '!==': return a !== b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '&': return (a as number) & (b as number);
        case '|': return (a as number) | (b as number);
        case '^': return (a as number) ^ (b as number);
        case '<<': return (a as number) << (b as number);
        case '>>': return (a as number) >> (b as number);
        case '>>>': return (a as number) >>> (b as number);
        case 'in': return (a as PropertyKey) in (b as object);
        case 'instanceof': return (a as object) instanceof (b as new () => unknown);
        default: return unsupported(`'${String(node.operator)}'`);
      }
    }
    case 'ConditionalExpression':
      return evaluate(node.test as Tree, scope) ? evaluate(node.consequent as Tree, scope) : evaluate(node.alternate as Tree, scope);
    case 'SequenceExpression': {
      let last: unknown;
      for (const e of node.expressions as Tree[]) last = evaluate(e, scope);
      return last;
    }
    case 'ParenthesizedExpression':
      return evaluate(node.expression as Tree, scope);
    case 'ArrowFunctionExpression': {
      if (node.expression !== true) unsupported('an arrow function with a block body');
      const params = node.params as Tree[];
      return (...values: unknown[]) => {
        const vars = new Map<string, unknown>();
        const inner = new Scope(vars, scope);
        params.forEach((p, i) => (p.type === 'RestElement' ? bind(p.argument as Tree, values.slice(i), vars, inner) : bind(p, values[i], vars, inner)));
        return evaluate(node.body as Tree, inner);
      };
    }
    default:
      return unsupported(node.type === 'AssignmentExpression' || node.type === 'UpdateExpression' ? 'an assignment' : `a ${node.type}`);
  }
}

/**
 * Evaluates a checked expression with `variables` (e.g. value, key, headers, meta) plus `fn` and the built-ins.
 * @throws the expression's own errors (TypeError, ReferenceError, ...), or an Error for what is not evaluated here
 */
export function interpretExpression(source: string, variables: Record<string, unknown>): unknown {
  const tree = parseExpressionAt(source, 0, { ecmaVersion: 2022 }) as unknown as Tree;
  const shadowed = Object.fromEntries(SHADOWED.map((name) => [name, undefined]));
  const scope = new Scope(new Map(Object.entries({ ...GLOBALS, ...shadowed, fn: expressionHelpers, ...variables })));
  return evaluate(tree, scope);
}

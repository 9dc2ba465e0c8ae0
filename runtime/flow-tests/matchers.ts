/**
 * Field matchers of flow test files (`<flow>.test.yaml`): the YAML tags `!any`, `!number`, `!string` and
 * `!regex <pattern>` stand for "any value", "a number", "a string" and "a string the pattern matches" in an expected
 * record, and {@link reconcile}, which compares an expected value (matchers included) with an actual one and returns
 * the expected value as it would have to look for a plain comparison, so that a text diff of the two shows only what
 * differs. Tags rather than magic strings, so that no string a record really carries can be mistaken for a matcher.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ScalarTag } from 'yaml';

/** What a {@link Matcher} accepts. */
export type MatcherKind = 'any' | 'number' | 'string' | 'regex';

/** A field matcher read from a `!any`, `!number`, `!string` or `!regex <pattern>` tag. */
export class Matcher {
  /** The compiled pattern of a `regex` matcher. */
  readonly regex: RegExp | undefined;

  /**
   * @param kind what it accepts
   * @param pattern the JavaScript regular expression of a `regex` matcher (no delimiters, no flags)
   * @throws SyntaxError when `pattern` is not a regular expression
   */
  constructor(
    readonly kind: MatcherKind,
    readonly pattern = '',
  ) {
    this.regex = kind === 'regex' ? new RegExp(pattern, 'u') : undefined;
  }

  /**
   * True when `actual` is accepted: `any` every value but a missing one, `number` a finite number, `string` a string,
   * `regex` a string the pattern matches somewhere (anchor it with `^...$` for the whole string).
   */
  matches(actual: unknown): boolean {
    switch (this.kind) {
      case 'any':
        return actual !== undefined;
      case 'number':
        return typeof actual === 'number' && Number.isFinite(actual);
      case 'string':
        return typeof actual === 'string';
      case 'regex':
        return typeof actual === 'string' && this.regex!.test(actual);
    }
  }

  /** The tag as written in a test file, e.g. `!regex ^order-`. */
  toString(): string {
    return this.kind === 'regex' ? `!regex ${this.pattern}` : `!${this.kind}`;
  }
}

function matcherTag(kind: MatcherKind): ScalarTag {
  return {
    tag: `!${kind}`,
    identify: (value) => value instanceof Matcher && value.kind === kind,
    resolve: (text, onError) => {
      if (kind !== 'regex') return new Matcher(kind);
      if (text === '') {
        onError('!regex needs a pattern, e.g. !regex ^order-[0-9]+$');
        return new Matcher('any');
      }
      try {
        return new Matcher('regex', text);
      } catch (error) {
        onError(`!regex ${text}: ${(error as Error).message}`);
        return new Matcher('any');
      }
    },
    stringify: (item) => (item.value as Matcher).pattern,
  };
}

/** The YAML tags of the matchers, for `parseDocument(text, { customTags })` and `stringify(value, { customTags })`. */
export const MATCHER_TAGS: ScalarTag[] = [matcherTag('any'), matcherTag('number'), matcherTag('string'), matcherTag('regex')];

/** What {@link reconcile} found. */
export interface Reconciled {
  /** True when `actual` fits `expected`. */
  ok: boolean;
  /**
   * `expected` with every matcher that accepted its actual value replaced by that value: equal to `actual` exactly
   * when `ok`, so a diff of the two shows only the real differences (and the matchers that did not match).
   */
  expected: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Matcher);
}

/**
 * Compares an expected value with an actual one. Objects must have the same keys (order ignored), arrays the same
 * length, other values be deep-equal (`isDeepStrictEqual`); a {@link Matcher} anywhere stands for its values.
 * @param expected the expected value, as read from a test file (may contain matchers)
 * @param actual the value a node produced
 */
export function reconcile(expected: unknown, actual: unknown): Reconciled {
  if (expected instanceof Matcher) {
    return expected.matches(actual) ? { ok: true, expected: actual } : { ok: false, expected };
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    let ok = expected.length === actual.length;
    const items = expected.map((item, i) => {
      const r = reconcile(item, actual[i]);
      ok &&= r.ok;
      return r.expected;
    });
    return { ok, expected: items };
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    let ok = Object.keys(actual).every((key) => Object.hasOwn(expected, key));
    const out: Record<string, unknown> = {};
    // The actual value's key order, so that a diff does not show keys that only moved.
    const keys = [...Object.keys(actual).filter((k) => Object.hasOwn(expected, k)), ...Object.keys(expected).filter((k) => !Object.hasOwn(actual, k))];
    for (const key of keys) {
      const r = reconcile(expected[key], actual[key]);
      ok &&= r.ok && Object.hasOwn(actual, key);
      out[key] = r.expected;
    }
    return { ok, expected: out };
  }
  return { ok: isDeepStrictEqual(expected, actual), expected };
}

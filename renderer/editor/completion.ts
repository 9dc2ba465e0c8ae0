/**
 * The expression editor's completion: the record variables (`value`, `key`, `headers`, `meta`), field paths of the
 * node's sampled input records (`value.customer.name`, one level at a time, as `completionsAt` of
 * `renderer/store/samples.ts` finds them), the helpers of `fn` (the runtime's `expressionHelpers`, with signature and
 * description) and the node's extra variables (its spec's `expressionVariables`, e.g. `item`, `index`).
 */
import type { Completion, CompletionContext, CompletionResult, CompletionSource } from '@codemirror/autocomplete';
import type { expressionHelpers} from '../../runtime/common/expression';
import { RECORD_VARIABLES } from '../../runtime/common/expression';
import { completionsAt } from '../store/samples';

/** Signature and description of every helper of `fn`; keyed by the runtime's helper names, so none can be missed. */
export const HELPER_DOCS: Record<keyof typeof expressionHelpers, { signature: string; doc: string }> = {
  lower: { signature: '(s) → string', doc: 'Lower-cases a string; other values are converted with String first.' },
  upper: { signature: '(s) → string', doc: 'Upper-cases a string.' },
  round: { signature: '(n, digits = 0) → number', doc: 'Rounds n to digits decimals.' },
  hash: { signature: '(s) → number', doc: 'Unsigned 32-bit FNV-1a hash of String(s).' },
  coalesce: { signature: '(...values) → any', doc: 'The first argument that is neither null nor undefined.' },
  now: { signature: '() → number', doc: 'Milliseconds since the epoch.' },
  json: { signature: '(v) → string', doc: 'JSON.stringify(v).' },
  parseTime: { signature: '(s) → number', doc: 'Milliseconds since the epoch of an ISO-8601 date string (NaN when it is not a date).' },
};

/** What the expression can see besides the built-ins, read at each completion (samples change while you type). */
export interface CompletionScope {
  /** Field paths of the sampled input records (`fieldPaths` of `renderer/store/samples.ts`). */
  paths: readonly string[];
  /** The node's extra variables (spec `expressionVariables`). */
  variables: readonly string[];
}

const RECORD_INFO: Record<(typeof RECORD_VARIABLES)[number], string> = {
  value: "the record's value (parsed JSON, a string or bytes)",
  key: "the record's key (string or null)",
  headers: "the record's headers (name → string or string[])",
  meta: 'where the record came from: source node, topic, partition, offset',
};

/** The completions of the name being typed before `pos` in `text`, or null when nothing applies. */
export function expressionCompletionsAt(text: string, pos: number, scope: CompletionScope, explicit = false): CompletionResult | null {
  const before = text.slice(0, pos);
  const dotted = /[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\.?$/.exec(before);
  if (dotted === null) {
    return explicit ? { from: pos, options: topLevel(scope), validFor: /^[\w$]*$/ } : null;
  }
  const typed = dotted[0];
  const from = pos - typed.length;
  // A property after something other than a name (`)`, `]`) is not ours to complete.
  if (from > 0 && /[.\w$]/.test(before[from - 1] as string)) return null;
  if (typed.startsWith('fn.')) {
    const options = Object.keys(HELPER_DOCS).map((name): Completion => {
      const docs = HELPER_DOCS[name as keyof typeof HELPER_DOCS];
      return { label: `fn.${name}`, displayLabel: name, type: 'function', detail: docs.signature, info: docs.doc, apply: `fn.${name}(` };
    });
    return { from, options, validFor: /^fn\.[\w$]*$/ };
  }
  if (typed.includes('.')) {
    const parent = typed.slice(0, typed.lastIndexOf('.') + 1);
    const options = completionsAt(parent, parent.length, scope.paths).options.map((path): Completion => ({ label: path, displayLabel: path.slice(parent.length), type: 'property', detail: 'sampled field' }));
    return options.length === 0 ? null : { from, options, validFor: /^[\w$.]*$/ };
  }
  return { from, options: topLevel(scope), validFor: /^[\w$]*$/ };
}

/** Names an expression starts with: the record variables, `fn` and the node's variables. */
function topLevel(scope: CompletionScope): Completion[] {
  return [
    ...RECORD_VARIABLES.map((name): Completion => ({ label: name, type: 'variable', info: RECORD_INFO[name] })),
    { label: 'fn', type: 'namespace', info: `helpers: ${Object.keys(HELPER_DOCS).join(', ')}` },
    ...scope.variables.map((name): Completion => ({ label: name, type: 'variable', detail: 'node variable' })),
  ];
}

/** The CodeMirror completion source over `scope()`, read at each completion. */
export function expressionCompletionSource(scope: () => CompletionScope): CompletionSource {
  return (context: CompletionContext) => expressionCompletionsAt(context.state.doc.toString(), context.pos, scope(), context.explicit);
}

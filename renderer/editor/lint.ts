/**
 * The expression editor's lint source: the runtime's own expression check (`checkExpression` of
 * `runtime/common/expression.ts`, the one `tributary validate` runs on every expression field), with the message
 * `validate` prints (`expression error at column <n>: <message>`) at the same 1-based column.
 */
import type { Diagnostic } from '@codemirror/lint';
import { linter } from '@codemirror/lint';
import type { Extension } from '@codemirror/state';
import { checkExpression } from '../../runtime/common/expression';

/**
 * The problem of an expression as `tributary validate` words it, or undefined when the check accepts it.
 * @returns the message and the 1-based column inside the expression
 */
export function expressionProblem(source: string): { message: string; column: number } | undefined {
  const error = checkExpression(source);
  return error === undefined ? undefined : { message: `expression error at column ${error.column}: ${error.message}`, column: error.column };
}

/** Diagnostics of an expression text: none, or the check's error from its column to the end of that token. */
export function expressionDiagnostics(source: string): Diagnostic[] {
  if (source.trim() === '') return [];
  const problem = expressionProblem(source);
  if (problem === undefined) return [];
  const from = Math.min(problem.column - 1, source.length);
  const word = /^[\w$]+|^\S/.exec(source.slice(from));
  return [{ from, to: Math.min(source.length, from + (word?.[0].length ?? 0)), severity: 'error', message: problem.message, source: 'tributary' }];
}

/** The lint extension (re-checked 150 ms after typing stops). */
export const expressionLinter: Extension = linter((view) => expressionDiagnostics(view.state.doc.toString()), { delay: 150 });

/**
 * Expression previews for the studio (Node-only): the expression editor's "result on the latest sample" is computed
 * here, by the runtime's own check and compiler (`checkExpression`, `compileRecordExpression` of
 * `runtime/common/expression.ts`), so the studio cannot show a result the runtime would not give. The renderer has no
 * evaluator of its own (its CSP refuses `new Function`).
 *
 * Each evaluation runs inside `vm.runInNewContext` with a {@link EVALUATE_TIMEOUT_MS} timeout: V8 terminates whatever
 * JavaScript runs past it (the compiled expression included, although it belongs to the backend's realm), so an
 * expression that never ends (a catastrophic regular expression, a runaway recursion the check cannot see) answers an
 * error instead of hanging the backend.
 */
import { runInNewContext } from 'node:vm';
import { checkExpression, compileRecordExpression, type ExpressionRecord } from '../common/expression';
import type { ExpressionEvaluation } from '../common/studio-api';

/** Longest time one evaluation may run (ms) before it is stopped and answered with an error. */
export const EVALUATE_TIMEOUT_MS = 250;
/** Most records evaluated per call; the rest are left out of the answer. */
export const MAX_EVALUATED_RECORDS = 100;
/** Longest result text returned (characters); longer ones end with `…`. */
export const MAX_RESULT_CHARS = 2000;

/** The text the studio shows for a result: JSON where possible, `undefined`, `[function]`. */
function show(result: unknown): string {
  if (result === undefined) return 'undefined';
  if (typeof result === 'function') return '[function]';
  let text: string;
  try {
    text = JSON.stringify(result) ?? String(result);
  } catch {
    text = String(result);
  }
  return text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}…` : text;
}

/**
 * Evaluates an expression on records exactly as a node's runtime would.
 * @param source the expression text
 * @param records the records (`value`, `key`, `headers`, `meta`); at most {@link MAX_EVALUATED_RECORDS} are evaluated
 * @param variables the node's extra variables (spec `expressionVariables`, e.g. `item`, `index`) with their values;
 *   names left out of the object are `undefined`
 * @returns one evaluation per record; when the check refuses the expression, a single error with its 1-based column
 *   (the message and column `tributary validate` prints), whatever the records
 */
export function evaluateExpression(
  source: string,
  records: readonly ExpressionRecord[],
  variables: Readonly<Record<string, unknown>> = {},
): ExpressionEvaluation[] {
  const problem = checkExpression(source);
  if (problem !== undefined) return [{ ok: false, message: problem.message, column: problem.column }];
  const names = Object.keys(variables);
  const values = names.map((name) => variables[name]);
  const compiled = compileRecordExpression(source, names);
  return records.slice(0, MAX_EVALUATED_RECORDS).map((record): ExpressionEvaluation => {
    try {
      const result: unknown = runInNewContext('run()', { run: () => compiled(record, ...values) }, { timeout: EVALUATE_TIMEOUT_MS });
      return { ok: true, text: show(result) };
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        return { ok: false, message: `the expression did not finish within ${EVALUATE_TIMEOUT_MS} ms` };
      }
      return { ok: false, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  });
}

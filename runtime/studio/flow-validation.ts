/**
 * Validation of flow texts for the studio (Node-only), exactly as `tributary validate`: parse with `${VAR}`
 * substitution, compile against the registered node specs, locate every problem in the text.
 */
import { basename } from 'node:path';
import { formatProblems, type Problem } from '../common/errors';
import { checkFlowText } from '../flow-file';

/**
 * Compiles a flow text as `tributary validate` does.
 * @param env variables for `${VAR}` references (default `process.env`)
 * @param fileName the flow's file name, for parse problems
 * @returns its errors, with lines (missing variables together with every other problem); empty when the flow is valid
 */
export function validateFlowText(text: string, env: Record<string, string | undefined> = process.env, fileName?: string): Problem[] {
  return checkFlowText(text, { env, ...(fileName === undefined ? {} : { fileName }) }).errors;
}

/**
 * Refuses a flow text that cannot run or preview.
 * @param text the flow text (anything else is refused)
 * @param path the flow's file (its base name prefixes the problems), or null (`flow`)
 * @param verb what was asked, for the message: `run`, `preview`
 * @param env variables for `${VAR}` references
 * @returns the text, when it is valid
 * @throws Error `cannot <verb>: the flow has N problem(s):` followed by one line per problem
 */
export function assertRunnable(text: unknown, path: string | null, verb: string, env: Record<string, string | undefined>): string {
  if (typeof text !== 'string') throw new Error(`cannot ${verb}: the flow text is missing`);
  const problems = validateFlowText(text, env, path ?? undefined);
  if (problems.length > 0) {
    const lines = formatProblems(problems, path === null ? 'flow' : basename(path));
    throw new Error(`cannot ${verb}: the flow has ${problems.length} problem(s):\n${lines.join('\n')}`);
  }
  return text;
}

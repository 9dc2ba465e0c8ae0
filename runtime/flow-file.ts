/**
 * Reading flow files from disk (Node-only): size limit, parsing with `${VAR}` substitution, `--set` overrides and
 * compilation against the registered node specs.
 */
import { parseDocument } from 'yaml';
import { specRegistry } from '../nodes/specs';
import { compileFlow } from './common/compile';
import { FlowProblemsError, TributaryError, isWarning, type Problem } from './common/errors';
import type { Flow, Plan } from './common/flow';
import { byPosition, parseFlowText } from './common/flow-loader';
import { parsePath, valueAt } from './common/flow-path';
import { findLiteralSecretsInText, literalSecretProblems } from './common/secrets';
import { locateProblems } from './common/yaml-locator';
import { readFlowFileText } from './flow-file-read';

/** A loaded flow: the parsed file, and its plan when it compiles. */
export interface LoadedFlow {
  file: string;
  text: string;
  flow: Flow;
  plan: Plan;
  warnings: Problem[];
}

/**
 * Applies one `--set <node>.<config path>=<value>` override to a flow (the value is read as a YAML scalar, so
 * `--set orders.fromBeginning=true` sets a boolean).
 * @throws TributaryError E_CONFIG when the override is malformed or names an unknown node
 */
export function applySet(flow: Flow, assignment: string): void {
  const eq = assignment.indexOf('=');
  const dot = assignment.indexOf('.');
  if (eq < 0 || dot < 0 || dot > eq) {
    throw new TributaryError('E_CONFIG', `--set ${assignment}: expected <node>.<config field>=<value>`);
  }
  const nodeId = assignment.slice(0, dot);
  const path = assignment.slice(dot + 1, eq).split('.');
  const node = flow.nodes.find((n) => n.id === nodeId);
  if (node === undefined) throw new TributaryError('E_CONFIG', `--set ${assignment}: no node ${nodeId} in the flow`);
  if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new TributaryError('E_CONFIG', `--set ${assignment}: bad field path`);
  }
  const value: unknown = parseDocument(assignment.slice(eq + 1)).toJS();
  let target = node.config as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[path[path.length - 1]!] = value;
}

/**
 * Moves the compiler's `E_EXPRESSION` columns (inside the expression) into the file, for `file:line:col`: where the
 * expression is written on its line as it is (a plain or quoted scalar without escapes) the column of the offending
 * character, otherwise the column where the value starts. The message keeps the column inside the expression.
 * @param located the problems after {@link locateProblems} was given them without their expression columns
 * @param expressionColumns the compiler's column of each problem, in the same order
 */
function expressionFileColumns(text: string, flow: Flow, located: Problem[], expressionColumns: (number | undefined)[]): Problem[] {
  const lines = text.split('\n');
  return located.map((problem, i) => {
    const inExpression = expressionColumns[i];
    if (problem.code !== 'E_EXPRESSION' || inExpression === undefined) return problem;
    if (problem.line === undefined || problem.column === undefined || problem.nodeId === undefined) return problem;
    const node = flow.nodes.find((n) => n.id === problem.nodeId);
    const path = parsePath(problem.path);
    const value = node === undefined || path === undefined ? undefined : valueAt(node, path).value;
    const line = lines[problem.line - 1] ?? '';
    const start = problem.column - 1 + (line[problem.column - 1] === '"' || line[problem.column - 1] === "'" ? 1 : 0);
    if (typeof value !== 'string' || value.includes('\n') || !line.startsWith(value, start)) return problem;
    return { ...problem, column: start + inExpression };
  });
}

/** The key of a problem's place: node id and field path. */
function placeOf(problem: Problem): string {
  return `${problem.nodeId ?? ''}\u0000${problem.path}`;
}

/** What {@link checkFlowText} found: the flow and its plan when it compiles, its errors and its warnings. */
export interface FlowCheck {
  /** The parsed flow, when it parses (also when only `${VAR}` references failed, with those values empty). */
  flow?: Flow;
  /** The plan, when there is no error. */
  plan?: Plan;
  /** Every error of the flow, located in the text: the loader's (parse, schema, env; by line), then the compiler's. */
  errors: Problem[];
  /** Every warning (`severity: 'warning'`), located in the text, sorted by line. */
  warnings: Problem[];
}

/**
 * Parses and compiles a flow text, reporting every problem of the file at once: a `${VAR}` that is not set does not
 * stop the compilation (the value is left empty, and problems the compiler finds in that value are not reported a
 * second time). The compiler's warnings get `severity: 'warning'`. Every line and column is a place in the file (an
 * expression's own column is moved into the file, see {@link expressionFileColumns}).
 * @param text the flow file's text
 * @param options file name (for the format), `env` for `${VAR}` substitution (default `process.env`), `set` overrides
 * @throws TributaryError E_CONFIG when a `--set` override is malformed or names an unknown node
 */
export function checkFlowText(
  text: string,
  options: { fileName?: string; env?: Record<string, string | undefined>; set?: string[] } = {},
): FlowCheck {
  const parsed = parseFlowText(text, { ...(options.fileName === undefined ? {} : { fileName: options.fileName }), env: options.env ?? process.env });
  if (parsed.flow === undefined) return { errors: parsed.ok ? [] : parsed.problems, warnings: [] };
  const envProblems = parsed.ok ? [] : parsed.problems;
  for (const assignment of options.set ?? []) applySet(parsed.flow, assignment);
  const compiled = compileFlow(parsed.flow, specRegistry);
  const unsubstituted = new Set(envProblems.map(placeOf));
  const compilerProblems = (compiled.ok ? [] : compiled.problems).filter((p) => !unsubstituted.has(placeOf(p)));
  const found = expressionFileColumns(
    text,
    parsed.flow,
    locateProblems(text, compilerProblems.map(({ column, ...p }) => (p.code === 'E_EXPRESSION' ? p : { ...p, ...(column === undefined ? {} : { column }) }))),
    compilerProblems.map((p) => (p.code === 'E_EXPRESSION' ? p.column : undefined)),
  );
  const problems = [...envProblems, ...found];
  const warnings = byPosition([
    ...locateProblems(text, compiled.ok ? compiled.warnings : []).map((w): Problem => ({ ...w, severity: 'warning' })),
    ...problems.filter(isWarning),
    // Literal secrets, read from the text as written (`${VAR}` references kept): a substituted value is no literal.
    ...locateProblems(text, literalSecretProblems(findLiteralSecretsInText(text, specRegistry))),
  ]);
  const errors = problems.filter((p) => !isWarning(p));
  return { flow: parsed.flow, ...(compiled.ok && errors.length === 0 ? { plan: compiled.plan } : {}), errors, warnings };
}

/**
 * Reads, parses and compiles a flow file ({@link checkFlowText}): every problem of the file is reported at once.
 * @param file path of a `*.flow.yaml` / `*.flow.json` file
 * @param options `env` for `${VAR}` substitution (default `process.env`), `set` overrides
 * @returns the flow and its plan, with the compiler's warnings (`severity: 'warning'`, located in the file)
 * @throws FlowProblemsError with every problem (parse, schema, env, config, graph), then every warning, when at least
 *   one problem is an error; also `E_FLOW_PARSE` when the file cannot be read or is not valid UTF-8 (with the line
 *   and column of the first invalid byte) and `E_FLOW_LIMIT` for files over 5 MB
 * @throws TributaryError E_CONFIG when a `--set` override is malformed or names an unknown node
 */
export async function loadFlowFile(
  file: string,
  options: { env?: Record<string, string | undefined>; set?: string[] } = {},
): Promise<LoadedFlow> {
  const text = await readFlowFileText(file);
  const check = checkFlowText(text, { fileName: file, env: options.env ?? process.env, ...(options.set === undefined ? {} : { set: options.set }) });
  if (check.flow === undefined || check.plan === undefined) throw new FlowProblemsError([...check.errors, ...check.warnings], file);
  return { file, text, flow: check.flow, plan: check.plan, warnings: check.warnings };
}

/**
 * Reading flow files from disk (Node-only): size limit, parsing with `${VAR}` substitution, `--set` overrides and
 * compilation against the registered node specs.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { specRegistry } from '../nodes/specs';
import { compileFlow } from './common/compile';
import { FlowProblemsError, TributaryError, type Problem } from './common/errors';
import { MAX_FLOW_BYTES, type Flow, type Plan } from './common/flow';
import { parseFlowText } from './common/flow-loader';
import { locateProblems } from './common/yaml-locator';

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
 * Reads, parses and compiles a flow file.
 * @param file path of a `*.flow.yaml` / `*.flow.json` file
 * @param options `env` for `${VAR}` substitution (default `process.env`), `set` overrides
 * @throws FlowProblemsError with every problem (parse, schema, env, config, graph) at once
 * @throws TributaryError E_FLOW_LIMIT for files over 5 MB, E_FLOW_PARSE when the file cannot be read
 */
export async function loadFlowFile(
  file: string,
  options: { env?: Record<string, string | undefined>; set?: string[] } = {},
): Promise<LoadedFlow> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new TributaryError('E_FLOW_PARSE', `${file}: cannot read the flow file: ${(error as Error).message}`, { cause: error });
  }
  if (size > MAX_FLOW_BYTES) {
    throw new TributaryError('E_FLOW_LIMIT', `${file}: flow files are limited to 5 MB (this one is ${size} bytes)`);
  }
  const text = await readFile(file, 'utf8');
  const parsed = parseFlowText(text, { fileName: file, env: options.env ?? process.env });
  if (!parsed.ok) throw new FlowProblemsError(parsed.problems, file);
  for (const assignment of options.set ?? []) applySet(parsed.flow, assignment);
  const compiled = compileFlow(parsed.flow, specRegistry);
  if (!compiled.ok) throw new FlowProblemsError(locateProblems(text, compiled.problems), file);
  return { file, text, flow: parsed.flow, plan: compiled.plan, warnings: locateProblems(text, compiled.warnings) };
}

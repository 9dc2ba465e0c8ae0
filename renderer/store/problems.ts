/**
 * Problems of the flow being edited, computed exactly as `tributary validate` does (serialize, parse with `${VAR}`
 * kept, compile, locate lines), so that the studio and the CLI always show the same messages; literal secrets are
 * `E_LITERAL_SECRET` warnings (`severity: 'warning'`), as `tributary validate` prints them. Pure, no DOM.
 */
import { compileFlow } from '../../runtime/common/compile';
import type { Problem } from '../../runtime/common/errors';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { serializeFlow } from '../../runtime/common/flow-serializer';
import type { Flow } from '../../runtime/common/flow';
import { parsePath, valueAt } from '../../runtime/common/flow-path';
import { findLiteralSecrets, hasReference, literalSecretProblems } from '../../runtime/common/secrets';
import { locateProblems } from '../../runtime/common/yaml-locator';
import { specRegistry } from '../../nodes/specs';
import { graphToFlow, type Graph } from './convert';

/**
 * Every problem of a graph: loader problems (ids, names) and compiler problems, then the literal-secret warnings, with
 * file lines of its YAML.
 */
export function computeProblems(graph: Graph): Problem[] {
  const flow = graphToFlow(graph);
  const text = serializeFlow(flow, 'yaml');
  const warnings = locateProblems(text, literalSecretProblems(findLiteralSecrets(flow, specRegistry)));
  const parsed = parseFlowText(text, { env: {}, substitute: false });
  if (!parsed.ok) return [...parsed.problems, ...warnings];
  const compiled = compileFlow(parsed.flow, specRegistry);
  if (compiled.ok) return warnings;
  return [...locateProblems(text, compiled.problems.filter((p) => !aboutReference(parsed.flow, p))), ...warnings];
}

/**
 * True for a config problem about a value that holds a `${VAR}` reference: the studio checks the flow as written, with
 * its references kept, so `topic: "${TOPIC:-orders}"` or `port: "${PORT}"` cannot be judged here; `tributary validate`
 * and the runtime check them once substituted.
 */
function aboutReference(flow: Flow, problem: Problem): boolean {
  if (problem.code !== 'E_CONFIG' || problem.nodeId === undefined) return false;
  const path = parsePath(problem.path);
  const node = flow.nodes.find((n) => n.id === problem.nodeId);
  if (path === undefined || path[0] !== 'config' || node === undefined) return false;
  const { found, value } = valueAt(node.config, path.slice(1));
  return found && typeof value === 'string' && hasReference(value);
}

/** True when a problem is only a warning (it does not keep the flow from running). */
export function isWarningProblem(problem: Problem): boolean {
  return problem.severity === 'warning';
}

/** Number of problems per node id, warnings left out (flow-level problems are not counted). */
export function problemCounts(problems: readonly Problem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of problems) if (p.nodeId !== undefined && !isWarningProblem(p)) counts[p.nodeId] = (counts[p.nodeId] ?? 0) + 1;
  return counts;
}

/**
 * The config field a problem is about (`config.routes[1].expression` -> `routes`), or undefined when it is not about
 * a config field.
 */
export function problemField(problem: Problem): string | undefined {
  const m = /^config\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(problem.path);
  return m?.[1];
}

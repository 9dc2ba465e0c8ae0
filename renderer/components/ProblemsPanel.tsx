/**
 * The problems panel: every compile problem of the flow, as `tributary validate` reports it, errors first and then
 * warnings (literal secrets) in a warning style; warnings do not make the flow invalid. Clicking one selects its node
 * and focuses the field in the inspector.
 */
import { formatPath, parsePath } from '../../runtime/common/flow-path';
import type { Problem } from '../../runtime/common/errors';
import { studioStore, useStudio } from '../store/index';
import { isWarningProblem } from '../store/problems';

function select(problem: Problem): void {
  const state = studioStore.getState();
  if (problem.nodeId !== undefined && state.nodes.some((n) => n.id === problem.nodeId)) {
    const path = parsePath(problem.path) ?? [];
    const field = path[0] === 'config' && typeof path[1] === 'string' ? path[1] : typeof path[0] === 'string' ? formatPath([path[0]]) : undefined;
    state.nodeSelected(problem.nodeId, field);
    return;
  }
  // Edge problems name the edge by index: select its ends.
  const edge = /^edges\[(\d+)\]/.exec(problem.path);
  const target = edge === null ? undefined : state.edges[Number(edge[1])];
  if (target !== undefined) state.nodeSelected(target.source);
  else state.selectionCleared();
}

/** The problems panel. */
export function ProblemsPanel() {
  const problems = useStudio((s) => s.problems);
  const errors = problems.filter((p) => !isWarningProblem(p)).length;
  const warnings = problems.length - errors;
  return (
    <section className="problems" data-testid="problems">
      <h3>
        Problems <span className={`count${errors > 0 ? ' bad' : ' good'}`} data-testid="problem-count">{errors}</span>
        {warnings > 0 && (
          <>
            {' '}
            Warnings <span className="count warn" data-testid="warning-count">{warnings}</span>
          </>
        )}
        {errors === 0 && <span className="muted small"> The flow is valid: it passes `tributary validate`{warnings > 0 ? ' with warnings' : ''}.</span>}
      </h3>
      <ul>
        {problems.map((p, i) => (
          <li key={`${i}:${p.message}`}>
            <button
              type="button"
              className={`problem${isWarningProblem(p) ? ' problem-warning' : ''}`}
              data-testid={`problem-${i}`}
              data-severity={isWarningProblem(p) ? 'warning' : 'error'}
              onClick={() => select(p)}
            >
              <span className="problem-code">{p.code}</span>
              <span className="problem-where">{p.nodeId === undefined ? 'flow' : `node ${p.nodeId}`}{p.path === '' ? '' : `: ${p.path}`}</span>
              <span className="problem-message">{p.message}</span>
              {p.line !== undefined && <span className="muted small"> (line {p.line})</span>}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

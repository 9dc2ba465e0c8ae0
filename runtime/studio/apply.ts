/**
 * The studio's Apply (edit while running, Node-RED's Deploy), Node-only: the edited flow replaces the running one in
 * the {@link RunSupervisor}. Validation comes first (an invalid flow is refused with every problem and the run goes
 * on); then the old runtime drains (SIGTERM: in-flight records finish, offsets are committed) and the new version
 * starts on the same consumer groups, from the committed offsets, so nothing is lost or processed twice
 * (at-least-once sinks included, since the old runtime committed exactly what its sinks acknowledged).
 */
import { parseFlowText } from '../common/flow-loader';
import { planApply, type ApplyPlan } from '../common/apply-plan';
import type { ApplyResult, RunState } from '../common/studio-api';
import type { RunSupervisor } from './run-supervisor';

/** How long Apply waits for the new version to run (its first telemetry frame) before answering anyway (ms). */
export const APPLY_START_TIMEOUT_MS = 60_000;

/** The plan of replacing the running flow text by `text`; every node counts as changed when a text does not parse. */
function planOf(runningText: string, text: string, env: NodeJS.ProcessEnv): ApplyPlan {
  const before = parseFlowText(runningText, { env, substitute: false });
  const after = parseFlowText(text, { env, substitute: false });
  if (!before.ok || !after.ok) return { changed: true, changedNodes: [], groupChanges: [] };
  return planApply(before.flow, after.flow);
}

/**
 * Watches for the new version's outcome: the first `running` or `exited` state after its `starting` (`applied`) one.
 * `result` resolves with it, or undefined after `timeoutMs` or {@link cancel}.
 */
function watchStart(supervisor: RunSupervisor, timeoutMs: number): { result: Promise<RunState | undefined>; cancel(): void } {
  let finish!: (state: RunState | undefined) => void;
  const result = new Promise<RunState | undefined>((resolve) => (finish = resolve));
  let started = false;
  const off = supervisor.onRunState((state) => {
    if (state.status === 'starting') started = state.applied === true;
    else if (started && (state.status === 'running' || state.status === 'exited')) done(state);
  });
  const timer = setTimeout(() => done(undefined), timeoutMs);
  const done = (state: RunState | undefined): void => {
    clearTimeout(timer);
    off();
    finish(state);
  };
  return { result, cancel: () => done(undefined) };
}

/**
 * Applies the edited flow `text` over the supervisor's active run; resolves once the new version runs.
 * @param path the flow's file (the run's working directory is its directory), or null
 * @throws Error when no run is active, the flow is invalid (every problem listed; the run is untouched), or the new
 *   version fails to start or exits at once (the run state is then `exited`, crashed, with the reason)
 */
export async function applyFlow(supervisor: RunSupervisor, text: string, path: string | null, env: NodeJS.ProcessEnv, timeoutMs = APPLY_START_TIMEOUT_MS): Promise<ApplyResult> {
  const running = supervisor.runningFlow;
  if (running === undefined) throw new Error('cannot apply: no flow is running; press Run instead');
  const plan = planOf(running.text, text, env);
  const watch = watchStart(supervisor, timeoutMs);
  try {
    await supervisor.replace(text, path);
  } catch (error) {
    watch.cancel();
    throw error;
  }
  const state = await watch.result;
  if (state?.status === 'exited') throw new Error(`the applied flow stopped at once: ${state.reason}`);
  return { changedNodes: plan.changedNodes, groupChanges: plan.groupChanges, appliedAt: Date.now() };
}

/**
 * Supervision of the studio's run (Node-only): at most one runtime child process at a time (`bin/tributary.js run
 * <file>`, forked with an IPC channel), its state from starting to exited, its IPC frames (telemetry, samples, ready,
 * exit; see `runtime/run-protocol.ts`), its last stderr lines, and the reason it ended in one line. A runtime that
 * crashes or hangs never takes the studio with it: Stop sends SIGTERM (drain, commit) and SIGKILL after the stop
 * timeout.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseFlowText } from '../common/flow-loader';
import type { RunState, Unsubscribe } from '../common/studio-api';
import type { TelemetryFrame } from '../common/telemetry';
import type { ParentMessage, RuntimeMessage } from '../run-protocol';
import { errorMessage } from './error-message';
import { assertRunnable } from './flow-validation';
import { ERROR_LEVEL, formatLogLine, logReason, parseLogLine } from './log-lines';
import { notify } from './notify';
import { forkRuntime, writeTempFlow, type RuntimeChildOptions } from './runtime-child';
import { SamplePoller } from './sample-poller';

/** Log lines (stderr) kept per run for {@link RunState} `lastLogLines`. */
export const MAX_LOG_LINES = 50;
/** Time added to the flow's `settings.shutdownTimeoutMs` before Stop kills the runtime with SIGKILL (ms). */
export const STOP_GRACE_MS = 5_000;
/** The flow's `settings.shutdownTimeoutMs` when it sets none (ms). */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
/**
 * The run is considered started at its first telemetry frame (sent once its signal handlers are installed), or this
 * long after the process spawned when the flow has telemetry switched off (ms).
 */
const RUNNING_FALLBACK_MS = 3_000;

/** Options of {@link RunSupervisor}. */
export interface RunSupervisorOptions extends RuntimeChildOptions {
  /** Stop timeout (ms) before SIGKILL; default the flow's `settings.shutdownTimeoutMs` + {@link STOP_GRACE_MS}. */
  stopTimeoutMs?: number | undefined;
}

/** A supervised runtime process. */
interface Run {
  child: ChildProcess;
  mode: 'run' | 'preview';
  startedAt: number;
  stopRequested: boolean;
  stopTimeoutMs: number;
  killTimer?: NodeJS.Timeout;
  killedAfterTimeout: boolean;
  fallbackTimer?: NodeJS.Timeout;
  logLines: string[];
  /** The last error-level log message, or the first non-JSON line (validation output, stack trace). */
  lastError?: string;
  exitError?: string;
  tempDir: string;
  exited: Promise<void>;
  /** The flow text and file it runs (kept for Apply). */
  text: string;
  path: string | null;
  /** True once an Apply replaces this run: its stopping and exit are not reported (the live view carries on). */
  replaced: boolean;
}

/** Why a run ended, in one line, and whether it crashed. */
function exitReason(run: Run, code: number | null, signal: NodeJS.Signals | null): { crashed: boolean; reason: string } {
  // Crashed: ended without a stop request, or did not stop cleanly (non-zero exit, killed after the timeout). A
  // process that dies of the SIGTERM Stop sent (before its handlers were installed) stopped as asked.
  const crashed = !run.stopRequested || run.killedAfterTimeout || (code !== null && code !== 0);
  let reason: string;
  if (run.killedAfterTimeout) reason = `did not stop within ${run.stopTimeoutMs} ms: killed by ${signal ?? 'SIGKILL'}`;
  else if (signal !== null) reason = run.stopRequested ? `stopped by ${signal}` : `killed by ${signal}`;
  else if (code === 0) reason = run.stopRequested ? 'stopped' : 'finished: every source ended';
  else reason = run.exitError ?? run.lastError ?? `exited with code ${code ?? 'unknown'}`;
  if (signal !== null && !run.stopRequested && run.lastError !== undefined && !run.killedAfterTimeout) reason += ` (last error: ${run.lastError})`;
  return { crashed, reason };
}

/** Keeps a stderr line of the run (formatted, at most {@link MAX_LOG_LINES}) and the last error it names. */
function keepLogLine(run: Run, raw: string): void {
  const line = raw.replace(/\r$/, '');
  if (line.trim() === '') return;
  run.logLines.push(formatLogLine(line));
  if (run.logLines.length > MAX_LOG_LINES) run.logLines.splice(0, run.logLines.length - MAX_LOG_LINES);
  const entry = parseLogLine(line);
  if (entry === undefined) {
    run.lastError ??= line;
    return;
  }
  if (typeof entry.level === 'number' && entry.level >= ERROR_LEVEL) run.lastError = logReason(entry) ?? run.lastError;
}

/** The studio's run: starts, watches and stops one runtime process at a time. */
export class RunSupervisor {
  /** Subscriptions to node samples of the run. */
  readonly samples: SamplePoller;
  private state_: RunState = { status: 'idle' };
  private run_: Run | undefined;
  private readonly stateListeners = new Set<(state: RunState) => void>();
  private readonly telemetryListeners = new Set<(frame: TelemetryFrame) => void>();

  /** @param options entry point, Node executable, environment, stop timeout */
  constructor(private readonly options: RunSupervisorOptions) {
    this.samples = new SamplePoller(
      (nodeId) => this.requestSamples(nodeId),
      () => this.run_ !== undefined,
    );
  }

  /** The current run state. */
  get state(): RunState {
    return this.state_;
  }

  /** Subscribes to run state changes. */
  onRunState(listener: (state: RunState) => void): Unsubscribe {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Subscribes to the run's telemetry frames (at most 10 per second). */
  onTelemetry(listener: (frame: TelemetryFrame) => void): Unsubscribe {
    this.telemetryListeners.add(listener);
    return () => this.telemetryListeners.delete(listener);
  }

  private setState(state: RunState): void {
    this.state_ = state;
    notify(this.stateListeners, state);
  }

  private requestSamples(nodeId: string): void {
    const child = this.run_?.child;
    if (child?.connected === true) child.send({ type: 'samples', nodeId } satisfies ParentMessage, () => undefined);
  }

  /**
   * Starts a run of the flow in a runtime process; resolves once it is forked (the state is `starting`, then `running`
   * at its first telemetry frame or `ready`, then `exited` with a reason).
   * @param path the flow's file (the run's working directory is its directory), or null (the repository root)
   * @throws Error when a run is active, the flow is invalid (every problem listed), or the process cannot be started
   */
  async run(text: string, path: string | null): Promise<void> {
    await this.start(text, path, false);
  }

  /** The flow the active run (not a preview) runs, or undefined with none. */
  get runningFlow(): { text: string; path: string | null } | undefined {
    const run = this.run_;
    return run?.child !== undefined && run.mode === 'run' && !run.stopRequested ? { text: run.text, path: run.path } : undefined;
  }

  /**
   * Apply: replaces the active run by a run of `text` without reporting the old one's stop (its state goes from
   * `running` to `starting` with `applied: true`): validates first (the run is untouched when invalid), stops the old
   * runtime (SIGTERM: drain, commit; SIGKILL after its stop timeout), then starts the new one.
   * @throws Error when no run is active, the flow is invalid, or the new version cannot be started (the state is then
   *   `exited`, crashed, with the reason)
   */
  async replace(text: string, path: string | null): Promise<void> {
    const run = this.run_;
    if (run?.child === undefined || run.mode !== 'run' || run.stopRequested) throw new Error('cannot apply: no flow is running; press Run instead');
    assertRunnable(text, typeof path === 'string' ? path : null, 'apply', this.options.env);
    run.replaced = true;
    await this.stop();
    try {
      await this.start(text, path, true);
    } catch (error) {
      const reason = `apply failed: ${errorMessage(error)}`;
      this.setState({ status: 'exited', mode: 'run', code: null, signal: null, crashed: true, reason, lastLogLines: [] });
      throw new Error(reason, { cause: error });
    }
  }

  private async start(text: string, path: string | null, applied: boolean): Promise<void> {
    if (this.run_ !== undefined) {
      const pid = this.run_.child?.pid;
      throw new Error(`a flow is already running${pid === undefined ? '' : ` (pid ${pid})`}; stop it before starting another`);
    }
    const flowPath = typeof path === 'string' ? path : null;
    assertRunnable(text, flowPath, 'run', this.options.env);
    const parsed = parseFlowText(text, { env: this.options.env });
    const shutdownMs = parsed.ok ? (parsed.flow.settings?.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS) : DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const placeholder = {} as Run; // claims the slot while the temp file is written
    this.run_ = placeholder;
    let temp: { dir: string; file: string };
    try {
      temp = await writeTempFlow(text, flowPath);
    } catch (error) {
      this.run_ = undefined;
      throw new Error(`cannot run: cannot write a temporary flow file: ${errorMessage(error)}`, { cause: error });
    }
    const startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = forkRuntime(this.options, ['run', temp.file], flowPath !== null ? dirname(resolve(flowPath)) : this.options.rootDir);
    } catch (error) {
      this.run_ = undefined;
      await rm(temp.dir, { recursive: true, force: true });
      throw new Error(`cannot start the runtime: ${errorMessage(error)}`, { cause: error });
    }
    let resolveExited!: () => void;
    const run: Run = {
      child,
      mode: 'run',
      startedAt,
      stopRequested: false,
      stopTimeoutMs: this.options.stopTimeoutMs ?? shutdownMs + STOP_GRACE_MS,
      killedAfterTimeout: false,
      logLines: [],
      tempDir: temp.dir,
      exited: new Promise<void>((r) => (resolveExited = r)),
      text,
      path: flowPath,
      replaced: false,
    };
    this.run_ = run;
    this.setState(applied ? { status: 'starting', mode: 'run', startedAt, applied } : { status: 'starting', mode: 'run', startedAt });

    const markRunning = (): void => {
      if (this.run_ === run && this.state_.status === 'starting' && child.pid !== undefined && child.exitCode === null) {
        this.setState({ status: 'running', mode: 'run', startedAt, pid: child.pid, flow: { text: run.text, path: run.path } });
        this.samples.resume();
      }
    };
    child.once('spawn', () => {
      run.fallbackTimer = setTimeout(markRunning, RUNNING_FALLBACK_MS);
    });
    child.stdout?.resume(); // records printed by sink.console: not kept
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) keepLogLine(run, line);
    });
    child.on('message', (msg: RuntimeMessage) => {
      if (msg === null || typeof msg !== 'object') return;
      if (msg.type === 'telemetry') {
        markRunning();
        notify(this.telemetryListeners, msg.frame);
      } else if (msg.type === 'samples') {
        if (msg.samples !== undefined) this.samples.deliver(msg.nodeId, msg.samples);
      } else if (msg.type === 'ready') markRunning();
      else if (msg.type === 'exit' && msg.error !== undefined) run.exitError = msg.error;
    });
    child.on('error', (error) => {
      // Spawn failures end in 'exit' or 'close' too; keep the reason.
      run.lastError ??= `cannot start the runtime: ${error.message}`;
      if (child.pid === undefined) finish(null, null);
    });
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (finished) return;
      finished = true;
      if (partial !== '') keepLogLine(run, partial);
      clearTimeout(run.killTimer);
      clearTimeout(run.fallbackTimer);
      const { crashed, reason } = exitReason(run, code, signal);
      this.run_ = undefined;
      if (run.replaced) {
        // Replaced by Apply: the new run's states follow; a crash while draining still says so.
        if (crashed) this.setState({ status: 'exited', mode: 'run', code, signal, crashed, reason, lastLogLines: [...run.logLines] });
        void rm(run.tempDir, { recursive: true, force: true }).catch(() => undefined);
        resolveExited();
        return;
      }
      this.samples.pauseIfIdle();
      this.setState({ status: 'exited', mode: 'run', code, signal, crashed, reason, lastLogLines: [...run.logLines] });
      void rm(run.tempDir, { recursive: true, force: true }).catch(() => undefined);
      resolveExited();
    };
    child.on('close', (code, signal) => finish(code, signal));
  }

  /** Stops the run: SIGTERM, then SIGKILL after its stop timeout; resolves once the process exited (at once with none). */
  async stop(): Promise<void> {
    const run = this.run_;
    if (run === undefined || run.child === undefined) return;
    if (!run.stopRequested) {
      run.stopRequested = true;
      if (run.child.pid !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
        if (!run.replaced) this.setState({ status: 'stopping', mode: run.mode, pid: run.child.pid });
        run.child.kill('SIGTERM');
        run.killTimer = setTimeout(() => {
          run.killedAfterTimeout = true;
          run.child.kill('SIGKILL');
        }, run.stopTimeoutMs);
      }
    }
    await run.exited;
  }

  /**
   * Stops a run (SIGKILL after `timeoutMs` at the latest) and drops every listener.
   * @param timeoutMs how long to wait for a graceful stop (ms); default the run's own stop timeout
   */
  async dispose(timeoutMs?: number): Promise<void> {
    const run = this.run_;
    if (run?.child !== undefined) {
      if (timeoutMs !== undefined) run.stopTimeoutMs = Math.min(run.stopTimeoutMs, timeoutMs);
      await this.stop();
    }
    this.samples.dispose();
    this.stateListeners.clear();
    this.telemetryListeners.clear();
  }
}

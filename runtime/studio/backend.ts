/**
 * The studio backend (Node-only): everything behind {@link StudioApi}, used by both Electron main (over IPC) and the
 * browser-mode server (`tributary studio`, over a WebSocket). A facade over one part per job:
 *
 * - `state-store.ts`: recent files (at most 10), the files this studio created or saved (for {@link FlowFile.external})
 *   and the autosave, in a state directory: `$TRIBUTARY_STATE_DIR`, else `~/.config/tributary`;
 * - `flow-files.ts`: flow files (`*.flow.yaml` / `*.flow.json`) read and written by path, and the demo flow;
 * - `flow-watch.ts`: open flow files changed on disk by anything but the studio;
 * - `flow-validation.ts`: `tributary validate`'s checks (parse with `${VAR}` substitution from the environment, compile
 *   against the registered node specs, locate every problem in the text);
 * - `headless-export.ts`: "Export headless config", secrets turned into `${VAR}` references;
 * - `run-supervisor.ts` and `sample-poller.ts`: runs as supervised child processes of the same entry point as
 *   `tributary run` (`bin/tributary.js run <file>`, forked with an IPC channel), their state, telemetry and samples;
 *   a runtime that crashes or hangs never takes the backend with it;
 * - `preview.ts`: previews as `tributary preview --json` child processes;
 * - `evaluate-expression.ts`: the expression editor's results, by the runtime's compiler under a time limit;
 * - `connection-check.ts`: "Test connection" through each node runtime's own check, and topic listing;
 * - `offsets.ts`: "Replay from…": a Kafka source's consumer group offsets, read and moved;
 * - `attach.ts`: "Attach…": headless instances' telemetry and samples, combined, in place of a run's (read-only).
 */
import { resolve } from 'node:path';
import { METRICS_TOKEN_ENV, type AttachResult } from '../common/attach-protocol';
import type { Problem } from '../common/errors';
import type { GroupOffsets, OffsetReset, ResetTarget } from '../common/group-offsets';
import type { ApplyResult, ConnectionTest, ExpressionEvaluation, FlowFile, FlowFileChange, PreviewResult, RunState, SavedTestCase, StudioApi, Unsubscribe } from '../common/studio-api';
import type { NodeSamples, TelemetryFrame } from '../common/telemetry';
import type { ExpressionRecord } from '../common/expression';
import { applyFlow } from './apply';
import { AttachSession } from './attach';
import { saveTestCase } from '../flow-tests/studio-capture';
import { checkNodeConnection, listTopicsOf } from './connection-check';
import { studioGroupOffsets, studioResetOffsets } from './offsets';
import { FlowFiles } from './flow-files';
import { FlowWatch } from './flow-watch';
import { validateFlowText } from './flow-validation';
import { exportHeadlessFlow, type HeadlessExport } from './headless-export';
import { DEFAULT_PREVIEW_RECORDS, previewFlow } from './preview';
import { evaluateExpression } from './evaluate-expression';
import { RunSupervisor } from './run-supervisor';
import { defaultStateDir, StateStore, type Autosave } from './state-store';

export { isFlowFileName } from './flow-files';

/** The backend's API: {@link StudioApi} without the transport, with explicit paths (dialogs are the shell's job). */
export type StudioBackendApi = Omit<StudioApi, 'transport' | 'openFlow' | 'saveFlow' | 'testConnection'> & {
  /** Reads a flow file by path. */
  openFlow(path: string): Promise<FlowFile>;
  /** Writes a flow file by path; returns the absolute path written. */
  saveFlow(text: string, path: string): Promise<string>;
  /**
   * Connects to the service a node talks to (Kafka, Redis) with the node's config, through its runtime's own check.
   * @param nodeType the node's type, e.g. `source.kafka`; types without a check answer `ok: false`
   */
  testConnection(nodeType: string, config: Record<string, unknown>): Promise<ConnectionTest>;
};

/** Options of {@link StudioBackend}. */
export interface StudioBackendOptions {
  /** State directory (recent files, known files, autosave); default `$TRIBUTARY_STATE_DIR` or `~/.config/tributary`. */
  stateDir?: string;
  /** The repository root holding `bin/tributary.js` and `examples/`; default: two levels above this file. */
  rootDir?: string;
  /** Executable that runs `bin/tributary.js` (default `process.execPath`; under Electron it runs as Node). */
  nodePath?: string;
  /** Environment of the runtime processes and of `${VAR}` substitution (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Stop timeout (ms) before SIGKILL; default the flow's `settings.shutdownTimeoutMs` + 5 s. */
  stopTimeoutMs?: number;
}

/**
 * The backend. One instance serves one studio window (Electron) or every WebSocket client (browser mode); it holds at
 * most one run at a time. Call {@link StudioBackend.dispose} on shutdown.
 */
export class StudioBackend implements StudioBackendApi {
  /** The state directory in use. */
  readonly stateDir: string;
  /** The repository root (holds `bin/tributary.js` and `examples/`). */
  readonly rootDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly nodePath: string;
  private readonly state: StateStore;
  private readonly files: FlowFiles;
  private readonly watch = new FlowWatch();
  private readonly runs: RunSupervisor;
  private readonly attachment = new AttachSession();

  /** @param options state dir, root dir, Node executable, environment, stop timeout */
  constructor(options: StudioBackendOptions = {}) {
    this.env = options.env ?? process.env;
    this.stateDir = options.stateDir ?? defaultStateDir(this.env);
    this.rootDir = options.rootDir ?? resolve(import.meta.dirname, '../..');
    this.nodePath = options.nodePath ?? process.execPath;
    this.state = new StateStore(this.stateDir);
    this.files = new FlowFiles(this.state, this.rootDir, this.watch);
    this.runs = new RunSupervisor({ rootDir: this.rootDir, nodePath: this.nodePath, env: this.env, stopTimeoutMs: options.stopTimeoutMs });
  }

  // ---- files

  /** @inheritDoc */
  openFlow(path: string): Promise<FlowFile> {
    return this.files.open(path);
  }

  /** @inheritDoc */
  saveFlow(text: string, path: string): Promise<string> {
    return this.files.save(text, path);
  }

  /** @inheritDoc */
  recentFiles(): Promise<string[]> {
    return this.state.recentFiles();
  }

  /** @inheritDoc */
  writeAutosave(text: string, path: string | null): Promise<void> {
    return this.state.writeAutosave(text, path);
  }

  /** @inheritDoc */
  readAutosave(): Promise<Autosave | null> {
    return this.state.readAutosave();
  }

  /** @inheritDoc */
  clearAutosave(): Promise<void> {
    return this.state.clearAutosave();
  }

  /** @inheritDoc */
  demoFlow(): Promise<FlowFile> {
    return this.files.demo();
  }

  /** @inheritDoc */
  onFlowFileChanged(path: string, listener: (change: FlowFileChange) => void): Unsubscribe {
    return this.watch.subscribe(path, listener);
  }

  // ---- validation

  /** @inheritDoc */
  validate(text: string): Promise<Problem[]> {
    if (typeof text !== 'string') return Promise.reject(new Error('cannot validate: the flow text is missing'));
    return Promise.resolve(validateFlowText(text, this.env));
  }

  /** @inheritDoc */
  exportHeadless(text: string, path: string | null): Promise<HeadlessExport> {
    try {
      return Promise.resolve(exportHeadlessFlow(text, typeof path === 'string' ? path : null));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  // ---- runtime

  /** @inheritDoc */
  run(text: string, path: string | null): Promise<void> {
    if (this.attachment.active) return Promise.reject(new Error('attached to headless instances: detach before running a flow'));
    return this.runs.run(text, path);
  }

  /** @inheritDoc */
  apply(text: string, path: string | null): Promise<ApplyResult> {
    if (this.attachment.active) return Promise.reject(new Error('attached to headless instances: Apply edits only a flow the studio runs'));
    return applyFlow(this.runs, text, path, this.env);
  }

  /** @inheritDoc */
  preview(text: string, records = DEFAULT_PREVIEW_RECORDS): Promise<PreviewResult> {
    return previewFlow(text, records, { rootDir: this.rootDir, nodePath: this.nodePath, env: this.env });
  }

  /** @inheritDoc */
  evaluateExpression(source: string, records: ExpressionRecord[], variables?: Record<string, unknown>): Promise<ExpressionEvaluation[]> {
    try {
      return Promise.resolve(evaluateExpression(source, records, variables));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** @inheritDoc */
  stop(): Promise<void> {
    // Stop while attached ends the attachment (the toolbar's Stop reads Detach then).
    if (this.attachment.active) return this.detach();
    return this.runs.stop();
  }

  /** @inheritDoc */
  runState(): Promise<RunState> {
    return Promise.resolve(this.attachment.state ?? this.runs.state);
  }

  /** @inheritDoc */
  onRunState(listener: (state: RunState) => void): Unsubscribe {
    const offs = [this.runs.onRunState(listener), this.attachment.onState(listener)];
    return () => offs.forEach((off) => off());
  }

  /** @inheritDoc */
  onTelemetry(listener: (frame: TelemetryFrame) => void): Unsubscribe {
    const offs = [this.runs.onTelemetry(listener), this.attachment.onTelemetry(listener)];
    return () => offs.forEach((off) => off());
  }

  /** @inheritDoc */
  onSamples(nodeId: string, listener: (samples: NodeSamples) => void): Unsubscribe {
    const offs = [this.runs.samples.subscribe(nodeId, listener), this.attachment.subscribeSamples(nodeId, listener)];
    return () => offs.forEach((off) => off());
  }

  // ---- attach

  /** @inheritDoc */
  attach(urls: string[], token: string, listFile?: string): Promise<AttachResult> {
    const state = this.runs.state.status;
    if (state === 'starting' || state === 'running' || state === 'stopping') {
      return Promise.reject(new Error('a flow is running in the studio: stop it before attaching to headless instances'));
    }
    return this.attachment.attach(urls, token === '' ? (this.env[METRICS_TOKEN_ENV] ?? '') : token, listFile);
  }

  /** @inheritDoc */
  detach(): Promise<void> {
    this.attachment.detach();
    return Promise.resolve();
  }

  // ---- cluster helpers

  /** @inheritDoc */
  testConnection(nodeType: string, config: Record<string, unknown>): Promise<ConnectionTest> {
    return checkNodeConnection(nodeType, config, this.env);
  }

  /** @inheritDoc */
  listTopics(config: Record<string, unknown>): Promise<string[]> {
    return listTopicsOf(config, this.env);
  }

  // ---- replay

  /** @inheritDoc */
  groupOffsets(text: string, nodeId: string): Promise<GroupOffsets> {
    return studioGroupOffsets(text, nodeId, this.env);
  }

  /** @inheritDoc */
  resetGroupOffsets(text: string, nodeId: string, target: ResetTarget, dryRun = false): Promise<OffsetReset> {
    return studioResetOffsets(text, nodeId, target, { dryRun, runState: this.runs.state, env: this.env });
  }

  // ---- flow tests

  /** @inheritDoc */
  saveTestCase(text: string, path: string, name: string): Promise<SavedTestCase> {
    return saveTestCase(text, path, name, {
      running: this.runs.state.status === 'running' && this.runs.state.mode === 'run',
      subscribe: (nodeId, listener) => this.runs.samples.subscribe(nodeId, listener),
      env: this.env,
    });
  }

  /**
   * Shuts the backend down: stops a run (SIGTERM, SIGKILL after `timeoutMs`), drops every listener.
   * @param timeoutMs how long to wait for a graceful stop (ms); default the run's own stop timeout
   */
  dispose(timeoutMs?: number): Promise<void> {
    this.attachment.dispose();
    this.watch.dispose();
    return this.runs.dispose(timeoutMs);
  }
}

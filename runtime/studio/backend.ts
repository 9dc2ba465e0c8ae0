/**
 * The studio backend (Node-only): everything behind {@link StudioApi}, used by both Electron main (over IPC) and the
 * browser-mode server (`tributary studio`, over a WebSocket).
 *
 * - Files: flow files (`*.flow.yaml` / `*.flow.json`) are read and written by path; recent files (at most 10), the
 *   list of files this studio created or saved (for {@link FlowFile.external}) and the autosave live in a state
 *   directory: `$TRIBUTARY_STATE_DIR`, else `~/.config/tributary`.
 * - Validation is `tributary validate`'s: parse with `${VAR}` substitution from `process.env`, compile against the
 *   registered node specs, locate every problem in the text.
 * - Runs are supervised child processes of the same entry point as `tributary run` (`bin/tributary.js run <file>`,
 *   forked with an IPC channel); previews are `tributary preview --json` child processes. A runtime that crashes or
 *   hangs never takes the backend with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { Redis } from 'ioredis';
import { parseDocument } from 'yaml';
import { specRegistry } from '../../nodes/specs';
import { splitBrokers } from '../../nodes/kafka-common.runtime';
import { compileFlow } from '../common/compile';
import { formatProblems, type Problem } from '../common/errors';
import { MAX_FLOW_BYTES } from '../common/flow';
import { substituteEnv } from '../common/env-substitution';
import { parseFlowText } from '../common/flow-loader';
import { serializeFlow } from '../common/flow-serializer';
import { locateProblems } from '../common/yaml-locator';
import type { ConnectionTest, FlowFile, PreviewResult, RunState, StudioApi, Unsubscribe } from '../common/studio-api';
import type { NodeSamples, TelemetryFrame } from '../common/telemetry';
import type { ParentMessage, RuntimeMessage } from '../run-protocol';

/** Most recent files kept. */
export const MAX_RECENT_FILES = 10;
/** Log lines (stderr) kept per run for {@link RunState} `lastLogLines`. */
export const MAX_LOG_LINES = 50;
/** Interval between sample requests to the runtime per subscribed node (ms). */
export const SAMPLES_INTERVAL_MS = 500;
/** Timeout of "Test connection" and topic listing (ms). */
export const CONNECTION_TIMEOUT_MS = 5_000;
/** A preview child process is killed after this long (ms). */
export const PREVIEW_TIMEOUT_MS = 60_000;
/** Time added to the flow's `settings.shutdownTimeoutMs` before Stop kills the runtime with SIGKILL (ms). */
export const STOP_GRACE_MS = 5_000;
/**
 * The run is considered started at its first telemetry frame (sent once its signal handlers are installed), or this
 * long after the process spawned when the flow has telemetry switched off (ms).
 */
const RUNNING_FALLBACK_MS = 3_000;

/** Field names whose literal string values {@link exportHeadlessFlow} turns into `${VAR}` references. */
export const SECRET_FIELD = /password|passwd|secret|token|api[-_]?key|credentials?$/i;

/** The backend's API: {@link StudioApi} without the transport, with explicit paths (dialogs are the shell's job). */
export type StudioBackendApi = Omit<StudioApi, 'transport' | 'openFlow' | 'saveFlow'> & {
  /** Reads a flow file by path. */
  openFlow(path: string): Promise<FlowFile>;
  /** Writes a flow file by path; returns the absolute path written. */
  saveFlow(text: string, path: string): Promise<string>;
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
  /** Stop timeout (ms) before SIGKILL; default the flow's `settings.shutdownTimeoutMs` + {@link STOP_GRACE_MS}. */
  stopTimeoutMs?: number;
}

interface Autosave {
  text: string;
  path: string | null;
  savedAt: number;
}

/** True for `*.flow.yaml` / `*.flow.json` names. */
export function isFlowFileName(path: string): boolean {
  return /\.flow\.(yaml|json)$/i.test(path);
}

/** The state directory: `$TRIBUTARY_STATE_DIR`, else `~/.config/tributary`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TRIBUTARY_STATE_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(homedir(), '.config', 'tributary');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Guesses the format of a flow text: JSON when it starts with `{`, else YAML. */
function formatOf(text: string, path: string | null): 'yaml' | 'json' {
  if (path !== null) return extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `orders` + `sasl.password` -> `ORDERS_SASL_PASSWORD` (camelCase split, non-alphanumerics to `_`). */
export function secretVariableName(nodeId: string, fieldPath: readonly (string | number)[]): string {
  const words = [nodeId, ...fieldPath.map(String)]
    .join('_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return /^[0-9]/.test(words) ? `_${words}` : words;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g;

/**
 * The headless export of a flow: secrets (string fields named like password / secret / token / apiKey, and the password
 * of a `scheme://user:password@host` URL) that are written literally become `${<NODEID>_<FIELD>}` references.
 * @param text flow text (YAML or JSON), `${VAR}` references kept
 * @param path the flow's file (its name is used in the command), or null
 * @returns the text to write, the run command (`VAR=... tributary run <file>`) and every variable the flow references
 * @throws Error when the text does not parse as a flow
 */
export function exportHeadlessFlow(text: string, path: string | null): { text: string; command: string; variables: string[] } {
  const parsed = parseFlowText(text, { env: {}, substitute: false, ...(path === null ? {} : { fileName: path }) });
  if (!parsed.ok) throw new Error(`cannot export: the flow does not parse:\n${formatProblems(parsed.problems, path ?? 'flow').join('\n')}`);
  const format = formatOf(text, path);
  const doc = format === 'yaml' ? parseDocument(text) : undefined;
  const flow = parsed.flow;
  const replace = (nodeIndex: number, fieldPath: (string | number)[], value: string): void => {
    let target = flow.nodes[nodeIndex]!.config as Record<string | number, unknown>;
    for (const key of fieldPath.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[fieldPath[fieldPath.length - 1]!] = value;
    doc?.setIn(['nodes', nodeIndex, 'config', ...fieldPath], value);
  };
  flow.nodes.forEach((node, nodeIndex) => {
    const visit = (value: unknown, fieldPath: (string | number)[]): void => {
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...fieldPath, i]));
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) visit(inner, [...fieldPath, key]);
      } else if (typeof value === 'string' && value !== '' && fieldPath.length > 0) {
        const key = String(fieldPath.findLast((p) => typeof p === 'string') ?? '');
        const variable = secretVariableName(node.id, fieldPath.filter((p) => typeof p === 'string'));
        if (SECRET_FIELD.test(key) && !/^\$\{[^}]+\}$/.test(value)) {
          replace(nodeIndex, fieldPath, `\${${variable}}`);
          return;
        }
        const url = /^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]+)(@.*)$/i.exec(value);
        if (url !== null && !/^\$\{[^}]+\}$/.test(url[2]!)) replace(nodeIndex, fieldPath, `${url[1]}\${${variable}_PASSWORD}${url[3]}`);
      }
    };
    visit(node.config ?? {}, []);
  });
  const out = doc !== undefined ? doc.toString({ lineWidth: 0 }) : serializeFlow(flow, 'json');
  const variables: string[] = [];
  const required: string[] = [];
  for (const m of out.matchAll(REFERENCE)) {
    if (out[m.index - 1] === '$') continue; // `$${` is a literal
    if (!variables.includes(m[1]!)) variables.push(m[1]!);
    if (m[2] === undefined && !required.includes(m[1]!)) required.push(m[1]!);
  }
  const file = path === null ? `${flow.name.replace(/[^A-Za-z0-9_-]+/g, '-')}.flow.${format}` : basename(path);
  const command = [...required.map((v) => `${v}=...`), 'tributary', 'run', shellQuote(file)].join(' ');
  return { text: out, command, variables };
}

/** Compiles a flow text as `tributary validate` does; returns its problems (empty when valid). */
export function validateFlowText(text: string, env: Record<string, string | undefined> = process.env, fileName?: string): Problem[] {
  const parsed = parseFlowText(text, { env, ...(fileName === undefined ? {} : { fileName }) });
  if (!parsed.ok) return parsed.problems;
  const compiled = compileFlow(parsed.flow, specRegistry);
  return compiled.ok ? [] : locateProblems(text, compiled.problems);
}

/** One stderr line of the runtime made readable: pino JSON -> `HH:MM:SS LEVEL [node] msg (err)`; other lines as they are. */
export function formatLogLine(line: string): string {
  const entry = parseLogLine(line);
  if (entry === undefined) return line;
  const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const node = typeof entry.node === 'string' ? ` [${entry.node}]` : typeof entry.nodeId === 'string' ? ` [${entry.nodeId}]` : '';
  return `${time} ${levels[entry.level as number] ?? String(entry.level)}${node} ${logReason(entry) ?? ''}`.trim();
}

interface LogEntry {
  level?: unknown;
  time?: unknown;
  msg?: unknown;
  err?: { message?: unknown };
  [key: string]: unknown;
}

function parseLogLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as unknown;
    return entry !== null && typeof entry === 'object' && 'level' in entry ? (entry as LogEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** `msg`, with `err.message` appended when the message does not already say it. */
function logReason(entry: LogEntry): string | undefined {
  const msg = typeof entry.msg === 'string' ? entry.msg : undefined;
  const err = typeof entry.err?.message === 'string' ? entry.err.message : undefined;
  if (msg === undefined) return err;
  return err === undefined || msg.includes(err) ? msg : `${msg}: ${err}`;
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
  private readonly stopTimeoutMs: number | undefined;
  private state: RunState = { status: 'idle' };
  private run_: Run | undefined;
  private readonly stateListeners = new Set<(state: RunState) => void>();
  private readonly telemetryListeners = new Set<(frame: TelemetryFrame) => void>();
  private readonly sampleListeners = new Map<string, Set<(samples: NodeSamples) => void>>();
  private samplesTimer: NodeJS.Timeout | undefined;
  private stateWrites: Promise<unknown> = Promise.resolve();

  /** @param options state dir, root dir, Node executable, environment, stop timeout */
  constructor(options: StudioBackendOptions = {}) {
    this.env = options.env ?? process.env;
    this.stateDir = options.stateDir ?? defaultStateDir(this.env);
    this.rootDir = options.rootDir ?? resolve(import.meta.dirname, '../..');
    this.nodePath = options.nodePath ?? process.execPath;
    this.stopTimeoutMs = options.stopTimeoutMs;
  }

  // ---- state files

  private async readJson<T>(name: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(join(this.stateDir, name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Writes a state file atomically; writes are serialized so read-modify-write updates do not interleave. */
  private writeJson(name: string, update: () => Promise<unknown>): Promise<void> {
    const next = this.stateWrites.then(async () => {
      const value = await update();
      await mkdir(this.stateDir, { recursive: true });
      const file = join(this.stateDir, name);
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(value, null, 2), { mode: 0o600 });
      await rename(temp, file);
    });
    this.stateWrites = next.catch(() => undefined);
    return next;
  }

  private async knownFiles(): Promise<string[]> {
    const list = await this.readJson<unknown>('known-files.json');
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
  }

  private remember(path: string, known: boolean): Promise<void> {
    const recent = this.writeJson('recent.json', async () => [path, ...(await this.recentFiles()).filter((p) => p !== path)].slice(0, MAX_RECENT_FILES));
    if (!known) return recent;
    return recent.then(() => this.writeJson('known-files.json', async () => [path, ...(await this.knownFiles()).filter((p) => p !== path)].slice(0, 10_000)));
  }

  private checkPath(path: unknown, verb: string): string {
    if (typeof path !== 'string' || path === '') throw new Error(`cannot ${verb}: give the flow file's path`);
    if (!isFlowFileName(path)) throw new Error(`cannot ${verb} ${path}: flow files are named *.flow.yaml or *.flow.json`);
    return resolve(path);
  }

  // ---- files

  /** @inheritDoc */
  async openFlow(path: string): Promise<FlowFile> {
    const file = this.checkPath(path, 'open');
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? message(error)}`, { cause: error });
    }
    if (size > MAX_FLOW_BYTES) throw new Error(`cannot open ${file}: flow files are limited to 5 MB (this one is ${size} bytes)`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? message(error)}`, { cause: error });
    }
    const external = !(await this.knownFiles()).includes(file);
    await this.remember(file, false);
    return { path: file, text, external };
  }

  /** @inheritDoc */
  async saveFlow(text: string, path: string): Promise<string> {
    const file = this.checkPath(path, 'save');
    if (typeof text !== 'string') throw new Error(`cannot save ${file}: the flow text is missing`);
    if (Buffer.byteLength(text) > MAX_FLOW_BYTES) throw new Error(`cannot save ${file}: flow files are limited to 5 MB`);
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    try {
      await writeFile(temp, text, 'utf8');
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw new Error(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? message(error)}`, { cause: error });
    }
    await this.remember(file, true);
    return file;
  }

  /** @inheritDoc */
  async recentFiles(): Promise<string[]> {
    const list = await this.readJson<unknown>('recent.json');
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').slice(0, MAX_RECENT_FILES) : [];
  }

  /** @inheritDoc */
  writeAutosave(text: string, path: string | null): Promise<void> {
    if (typeof text !== 'string') return Promise.reject(new Error('cannot autosave: the flow text is missing'));
    const autosave: Autosave = { text, path: typeof path === 'string' ? resolve(path) : null, savedAt: Date.now() };
    return this.writeJson('autosave.json', () => Promise.resolve(autosave));
  }

  /** @inheritDoc */
  async readAutosave(): Promise<Autosave | null> {
    await this.stateWrites;
    const value = await this.readJson<Partial<Autosave>>('autosave.json');
    if (value === undefined || typeof value.text !== 'string' || typeof value.savedAt !== 'number') return null;
    return { text: value.text, path: typeof value.path === 'string' ? value.path : null, savedAt: value.savedAt };
  }

  /** @inheritDoc */
  async clearAutosave(): Promise<void> {
    await this.stateWrites;
    await rm(join(this.stateDir, 'autosave.json'), { force: true });
  }

  /** @inheritDoc */
  async demoFlow(): Promise<FlowFile> {
    const path = join(this.rootDir, 'examples', 'demo.flow.yaml');
    try {
      return { path, text: await readFile(path, 'utf8'), external: false };
    } catch (error) {
      throw new Error(`cannot read the demo flow ${path}: ${message(error)}`, { cause: error });
    }
  }

  // ---- validation

  /** @inheritDoc */
  validate(text: string): Promise<Problem[]> {
    if (typeof text !== 'string') return Promise.reject(new Error('cannot validate: the flow text is missing'));
    return Promise.resolve(validateFlowText(text, this.env));
  }

  /** @inheritDoc */
  exportHeadless(text: string, path: string | null): Promise<{ text: string; command: string; variables: string[] }> {
    try {
      return Promise.resolve(exportHeadlessFlow(text, typeof path === 'string' ? path : null));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  // ---- runtime

  private setState(state: RunState): void {
    this.state = state;
    for (const listener of this.stateListeners) {
      try {
        listener(state);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  /** Writes the flow text to a private temporary directory; returns the directory and file. */
  private async tempFlow(text: string, path: string | null): Promise<{ dir: string; file: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-studio-'));
    const name = path !== null && isFlowFileName(path) ? basename(path) : `unsaved.flow.${formatOf(text, path)}`;
    const file = join(dir, name);
    await writeFile(file, text, { encoding: 'utf8', mode: 0o600 });
    return { dir, file };
  }

  private checkRunnable(text: unknown, path: string | null, verb: string): string {
    if (typeof text !== 'string') throw new Error(`cannot ${verb}: the flow text is missing`);
    const problems = validateFlowText(text, this.env, path ?? undefined);
    if (problems.length > 0) {
      const lines = formatProblems(problems, path === null ? 'flow' : basename(path));
      throw new Error(`cannot ${verb}: the flow has ${problems.length} problem(s):\n${lines.join('\n')}`);
    }
    return text;
  }

  private cliPath(): string {
    return join(this.rootDir, 'bin', 'tributary.js');
  }

  private childEnv(): NodeJS.ProcessEnv {
    return { ...this.env, ...(process.versions.electron !== undefined ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
  }

  /** @inheritDoc */
  async run(text: string, path: string | null): Promise<void> {
    if (this.run_ !== undefined) {
      const pid = this.run_.child?.pid;
      throw new Error(`a flow is already running${pid === undefined ? '' : ` (pid ${pid})`}; stop it before starting another`);
    }
    const flowPath = typeof path === 'string' ? path : null;
    this.checkRunnable(text, flowPath, 'run');
    const parsed = parseFlowText(text, { env: this.env });
    const shutdownMs = parsed.ok ? (parsed.flow.settings?.shutdownTimeoutMs ?? 30_000) : 30_000;
    const placeholder = {} as Run; // claims the slot while the temp file is written
    this.run_ = placeholder;
    let temp: { dir: string; file: string };
    try {
      temp = await this.tempFlow(text, flowPath);
    } catch (error) {
      this.run_ = undefined;
      throw new Error(`cannot run: cannot write a temporary flow file: ${message(error)}`, { cause: error });
    }
    const startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = fork(this.cliPath(), ['run', temp.file], {
        execPath: this.nodePath,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: this.childEnv(),
        cwd: flowPath !== null ? dirname(resolve(flowPath)) : this.rootDir,
      });
    } catch (error) {
      this.run_ = undefined;
      await rm(temp.dir, { recursive: true, force: true });
      throw new Error(`cannot start the runtime: ${message(error)}`, { cause: error });
    }
    let resolveExited!: () => void;
    const run: Run = {
      child,
      mode: 'run',
      startedAt,
      stopRequested: false,
      stopTimeoutMs: this.stopTimeoutMs ?? shutdownMs + STOP_GRACE_MS,
      killedAfterTimeout: false,
      logLines: [],
      tempDir: temp.dir,
      exited: new Promise<void>((r) => (resolveExited = r)),
    };
    this.run_ = run;
    this.setState({ status: 'starting', mode: 'run', startedAt });

    const markRunning = (): void => {
      if (this.run_ === run && this.state.status === 'starting' && child.pid !== undefined && child.exitCode === null) {
        this.setState({ status: 'running', mode: 'run', startedAt, pid: child.pid });
        this.ensureSamplesTimer();
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
      for (const line of lines) this.onLogLine(run, line);
    });
    child.on('message', (msg: RuntimeMessage) => {
      if (msg === null || typeof msg !== 'object') return;
      if (msg.type === 'telemetry') {
        markRunning();
        for (const listener of this.telemetryListeners) {
          try {
            listener(msg.frame as TelemetryFrame);
          } catch {
            // ignore
          }
        }
      } else if (msg.type === 'samples') {
        if (msg.samples === undefined) return;
        for (const listener of this.sampleListeners.get(msg.nodeId) ?? []) {
          try {
            listener(msg.samples);
          } catch {
            // ignore
          }
        }
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
      if (partial !== '') this.onLogLine(run, partial);
      clearTimeout(run.killTimer);
      clearTimeout(run.fallbackTimer);
      // Crashed: ended without a stop request, or did not stop cleanly (non-zero exit, killed after the timeout). A
      // process that dies of the SIGTERM Stop sent (before its handlers were installed) stopped as asked.
      const crashed = !run.stopRequested || run.killedAfterTimeout || (code !== null && code !== 0);
      let reason: string;
      if (run.killedAfterTimeout) reason = `did not stop within ${run.stopTimeoutMs} ms: killed by ${signal ?? 'SIGKILL'}`;
      else if (signal !== null) reason = run.stopRequested ? `stopped by ${signal}` : `killed by ${signal}`;
      else if (code === 0) reason = run.stopRequested ? 'stopped' : 'finished: every source ended';
      else reason = run.exitError ?? run.lastError ?? `exited with code ${code ?? 'unknown'}`;
      if (signal !== null && !run.stopRequested && run.lastError !== undefined && !run.killedAfterTimeout) reason += ` (last error: ${run.lastError})`;
      this.run_ = undefined;
      this.stopSamplesTimerIfIdle();
      this.setState({ status: 'exited', mode: 'run', code, signal, crashed, reason, lastLogLines: [...run.logLines] });
      void rm(run.tempDir, { recursive: true, force: true }).catch(() => undefined);
      resolveExited();
    };
    child.on('close', (code, signal) => finish(code, signal));
  }

  private onLogLine(run: Run, raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    run.logLines.push(formatLogLine(line));
    if (run.logLines.length > MAX_LOG_LINES) run.logLines.splice(0, run.logLines.length - MAX_LOG_LINES);
    const entry = parseLogLine(line);
    if (entry === undefined) {
      run.lastError ??= line;
      return;
    }
    if (typeof entry.level === 'number' && entry.level >= 50) run.lastError = logReason(entry) ?? run.lastError;
  }

  /** @inheritDoc */
  async preview(text: string, records = 20): Promise<PreviewResult> {
    this.checkRunnable(text, null, 'preview');
    const count = Number.isInteger(records) && records > 0 ? Math.min(records, 10_000) : 20;
    const temp = await this.tempFlow(text, null);
    try {
      const child = fork(this.cliPath(), ['preview', '--json', '--records', String(count), temp.file], {
        execPath: this.nodePath,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: this.childEnv(),
        cwd: this.rootDir,
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), PREVIEW_TIMEOUT_MS);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
        child.on('error', fail);
        child.on('close', (c, s) => done([c, s]));
      }).finally(() => clearTimeout(timer));
      if (signal !== null) throw new Error(signal === 'SIGKILL' ? `preview did not finish within ${PREVIEW_TIMEOUT_MS / 1000} s` : `preview killed by ${signal}`);
      let parsed: { nodes?: PreviewResult['nodes']; error?: string } | undefined;
      try {
        parsed = JSON.parse(stdout) as typeof parsed;
      } catch {
        parsed = undefined;
      }
      if (parsed?.nodes === undefined) {
        const lines = stderr.split('\n').filter((l) => l.trim() !== '').map(formatLogLine);
        throw new Error(`preview failed (exit code ${code}): ${lines.slice(-5).join('\n') || 'no output'}`);
      }
      return { nodes: parsed.nodes, ...(typeof parsed.error === 'string' ? { error: parsed.error } : {}) };
    } finally {
      await rm(temp.dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** @inheritDoc */
  async stop(): Promise<void> {
    const run = this.run_;
    if (run === undefined || run.child === undefined) return;
    if (!run.stopRequested) {
      run.stopRequested = true;
      if (run.child.pid !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
        this.setState({ status: 'stopping', mode: run.mode, pid: run.child.pid });
        run.child.kill('SIGTERM');
        run.killTimer = setTimeout(() => {
          run.killedAfterTimeout = true;
          run.child.kill('SIGKILL');
        }, run.stopTimeoutMs);
      }
    }
    await run.exited;
  }

  /** @inheritDoc */
  runState(): Promise<RunState> {
    return Promise.resolve(this.state);
  }

  /** @inheritDoc */
  onRunState(listener: (state: RunState) => void): Unsubscribe {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** @inheritDoc */
  onTelemetry(listener: (frame: TelemetryFrame) => void): Unsubscribe {
    this.telemetryListeners.add(listener);
    return () => this.telemetryListeners.delete(listener);
  }

  /** @inheritDoc */
  onSamples(nodeId: string, listener: (samples: NodeSamples) => void): Unsubscribe {
    let set = this.sampleListeners.get(nodeId);
    if (set === undefined) this.sampleListeners.set(nodeId, (set = new Set()));
    set.add(listener);
    this.ensureSamplesTimer();
    this.requestSamples(nodeId);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.sampleListeners.get(nodeId) === set) this.sampleListeners.delete(nodeId);
      this.stopSamplesTimerIfIdle();
    };
  }

  private requestSamples(nodeId: string): void {
    const child = this.run_?.child;
    if (child?.connected === true) child.send({ type: 'samples', nodeId } satisfies ParentMessage, () => undefined);
  }

  private ensureSamplesTimer(): void {
    if (this.samplesTimer !== undefined || this.sampleListeners.size === 0 || this.run_ === undefined) return;
    this.samplesTimer = setInterval(() => {
      for (const nodeId of this.sampleListeners.keys()) this.requestSamples(nodeId);
    }, SAMPLES_INTERVAL_MS);
    this.samplesTimer.unref();
  }

  private stopSamplesTimerIfIdle(): void {
    if (this.samplesTimer !== undefined && (this.sampleListeners.size === 0 || this.run_ === undefined)) {
      clearInterval(this.samplesTimer);
      this.samplesTimer = undefined;
    }
  }

  // ---- cluster helpers

  private substituted(config: Record<string, unknown>, key: string): unknown {
    const value = config?.[key];
    if (typeof value === 'string') return substituteEnv(value, this.env).value;
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? substituteEnv(v, this.env).value : v));
    return value;
  }

  private kafkaClient(config: Record<string, unknown>): Kafka {
    const brokersValue = this.substituted(config, 'brokers') ?? ['127.0.0.1:9092'];
    const brokers = splitBrokers((Array.isArray(brokersValue) ? brokersValue : [brokersValue]).map(String));
    if (brokers.length === 0) throw new Error('no brokers given');
    const saslValue = config?.sasl as { mechanism?: unknown; username?: unknown; password?: unknown } | undefined;
    const sasl =
      saslValue !== undefined && saslValue !== null && typeof saslValue === 'object'
        ? ({
            mechanism: String(saslValue.mechanism ?? 'plain'),
            username: substituteEnv(String(saslValue.username ?? ''), this.env).value,
            password: substituteEnv(String(saslValue.password ?? ''), this.env).value,
          } as SASLOptions)
        : undefined;
    const clientId = this.substituted(config, 'clientId');
    return new Kafka({
      clientId: typeof clientId === 'string' && clientId !== '' ? clientId : 'tributary-studio',
      brokers,
      ssl: config?.ssl === true,
      ...(sasl === undefined ? {} : { sasl }),
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: CONNECTION_TIMEOUT_MS,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
  }

  private async withKafkaAdmin<T>(config: Record<string, unknown>, work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const admin = this.kafkaClient(config ?? {}).admin();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        (async () => {
          await admin.connect();
          return work(admin);
        })(),
        new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new Error(`no answer within ${CONNECTION_TIMEOUT_MS / 1000} s`)), CONNECTION_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      void admin.disconnect().catch(() => undefined);
    }
  }

  /** @inheritDoc */
  async testConnection(kind: 'kafka' | 'redis', config: Record<string, unknown>): Promise<ConnectionTest> {
    if (kind === 'kafka') {
      try {
        return await this.withKafkaAdmin(config, async (admin) => {
          const cluster = await admin.describeCluster();
          const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
          return {
            ok: true,
            message: `connected to ${cluster.brokers.length} broker(s), cluster ${cluster.clusterId}, ${topics.length} topics`,
          };
        });
      } catch (error) {
        return { ok: false, message: `cannot connect to Kafka: ${message(error)}` };
      }
    }
    if (kind === 'redis') {
      const url = String(this.substituted(config ?? {}, 'url') ?? 'redis://127.0.0.1:6379');
      let shown: string;
      try {
        const u = new URL(url);
        if (u.password !== '') u.password = '***';
        shown = u.toString();
      } catch {
        return { ok: false, message: `cannot connect to Redis: "${url}" is not a redis:// URL` };
      }
      const redis = new Redis(url, {
        lazyConnect: true,
        connectTimeout: CONNECTION_TIMEOUT_MS,
        commandTimeout: CONNECTION_TIMEOUT_MS,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        const pong = await redis.ping();
        return { ok: true, message: `connected to ${shown} (PING -> ${pong})` };
      } catch (error) {
        return { ok: false, message: `cannot connect to Redis at ${shown}: ${message(error)}` };
      } finally {
        redis.disconnect();
      }
    }
    return { ok: false, message: `unknown connection kind "${String(kind)}" (expected kafka or redis)` };
  }

  /** @inheritDoc */
  async listTopics(config: Record<string, unknown>): Promise<string[]> {
    try {
      return await this.withKafkaAdmin(config, async (admin) => (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort());
    } catch {
      return [];
    }
  }

  /**
   * Shuts the backend down: stops a run (SIGTERM, SIGKILL after `timeoutMs`), drops every listener.
   * @param timeoutMs how long to wait for a graceful stop (ms); default the run's own stop timeout
   */
  async dispose(timeoutMs?: number): Promise<void> {
    const run = this.run_;
    if (run?.child !== undefined) {
      if (timeoutMs !== undefined) run.stopTimeoutMs = Math.min(run.stopTimeoutMs, timeoutMs);
      await this.stop();
    }
    clearInterval(this.samplesTimer);
    this.samplesTimer = undefined;
    this.stateListeners.clear();
    this.telemetryListeners.clear();
    this.sampleListeners.clear();
  }
}

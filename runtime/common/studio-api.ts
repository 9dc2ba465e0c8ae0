/**
 * The one interface the studio's renderer talks to. Two transports implement it: Electron IPC (preload's
 * `contextBridge` functions) and a WebSocket to the browser-mode server (`tributary studio`). The backend behind both
 * is one Node module (`runtime/studio/backend.ts`). Browser-safe: types only.
 *
 * Every method rejects with an `Error` whose message is meant for the user (e.g. "cannot read /x.flow.yaml: ENOENT").
 */
import type { Problem } from './errors';
import type { NodeSamples, TelemetryFrame } from './telemetry';

/** Stops a subscription. */
export type Unsubscribe = () => void;

/** A flow file as read from disk: its path and text (YAML or JSON). */
export interface FlowFile {
  /** Absolute path. */
  path: string;
  /** The file's text, `${VAR}` references kept. */
  text: string;
  /** True when this studio did not create or save the file: it asks once before running it (expressions are code). */
  external: boolean;
}

/** State of the runtime process the studio supervises. */
export type RunState =
  | { status: 'idle' }
  | { status: 'starting'; mode: 'run' | 'preview'; startedAt: number }
  | { status: 'running'; mode: 'run' | 'preview'; startedAt: number; pid: number }
  | { status: 'stopping'; mode: 'run' | 'preview'; pid: number }
  | {
      status: 'exited';
      mode: 'run' | 'preview';
      /** Process exit code, or null when killed by a signal. */
      code: number | null;
      signal: string | null;
      /** True when the process ended without being asked to (crash, kill from outside, failed run). */
      crashed: boolean;
      /** The reason in one line, e.g. "killed by SIGKILL" or the run's fatal error. */
      reason: string;
      /** The last log lines of the process (stderr), oldest first, at most 50. */
      lastLogLines: string[];
    };

/** Result of `preview`: every node's input and output records. */
export interface PreviewResult {
  nodes: { id: string; type: string; in: NodeSamples['in']; out: NodeSamples['out'] }[];
  /** The run's error, when preview failed part-way. */
  error?: string;
}

/** Result of "Test connection" on a Kafka or Redis node. */
export interface ConnectionTest {
  ok: boolean;
  /** E.g. "connected to 1 broker(s), cluster abc, 12 topics" or the error. */
  message: string;
}

/** The studio API, implemented over Electron IPC and over a WebSocket. */
export interface StudioApi {
  /** Which transport this is (for the title bar and the few things that differ, e.g. native dialogs). */
  readonly transport: 'electron' | 'browser';

  // ---- files
  /** Reads a flow file. In Electron, `path` undefined shows the native Open dialog (null when cancelled). */
  openFlow(path?: string): Promise<FlowFile | null>;
  /**
   * Writes a flow file (`*.flow.yaml` / `*.flow.json`). In Electron, `path` undefined shows the Save As dialog
   * (null when cancelled). Returns the path written.
   */
  saveFlow(text: string, path?: string): Promise<string | null>;
  /** Most recently opened or saved files, newest first (at most 10). */
  recentFiles(): Promise<string[]>;
  /** Stores a crash-safe copy of unsaved work (`path` is the file it belongs to, null for a new flow). */
  writeAutosave(text: string, path: string | null): Promise<void>;
  /** The autosaved copy left by a session that did not end cleanly, if any. */
  readAutosave(): Promise<{ text: string; path: string | null; savedAt: number } | null>;
  /** Forgets the autosaved copy (after a save, or when the user declines recovery). */
  clearAutosave(): Promise<void>;
  /** The demo flow opened on first launch (generator -> map -> filter -> console, no Kafka needed). */
  demoFlow(): Promise<FlowFile>;

  // ---- validation
  /** Compiles a flow text exactly as `tributary validate` does; an empty list means valid. */
  validate(text: string): Promise<Problem[]>;
  /** The flow with secrets replaced by `${VAR}` references, and the exact `tributary run` command for it. */
  exportHeadless(text: string, path: string | null): Promise<{ text: string; command: string; variables: string[] }>;

  // ---- runtime
  /** Starts a run of the flow in a separate runtime process (the same entry point as `tributary run`). */
  run(text: string, path: string | null): Promise<void>;
  /** Runs `tributary preview` for `records` records (default 20) and returns every node's input and output. */
  preview(text: string, records?: number): Promise<PreviewResult>;
  /** Stops the run: SIGTERM (drain, commit), then kill after the flow's shutdown timeout. */
  stop(): Promise<void>;
  /** The current run state. */
  runState(): Promise<RunState>;
  /** Run state changes. */
  onRunState(listener: (state: RunState) => void): Unsubscribe;
  /** Telemetry frames while running (at most 10 per second). */
  onTelemetry(listener: (frame: TelemetryFrame) => void): Unsubscribe;
  /** Sample records of one node, refreshed while subscribed (about twice a second). */
  onSamples(nodeId: string, listener: (samples: NodeSamples) => void): Unsubscribe;

  // ---- cluster helpers
  /** Connects to a Kafka cluster (or Redis, for `kind: 'redis'`) with a node's connection fields. */
  testConnection(kind: 'kafka' | 'redis', config: Record<string, unknown>): Promise<ConnectionTest>;
  /** Topic names of a Kafka cluster, for autocomplete (empty when it cannot be reached). */
  listTopics(config: Record<string, unknown>): Promise<string[]>;
}

/**
 * The one declaration of the studio's API, {@link STUDIO_OPERATIONS}: every operation and event the renderer uses,
 * with its parameters (zod schemas that check them where they are received), its reply and which members are
 * subscriptions. Everything else is derived from it (see `api-declaration.ts`): the {@link StudioApi} interface, the
 * wire protocol (`studio-protocol.ts`), the Electron preload bridge and IPC channels (`electron/preload.ts`,
 * `electron/ipc.ts`), the WebSocket client (`renderer/api/ws-transport.ts`) and the dispatcher both the Electron main
 * process and the browser-mode server use (`runtime/studio/dispatcher.ts`). The implementation is the studio backend
 * (`runtime/studio/backend.ts`), which must have every member of {@link StudioService}. Adding an operation touches
 * this declaration and the backend only. Browser-safe.
 *
 * Every call rejects with an `Error` whose message is meant for the user (e.g. "cannot read /x.flow.yaml: ENOENT").
 */
import * as z from 'zod/mini';
import { call, callWithPathDialog, event, keyedEvent, type ApiOf, type ServiceOf } from './api-declaration';
import type { AttachedInstance, AttachResult } from './attach-protocol';
import type { GroupChange } from './apply-plan';
import type { Problem } from './errors';
import { resetTargetSchema, type GroupOffsets, type OffsetReset, type ResetTarget } from './group-offsets';
import type { NodeSamples, TelemetryFrame } from './telemetry';

export type { Unsubscribe } from './api-declaration';

/** A flow file as read from disk: its path and text (YAML or JSON). */
export interface FlowFile {
  /** Absolute path. */
  path: string;
  /** The file's text, `${VAR}` references kept. */
  text: string;
  /** True when this studio did not create or save the file: it asks once before running it (expressions are code). */
  external: boolean;
}

/** An open flow file changed on disk by something other than this studio. */
export interface FlowFileChange {
  /** Absolute path. */
  path: string;
  /** The file's new text, or null when the file was deleted or cannot be read. */
  text: string | null;
}

/** What an Apply did: the nodes it changed and the Kafka sources whose consumer group changed. */
export interface ApplyResult {
  /** Ids of the added, removed, renamed or changed nodes (see `apply-plan.ts`). */
  changedNodes: string[];
  groupChanges: GroupChange[];
  /** When the new version started running (ms since the epoch). */
  appliedAt: number;
}

/** State of the runtime process the studio supervises. */
export type RunState =
  | { status: 'idle' }
  /** `applied`: a new version of the running flow is starting (Apply): the live view carries on. */
  | { status: 'starting'; mode: 'run' | 'preview'; startedAt: number; applied?: true }
  /**
   * `flow`: the text and file of the flow a run (mode `run`) runs, so that a studio reloaded during the run can tell
   * whether the editor differs from it (Apply).
   */
  | { status: 'running'; mode: 'run' | 'preview'; startedAt: number; pid: number; flow?: { text: string; path: string | null } }
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
    }
  /** Attached to headless instances (`attach`): no process of the studio's own; the canvas is read-only. */
  | { status: 'attached'; startedAt: number; flow: string; instances: AttachedInstance[] };

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

/** Result of "Save as test case": where the case went and what it holds. */
export interface SavedTestCase {
  /** The test file written (`<flow>.test.yaml` next to the flow file). */
  file: string;
  /** The case's name. */
  name: string;
  /** Source records in the case. */
  inputs: number;
  /** Expected records in the case (every sink and error port). */
  outputs: number;
  /**
   * Sampled records left out: outputs not joined to a sampled input, inputs whose outputs may be gone from the samples,
   * and records a sink's target refused (a test's sinks accept every record).
   */
  leftOut: number;
  /** Sinks and error ports the case does not check: a window's and those downstream of one (aggregates). */
  unchecked: string[];
}

/** The result of an expression on one record (see `evaluateExpression`), or its error. */
export type ExpressionEvaluation =
  | { ok: true; /** The result as JSON (`undefined`, `[function]` for those), at most 2,000 characters. */ text: string }
  | { ok: false; message: string; /** 1-based column, for an error the expression check found. */ column?: number };

/** A record an expression is evaluated on: what an expression sees of it. */
const expressionRecord = z.object({
  value: z.unknown(),
  key: z._default(z.nullable(z.string({ error: 'give the record key as a string or null' })), null),
  headers: z._default(z.record(z.string(), z.union([z.string(), z.array(z.string())])), {}),
  meta: z.unknown(),
});

/** A flow file's text (YAML or JSON). */
const flowText = z.string({ error: 'give the flow text' });
/** An absolute or relative file path. */
const filePath = z.string({ error: 'give a file path' });
/** A path the caller may leave out (a dialog asks for it in Electron). */
const optionalPath = z.optional(filePath);
/** The flow's file, null for a new flow (undefined counts as null). */
const pathOrNull = z._default(z.nullable(filePath), null);
/** A record count the caller may leave out (null counts as left out). */
const optionalCount = z.pipe(
  z.nullish(z.number({ error: 'give a number of records' })),
  z.transform((count: number | null | undefined) => count ?? undefined),
);
/** A node's config object, passed on as given (null or undefined count as `{}`). */
const nodeConfig = z.pipe(
  z.nullish(
    z.custom<Record<string, unknown>>((config) => typeof config === 'object' && config !== null && !Array.isArray(config), {
      error: 'give the node config as an object',
    }),
  ),
  z.transform((config: Record<string, unknown> | null | undefined): Record<string, unknown> => config ?? {}),
);

/** A node id. */
const nodeIdParam = z.string({ error: 'give a node id' }).check(z.minLength(1, 'give a node id'));

/**
 * The studio's operations and events. Member documentation here is what {@link StudioApi} shows for each member.
 */
export const STUDIO_OPERATIONS = {
  // ---- files
  /** Reads a flow file. In Electron, `path` undefined shows the native Open dialog (null when cancelled). */
  openFlow: callWithPathDialog<[path?: string], FlowFile>([optionalPath], { param: 0, kind: 'open' }, { changesFiles: true }),
  /**
   * Writes a flow file (`*.flow.yaml` / `*.flow.json`). In Electron, `path` undefined shows the Save As dialog
   * (null when cancelled). Returns the path written.
   */
  saveFlow: callWithPathDialog<[text: string, path?: string], string>([flowText, optionalPath], { param: 1, kind: 'save' }, { changesFiles: true }),
  /** Most recently opened or saved files, newest first (at most 10). */
  recentFiles: call<[], string[]>([]),
  /** Stores a crash-safe copy of unsaved work (`path` is the file it belongs to, null for a new flow). */
  writeAutosave: call<[text: string, path: string | null], void>([flowText, pathOrNull]),
  /** The autosaved copy left by a session that did not end cleanly, if any. */
  readAutosave: call<[], { text: string; path: string | null; savedAt: number } | null>([]),
  /** Forgets the autosaved copy (after a save, or when the user declines recovery). */
  clearAutosave: call<[], void>([]),
  /** The demo flow opened on first launch (generator -> map -> filter -> console, no Kafka needed). */
  demoFlow: call<[], FlowFile>([]),

  // ---- validation
  /** Compiles a flow text exactly as `tributary validate` does; an empty list means valid. */
  validate: call<[text: string], Problem[]>([flowText]),
  /** The flow with secrets replaced by `${VAR}` references, and the exact `tributary run` command for it. */
  exportHeadless: call<[text: string, path: string | null], { text: string; command: string; variables: string[] }>([flowText, pathOrNull]),

  /**
   * Evaluates an expression on records with the runtime's own check and compiler (the expression editor's preview),
   * each evaluation stopped after 250 ms; the node's extra variables (`expressionVariables`) are given by name.
   * A refused expression answers one error with the column `tributary validate` prints.
   */
  evaluateExpression: call<[source: string, records: { value: unknown; key: string | null; headers: Record<string, string | string[]>; meta: unknown }[], variables?: Record<string, unknown>], ExpressionEvaluation[]>([
    z.string({ error: 'give the expression text' }),
    z.array(expressionRecord),
    z.optional(z.record(z.string(), z.unknown())),
  ]),

  // ---- runtime
  /** Starts a run of the flow in a separate runtime process (the same entry point as `tributary run`). */
  run: call<[text: string, path: string | null], void>([flowText, pathOrNull]),
  /** Runs `tributary preview` for `records` records (default 20) and returns every node's input and output. */
  preview: call<[text: string, records?: number], PreviewResult>([flowText, optionalCount]),
  /** Stops the run: SIGTERM (drain, commit), then kill after the flow's shutdown timeout. */
  stop: call<[], void>([]),
  /**
   * Apply (edit while running): validates the edited flow (rejected with every problem, the run untouched), drains the
   * running runtime (SIGTERM: in-flight records finish, offsets are committed), then starts the edited flow on the
   * same consumer groups; resolves once it runs. Rejected when no run is active or the new version fails to start.
   */
  apply: call<[text: string, path: string | null], ApplyResult>([flowText, pathOrNull]),
  /** The current run state. */
  runState: call<[], RunState>([]),
  /** Run state changes. */
  onRunState: event<RunState>({ droppable: false }),
  /** Telemetry frames while running (at most 10 per second). */
  onTelemetry: event<TelemetryFrame>({ droppable: true }),
  /**
   * Sample records of one node (`key` is the node id), refreshed while subscribed (about twice a second).
   * Subscriptions are reference-counted per window or socket and end when it closes.
   */
  onSamples: keyedEvent<NodeSamples, 'nodeId'>({
    keyField: 'nodeId',
    keySchema: z.string({ error: 'give a node id' }).check(z.minLength(1, 'give a node id')),
    droppable: true,
  }),
  /**
   * Changes made on disk to the flow file `path` (`key`) by anything but this studio (an editor, `git pull`), while
   * subscribed; the studio's own saves are not reported.
   */
  onFlowFileChanged: keyedEvent<FlowFileChange, 'path'>({
    keyField: 'path',
    keySchema: z.string({ error: 'give a flow file path' }).check(z.minLength(1, 'give a flow file path')),
    droppable: false,
  }),

  // ---- attach (a live, read-only view of headless `tributary run --metrics-port` instances)
  /**
   * Attaches to instances of one flow: `urls` (http://host:port of their metrics ports) and the URLs of the list file
   * `listFile` (one per line, `#` comments), with `token` (their `TRIBUTARY_METRICS_TOKEN`; empty: the studio's own).
   * The run state turns `attached`; telemetry and samples then come combined from the instances. Rejected while a run
   * is active, or when an instance cannot be reached, refuses the token or runs another flow.
   */
  attach: call<[urls: string[], token: string, listFile?: string], AttachResult>([
    z.array(z.string({ error: 'give instance URLs as strings' })),
    z.string({ error: 'give the token as a string' }),
    z.optional(z.string({ error: 'give the list file as a path' })),
  ]),
  /** Ends the attachment (the run state turns `idle`); the instances run on. */
  detach: call<[], void>([]),

  // ---- cluster helpers
  /**
   * Checks that a node can reach its cluster (Kafka broker, Redis server) with the given connection fields.
   * @param nodeType the node's type id, e.g. `source.kafka` or `sink.redis`
   */
  testConnection: call<[nodeType: string, config: Record<string, unknown>], ConnectionTest>([z.string({ error: 'give a node type' }), nodeConfig]),
  /** Topic names of a Kafka cluster, for autocomplete (empty when it cannot be reached). */
  listTopics: call<[config: Record<string, unknown>], string[]>([nodeConfig]),

  // ---- replay ("Replay from…" on a source.kafka node)
  /** The committed offsets, log ends and lag per partition of a `source.kafka` node's consumer group in the flow text. */
  groupOffsets: call<[text: string, nodeId: string], GroupOffsets>([flowText, nodeIdParam]),
  /**
   * Moves the node's consumer group to `target` so the next run processes again from there; with `dryRun` only
   * returns the plan. Rejected while a run is active or any consumer of the group is running.
   */
  resetGroupOffsets: call<[text: string, nodeId: string, target: ResetTarget, dryRun?: boolean], OffsetReset>([
    flowText,
    nodeIdParam,
    resetTargetSchema,
    z.optional(z.boolean({ error: 'give dryRun as true or false' })),
  ]),

  // ---- flow tests
  /**
   * "Save as test case": appends the running flow's sampled source records and what they produced at each sink and
   * error port, as the case `name`, to `<flow>.test.yaml` next to the flow file `path` (docs/flow-tests.md).
   */
  saveTestCase: call<[text: string, path: string, name: string], SavedTestCase>([
    flowText,
    z.string({ error: 'save the flow first: the test file goes next to it' }),
    z.string({ error: 'give the test case a name' }).check(z.minLength(1, 'give the test case a name')),
  ]),
} as const;

/** The studio API, implemented over Electron IPC and over a WebSocket: one function per {@link STUDIO_OPERATIONS} member. */
export interface StudioApi extends ApiOf<typeof STUDIO_OPERATIONS> {
  /** Which transport this is (for the title bar and the few things that differ, e.g. native dialogs). */
  readonly transport: 'electron' | 'browser';
}

/**
 * What the studio backend provides to the dispatchers: every call (paths always given: dialogs are the shell's job)
 * and every event subscription of {@link STUDIO_OPERATIONS}.
 */
export type StudioService = ServiceOf<typeof STUDIO_OPERATIONS>;

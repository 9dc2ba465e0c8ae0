/**
 * The block watchdog: stops the runtime when node code blocks the event loop for longer than `settings.maxBlockMs`
 * (a catastrophic regular expression, a pathological sort comparator, a long recursion: what the expression check
 * cannot see). A blocked event loop answers nothing, not `/healthz`, not SIGTERM; only another thread can notice it.
 *
 * How: the main thread bumps a heartbeat counter in a SharedArrayBuffer every {@link heartbeatIntervalMs} (a timer, so
 * it only beats while the event loop turns), and the engine writes the index of the node it is running into the same
 * buffer (once per batch per node: {@link Watchdog.enter} before a transform's `process` or a sink's write, and
 * {@link Watchdog.leave} when that call returns). A `worker_threads` Worker polls the counter; when it has not moved
 * for `maxBlockMs`, the worker
 * 1. makes ONE line for stderr (JSON at level `fatal` like the pino logs with `--log-format json`, else text):
 *    `node <id> (<type>) blocked the event loop for <n> ms (settings.maxBlockMs <m>): <expression> — stopping the
 *    runtime; the records in flight are replayed on restart`;
 * 2. ends the process with exit code {@link WATCHDOG_EXIT_CODE}, the line written last. A worker's `process.exit` (and `process.reallyExit`)
 *    ends only the worker, and `process.kill(process.pid, 'SIGKILL')` only gives 137, the code of any kill. So the
 *    worker opens an inspector session to the main thread (`inspector.Session.connectToMainThread()`) and evaluates
 *    the main thread's exit function there (`process.exit(4)`, kept under a `Symbol.for` key): V8 runs inspector messages as interrupts of the running JavaScript, a busy regular
 *    expression included, the way a debugger pauses an endless loop (`Runtime.terminateExecution` was tried and
 *    rejected: terminating a timer callback corrupts Node's async-hook stack and aborts with a native stack trace).
 *    The process's `exit` listeners run (pino flushes what it buffered before the block), then the last one writes the
 *    line (so it is the last line, the one the studio shows as the run's error) and closes stderr, because Node
 *    prints "Waiting for the debugger to disconnect..." at exit while such a session is open (src/inspector_agent.cc,
 *    `WaitForDisconnect`). When the main thread is blocked in native code that takes no interrupt (a synchronous read
 *    of a pipe, say), the worker writes the line itself with `fs.writeSync(2, ...)` and sends SIGKILL
 *    {@link KILL_GRACE_MS} later.
 *
 * Nothing is committed past the blocked batch, so a supervisor's restart replays it (at-least-once). A paused debugger
 * also stops the heartbeat: set `maxBlockMs: 0` (off) to debug a flow with breakpoints.
 */
import { closeSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { expressionFields } from '../common/compile';
import type { Plan } from '../common/flow';
import { formatPath } from '../common/flow-path';

/** Exit code of a runtime the watchdog stopped (`ExitCode.blocked` of the CLI). */
export const WATCHDOG_EXIT_CODE = 4;

/** After asking the main thread to exit, the worker sends SIGKILL this much later if the process still lives (ms). */
export const KILL_GRACE_MS = 500;

/** Longest expression text quoted in the watchdog's line (characters). */
export const MAX_QUOTED_CODE = 300;

/** The key (`Symbol.for`) of the main thread's exit function, evaluated by the worker through the inspector. */
const EXIT_KEY = 'tributary.watchdog.exit';

/** Heartbeat period of the main thread for a given `maxBlockMs` (ms): a tenth of it, between 10 and 250 ms. */
export function heartbeatIntervalMs(maxBlockMs: number): number {
  return Math.min(250, Math.max(10, Math.floor(maxBlockMs / 10)));
}

/** A node the watchdog can name: its id, type and the code it runs (its expressions, `''` when it has none). */
export interface WatchedNode {
  id: string;
  type: string;
  /** The node's expressions as `config.<field>: <text>`, joined with `; `, cut at {@link MAX_QUOTED_CODE} characters. */
  code: string;
}

/**
 * The watchdog's node table: every node of the plan, in `plan.nodes` order (the index the engine marks), with its
 * expressions (the fields its spec lists in `expressions`).
 */
export function watchedNodes(plan: Plan): WatchedNode[] {
  return plan.nodes.map((node) => {
    const parts: string[] = [];
    for (const specPath of node.spec.expressions ?? []) {
      for (const field of expressionFields(node.config, specPath)) {
        if (typeof field.value === 'string') parts.push(`${formatPath(['config', ...field.path])}: ${field.value}`);
      }
    }
    const code = parts.join('; ');
    return { id: node.id, type: node.spec.type, code: code.length > MAX_QUOTED_CODE ? `${code.slice(0, MAX_QUOTED_CODE)}…` : code };
  });
}

/**
 * What the watchdog found: which node was running (undefined: none marked; then the code ran in a source or a library,
 * and `sources` are named), for how long the loop was blocked (ms).
 */
export interface BlockReport {
  node: WatchedNode | undefined;
  blockedMs: number;
  maxBlockMs: number;
  /** The flow's sources, named when no node was marked (their own code is not marked). */
  sources?: WatchedNode[] | undefined;
}

/** `id (type): code` of a node, for messages. */
function describeNode(node: WatchedNode): string {
  return `${node.id} (${node.type})${node.code === '' ? '' : `: ${node.code}`}`;
}

/**
 * The watchdog's message around the blocked time: `head + blockedMs + tail` is the line (see the module doc); the
 * worker only adds the number.
 */
export function blockedMessageParts(
  node: WatchedNode | undefined,
  maxBlockMs: number,
  sources: WatchedNode[] = [],
): { head: string; tail: string } {
  const where = sources.length === 0 ? 'a source or a library' : `in a source, ${sources.map(describeNode).join('; ')}, or a library`;
  const who = node === undefined ? `the event loop was blocked outside any transform or sink (${where})` : `node ${node.id} (${node.type}) blocked the event loop`;
  const code = node === undefined || node.code === '' ? '' : `: ${node.code}`;
  return {
    head: `${who} for `,
    tail: ` ms (settings.maxBlockMs ${maxBlockMs})${code} — stopping the runtime; the records in flight are replayed on restart`,
  };
}

/** The message of the watchdog's line (see the module doc). */
export function blockedMessage(report: BlockReport): string {
  const { head, tail } = blockedMessageParts(report.node, report.maxBlockMs, report.sources);
  return `${head}${report.blockedMs}${tail}`;
}

/** The fields of the JSON line besides `level`, `time`, `blockedMs` and `msg`. */
function lineFields(node: WatchedNode | undefined, maxBlockMs: number): Record<string, unknown> {
  return node === undefined
    ? { event: 'blocked', maxBlockMs }
    : { event: 'blocked', node: node.id, type: node.type, ...(node.code === '' ? {} : { expression: node.code }), maxBlockMs };
}

/**
 * The worker's program (CommonJS, run with `eval: true` so that it needs no TypeScript loader). `workerData`: `cells`
 * (Int32Array on a SharedArrayBuffer: [0] heartbeat, [1] running node index or -1, [2] 1 once the main thread wrote
 * the line), `maxBlockMs`, `pollMs`, `lines`
 * (per node index, then one for "no node": message head and tail around the blocked ms, and the JSON fields), `json`,
 * `exitKey`, `killGraceMs`.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
const { cells, maxBlockMs, pollMs, lines, json, exitKey, killGraceMs } = workerData;
let beat = Atomics.load(cells, 0);
let seenAt = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  const current = Atomics.load(cells, 0);
  if (current !== beat) {
    beat = current;
    seenAt = now;
    return;
  }
  if (now - seenAt < maxBlockMs) return;
  clearInterval(timer);
  const index = Atomics.load(cells, 1);
  const line = index >= 0 && index < lines.length - 1 ? lines[index] : lines[lines.length - 1];
  const blockedMs = Math.round(now - seenAt);
  const msg = line.head + blockedMs + line.tail;
  const text = json ? JSON.stringify({ level: 'fatal', time: Date.now(), ...line.fields, blockedMs, msg }) : msg;
  const kill = () => {
    if (Atomics.load(cells, 2) === 0) {
      try {
        writeSync(2, text + '\\n');
      } catch {}
    }
    process.kill(process.pid, 'SIGKILL');
  };
  try {
    const { Session } = require('node:inspector');
    const session = new Session();
    session.connectToMainThread();
    session.post('Runtime.evaluate', { expression: 'globalThis[Symbol.for(' + JSON.stringify(exitKey) + ')](' + JSON.stringify(text) + ')' });
  } catch {
    kill();
  }
  setTimeout(kill, killGraceMs);
}, pollMs);
`;

/** How to start a {@link Watchdog}. */
export interface WatchdogOptions {
  /** Longest the event loop may stay blocked (ms, > 0). */
  maxBlockMs: number;
  /** The node table ({@link watchedNodes}); the engine marks indexes into it. */
  nodes: WatchedNode[];
  /** The line's format: one JSON object (pino-like, level `fatal`) or text. */
  format: 'json' | 'text';
  /** Called when the watchdog thread fails (it then watches no more); default: ignored. */
  onError?: ((error: Error) => void) | undefined;
}

/** Where the engine marks the node it runs (once per batch per node); the watchdog names it when the loop blocks. */
export interface RunningNodeMark {
  /**
   * `nodeIndex` (into `plan.nodes`) starts a synchronous call: a transform's `process`, a sink's write.
   * @returns the index marked before (-1: none), for {@link leave}
   */
  enter(nodeIndex: number): number;
  /** That call returned (what it awaits afterwards runs outside it): `previous` (from {@link enter}) runs again. */
  leave(previous: number): void;
}

/**
 * The main thread's exit when the watchdog fired: the other `exit` listeners run (pino flushes), then `line` is written
 * to stderr, `cells[2]` set (so the worker does not write it again) and stderr closed (see the module doc).
 */
function exitBlocked(line: string, cells: Int32Array): void {
  process.once('exit', () => {
    try {
      writeSync(2, `${line}\n`);
    } catch {
      // stderr is gone: nothing to tell.
    }
    Atomics.store(cells, 2, 1);
    try {
      closeSync(2);
    } catch {
      // Already closed.
    }
  });
  process.exit(WATCHDOG_EXIT_CODE);
}

/** A running watchdog (see the module doc); {@link stop} it when the run ends, or let the process exit. */
export class Watchdog implements RunningNodeMark {
  private readonly cells: Int32Array;
  private readonly worker: Worker;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(options: WatchdogOptions) {
    this.cells = new Int32Array(new SharedArrayBuffer(12));
    this.cells[1] = -1;
    const sources = options.nodes.filter((node) => node.type.startsWith('source.'));
    const lines = [...options.nodes, undefined].map((node) => ({
      ...blockedMessageParts(node, options.maxBlockMs, sources),
      fields: lineFields(node, options.maxBlockMs),
    }));
    (globalThis as Record<symbol, unknown>)[Symbol.for(EXIT_KEY)] = (line: string): void => exitBlocked(line, this.cells);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: 'tributary-watchdog',
      // A small heap: the watchdog holds a node table and a timer.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
      workerData: {
        cells: this.cells,
        maxBlockMs: options.maxBlockMs,
        pollMs: Math.min(100, Math.max(5, Math.floor(options.maxBlockMs / 20))),
        lines,
        json: options.format === 'json',
        exitKey: EXIT_KEY,
        killGraceMs: KILL_GRACE_MS,
      },
    });
    this.worker.on('error', (error) => options.onError?.(error));
    this.worker.unref();
    this.heartbeat = setInterval(() => Atomics.add(this.cells, 0, 1), heartbeatIntervalMs(options.maxBlockMs));
    this.heartbeat.unref();
  }

  /**
   * Starts the watchdog thread and the heartbeat; neither keeps the process alive.
   * @throws RangeError when `maxBlockMs` is not a positive number
   */
  static start(options: WatchdogOptions): Watchdog {
    if (!(options.maxBlockMs > 0)) throw new RangeError(`maxBlockMs must be positive, got ${options.maxBlockMs}`);
    return new Watchdog(options);
  }

  enter(nodeIndex: number): number {
    const previous = this.cells[1]!;
    this.cells[1] = nodeIndex;
    return previous;
  }

  leave(previous: number): void {
    this.cells[1] = previous;
  }

  /** Stops the heartbeat and the watchdog thread. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.worker.terminate();
  }
}

/**
 * The health of a run, as `/healthz` (liveness) and `/readyz` (readiness) report it. The engine keeps one
 * {@link RunHealth}: sources report their group membership through the engine (`ctx.ready()` / `ctx.unready(reason)`),
 * the engine's retry loop reports sinks that fail and recover, and the engine itself reports draining and failure.
 *
 * - **Live** while the engine has not failed (the endpoint answering at all shows the event loop does).
 * - **Ready** while every source holds its group membership (a Kafka consumer group joined and its consumer not
 *   crashed; a Redis stream group created and its read loop running), no sink has been failing for longer than
 *   `settings.unreadyAfterMs`, and the run is neither draining nor failed. Readiness turns back on by itself when the
 *   cause goes away (a sink recovers, a source rejoins its group).
 */
import type { TributaryError } from '../common/errors';

/** What `/healthz` answers: `live` false once the run failed, with the error's message. */
export interface Liveness {
  live: boolean;
  /** The fatal error's message, when the run failed. */
  error?: string;
}

/** What `/readyz` answers: `ready`, and when not, one reason per node that keeps the run from being ready. */
export interface Readiness {
  ready: boolean;
  /**
   * Reasons by node id (empty when ready), e.g. `{ out: "failing for 31 s (unreadyAfterMs 30000): connect ECONNREFUSED
   * 127.0.0.1:6391" }`. A failure no node is named for (a TributaryError without `nodeId`) is listed under `run`.
   */
  nodes: Record<string, string>;
}

/** Since when a sink fails, and its last error message. */
interface SinkFailure {
  since: number;
  message: string;
}

/** The health state of one run (see the module doc). Every method is cheap; `readiness` is computed on demand. */
export class RunHealth {
  /** Sources not holding their membership now, with the reason. */
  private readonly unreadySources = new Map<string, string>();
  private readonly failingSinks = new Map<string, SinkFailure>();
  private drainingSince: number | undefined;
  private fatal: Error | undefined;

  /**
   * @param sourceIds every source node of the plan (each starts "not yet ready")
   * @param unreadyAfterMs how long a sink may fail before the run is not ready (ms, `settings.unreadyAfterMs`)
   */
  constructor(
    private readonly sourceIds: readonly string[],
    private readonly unreadyAfterMs: number,
  ) {
    for (const id of sourceIds) this.unreadySources.set(id, 'has not joined its group yet');
  }

  /** A source holds its group membership; returns true when that made every source ready. */
  sourceReady(nodeId: string): boolean {
    return this.unreadySources.delete(nodeId) && this.unreadySources.size === 0;
  }

  /** A source lost its membership (rebalancing, its consumer crashed and restarts, its read loop ended). */
  sourceUnready(nodeId: string, reason: string): void {
    this.unreadySources.set(nodeId, reason);
  }

  /** True when every source holds its membership. */
  get sourcesReady(): boolean {
    return this.unreadySources.size === 0;
  }

  /**
   * A sink operation failed and is being retried; the first failure since the sink last succeeded starts its clock.
   * @returns true for that first failure (the sink just went down)
   */
  sinkFailing(nodeId: string, message: string, now = Date.now()): boolean {
    const failure = this.failingSinks.get(nodeId);
    if (failure !== undefined) {
      failure.message = message;
      return false;
    }
    this.failingSinks.set(nodeId, { since: now, message });
    return true;
  }

  /**
   * A sink operation succeeded.
   * @returns how long the sink had been failing (ms), or undefined when it was not
   */
  sinkRecovered(nodeId: string, now = Date.now()): number | undefined {
    const failure = this.failingSinks.get(nodeId);
    if (failure === undefined) return undefined;
    this.failingSinks.delete(nodeId);
    return now - failure.since;
  }

  /** The run is draining (stop requested or sources finished): not ready from now on. */
  draining(now = Date.now()): void {
    this.drainingSince ??= now;
  }

  /** The run failed with `error`: neither live nor ready from now on. */
  failed(error: Error): void {
    this.fatal ??= error;
  }

  /** The liveness answer. */
  liveness(): Liveness {
    return this.fatal === undefined ? { live: true } : { live: false, error: this.fatal.message };
  }

  /** The readiness answer at `now` (ms since the epoch). */
  readiness(now = Date.now()): Readiness {
    const nodes: Record<string, string> = {};
    if (this.fatal !== undefined) {
      const nodeId = (this.fatal as Partial<TributaryError>).nodeId;
      nodes[nodeId ?? 'run'] = `the run failed: ${this.fatal.message}`;
    }
    for (const [id, reason] of this.unreadySources) nodes[id] ??= reason;
    for (const [id, failure] of this.failingSinks) {
      const ms = now - failure.since;
      if (ms > this.unreadyAfterMs) {
        nodes[id] ??= `failing for ${Math.round(ms / 1000)} s (unreadyAfterMs ${this.unreadyAfterMs}): ${failure.message}`;
      }
    }
    if (this.drainingSince !== undefined) {
      for (const id of this.sourceIds) nodes[id] ??= 'draining: the run is stopping, no more records are read';
    }
    return { ready: Object.keys(nodes).length === 0, nodes };
  }
}

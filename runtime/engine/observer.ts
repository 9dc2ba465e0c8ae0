/**
 * Observation by wrapping (the shape of Benthos' auto-observed processors): the engine wraps each node's parts in a
 * {@link NodeObserver} that counts what came in, times the call, marks failures and counts what went out, reporting to
 * the telemetry collector. The engine's delivery functions only deliver; with telemetry off nothing is wrapped.
 *
 * What is wrapped, per node kind:
 * - source: its `deliver` (records read, records acknowledged everywhere);
 * - every node: its outlet, the function that sends records out of a port (records out by port, failed records on
 *   `error`, dropped ones when `error` is unwired and `onError` is `drop`, records per edge);
 * - transform: its `process` (records in and samples, batch latency);
 * - sink: its write as the engine runs it, retries included (records in and samples, batch latency, acknowledgement
 *   and end-to-end latency), and each single attempt to open or write (a retriable failure marks the sink
 *   backpressured with its message until an attempt succeeds).
 * A node's own counters (`ctx.counters`) are attached to its telemetry once, at creation.
 */
import { performance } from 'node:perf_hooks';
import type { PlanNode } from '../common/flow';
import { ERROR_PORT } from '../common/node-spec';
import { edgeKey } from '../common/telemetry';
import type { TelemetryCollector } from './telemetry';
import type { BatchScope, FlowRecord, NodeCounters, PortBatches, SinkRejection, SinkRuntime, SourceContext } from './types';

/** Sends records out of one of a node's ports to every target; resolves when every sink downstream acknowledged. */
export type Outlet = (port: string, records: FlowRecord[], scope: BatchScope) => Promise<void>;
/** A transform's `process`. */
export type Process = (records: FlowRecord[], scope: BatchScope) => PortBatches | Promise<PortBatches>;
/** A sink write as the engine runs it (with retries): the records the target refused, if any. */
export type SinkWrite = (records: FlowRecord[]) => Promise<SinkRejection[] | void>;
/** A source's `deliver`. */
export type Deliver = SourceContext['deliver'];

/** Observes one node (see the module doc). Every `wrap*` method returns a function with the same contract. */
export interface NodeObserver {
  /** Wraps a source's deliver: counts records read, and records acknowledged everywhere once it resolves. */
  wrapDeliver(deliver: Deliver): Deliver;
  /** Wraps the node's outlet: records out per port, failures on `error`, drops, records per edge. */
  wrapOutlet(outlet: Outlet): Outlet;
  /** Wraps a transform's process: records in (and samples), batch latency, thrown failures included. */
  wrapProcess(process: Process): Process;
  /**
   * Wraps a sink write with retries: records in (and samples), latency until acknowledged; with `acknowledged` false
   * (preview, nothing is written) no acknowledgement latency is recorded.
   */
  wrapSinkWrite(write: SinkWrite, acknowledged: boolean): SinkWrite;
  /**
   * Wraps a sink runtime's single attempts (`open`, `write`): a failure `classify` calls retriable marks the sink
   * backpressured, with its message as the last error, until an attempt succeeds.
   */
  wrapSink(sink: SinkRuntime, classify: (error: unknown) => { retriable: boolean; message: string }): SinkRuntime;
}

/** The observer used when telemetry is off: every wrap returns what it was given. */
const UNOBSERVED: NodeObserver = {
  wrapDeliver: (deliver) => deliver,
  wrapOutlet: (outlet) => outlet,
  wrapProcess: (process) => process,
  wrapSinkWrite: (write) => write,
  wrapSink: (sink) => sink,
};

/**
 * The observer of `node`, reporting to `telemetry`, with `counters` (the node's `ctx.counters`) attached to its
 * telemetry; the pass-through observer when telemetry is undefined (off).
 */
export function observeNode(telemetry: TelemetryCollector | undefined, node: PlanNode, counters: NodeCounters): NodeObserver {
  if (telemetry === undefined) return UNOBSERVED;
  telemetry.attachCounters(node.id, counters);
  return new TelemetryObserver(telemetry, node);
}

class TelemetryObserver implements NodeObserver {
  private readonly id: string;
  /** Edge keys by output port. */
  private readonly edges = new Map<string, string[]>();
  /** Failed records leaving the unwired `error` port are dropped (`onError: drop`). */
  private readonly dropsErrors: boolean;

  constructor(
    private readonly telemetry: TelemetryCollector,
    node: PlanNode,
  ) {
    this.id = node.id;
    for (const [port, targets] of node.outputs) {
      this.edges.set(port, targets.map((t) => edgeKey(node.id, port, t.nodeId, t.port)));
    }
    this.dropsErrors = node.onError === 'drop' && (node.outputs.get(ERROR_PORT)?.length ?? 0) === 0;
  }

  wrapDeliver(deliver: Deliver): Deliver {
    const { telemetry, id } = this;
    return (batch, onProcessed) => {
      if (batch.length === 0) return deliver(batch, onProcessed);
      telemetry.recordIn(id, batch, true);
      // The source gets the engine's own promise: no extra turns between the acknowledgement and the source's reaction.
      const delivered = deliver(batch, onProcessed);
      delivered.then(
        () => telemetry.recordDelivered(batch.length),
        () => undefined,
      );
      return delivered;
    };
  }

  wrapOutlet(outlet: Outlet): Outlet {
    const { telemetry, id, edges, dropsErrors } = this;
    return (port, records, scope) => {
      if (records.length > 0) {
        telemetry.recordOut(id, port, records);
        if (port === ERROR_PORT) {
          telemetry.recordErrors(id, records.length, 0, records[0]!.error?.message);
          if (dropsErrors) telemetry.recordErrors(id, 0, records.length, undefined);
        }
        const keys = edges.get(port);
        if (keys !== undefined) for (const key of keys) telemetry.recordEdge(key, records.length);
      }
      return outlet(port, records, scope);
    };
  }

  wrapProcess(process: Process): Process {
    const { telemetry, id } = this;
    return async (records, scope) => {
      telemetry.recordIn(id, records, false);
      const started = performance.now();
      try {
        return await process(records, scope);
      } finally {
        telemetry.recordLatency(id, performance.now() - started);
      }
    };
  }

  wrapSinkWrite(write: SinkWrite, acknowledged: boolean): SinkWrite {
    const { telemetry, id } = this;
    return async (records) => {
      telemetry.recordIn(id, records, false);
      const started = performance.now();
      const rejections = await write(records);
      const ms = performance.now() - started;
      telemetry.recordLatency(id, ms);
      if (acknowledged) telemetry.recordSinkAck(id, ms, records);
      return rejections;
    };
  }

  wrapSink(sink: SinkRuntime, classify: (error: unknown) => { retriable: boolean; message: string }): SinkRuntime {
    const { telemetry, id } = this;
    let retrying = false;
    const observe = async <T>(attempt: () => Promise<T>): Promise<T> => {
      let result: T;
      try {
        result = await attempt();
      } catch (error) {
        const { retriable, message } = classify(error);
        if (retriable) {
          retrying = true;
          telemetry.setBackpressured(id, true);
          telemetry.recordErrors(id, 0, 0, message);
        }
        throw error;
      }
      if (retrying) {
        retrying = false;
        telemetry.setBackpressured(id, false);
      }
      return result;
    };
    const observed: SinkRuntime = { write: (batch) => observe(() => sink.write(batch)) };
    if (sink.open !== undefined) observed.open = () => observe(() => sink.open!());
    if (sink.close !== undefined) observed.close = () => sink.close!();
    return observed;
  }
}

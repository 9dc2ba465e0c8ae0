/**
 * Runs one flow test case in this process with no Kafka, Redis or network: the flow's plan runs in the real engine
 * with its real transforms, but every source is replaced by one that delivers the case's recorded inputs and every
 * sink by one that captures what it is given; what leaves each node's `error` port is captured too. While the case
 * runs, `Date.now()`, `new Date()` (and so `fn.now()`) return the case's `now`. Node-only.
 */
import type { Logger } from 'pino';
import { TributaryError } from '../common/errors';
import type { Plan } from '../common/flow';
import { ERROR_PORT } from '../common/node-spec';
import { Engine, asTributaryError } from '../engine/engine';
import { failRecord, type FlowRecord, type NodeRuntime, type SourceRuntime, type TransformRuntime } from '../engine/types';
import type { InputRecord, TestCase } from './test-file';

/** What a case produced: records per sink id and per `<node id>.error`, in the order they arrived. */
export interface CaseOutput {
  records: Map<string, FlowRecord[]>;
  /** The run's fatal error (e.g. an unwired error port with `onError: stop`), if it failed. */
  error?: string;
}

/** The capture key of a node's error port. */
export function errorPortKey(nodeId: string): string {
  return `${nodeId}.${ERROR_PORT}`;
}

/** Types whose runtime keeps state in a service; flow tests run them with the state in memory instead. */
const IN_MEMORY_CONFIG: Record<string, (config: Record<string, unknown>) => Record<string, unknown>> = {
  'transform.dedupe': (config) => ({ ...config, store: 'memory' }),
};

/**
 * Checks that a plan can run without network and that the case names only its nodes.
 * @returns one message per problem (node ids named), empty when the case can run
 */
export function caseProblems(plan: Plan, testCase: TestCase): string[] {
  const problems: string[] = [];
  for (const node of plan.nodes) {
    if (node.spec.kind === 'transform' && node.spec.connectionCheck !== undefined && IN_MEMORY_CONFIG[node.spec.type] === undefined) {
      problems.push(`node ${node.id} (${node.spec.type}) reads ${node.spec.connectionCheck}, and flow tests run with no network`);
    }
  }
  for (const id of Object.keys(testCase.inputs)) {
    const node = plan.byId.get(id);
    if (node?.spec.kind !== 'source') problems.push(`inputs.${id}: the flow has no source node "${id}"`);
  }
  for (const key of Object.keys(testCase.expect)) {
    const node = plan.byId.get(key);
    if (node?.spec.kind === 'sink') continue;
    const dot = key.lastIndexOf('.');
    const id = key.slice(0, dot);
    if (dot > 0 && key.slice(dot + 1) === ERROR_PORT && plan.byId.has(id)) continue;
    problems.push(`expect.${key}: neither a sink node nor "<node id>.error" of the flow`);
  }
  return problems;
}

/** The record a recorded source delivers for an input of the case. */
function toFlowRecord(sourceId: string, input: InputRecord, now: number): FlowRecord {
  const record: FlowRecord = {
    key: input.key,
    value: input.value,
    headers: input.headers,
    timestamp: input.timestamp ?? now,
    meta: {
      source: sourceId,
      ...(input.topic === undefined ? {} : { topic: input.topic }),
      ...(input.partition === undefined ? {} : { partition: input.partition }),
      ...(input.offset === undefined ? {} : { offset: input.offset }),
    },
  };
  if (input.error !== undefined) return failRecord(record, sourceId, input.error.message, input.error.code as never);
  return record;
}

/** Runtimes for a test run of `plan`: recorded sources, capturing sinks, transforms wrapped to capture `error`. */
function testRuntimes(plan: Plan, testCase: TestCase, capture: (key: string, records: FlowRecord[]) => void, real: ReadonlyMap<string, NodeRuntime>): Map<string, NodeRuntime> {
  const runtimes = new Map<string, NodeRuntime>();
  for (const node of plan.nodes) {
    if (runtimes.has(node.spec.type)) continue;
    const spec = node.spec;
    if (spec.kind === 'source') {
      runtimes.set(spec.type, {
        kind: 'source',
        spec,
        create: (_config, ctx): SourceRuntime => {
          const records = (testCase.inputs[ctx.nodeId] ?? []).map((r) => toFlowRecord(ctx.nodeId, r, testCase.now));
          const failed = records.filter((r) => r.error !== undefined);
          if (failed.length > 0) capture(errorPortKey(ctx.nodeId), failed);
          return {
            run: async () => {
              ctx.ready();
              for (let i = 0; i < records.length; i += ctx.batchSize) {
                // Waits until the batch passed through the graph, not for its acknowledgement: a window holds that
                // until it closes, which later records (or the end of the run) bring about.
                await new Promise<void>((processed) => {
                  ctx.deliver(records.slice(i, i + ctx.batchSize), processed).catch(() => processed());
                });
              }
            },
            stop: () => Promise.resolve(),
          };
        },
      });
    } else if (spec.kind === 'sink') {
      runtimes.set(spec.type, {
        kind: 'sink',
        spec,
        create: (_config, ctx) => ({
          write: (batch) => {
            capture(ctx.nodeId, batch);
            return Promise.resolve();
          },
        }),
      });
    } else {
      const runtime = real.get(spec.type);
      if (runtime?.kind !== 'transform') continue; // the engine names the missing runtime
      const inMemory = IN_MEMORY_CONFIG[spec.type];
      runtimes.set(spec.type, {
        kind: 'transform',
        spec,
        create: async (config, ctx): Promise<TransformRuntime> => {
          const inner = await runtime.create(inMemory === undefined ? config : inMemory(config as Record<string, unknown>), {
            ...ctx,
            emit: (port, records) => {
              if (port === ERROR_PORT) capture(errorPortKey(ctx.nodeId), records);
              return ctx.emit(port, records);
            },
          });
          const wrapped: TransformRuntime = {
            process: async (batch, scope) => {
              let out;
              try {
                out = await inner.process(batch, scope);
              } catch (error) {
                // What the engine does with a thrown error, done here so that the error port's records are captured.
                const e = asTributaryError(error, 'E_INTERNAL');
                out = { [ERROR_PORT]: batch.map((r) => failRecord(r, ctx.nodeId, e.message, e.code)) };
              }
              const failed = out[ERROR_PORT];
              if (failed !== undefined && failed.length > 0) capture(errorPortKey(ctx.nodeId), failed);
              return out;
            },
          };
          if (inner.close !== undefined) wrapped.close = () => inner.close!();
          return wrapped;
        },
      });
    }
  }
  return runtimes;
}

/**
 * Replaces `Date.now()`, the argument-less `new Date()` and `Date()` (a function call: the time as a string) with
 * `now` until the returned function is called. Timers (`setTimeout`, `performance.now()`) keep real time, so the
 * engine's retries and shutdown timeout still work.
 */
export function pinTime(now: number): () => void {
  const RealDate = globalThis.Date;
  const pinnedNow = (): number => now;
  // A proxy rather than a subclass: a class cannot be called without `new`, and `Date()` is a function call.
  const PinnedDate = new Proxy(RealDate, {
    construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [now] : args, newTarget) as object,
    apply: () => new RealDate(now).toString(),
    get: (target, property, receiver) => (property === 'now' ? pinnedNow : Reflect.get(target, property, receiver) as unknown),
  });
  globalThis.Date = PinnedDate;
  return () => {
    globalThis.Date = RealDate;
  };
}

/**
 * Runs a case through `plan` in this process.
 * @param plan the flow's plan (compiled with the test file's `env`)
 * @param testCase the case (checked with {@link caseProblems} first)
 * @param runtimes the real node runtimes (for transforms), normally `nodeRuntimes`
 * @param logger the engine's logger (normally silent)
 * @returns what reached each sink and error port; `error` when the run failed
 */
export async function runCase(plan: Plan, testCase: TestCase, runtimes: ReadonlyMap<string, NodeRuntime>, logger: Logger): Promise<CaseOutput> {
  const records = new Map<string, FlowRecord[]>();
  const capture = (key: string, batch: FlowRecord[]): void => {
    let list = records.get(key);
    if (list === undefined) records.set(key, (list = []));
    list.push(...batch);
  };
  const engine = new Engine(plan, { runtimes: testRuntimes(plan, testCase, capture, runtimes), logger, telemetry: false });
  const unpin = pinTime(testCase.now);
  try {
    await engine.run();
    return { records };
  } catch (error) {
    const message = error instanceof TributaryError || error instanceof Error ? error.message : String(error);
    return { records, error: message };
  } finally {
    unpin();
  }
}

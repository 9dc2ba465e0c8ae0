/**
 * Runtime of `source.generator` (Node-only): builds records from the `value`/`key` expressions and delivers them in
 * batches of at most `ctx.batchSize`, paced by a token bucket to `ratePerSecond`.
 */
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression, type ExpressionRecord } from '../../runtime/common/expression';
import { sleep } from '../../runtime/engine/sleep';
import { defineSource, type FlowRecord, type SourceContext, type SourceRuntime } from '../../runtime/engine/types';
import { generatorSourceSpec } from './generator.spec';

/**
 * Longest a generated record waits in a partly filled batch before it is delivered (ms). At 1,000 records/s this gives
 * batches of 50 every 50 ms rather than one record per millisecond; at 1 record/s, one record per second.
 */
export const GENERATOR_MAX_BATCH_DELAY_MS = 50;

/** Lets timers and I/O run between batches when the generator is not paced (`ratePerSecond: 0`). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Turns a key expression result into a record key: null/undefined -> null, strings as-is, anything else `String`. */
function toKey(result: unknown): string | null {
  if (result === null || result === undefined) return null;
  return typeof result === 'string' ? result : String(result);
}

/**
 * Runtime of `source.generator`. `run()` calls `ctx.ready()`, then delivers `count` records (or unboundedly; in preview
 * the engine stops it after the records it previews) and resolves when done or after `stop()`; it rejects with a `TributaryError`
 * (`E_EXPRESSION_RUNTIME`) when the value or key expression throws, and with the engine's error when a delivery does.
 */
export const generatorSourceRuntime = defineSource(generatorSourceSpec, (config, ctx: SourceContext): SourceRuntime => {
  const compile = (field: string, source: string): ((r: ExpressionRecord, i: number, now: number) => unknown) => {
    try {
      return compileRecordExpression(source, ['i', 'now']);
    } catch (error) {
      throw new TributaryError('E_EXPRESSION', `${field}: ${(error as Error).message}`, { nodeId: ctx.nodeId, cause: error });
    }
  };
  const valueOf = compile('value', config.value);
  const keyOf = config.key === undefined ? undefined : compile('key', config.key);
  const input: ExpressionRecord = Object.freeze({ value: undefined, key: null, headers: Object.freeze({}), meta: Object.freeze({ source: ctx.nodeId }) });

  const limit = config.count > 0 ? config.count : Infinity;
  const batchSize = Math.max(1, ctx.batchSize);
  const rate = config.ratePerSecond;
  /** Records per paced batch, and the bucket's capacity: no burst above one batch after a pause. */
  const target = rate > 0 ? Math.max(1, Math.min(batchSize, Math.floor((rate * GENERATOR_MAX_BATCH_DELAY_MS) / 1000))) : batchSize;
  const stopper = new AbortController();

  const build = (start: number, n: number): FlowRecord[] => {
    const batch: FlowRecord[] = new Array<FlowRecord>(n);
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const now = Date.now();
      let value: unknown;
      let key: string | null = null;
      try {
        value = valueOf(input, i, now);
        if (keyOf !== undefined) key = toKey(keyOf(input, i, now));
      } catch (error) {
        throw new TributaryError(
          'E_EXPRESSION_RUNTIME',
          `generator expression failed at i=${i}: ${error instanceof Error ? error.message : String(error)}`,
          { nodeId: ctx.nodeId, cause: error },
        );
      }
      batch[j] = { key, value, headers: {}, timestamp: now, meta: { source: ctx.nodeId } };
    }
    return batch;
  };

  return {
    async run(): Promise<void> {
      ctx.ready();
      // Wakes a pacing wait when the run stops or stop() is called.
      const signal = AbortSignal.any([ctx.signal, stopper.signal]);
      let i = 0;
      let tokens = target;
      let last = performance.now();
      while (i < limit && !ctx.signal.aborted && !stopper.signal.aborted) {
        let n = Math.min(batchSize, limit - i);
        if (rate > 0) {
          const t = performance.now();
          tokens = Math.min(target, tokens + ((t - last) * rate) / 1000);
          last = t;
          const want = Math.min(target, limit - i);
          if (tokens < want) {
            await sleep(Math.max(1, Math.ceil(((want - tokens) * 1000) / rate)), signal).catch(() => undefined);
            continue;
          }
          n = Math.min(n, Math.floor(tokens));
          tokens -= n;
        }
        const batch = build(i, n);
        i += n;
        await ctx.deliver(batch);
        if (rate === 0) await yieldToEventLoop();
      }
    },
    stop(): Promise<void> {
      stopper.abort();
      return Promise.resolve();
    },
  };
});

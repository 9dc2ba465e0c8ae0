/**
 * Runtime of `transform.dedupe` (Node-only).
 *
 * Each record's key (the `key` expression) is remembered with the source position of the record that first had it
 * (`source/topic/partition@offset`). A later record with the same key within `ttlMs` is a duplicate, unless it has that
 * very position: then it is the same record replayed by the source (after a crash, a restart or a rebalance, its
 * offset was not committed) and it passes again, so at-least-once replays never lose records here. Records without an
 * offset (e.g. `source.generator`) have no position, so any repeat of their key is a duplicate.
 *
 * `memory` store: an LRU of at most `maxEntries` keys with a TTL of `ttlMs` (a key is forgotten early when the LRU is
 * full); lost at restart. `redis` store: one pipeline per batch of `SET <prefix><key> <position> NX PX <ttlMs> GET`:
 * null = first seen; the stored position otherwise. Redis runs a pipeline in order, so duplicates inside one batch are
 * found too.
 *
 * Redis failures: a transform cannot be retried by the engine (a thrown error sends the whole batch to `error`), so
 * `process()` retries a pipeline that fails with a retriable error (connection refused or lost, LOADING, BUSY, ...)
 * with backoff (100 ms doubling to 5 s), logging, while the flow runs; the batch waits meanwhile, which backpressures
 * the sources. Once the run stops (`ctx.signal` aborted) it gives up: the batch fails with a retriable `E_SINK`
 * error. A retried pipeline may have run in part: keys already set by this very record are recognised by their
 * position; a record without an offset may then be taken for its own duplicate. A record Redis refuses (e.g.
 * WRONGTYPE because the key holds a hash) goes to `error` with code `E_SINK`.
 */
import { LRUCache } from 'lru-cache';
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression } from '../../runtime/common/expression';
import { defineTransform, failRecord, type FlowRecord, type NodeContext, type PortBatches, type TransformRuntime } from '../../runtime/engine/types';
import { createNodeRedis, withRedisRetry } from '../redis-common.runtime';
import { checkDedupeConnection } from '../redis-check.runtime';
import { isRetriableRedisError } from '../redis-common.runtime';
import { dedupeTransformSpec, type DedupeConfig } from './dedupe.spec';

/** The source position of a record, `source/topic/partition@offset`, or undefined when it has no offset. */
export function recordPosition(record: FlowRecord): string | undefined {
  const m = record.meta;
  return m.offset === undefined ? undefined : `${m.source}/${m.topic ?? ''}/${m.partition ?? ''}@${m.offset}`;
}

/** The dedupe key of an expression result: strings as-is, null/undefined -> undefined, other values as JSON. */
function identity(result: unknown): string | undefined {
  if (result === null || result === undefined) return undefined;
  if (typeof result === 'string') return result;
  const json = JSON.stringify(result) as string | undefined;
  return json ?? String(result);
}

/** What is stored for a record without an offset (never equal to a position). */
const NO_POSITION = '-';

/**
 * Creates the `transform.dedupe` runtime (see the module doc). `process(batch)` returns `{ out, duplicate, error }`:
 * `error` holds records whose key expression threw (`E_EXPRESSION_RUNTIME`) or that Redis refused (`E_SINK`).
 * @throws TributaryError `E_EXPRESSION` for a malformed key expression, `E_CONFIG` for a bad Redis URL
 */
export function createDedupeTransform(config: DedupeConfig, ctx: NodeContext): TransformRuntime {
  const { nodeId, logger } = ctx;
  let keyOf: (record: FlowRecord) => unknown;
  try {
    keyOf = compileRecordExpression(config.key);
  } catch (error) {
    throw new TributaryError('E_EXPRESSION', `key: ${(error as Error).message}`, { nodeId, cause: error });
  }
  const redis = config.store === 'redis' ? createNodeRedis(config.url, nodeId, logger) : undefined;
  const cache = config.store === 'memory' ? new LRUCache<string, string>({ max: config.maxEntries, ttl: config.ttlMs }) : undefined;
  const prefix = config.keyPrefix ?? `tributary:dedupe:${nodeId}:`;

  /** Each record's key: a string, undefined (no key: never a duplicate) or null (the expression threw: in `error`). */
  const keysOf = (batch: FlowRecord[], error: FlowRecord[]): (string | undefined | null)[] =>
    batch.map((record) => {
      try {
        return identity(keyOf(record));
      } catch (e) {
        error.push(failRecord(record, nodeId, `key threw: ${e instanceof Error ? e.message : String(e)}`, 'E_EXPRESSION_RUNTIME'));
        return null;
      }
    });

  return {
    async process(batch: FlowRecord[]): Promise<PortBatches> {
      const out: FlowRecord[] = [];
      const duplicate: FlowRecord[] = [];
      const error: FlowRecord[] = [];
      const keys = keysOf(batch, error);
      /** Per record: the stored position of its key, or null when the key was not there (first seen). */
      let seen: (string | null | Error)[];
      if (cache !== undefined) {
        seen = batch.map((record, i) => {
          const key = keys[i];
          if (key === undefined || key === null) return null;
          const stored = cache.get(key);
          if (stored !== undefined) return stored;
          cache.set(key, recordPosition(record) ?? NO_POSITION);
          return null;
        });
      } else {
        const indexes = keys.flatMap((k, i) => (typeof k === 'string' ? [i] : []));
        const replies =
          indexes.length === 0
            ? []
            : await withRedisRetry(
                async () => {
                  const pipeline = redis!.client.pipeline();
                  for (const i of indexes) {
                    pipeline.call('set', [prefix + keys[i]!, recordPosition(batch[i]!) ?? NO_POSITION, 'NX', 'PX', config.ttlMs, 'GET']);
                  }
                  const result = await pipeline.exec();
                  if (result === null || result.length !== indexes.length) throw new Error('Redis answered the pipeline incompletely');
                  for (const [e] of result) if (e !== null && isRetriableRedisError(e)) throw e;
                  return result;
                },
                { redis: redis!, nodeId, logger, signal: ctx.signal, what: `check ${indexes.length} key(s)`, code: 'E_SINK' },
              );
        seen = batch.map(() => null);
        indexes.forEach((recordIndex, j) => {
          const [e, value] = replies[j]!;
          seen[recordIndex] = e ?? (typeof value === 'string' ? value : value === null || value === undefined ? null : String(value));
        });
      }
      batch.forEach((record, i) => {
        if (keys[i] === null) return; // failed: already in error
        const stored = seen[i]!;
        if (stored instanceof Error) {
          error.push(failRecord(record, nodeId, `Redis refused SET: ${stored.message}`, 'E_SINK'));
          return;
        }
        if (stored === null || stored === recordPosition(record)) out.push(record);
        else duplicate.push(record);
      });
      return { out, duplicate, error };
    },

    async close(): Promise<void> {
      cache?.clear();
      await redis?.close();
    },
  };
}

/** Runtime of `transform.dedupe`; see {@link createDedupeTransform}. */
export const dedupeTransformRuntime = { ...defineTransform(dedupeTransformSpec, createDedupeTransform), check: checkDedupeConnection };

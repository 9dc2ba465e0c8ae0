/**
 * Runtime of `transform.enrich` (Node-only).
 *
 * Per batch: the key expression is evaluated for every record; the distinct keys not in the cache are looked up with
 * one pipeline (GET or HGETALL each); results (misses included) are cached for `cacheTtlMs` in an LRU of at most
 * `cacheMaxEntries` keys. A GET result that parses as JSON is used parsed, otherwise as the string; an HGETALL result
 * is an object of string fields, and an empty one (no such key) is a miss. The result is merged into a copy of the
 * record value under `field`. Records with the same key (and cache hits) share one result object: downstream nodes must
 * copy it rather than mutate it, as every built-in node does.
 *
 * A miss follows `onMiss`: `pass` sets the field to null and goes on to `out`; `drop` sends the record, unchanged, to
 * the `miss` port (left unwired, the engine counts and drops it, so nothing disappears unseen); `error` sends it to
 * `error` with code `E_SINK`.
 *
 * Redis failures: as `transform.dedupe`, `process()` retries a pipeline that fails with a retriable error with backoff
 * (100 ms doubling to 5 s), logging, until the run stops (`ctx.signal` aborted); then the batch fails with a retriable
 * `E_SINK` error. A key Redis refuses (WRONGTYPE: the key holds another type) sends its records to `error` (`E_SINK`).
 */
import { LRUCache } from 'lru-cache';
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression } from '../../runtime/common/expression';
import { defineTransform, failRecord, type FlowRecord, type NodeContext, type PortBatches, type TransformRuntime } from '../../runtime/engine/types';
import { createNodeRedis, withRedisRetry } from '../redis-common.runtime';
import { checkRedisConnection } from '../redis-check.runtime';
import { isRetriableRedisError } from '../redis-common.runtime';
import { enrichTransformSpec, type EnrichConfig } from './enrich.spec';

/** A lookup result: `found: false` for a miss. */
type Lookup = { found: true; value: unknown } | { found: false };

/** Decodes a GET reply: JSON when it parses, else the string. */
export function decodeGetReply(reply: string): unknown {
  try {
    return JSON.parse(reply);
  } catch {
    return reply;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The `transform.enrich` runtime with its cache counters. */
export interface EnrichTransformRuntime extends TransformRuntime {
  /** Lookups answered from the cache and from Redis since creation. */
  stats(): { cacheHits: number; redisLookups: number };
  close(): Promise<void>;
}

/**
 * Creates the `transform.enrich` runtime (see the module doc). `process(batch)` returns `{ out, miss, error }`; `error`
 * holds records whose key expression threw or gave no usable key or whose value is not an object
 * (`E_EXPRESSION_RUNTIME`), misses with `onMiss: error` and keys Redis refused (`E_SINK`).
 * @throws TributaryError `E_EXPRESSION` for a malformed key expression, `E_CONFIG` for a bad Redis URL
 */
export function createEnrichTransform(config: EnrichConfig, ctx: NodeContext): EnrichTransformRuntime {
  const { nodeId, logger } = ctx;
  let keyOf: (record: FlowRecord) => unknown;
  try {
    keyOf = compileRecordExpression(config.key);
  } catch (error) {
    throw new TributaryError('E_EXPRESSION', `key: ${(error as Error).message}`, { nodeId, cause: error });
  }
  const redis = createNodeRedis(config.url, nodeId, logger);
  const cache = config.cacheTtlMs > 0 ? new LRUCache<string, Lookup>({ max: config.cacheMaxEntries, ttl: config.cacheTtlMs }) : undefined;
  const command = config.command;
  const stats = { cacheHits: 0, redisLookups: 0 };

  /** The Redis key of a record, or a failure message. */
  const keyFor = (record: FlowRecord): string | { failure: string } => {
    let result: unknown;
    try {
      result = keyOf(record);
    } catch (error) {
      return { failure: `key threw: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (typeof result === 'string' && result !== '') return result;
    if ((typeof result === 'number' && Number.isFinite(result)) || typeof result === 'bigint') return String(result);
    return { failure: `key expression gave ${result === '' ? 'an empty string' : typeName(result)}; it must give a non-empty string or a number` };
  };

  /** Looks up `keys` with one pipeline (retried while Redis is unavailable); per key the result or the reply error. */
  const lookUp = async (keys: string[]): Promise<Map<string, Lookup | Error>> => {
    const replies = await withRedisRetry(
      async () => {
        const pipeline = redis.client.pipeline();
        for (const key of keys) pipeline.call(command, [key]);
        const result = await pipeline.exec();
        if (result === null || result.length !== keys.length) throw new Error('Redis answered the pipeline incompletely');
        for (const [e] of result) if (e !== null && isRetriableRedisError(e)) throw e;
        return result;
      },
      { redis, nodeId, logger, signal: ctx.signal, what: `look up ${keys.length} key(s)`, code: 'E_SINK' },
    );
    stats.redisLookups += keys.length;
    const results = new Map<string, Lookup | Error>();
    keys.forEach((key, i) => {
      const [error, reply] = replies[i]!;
      if (error !== null) {
        results.set(key, error);
        return;
      }
      let lookup: Lookup;
      if (command === 'get') lookup = reply === null || reply === undefined ? { found: false } : { found: true, value: decodeGetReply(String(reply)) };
      else {
        const hash = (reply ?? {}) as Record<string, string>;
        lookup = Object.keys(hash).length === 0 ? { found: false } : { found: true, value: { ...hash } };
      }
      results.set(key, lookup);
      cache?.set(key, lookup);
    });
    return results;
  };

  return {
    async process(batch: FlowRecord[]): Promise<PortBatches> {
      const out: FlowRecord[] = [];
      const miss: FlowRecord[] = [];
      const error: FlowRecord[] = [];
      const keys = batch.map(keyFor);
      const results = new Map<string, Lookup | Error>();
      const wanted: string[] = [];
      for (const key of keys) {
        if (typeof key !== 'string' || results.has(key) || wanted.includes(key)) continue;
        const cached = cache?.get(key);
        if (cached !== undefined) {
          results.set(key, cached);
          stats.cacheHits++;
        } else wanted.push(key);
      }
      if (wanted.length > 0) for (const [key, result] of await lookUp(wanted)) results.set(key, result);

      batch.forEach((record, i) => {
        const key = keys[i]!;
        if (typeof key !== 'string') {
          error.push(failRecord(record, nodeId, key.failure, 'E_EXPRESSION_RUNTIME'));
          return;
        }
        const value = record.value;
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          error.push(failRecord(record, nodeId, `the record value is ${typeName(value)}; enrich merges into an object value`, 'E_EXPRESSION_RUNTIME'));
          return;
        }
        const result = results.get(key)!;
        if (result instanceof Error) {
          error.push(failRecord(record, nodeId, `Redis refused ${command.toUpperCase()} ${key}: ${result.message}`, 'E_SINK'));
          return;
        }
        if (!result.found) {
          if (config.onMiss === 'drop') {
            miss.push(record);
            return;
          }
          if (config.onMiss === 'error') {
            error.push(failRecord(record, nodeId, `Redis has nothing under ${key} (${command.toUpperCase()})`, 'E_SINK'));
            return;
          }
        }
        out.push({ ...record, value: { ...value, [config.field]: result.found ? result.value : null } });
      });
      return { out, miss, error };
    },

    stats: () => ({ ...stats }),

    async close(): Promise<void> {
      cache?.clear();
      await redis.close();
    },
  };
}

/** Runtime of `transform.enrich`; see {@link createEnrichTransform}. */
export const enrichTransformRuntime = { ...defineTransform(enrichTransformSpec, createEnrichTransform), check: checkRedisConnection };

/**
 * The connection check of the Redis-backed nodes (Node-only): `sink.redis`, `source.redis-stream`,
 * `transform.enrich` and `transform.dedupe` with `store: redis`. It connects with the nodes' own
 * {@link createNodeRedis} (no offline queue, no retries) and the `url` default of their specs, sends PING and
 * disconnects; connecting and the reply each wait at most {@link REDIS_CHECK_TIMEOUT_MS}.
 */
import { pino } from 'pino';
import { z } from 'zod';
import type { ConnectionTest } from '../runtime/common/studio-api';
import { createNodeRedis } from './redis-common.runtime';
import { DEFAULT_REDIS_URL } from './sink/redis.spec';

/** How long a check waits for the connection, and then for the PING reply (ms). */
export const REDIS_CHECK_TIMEOUT_MS = 5_000;

/** The connection field of a Redis node, with the default every Redis node spec uses; other fields are ignored. */
const connectionSchema = z.object({ url: z.string().default(DEFAULT_REDIS_URL) });
/** Connection errors of a check are its one line, not log lines. */
const silentLogger = pino({ level: 'silent' });

/**
 * Connects to the Redis server of a Redis node's `url` and sends PING.
 * @param config a Redis node's config, `${VAR}` references substituted (`url` read, default `redis://127.0.0.1:6379`)
 * @returns `connected to <url> (PING -> PONG)` or `cannot connect to Redis at <url>: <cause>`, the password hidden
 */
export async function checkRedisConnection(config: unknown): Promise<ConnectionTest> {
  const parsed = connectionSchema.safeParse(config ?? {});
  if (!parsed.success) return { ok: false, message: `cannot connect to Redis: url: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  let redis: ReturnType<typeof createNodeRedis>;
  try {
    redis = createNodeRedis(parsed.data.url, 'connection-check', silentLogger, {
      connectTimeout: REDIS_CHECK_TIMEOUT_MS,
      commandTimeout: REDIS_CHECK_TIMEOUT_MS,
      retryStrategy: () => null,
    });
  } catch (error) {
    return { ok: false, message: `cannot connect to Redis: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    await redis.client.connect();
    const pong = await redis.client.ping();
    return { ok: true, message: `connected to ${redis.where} (PING -> ${pong})` };
  } catch (error) {
    const cause = redis.lastError() ?? error;
    return { ok: false, message: `cannot connect to Redis at ${redis.where}: ${cause instanceof Error ? cause.message : String(cause)}` };
  } finally {
    redis.client.disconnect();
  }
}

/**
 * The connection check of `transform.dedupe`: Redis only with `store: redis`; the memory store has no connection.
 * @param config a dedupe node's config, `${VAR}` references substituted
 */
export function checkDedupeConnection(config: unknown): Promise<ConnectionTest> {
  const store = (config as { store?: unknown } | null | undefined)?.store;
  if (store !== 'redis') return Promise.resolve({ ok: true, message: 'store: memory keeps the keys in the process; there is no connection to test (set store: redis to share them)' });
  return checkRedisConnection(config);
}

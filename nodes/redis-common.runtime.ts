/**
 * Redis helpers shared by the Redis-backed transforms and the Redis stream source (Node-only): one client per node
 * with fail-fast options, and a retry loop for operations that have no engine retry (transforms, source reads).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { TributaryError, type ErrorCode } from '../runtime/common/errors';
import { retry, type BackoffPolicy } from '../runtime/engine/retry';

/** Reply error prefixes that mean "try again later" rather than "this command is wrong". */
const RETRIABLE_REPLY_PREFIXES = ['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'OOM', 'NOREPLICAS', 'READONLY', 'MISCONF'];

/** How long `open()` waits for a connection in progress to become ready (ms). */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;
/** How long one command may wait for its reply before it fails (and the batch is retried) (ms). */
export const REDIS_COMMAND_TIMEOUT_MS = 30_000;

/** `redis://user:secret@host` -> `redis://user:***@host`, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*):([^@/]*)@/, '$1$2:***@');
}

/**
 * True when a reply or client error means the server or the connection is unavailable (so the batch should be
 * retried) rather than that one command was refused. Errors that did not come from the server as a reply (connection
 * refused or closed, stream not writeable, timeouts) are always retriable.
 */
export function isRetriableRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  if (error.name !== 'ReplyError') return true;
  return RETRIABLE_REPLY_PREFIXES.some((prefix) => error.message.startsWith(prefix));
}

/** First delay between retries of a failed Redis operation (ms); doubles up to {@link REDIS_RETRY_MAX_MS}. */
export const REDIS_RETRY_BASE_MS = 100;
/** Longest delay between retries of a failed Redis operation (ms). */
export const REDIS_RETRY_MAX_MS = 5_000;
/** Backoff between retries of a failed Redis operation (±25 % jitter). */
const REDIS_BACKOFF: BackoffPolicy = { baseMs: REDIS_RETRY_BASE_MS, maxMs: REDIS_RETRY_MAX_MS, jitter: 0.25 };

/** A node's Redis connection and what it needs for messages. */
export interface NodeRedis {
  client: Redis;
  /** The URL with its password hidden, for messages. */
  where: string;
  /** The last connection error, cleared when the connection is ready again. */
  lastError(): Error | undefined;
  /** Quits (or disconnects, when not connected). Never rejects. */
  close(): Promise<void>;
}

/**
 * Creates a lazily connecting ioredis client for a node: no offline queue and no per-request retries (a command fails
 * at once while disconnected, so the caller decides how to retry), connection errors logged once per distinct message.
 * @param url `redis://` or `rediss://` URL
 * @param options extra ioredis options (e.g. `commandTimeout: 0` for blocking reads)
 * @throws TributaryError `E_CONFIG` when the URL is not a redis:// or rediss:// URL
 */
export function createNodeRedis(url: string, nodeId: string, logger: Logger, options: RedisOptions = {}): NodeRedis {
  if (!/^rediss?:\/\//.test(url)) {
    throw new TributaryError('E_CONFIG', `url: "${redactRedisUrl(url)}" is not a redis:// or rediss:// URL`, { nodeId });
  }
  const where = redactRedisUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectionName: `tributary-${nodeId}`,
    ...options,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    if (lastError?.message !== error.message) logger.warn({ err: error, url: where }, 'redis connection error');
    lastError = error;
  });
  client.on('ready', () => {
    if (lastError !== undefined) logger.info({ url: where }, 'redis connection ready again');
    lastError = undefined;
  });
  return {
    client,
    where,
    lastError: () => lastError,
    async close(): Promise<void> {
      if (client.status === 'ready') {
        try {
          await client.quit();
          return;
        } catch {
          // the connection is already gone
        }
      }
      client.disconnect();
    },
  };
}

/**
 * Makes sure `redis` is connected (or connecting) before a command: starts a connection when none is under way and
 * waits until it is ready.
 * @throws the connection error (retriable for {@link withRedisRetry}) when the server cannot be reached
 */
export async function ensureConnected(redis: NodeRedis): Promise<void> {
  const { client } = redis;
  if (client.status === 'ready') return;
  if (client.status === 'wait' || client.status === 'end') {
    try {
      await client.connect();
    } catch (error) {
      throw redis.lastError() ?? error;
    }
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady).off('error', onError).off('end', onEnd);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error('connection ended'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`not ready within ${REDIS_CONNECT_TIMEOUT_MS} ms`));
    }, REDIS_CONNECT_TIMEOUT_MS);
    client.on('ready', onReady).on('error', onError).on('end', onEnd);
  });
}

/** What {@link withRedisRetry} needs to retry and report. */
export interface RedisRetryOptions {
  redis: NodeRedis;
  nodeId: string;
  logger: Logger;
  /** Retrying stops when it aborts (the run stops); the last error is thrown then. */
  signal: AbortSignal;
  /** What the operation does, for messages, e.g. `look up 12 keys`. */
  what: string;
  /** Code of the error thrown when retrying stops. */
  code: ErrorCode;
}

/**
 * Runs a Redis operation (connecting first), retrying it while it fails with a retriable error (connection refused or
 * lost, LOADING, BUSY, ...; see `isRetriableRedisError`) with exponential backoff from {@link REDIS_RETRY_BASE_MS} to
 * {@link REDIS_RETRY_MAX_MS} (with jitter; the engine's retry loop, runtime/engine/retry.ts), logging the first failure
 * and every tenth, until `signal` aborts.
 * @throws TributaryError with `code`, retriable, when `signal` aborted while the operation kept failing
 * @throws the operation's own error when it is not retriable (a reply error such as WRONGTYPE)
 */
export function withRedisRetry<T>(operation: () => Promise<T>, options: RedisRetryOptions): Promise<T> {
  const { redis, nodeId, logger, signal, what, code } = options;
  const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
  return retry(
    async () => {
      await ensureConnected(redis);
      return operation();
    },
    {
      retriable: isRetriableRedisError,
      backoff: REDIS_BACKOFF,
      signal,
      giveUp: (error) =>
        new TributaryError(code, `Redis at ${redis.where} is unavailable (${what}): ${message(error)}`, { nodeId, retriable: true, cause: error }),
      onRetry: (error, tries, delay) => {
        if (tries === 1 || tries % 10 === 0) {
          logger.warn({ node: nodeId, tries, delayMs: Math.round(delay), err: message(error), url: redis.where }, `redis ${what} failed; retrying`);
        }
      },
      onSuccess: (tries) => {
        if (tries > 1) logger.info({ node: nodeId, tries }, `redis recovered: ${what} succeeded`);
      },
    },
  );
}

/**
 * The shared setup of tests that write to the real local Redis: one connection, one unique key prefix, and the node
 * runtimes the file opened; after the file the runtimes are closed, the prefix's keys deleted and the connection quit.
 */
import { afterAll } from 'vitest';
import type { Redis } from 'ioredis';
import { deleteKeys, testRedis, uniqueName } from './services';

/** What {@link redisTestScope} gives a test file. */
export interface RedisTestScope {
  /** A connection to the test Redis, open for the whole file. */
  redis: Redis;
  /** The file's key prefix, `<name>-<unique>:`; every key a test writes starts with it. */
  prefix: string;
  /** The prefix as a JavaScript string literal, for key expressions (`${P} + value.id`). */
  P: string;
  /** Registers a runtime to close after the file; returns it. */
  track<T extends { close?(): Promise<void> }>(runtime: T): T;
}

/**
 * Sets up a Redis test file (call at the top level of the file).
 * @param name a readable part of the key prefix, e.g. `redis-sink`
 */
export function redisTestScope(name: string): RedisTestScope {
  const prefix = `${uniqueName(name)}:`;
  const redis = testRedis();
  const opened: { close?(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const runtime of opened.splice(0)) await runtime.close?.();
    await deleteKeys(redis, `${prefix}*`);
    await redis.quit();
  });
  return {
    redis,
    prefix,
    P: JSON.stringify(prefix),
    track(runtime) {
      opened.push(runtime);
      return runtime;
    },
  };
}

/**
 * A redis-server of a test's own on a spare port, for tests that stop and restart Redis without touching the shared
 * one of scripts/services.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

/**
 * Starts `redis-server` on 127.0.0.1:`port` with its data in `dir`, no RDB snapshots.
 * @param options `appendOnly`: keep an fsync'd append-only file so the data survives a restart (default false)
 */
export function startPrivateRedis(port: number, dir: string, options: { appendOnly?: boolean } = {}): ChildProcess {
  const persistence = options.appendOnly === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  return spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', ...persistence, '--dir', dir], { stdio: 'ignore' });
}

/** True when the Redis at `url` answers PING (one attempt, no retries). */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

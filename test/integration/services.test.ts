// scripts/services.sh fails fast and clearly when it cannot start a service, and reports what runs.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function services(args: string[], env: Record<string, string>): { code: number | null; out: string; ms: number } {
  const started = Date.now();
  const result = spawnSync('bash', ['scripts/services.sh', ...args], {
    env: { ...process.env, KAFKA_BROKERS: '', REDIS_URL: '', ...env },
    encoding: 'utf8',
    timeout: 100_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}`, ms: Date.now() - started };
}

describe('scripts/services.sh', () => {
  let blocker: Server;
  const port = 19092;
  beforeAll(async () => {
    // Something that is not Kafka holds the port.
    blocker = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('fails in seconds with one clear line when the Kafka port is taken by something else', () => {
    const cache = mkdtempSync(join(tmpdir(), 'tributary-services-'));
    const result = services(['up'], {
      TRIBUTARY_CACHE: cache,
      TRIBUTARY_KAFKA_PORT: String(port),
      TRIBUTARY_CONTROLLER_PORT: '19093',
      // Redis is reachable already (the suite's), so only Kafka is attempted.
    });
    expect(result.code).not.toBe(0);
    expect(result.out).toContain(`port ${port} is in use by something that is not Kafka`);
    expect(result.out).toContain('KAFKA_BROKERS');
    expect(result.ms).toBeLessThan(100_000);
  });

  it('uses an external broker named by KAFKA_BROKERS and starts nothing', () => {
    const result = services(['status'], { KAFKA_BROKERS: 'broker.example:9092', REDIS_URL: 'redis://cache.example:6379' });
    expect(result.out).toContain('kafka: external, KAFKA_BROKERS=broker.example:9092');
    expect(result.out).toContain('redis: external, REDIS_URL=redis://cache.example:6379');
    expect(result.code).toBe(0);
  });
});

/** Waits until `check` holds (polling every 100 ms), or fails after `ms`. */
async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True while `pid` runs (a reaped process, or one that never was, is not running). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

// A broker and a Redis of this test's own, on moved ports and in a cache of its own: the shared ones on 9092 and 6379
// are never touched. The Kafka jars are linked from the shared cache, so nothing is downloaded.
describe('scripts/services.sh up after a kill -9', () => {
  const cache = mkdtempSync(join(tmpdir(), 'tributary-services-stale-'));
  const env = {
    TRIBUTARY_CACHE: cache,
    TRIBUTARY_KAFKA_PORT: '19192',
    TRIBUTARY_CONTROLLER_PORT: '19193',
    TRIBUTARY_REDIS_PORT: '16479',
  };
  const pidOf = (name: string): number => Number(readFileSync(join(cache, 'services', `${name}.pid`), 'utf8').trim());
  const started: number[] = [];

  beforeAll(() => {
    // The shared cache holds the jars once a `services.sh up` started a broker of its own; when another broker was
    // already answering it may not, so they are fetched there first (nothing is downloaded when they are present).
    const fetched = services(['fetch'], {});
    expect(fetched.code, fetched.out).toBe(0);
    mkdirSync(join(cache, 'kafka'), { recursive: true });
    symlinkSync(join(ROOT, '.cache', 'kafka', 'libs'), join(cache, 'kafka', 'libs'));
  });
  afterAll(() => {
    // Only the processes this test started, by their pid.
    for (const pid of started) if (running(pid)) process.kill(pid, 'SIGKILL');
    rmSync(cache, { recursive: true, force: true });
  });

  it('starts a broker afresh when the recorded one was killed, instead of calling it running', async () => {
    const first = services(['up'], env);
    expect(first.out).toContain('kafka: ready on 127.0.0.1:19192');
    const broker = pidOf('kafka');
    started.push(broker, pidOf('redis'));
    process.kill(broker, 'SIGKILL');
    await until(() => !running(broker), 10_000);

    const second = services(['up'], env);
    expect(second.out).not.toContain('kafka: already running');
    expect(second.out).toContain('kafka: stale pid file');
    expect(second.out).toContain('kafka: ready on 127.0.0.1:19192');
    expect(second.code).toBe(0);
    started.push(pidOf('kafka'));
    expect(pidOf('kafka')).not.toBe(broker);
    // Both answer now, so a third `up` starts nothing.
    const third = services(['up'], env);
    expect(third.out).toContain(`kafka: already running (pid ${pidOf('kafka')})`);
    expect(third.out).toContain(`redis: already running (pid ${pidOf('redis')})`);
  }, 240_000);

  it('starts Redis afresh after a kill -9, and leaves alone a process that reused the recorded pid', async () => {
    const redis = pidOf('redis');
    process.kill(redis, 'SIGKILL');
    await until(() => !running(redis), 10_000);
    const restarted = services(['up'], env);
    expect(restarted.out).toContain('redis: stale pid file');
    expect(restarted.out).toMatch(/redis: ready on 127\.0\.0\.1:16479 \(pid \d+\)/);
    started.push(pidOf('redis'));

    // A live process that is not our Redis holds the recorded pid: it is not killed, and Redis starts anyway.
    const stranger = spawnSync('bash', ['-c', 'sleep 60 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
    const strangerPid = Number(stranger.stdout.trim());
    started.push(strangerPid);
    const ours = pidOf('redis');
    process.kill(ours, 'SIGKILL');
    await until(() => !running(ours), 10_000);
    writeFileSync(join(cache, 'services', 'redis.pid'), `${strangerPid}\n`);
    const again = services(['up'], env);
    expect(again.out).toContain(`redis: stale pid file (pid ${strangerPid} is no running redis of ours)`);
    expect(again.out).toMatch(/redis: ready on 127\.0\.0\.1:16479/);
    expect(running(strangerPid)).toBe(true);
    started.push(pidOf('redis'));
  }, 120_000);

  it('kills a broker of ours that is alive but does not answer (frozen), and starts a fresh one', async () => {
    const frozen = pidOf('kafka');
    process.kill(frozen, 'SIGSTOP');
    const result = services(['up'], env);
    expect(result.out).toContain(`kafka: pid ${frozen} is ours but does not answer; killing it and starting afresh`);
    expect(result.out).toContain('kafka: ready on 127.0.0.1:19192');
    expect(running(frozen)).toBe(false);
    started.push(pidOf('kafka'));
  }, 240_000);
});

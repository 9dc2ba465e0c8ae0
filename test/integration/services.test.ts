// scripts/services.sh fails fast and clearly when it cannot start a service, and reports what runs.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function services(args: string[], env: Record<string, string>): { code: number | null; out: string; stdout: string; ms: number } {
  const started = Date.now();
  const result = spawnSync('bash', ['scripts/services.sh', ...args], {
    env: { ...process.env, KAFKA_BROKERS: '', REDIS_URL: '', TRIBUTARY_KAFKA_VERSION: '', TRIBUTARY_KAFKA_LIBS: '', ...env },
    encoding: 'utf8',
    timeout: 100_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout, ms: Date.now() - started };
}

describe('scripts/services.sh', () => {
  let blocker: Server;
  const port = 19152;
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
      TRIBUTARY_CONTROLLER_PORT: '19153',
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

  it('refuses a TRIBUTARY_KAFKA_VERSION that is not a version, in one line', () => {
    const result = services(['status'], { TRIBUTARY_KAFKA_VERSION: 'latest' });
    expect(result.code).not.toBe(0);
    expect(result.out.trim()).toBe('services: TRIBUTARY_KAFKA_VERSION=latest is not a Kafka version such as 4.4.0 or 3.9.1');
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
// are never touched. The Kafka jars are those of the shared cache (TRIBUTARY_KAFKA_LIBS), so nothing is downloaded.
describe('scripts/services.sh up after a kill -9', () => {
  const cache = mkdtempSync(join(tmpdir(), 'tributary-services-stale-'));
  const env = {
    TRIBUTARY_CACHE: cache,
    TRIBUTARY_KAFKA_PORT: '19155',
    TRIBUTARY_CONTROLLER_PORT: '19156',
    TRIBUTARY_REDIS_PORT: '19158',
    TRIBUTARY_KAFKA_LIBS: '',
  };
  const pidOf = (name: string): number => Number(readFileSync(join(cache, 'services', `${name}.pid`), 'utf8').trim());
  const started: number[] = [];

  beforeAll(() => {
    // The shared cache holds the jars once a `services.sh up` started a broker of its own; when another broker was
    // already answering it may not, so they are fetched there first (nothing is downloaded when they are present).
    const fetched = services(['libs'], { TRIBUTARY_CACHE: join(ROOT, '.cache') });
    expect(fetched.code, fetched.out).toBe(0);
    env.TRIBUTARY_KAFKA_LIBS = fetched.stdout.trim();
    expect(env.TRIBUTARY_KAFKA_LIBS).toBe(join(ROOT, '.cache', 'kafka', '4.4.0', 'libs'));
  });
  afterAll(() => {
    // Only the processes this test started, by their pid.
    for (const pid of started) if (running(pid)) process.kill(pid, 'SIGKILL');
    rmSync(cache, { recursive: true, force: true });
  });

  it('starts Kafka 4.4.0 by default, with its data and logs in a dir of that version and no error in its log', () => {
    const first = services(['up'], env);
    expect(first.out).toContain('kafka: starting 4.4.0');
    expect(first.out).toContain('kafka: ready on 127.0.0.1:19155');
    expect(first.code).toBe(0);
    started.push(pidOf('kafka'), pidOf('redis'));
    const home = join(cache, 'kafka', '4.4.0');
    expect(existsSync(join(home, 'data', 'meta.properties'))).toBe(true);
    expect(existsSync(join(home, 'log4j2.properties'))).toBe(true);
    const log = readFileSync(join(home, 'logs', 'server.log'), 'utf8');
    expect(log).toContain('Kafka Server started');
    expect(log.split('\n').filter((line) => / (ERROR|FATAL) /.test(line))).toEqual([]);
    // log4j 2 found its configuration and a binding (it complains on stdout otherwise).
    expect(readFileSync(join(home, 'logs', 'stdout.log'), 'utf8')).not.toMatch(/ERROR|No SLF4J|StatusLogger/);

    const status = services(['status'], env);
    expect(status.out).toContain(`kafka: running Kafka 4.4.0 (started by us, pid ${pidOf('kafka')}) on 127.0.0.1:19155`);
  }, 240_000);

  it('says which version runs when another one is asked for, and does not start a second broker', () => {
    const other = services(['up'], { ...env, TRIBUTARY_KAFKA_VERSION: '3.9.1' });
    expect(other.code).not.toBe(0);
    expect(other.out).toContain(
      `kafka: Kafka 4.4.0 already runs on 127.0.0.1:19155 (pid ${pidOf('kafka')}, started by this script), not the 3.9.1 that TRIBUTARY_KAFKA_VERSION asks for`,
    );
    expect(existsSync(join(cache, 'kafka', '3.9.1', 'data'))).toBe(false);
    // Asked for by name, the running version is simply used.
    const same = services(['up'], { ...env, TRIBUTARY_KAFKA_VERSION: '4.4.0' });
    expect(same.out).toContain(`kafka: already running (pid ${pidOf('kafka')}) on 127.0.0.1:19155 (Kafka 4.4.0)`);
    expect(same.code).toBe(0);
    // Seen from another cache, the broker is not ours: its version is judged by the API versions it offers.
    const stranger = mkdtempSync(join(tmpdir(), 'tributary-services-other-'));
    try {
      const seen = services(['status'], { ...env, TRIBUTARY_CACHE: stranger });
      expect(seen.out).toContain('kafka: running Kafka 4.x (not started by us) on 127.0.0.1:19155');
    } finally {
      rmSync(stranger, { recursive: true, force: true });
    }
  });

  it('starts a broker afresh when the recorded one was killed, instead of calling it running', async () => {
    const first = services(['up'], env);
    expect(first.out).toContain('kafka: already running');
    const broker = pidOf('kafka');
    started.push(broker, pidOf('redis'));
    process.kill(broker, 'SIGKILL');
    await until(() => !running(broker), 10_000);

    const second = services(['up'], env);
    expect(second.out).not.toContain('kafka: already running');
    expect(second.out).toContain('kafka: stale pid file');
    expect(second.out).toContain('kafka: ready on 127.0.0.1:19155');
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
    expect(restarted.out).toMatch(/redis: ready on 127\.0\.0\.1:19158 \(pid \d+\)/);
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
    expect(again.out).toMatch(/redis: ready on 127\.0\.0\.1:19158/);
    expect(running(strangerPid)).toBe(true);
    started.push(pidOf('redis'));
  }, 120_000);

  it('kills a broker of ours that is alive but does not answer (frozen), and starts a fresh one', async () => {
    const frozen = pidOf('kafka');
    process.kill(frozen, 'SIGSTOP');
    const result = services(['up'], env);
    expect(result.out).toContain(`kafka: pid ${frozen} is ours but does not answer; killing it and starting afresh`);
    expect(result.out).toContain('kafka: ready on 127.0.0.1:19155');
    expect(running(frozen)).toBe(false);
    started.push(pidOf('kafka'));
  }, 240_000);
});

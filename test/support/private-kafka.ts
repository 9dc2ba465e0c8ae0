/**
 * A single-node Kafka broker of a test's own, for tests that kill, freeze or restart the broker without touching the
 * shared one on 127.0.0.1:9092. It is started by `scripts/services.sh up` with a temporary cache (`TRIBUTARY_CACHE`)
 * and moved ports, uses the shared Redis (so it starts none), and takes the Kafka jars from the shared cache
 * (`TRIBUTARY_KAFKA_LIBS`), so nothing is downloaded once `scripts/services.sh fetch` has run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SERVICES = join(ROOT, 'scripts', 'services.sh');

/** A private broker; every method acts on this broker only (by its recorded pid). */
export interface PrivateKafka {
  /** Bootstrap list for clients, e.g. `['127.0.0.1:19100']`. */
  brokers: string[];
  /** Starts the broker (again) and resolves when it answers; rejects with services.sh's output when it cannot. */
  start(): Promise<void>;
  /** Kills the broker with SIGKILL (no clean shutdown) and resolves once the process is gone (at most 10 s). */
  kill9(): Promise<void>;
  /** Stops the broker (SIGTERM, SIGKILL after 30 s) and deletes its temporary cache (data, logs, pid files). */
  stop(): Promise<void>;
  /** Pid of the running broker, or undefined when none runs. */
  pid(): number | undefined;
}

/**
 * The directory holding the Kafka jars of the shared cache (fetched there with `scripts/services.sh fetch` when
 * missing). It is the one place that knows the cache's layout.
 * @throws when the jars cannot be fetched (the output of services.sh is in the message)
 */
export function sharedKafkaLibs(): string {
  // `services.sh libs` fetches the jars of the selected version (TRIBUTARY_KAFKA_VERSION) when missing, prints their dir.
  const fetched = spawnSync('bash', [SERVICES, 'libs'], { encoding: 'utf8', env: { ...process.env, KAFKA_BROKERS: '' }, timeout: 600_000 });
  const libs = fetched.stdout.trim();
  if (fetched.status !== 0 || libs === '' || !existsSync(libs)) {
    throw new Error(`private-kafka: could not fetch the Kafka jars into ${libs}: ${fetched.stdout}${fetched.stderr}`.trim());
  }
  return libs;
}

/** True while `pid` runs (a zombie, i.e. killed but not reaped yet, does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * Starts a private single-node KRaft broker on 127.0.0.1:`port` (controller on `controllerPort`) and resolves when it
 * answers. Use ports from the test's own range; call `stop()` in `afterAll`.
 * @param options `port`, `controllerPort`: TCP ports; `startTimeoutS`: how long services.sh waits for the broker (s,
 *   default 90)
 * @throws when the broker does not start (services.sh's one-line cause is in the message)
 */
export async function startPrivateKafka(options: { port: number; controllerPort: number; startTimeoutS?: number }): Promise<PrivateKafka> {
  const cache = mkdtempSync(join(tmpdir(), 'tributary-private-kafka-'));
  const env = {
    ...process.env,
    TRIBUTARY_CACHE: cache,
    TRIBUTARY_KAFKA_LIBS: sharedKafkaLibs(),
    TRIBUTARY_KAFKA_PORT: String(options.port),
    TRIBUTARY_CONTROLLER_PORT: String(options.controllerPort),
    KAFKA_START_TIMEOUT_S: String(options.startTimeoutS ?? 90),
    KAFKA_BROKERS: '',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  const pidFile = join(cache, 'services', 'kafka.pid');

  const pid = (): number | undefined => {
    if (!existsSync(pidFile)) return undefined;
    const value = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(value) && value > 0 && alive(value) ? value : undefined;
  };

  const start = (): Promise<void> =>
    new Promise((resolveStart, rejectStart) => {
      // Asynchronous, so the test's own timers and clients keep running while the broker starts.
      const child = spawn('bash', [SERVICES, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', rejectStart);
      child.on('exit', (code) => {
        if (code === 0 && pid() !== undefined) resolveStart();
        else rejectStart(new Error(`private-kafka: broker on port ${options.port} did not start (exit ${code}): ${out.trim()}`));
      });
    });

  const kill9 = async (): Promise<void> => {
    const current = pid();
    if (current === undefined) return;
    process.kill(current, 'SIGKILL');
    if (!(await waitGone(current, 10_000))) throw new Error(`private-kafka: broker pid ${current} still runs 10 s after SIGKILL`);
  };

  const stop = async (): Promise<void> => {
    const current = pid();
    if (current !== undefined) {
      process.kill(current, 'SIGTERM');
      if (!(await waitGone(current, 30_000))) {
        process.kill(current, 'SIGKILL');
        await waitGone(current, 10_000);
      }
    }
    rmSync(cache, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { brokers: [`127.0.0.1:${options.port}`], start, kill9, stop, pid };
}

// The Redis sink's server killed (kill -9, down 30 s, restarted) and frozen (SIGSTOP for 60 s, then SIGCONT) in the
// middle of a run. The server is a private redis-server on this suite's own port with an fsync'd append-only file, so
// what it acknowledged survives the kill; the shared Redis is never touched.
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTopic, kafkaBrokers, uniqueName } from '../support/services';
import { redisAnswers, startPrivateRedis } from '../support/private-redis';
import { groupProgress, killAllCli, seedTopic, tempDir, waitFor } from '../support/runtime';
import { countingFlow, joined, reportReliability, residentBytes, runFlow, stopRun, tally } from '../support/fault-pipeline';

const REDIS_PORT = 19160;
const METRICS_PORT = 19161;
const url = `redis://127.0.0.1:${REDIS_PORT}`;
const PARTITIONS = 4;
const RATE = 500;
/** settings.maxInFlightRecords of the flow (its default). */
const MAX_IN_FLIGHT = 4000;
/**
 * How much the runtime's resident set may grow while Redis is frozen (bytes): the records held are bounded by
 * maxInFlightRecords (4,000 small records, well under 1 MB) plus kafkajs fetch buffers (maxBytesPerPartition 256 KB per
 * partition), so anything near this means memory grows with the outage.
 */
const RSS_GROWTH_BOUND = 100 * 1024 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const metrics = (): Promise<string> => fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`).then((r) => r.text());

describe('Redis sink server killed or frozen', () => {
  afterEach(killAllCli);
  const dir = tempDir('tributary-faults-redis-');
  let server: ChildProcess | undefined;
  let client: Redis | undefined;

  const startServer = async (): Promise<void> => {
    server = startPrivateRedis(REDIS_PORT, dir, { appendOnly: true });
    await waitFor('the private redis-server', () => redisAnswers(url), 10_000, 100);
  };
  afterAll(async () => {
    client?.disconnect();
    server?.kill('SIGCONT');
    server?.kill('SIGKILL');
  });

  /** Seeds a topic and starts the counting flow against the private Redis. */
  async function start(name: string, count: number): Promise<{ run: ReturnType<typeof runFlow>; topic: string; groupId: string; prefix: string }> {
    const topic = uniqueName(name);
    const groupId = `${topic}-group`;
    const prefix = `${topic}:`;
    await createTopic(topic, PARTITIONS);
    await seedTopic(topic, count, (i) => ({ id: i }));
    const flowFile = countingFlow(dir, `${name}.flow.yaml`, { brokers: kafkaBrokers, topic, groupId, redisUrl: url, prefix, ratePerSecond: RATE });
    const run = runFlow(flowFile, ['--metrics-port', String(METRICS_PORT)]);
    await waitFor('the run to join its group', () => joined(run), 60_000, 100);
    await waitFor('the first 3,000 records committed', async () => (await groupProgress(groupId, topic)).committed >= 3000, 60_000, 200);
    return { run, topic, groupId, prefix };
  }

  it('kill -9 of Redis, 30 s down, restarted: the run rides it out and loses nothing', async () => {
    await startServer();
    const count = 15_000;
    const { run, topic, groupId, prefix } = await start('faults-redis-kill', count);
    const committedAtKill = (await groupProgress(groupId, topic)).committed;
    server!.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));
    await waitFor('the sink to be retrying', () => run.output.stderr.includes('failed; retrying'), 30_000, 100);
    await sleep(30_000);
    const committedAfterOutage = (await groupProgress(groupId, topic)).committed;
    expect(run.child.exitCode).toBeNull();
    await startServer();
    await waitFor('every offset committed', async () => (await groupProgress(groupId, topic)).committed === count, 180_000, 300);
    expect(await stopRun(run, 'SIGTERM')).toBe(0);

    client = new Redis(url);
    const result = await tally(client, prefix, count);
    reportReliability('Redis kill -9, 30 s down, restarted', '0 lost; the run survives', {
      records: count,
      downMs: 30_000,
      committedAtKill,
      committedAfterOutage,
      lost: result.lost,
      duplicates: result.duplicates,
    });
    expect(result.lost).toBe(0);
    client.disconnect();
    client = undefined;
  });

  it('Redis frozen 60 s (SIGSTOP): partitions paused, RSS bounded, nothing lost after SIGCONT', async () => {
    if (server === undefined || server.exitCode !== null || server.signalCode !== null) await startServer();
    const count = 15_000;
    const { run, topic, groupId, prefix } = await start('faults-redis-freeze', count);
    const pid = run.child.pid!;
    const rssBefore = residentBytes(pid)!;
    server!.kill('SIGSTOP');
    const samples: number[] = [];
    let pausedSeen = 0;
    let maxInFlight = 0;
    const frozenUntil = Date.now() + 60_000;
    while (Date.now() < frozenUntil) {
      const rss = residentBytes(pid);
      if (rss !== undefined) samples.push(rss);
      const text = await metrics().catch(() => '');
      pausedSeen = Math.max(pausedSeen, (text.match(/^tributary_kafka_partition_paused\{[^}]*\} 1$/gm) ?? []).length);
      const inFlight = /^tributary_in_flight_records(?:\{[^}]*\})? (\d+)$/m.exec(text);
      if (inFlight !== null) maxInFlight = Math.max(maxInFlight, Number(inFlight[1]));
      await sleep(500);
    }
    const committedFrozen = (await groupProgress(groupId, topic)).committed;
    expect(run.child.exitCode).toBeNull();
    server!.kill('SIGCONT');
    await waitFor('every offset committed', async () => (await groupProgress(groupId, topic)).committed === count, 180_000, 300);
    expect(await metrics()).not.toMatch(/^tributary_kafka_partition_paused\{[^}]*\} 1$/m);
    expect(await stopRun(run, 'SIGTERM')).toBe(0);

    client = new Redis(url);
    const result = await tally(client, prefix, count);
    const maxRss = Math.max(...samples);
    const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
    reportReliability('Redis frozen 60 s (SIGSTOP, SIGCONT)', `RSS growth <= ${mb(RSS_GROWTH_BOUND)} MB; partitions paused; in flight <= maxInFlightRecords ${MAX_IN_FLIGHT}; 0 lost`, {
      records: count,
      frozenMs: 60_000,
      rssBeforeMB: mb(rssBefore),
      maxRssMB: mb(maxRss),
      rssSamples: samples.length,
      pausedPartitions: pausedSeen,
      partitions: PARTITIONS,
      maxInFlight,
      committedWhileFrozen: committedFrozen,
      lost: result.lost,
      duplicates: result.duplicates,
    });
    expect(maxRss - rssBefore).toBeLessThanOrEqual(RSS_GROWTH_BOUND);
    expect(pausedSeen).toBeGreaterThan(0);
    expect(maxInFlight).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    expect(result.lost).toBe(0);
  });
});

// Operating a headless run: the metrics endpoint reachable from other hosts with --metrics-host 0.0.0.0 (and only
// then), its text parsed by Prometheus' own parser (prom2json), readiness that follows a sink outage of the run's own
// redis-server (stopped for longer than unreadyAfterMs, then back) and a Redis stream source whose reads fail, and
// liveness and readiness after the run failed.
// Traffic goes to loopback addresses only: 127.0.0.2 is a loopback address the default bind (127.0.0.1) does not answer on.
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema } from '../../runtime/common/flow';
import { Engine } from '../../runtime/engine/engine';
import { startMetricsServer } from '../../runtime/metrics-server';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';
import { redisAnswers as answers, startPrivateRedis } from '../support/private-redis';
import { namingProblems, parseMetrics, PARSER_BUILD_TIMEOUT_MS, preparePrometheusParser } from '../support/prometheus';
import { createTopic, kafkaBrokers, redisUrl, uniqueName } from '../support/services';
import { groupProgress, killAllCli, seedTopic, startCli, tempDir, waitFor, writeFlow, type RunningCli } from '../support/runtime';

const REDIS_PORT = 6395;
const ownRedis = `redis://127.0.0.1:${REDIS_PORT}`;

beforeAll(() => void preparePrometheusParser(), PARSER_BUILD_TIMEOUT_MS);

/** GET `url`: status and body text, or the connection error's code (ECONNREFUSED...). */
async function get(url: string): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? (error as Error).name };
  }
}

async function status(url: string): Promise<number | string> {
  const r = await get(url);
  return 'status' in r ? r.status : r.error;
}

async function stop(run: RunningCli): Promise<number | string> {
  run.child.kill('SIGTERM');
  return run.exited;
}

describe('metrics endpoint', () => {
  afterEach(killAllCli);
  const dir = tempDir('tributary-metrics-');

  it('binds 0.0.0.0 with --metrics-host (over settings.metricsHost) and serves Prometheus text with histograms in seconds', async () => {
    const topic = uniqueName('hm-scrape');
    const groupId = `${topic}-group`;
    await createTopic(topic, 2);
    await seedTopic(topic, 500, (i) => ({ id: i, amount: i % 7 }));
    const flowFile = writeFlow(dir, 'scrape.flow.yaml', {
      version: 1,
      name: 'scrape',
      // The command line wins over the flow's own setting.
      settings: { metricsHost: '127.0.0.1', batchSize: 100 },
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, fromBeginning: true } },
        { id: 'double', type: 'transform.map', config: { expression: '({ id: value.id, amount: value.amount * 2 })' } },
        { id: 'store', type: 'sink.redis', config: { url: redisUrl, command: 'set', key: `'${topic}:' + value.id` } },
      ],
      edges: [
        { from: 'orders', to: 'double' },
        { from: 'double', to: 'store' },
      ],
    });
    const run = startCli(['run', flowFile, '--metrics-port', '19481', '--metrics-host', '0.0.0.0']);
    const base = 'http://127.0.0.2:19481';
    await waitFor('/readyz 200 through 127.0.0.2', async () => (await status(`${base}/readyz`)) === 200, 60_000, 200);
    await waitFor('every offset committed', async () => (await groupProgress(groupId, topic)).committed === 500, 60_000, 300);
    expect(await get(`${base}/healthz`)).toEqual({ status: 200, body: '{"live":true}\n' });
    expect(await get(`${base}/readyz`)).toEqual({ status: 200, body: '{"ready":true,"nodes":{}}\n' });

    const text = await (await fetch(`${base}/metrics`)).text();
    const families = parseMetrics(text);
    expect(namingProblems(families)).toEqual([]);
    for (const family of families.values()) {
      for (const sample of family.metrics) expect(sample.labels?.flow, family.name).toBe('scrape');
    }
    expect(families.get('tributary_build_info')?.metrics[0]?.labels?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(families.get('process_cpu_seconds_total')?.type).toBe('COUNTER');
    const histograms = {
      tributary_node_batch_duration_seconds: ['double', 'store'],
      tributary_sink_ack_duration_seconds: ['store'],
      tributary_end_to_end_latency_seconds: ['store'],
    };
    for (const [name, nodes] of Object.entries(histograms)) {
      const family = families.get(name);
      expect(family?.type, name).toBe('HISTOGRAM');
      for (const node of nodes) {
        const series = family!.metrics.find((m) => m.labels?.node === node);
        expect(series, `${name}{node="${node}"}`).toBeDefined();
        expect(Number(series!.count)).toBeGreaterThan(0);
        expect(series!.buckets?.['+Inf']).toBe(series!.count);
        // Seconds: the mean of in-memory batches and acknowledgements on this machine stays far below 60.
        expect(Number(series!.sum) / Number(series!.count)).toBeLessThan(60);
      }
      expect(text).toMatch(new RegExp(`^${name}_bucket\\{[^}]*le="\\+Inf"[^}]*\\} \\d+$`, 'm'));
      expect(text).toMatch(new RegExp(`^${name}_sum\\{[^}]*node="[^"]+"[^}]*\\} \\S+$`, 'm'));
      expect(text).toMatch(new RegExp(`^${name}_count\\{[^}]*node="[^"]+"[^}]*\\} \\d+$`, 'm'));
    }
    const endToEnd = families.get('tributary_end_to_end_latency_seconds')!.metrics.find((m) => m.labels?.node === 'store')!;
    expect(Number(endToEnd.count)).toBe(500);
    const recordsIn = families.get('tributary_node_records_in_total')!.metrics.find((m) => m.labels?.node === 'store');
    expect(Number(recordsIn?.value)).toBe(500);
    const lag = families.get('tributary_kafka_consumer_lag')!.metrics;
    expect(lag.map((m) => [m.labels?.node, m.labels?.topic, m.labels?.partition]).sort()).toEqual([
      ['orders', topic, '0'],
      ['orders', topic, '1'],
    ]);
    expect(await stop(run)).toBe(0);
    expect(run.output.stderr).toMatch(/"event":"joined"[^\n]*"assigned"/);
    expect(run.output.stderr).toMatch(/"event":"stopped"[^\n]*"store":\{"in":500,"out":0,"errors":0\}/);
  });

  it('answers on 127.0.0.1 only by default, and on every interface with settings.metricsHost 0.0.0.0', async () => {
    const flow = (metricsHost?: string) => ({
      version: 1,
      name: 'bind',
      settings: metricsHost === undefined ? {} : { metricsHost },
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 0, ratePerSecond: 10 } },
        { id: 'out', type: 'sink.file', config: { path: `${dir}/bind-${metricsHost ?? 'default'}.jsonl` } },
      ],
      edges: [{ from: 'gen', to: 'out' }],
    });
    const local = startCli(['run', writeFlow(dir, 'bind-default.flow.yaml', flow()), '--metrics-port', '19482']);
    const everywhere = startCli(['run', writeFlow(dir, 'bind-all.flow.yaml', flow('0.0.0.0')), '--metrics-port', '19483']);
    await waitFor('the default bind on 127.0.0.1', async () => (await status('http://127.0.0.1:19482/healthz')) === 200, 60_000, 200);
    expect(await status('http://127.0.0.2:19482/healthz')).toBe('ECONNREFUSED');
    expect(await status('http://127.0.0.2:19482/metrics')).toBe('ECONNREFUSED');
    await waitFor('settings.metricsHost 0.0.0.0 through 127.0.0.2', async () => (await status('http://127.0.0.2:19483/readyz')) === 200, 60_000, 200);
    expect(await stop(local)).toBe(0);
    expect(await stop(everywhere)).toBe(0);
  });
});

describe('readiness through a sink outage', () => {
  afterEach(killAllCli);
  const dir = tempDir('tributary-readyz-');
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('turns /readyz 503 naming the sink once Redis is down longer than unreadyAfterMs, 200 again after it is back; /healthz stays 200', async () => {
    server = startPrivateRedis(REDIS_PORT, dir);
    await waitFor('the test redis-server', () => answers(ownRedis), 10_000, 100);
    const unreadyAfterMs = 3_000;
    const flowFile = writeFlow(dir, 'outage.flow.yaml', {
      version: 1,
      name: 'readyz-outage',
      settings: { unreadyAfterMs },
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 0, ratePerSecond: 50, value: '({ n: i })' } },
        { id: 'counts', type: 'sink.redis', config: { url: ownRedis, command: 'incrby', key: "'n:' + (value.n % 10)" } },
      ],
      edges: [{ from: 'gen', to: 'counts' }],
    });
    const run = startCli(['run', flowFile, '--metrics-port', '19484']);
    const base = 'http://127.0.0.1:19484';
    await waitFor('/readyz 200', async () => (await status(`${base}/readyz`)) === 200, 60_000, 200);

    // Liveness is polled all along: it must never leave 200.
    const liveness: (number | string)[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        liveness.push(await status(`${base}/healthz`));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    try {
      server.kill('SIGKILL');
      await new Promise((resolve) => server!.once('exit', resolve));
      const down = Date.now();
      let unready: { status: number; body: string } | undefined;
      await waitFor(
        '/readyz 503',
        async () => {
          const r = await get(`${base}/readyz`);
          if ('status' in r && r.status === 503) unready = r;
          return unready !== undefined;
        },
        unreadyAfterMs + 30_000,
        200,
      );
      // Not before the sink had been failing for unreadyAfterMs.
      expect(Date.now() - down).toBeGreaterThanOrEqual(unreadyAfterMs);
      const body = JSON.parse(unready!.body) as { ready: boolean; nodes: Record<string, string> };
      expect(body.ready).toBe(false);
      expect(Object.keys(body.nodes)).toEqual(['counts']);
      expect(body.nodes.counts).toMatch(/^failing for \d+ s \(unreadyAfterMs 3000\): /);
      expect(run.output.stderr).toContain('"event":"sink-down"');

      server = startPrivateRedis(REDIS_PORT, dir);
      await waitFor('the test redis-server again', () => answers(ownRedis), 10_000, 100);
      await waitFor('/readyz 200 again', async () => (await status(`${base}/readyz`)) === 200, 60_000, 200);
      expect(run.output.stderr).toContain('"event":"sink-recovered"');
    } finally {
      polling = false;
      await poller;
    }
    expect(liveness.length).toBeGreaterThan(10);
    expect(liveness.filter((s) => s !== 200)).toEqual([]);
    expect(await stop(run)).toBe(0);
    expect(run.output.stderr).toContain('"event":"draining"');
  });
});

describe('readiness of a Redis stream source', () => {
  afterEach(killAllCli);
  const dir = tempDir('tributary-readyz-stream-');
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('turns /readyz 503 naming the source while its reads fail, and 200 once it reads again', async () => {
    server = startPrivateRedis(REDIS_PORT, dir);
    await waitFor('the test redis-server', () => answers(ownRedis), 10_000, 100);
    const flowFile = writeFlow(dir, 'stream.flow.yaml', {
      version: 1,
      name: 'readyz-stream',
      nodes: [
        { id: 'entries', type: 'source.redis-stream', config: { url: ownRedis, streams: ['readings'], group: 'readyz', blockMs: 500 } },
        { id: 'out', type: 'sink.file', config: { path: `${dir}/readings.jsonl` } },
      ],
      edges: [{ from: 'entries', to: 'out' }],
    });
    const run = startCli(['run', flowFile, '--metrics-port', '19485']);
    const base = 'http://127.0.0.1:19485';
    await waitFor('/readyz 200', async () => (await status(`${base}/readyz`)) === 200, 60_000, 200);
    expect(run.output.stderr).toMatch(/"event":"joined"[^\n]*"group":"readyz"/);

    server.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));
    let body: { ready: boolean; nodes: Record<string, string> } | undefined;
    await waitFor(
      '/readyz 503 naming the source',
      async () => {
        const r = await get(`${base}/readyz`);
        if ('status' in r && r.status === 503) body = JSON.parse(r.body) as typeof body;
        return body !== undefined;
      },
      30_000,
      200,
    );
    expect(body).toEqual({ ready: false, nodes: { entries: expect.stringMatching(/^reads fail and are retried: /) } });
    expect(await status(`${base}/healthz`)).toBe(200);

    server = startPrivateRedis(REDIS_PORT, dir);
    await waitFor('the test redis-server again', () => answers(ownRedis), 10_000, 100);
    await waitFor('/readyz 200 again', async () => (await status(`${base}/readyz`)) === 200, 60_000, 200);
    expect(await stop(run)).toBe(0);
  });
});

describe('a failed run', () => {
  it('reports 503 on /healthz and /readyz once its Kafka consumer failed for good', async () => {
    const compiled = compileFlow(
      FlowSchema.parse({
        version: 1,
        name: 'crashed',
        // Nothing listens on the broker's port: Kafka is unavailable, and after 1 s of that the run fails.
        settings: { sourceUnavailableTimeoutMs: 1_000 },
        nodes: [
          { id: 'orders', type: 'source.kafka', config: { brokers: ['127.0.0.1:19099'], topic: 'never', groupId: 'never', restartLimit: 0 } },
          { id: 'out', type: 'sink.file', config: { path: `${tempDir('tributary-crashed-')}/out.jsonl` } },
        ],
        edges: [{ from: 'orders', to: 'out' }],
      }),
      specRegistry,
    );
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const engine = new Engine(compiled.plan, { runtimes: nodeRuntimes, logger: pino({ level: 'silent' }) });
    const server = await startMetricsServer(engine, 0);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await status(`${base}/healthz`)).toBe(200);
      expect(JSON.parse((await get(`${base}/readyz`) as { body: string }).body)).toEqual({
        ready: false,
        nodes: { orders: 'has not joined its group yet' },
      });
      await expect(engine.run()).rejects.toThrow(/orders/);
      const health = await get(`${base}/healthz`);
      expect(health).toMatchObject({ status: 503 });
      expect(JSON.parse((health as { body: string }).body)).toMatchObject({ live: false, error: expect.stringMatching(/node orders/) });
      const ready = await get(`${base}/readyz`);
      expect(ready).toMatchObject({ status: 503 });
      expect(JSON.parse((ready as { body: string }).body)).toMatchObject({
        ready: false,
        nodes: { orders: expect.stringMatching(/^the run failed: node orders/) },
      });
    } finally {
      server.close();
    }
  });
});

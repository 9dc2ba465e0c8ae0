// The studio's Attach against real headless runs: three `tributary run --metrics-port` instances in one consumer group
// on a 12-partition topic (real Kafka), writing to the real Redis. The backend's combined frames count what the
// instances' /metrics counters sum to and what Redis holds; every partition is shown from the instance that owns it;
// the live paths refuse a missing or wrong token while /metrics stays open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveSnapshot } from '../../runtime/common/attach-protocol';
import type { RunState } from '../../runtime/common/studio-api';
import type { NodeSamples, TelemetryFrame } from '../../runtime/common/telemetry';
import { StudioBackend } from '../../runtime/studio/backend';
import { countKeys, groupProgress, killAllCli, seedTopic, startCli, tempDir, waitFor, writeFlow, type RunningCli } from '../support/runtime';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testRedis, uniqueName } from '../support/services';

const PORTS = [19500, 19501, 19502];
const URLS = PORTS.map((p) => `http://127.0.0.1:${p}`);
const TOKEN = `attach-test-${process.pid}`;
const RECORDS = 1_200;
const PARTITIONS = 12;

/** GET a live path with a bearer token (or none). */
async function getLive(url: string, token?: string): Promise<Response> {
  return fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2_000) });
}

/** The value of a counter series in Prometheus text: `name{...node="<node>"...} <value>`, 0 when absent. */
function counterOf(text: string, name: string, node: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`node="${node}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('attach to three headless instances', () => {
  const dir = tempDir('tributary-attach-');
  const topic = uniqueName('attach');
  const groupId = `${topic}-group`;
  const redis = testRedis();
  const runs: RunningCli[] = [];
  let backend: StudioBackend;

  beforeAll(async () => {
    await createTopic(topic, PARTITIONS);
    const flowFile = writeFlow(dir, 'attach.flow.yaml', {
      version: 1,
      name: 'attach-orders',
      settings: { batchSize: 50 },
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
    for (const port of PORTS) {
      runs.push(startCli(['run', flowFile, '--metrics-port', String(port), '--log-format', 'json'], { TRIBUTARY_METRICS_TOKEN: TOKEN }));
    }
    // The group settles with 4 partitions per instance before any record is produced, so that all three read.
    await waitFor(
      'three instances owning 4 partitions each',
      async () => {
        const snapshots = await Promise.all(URLS.map(async (u) => (await (await getLive(`${u}/live`, TOKEN)).json()) as LiveSnapshot));
        return snapshots.every((s) => (s.identity.partitions.orders ?? []).length === PARTITIONS / PORTS.length);
      },
      90_000,
      500,
    );
    await seedTopic(topic, RECORDS, (i) => ({ id: i, amount: i % 10 }));
    await waitFor('every offset committed', async () => (await groupProgress(groupId, topic)).committed === RECORDS, 90_000, 500);
    backend = new StudioBackend({ stateDir: tempDir('tributary-attach-state-') });
  }, 200_000);

  afterAll(async () => {
    await backend?.dispose(1_000);
    for (const run of runs) run.child.kill('SIGTERM');
    await Promise.all(runs.map((r) => Promise.race([r.exited, new Promise((resolve) => setTimeout(resolve, 15_000))])));
    killAllCli();
    await deleteKeys(redis, `${topic}:*`);
    await redis.quit();
  }, 30_000);

  it('refuses the live paths without the token and with a wrong one; /metrics and /samples stay as before', async () => {
    const noToken = await getLive(`${URLS[0]}/live`);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await noToken.json()) as { error: string }).error).toMatch(/TRIBUTARY_METRICS_TOKEN/);
    expect((await getLive(`${URLS[0]}/live/flow`, `${TOKEN}x`)).status).toBe(401);
    expect((await getLive(`${URLS[0]}/live/samples/orders`, 'nope')).status).toBe(401);
    // With a token set, record samples ask for it on the old path too.
    expect((await getLive(`${URLS[0]}/samples/orders`)).status).toBe(401);
    expect((await getLive(`${URLS[0]}/samples/orders`, TOKEN)).status).toBe(200);
    expect((await getLive(`${URLS[0]}/metrics`)).status).toBe(200);
    const flow = (await (await getLive(`${URLS[0]}/live/flow`, TOKEN)).json()) as { name: string; text: string };
    expect(flow.name).toBe('attach-orders');
    expect(flow.text).toContain(groupId);
    await expect(backend.attach(URLS, 'wrong-token')).rejects.toThrow(`cannot attach: ${URLS[0]}: refused the token`);
  });

  it('combines the instances: counts equal the sum of their /metrics counters and the records in Redis; each partition from its owner', async () => {
    const states: RunState[] = [];
    backend.onRunState((s) => states.push(s));
    let frame: TelemetryFrame | undefined;
    backend.onTelemetry((f) => (frame = f));
    const result = await backend.attach([URLS[0]!, `127.0.0.1:${PORTS[1]}`, `${URLS[2]}/`], TOKEN);
    expect(result.flow.name).toBe('attach-orders');
    expect(result.instances.map((i) => i.url)).toEqual(URLS);
    expect(result.warning).toBeUndefined();
    const state = await backend.runState();
    expect(state.status).toBe('attached');
    if (state.status !== 'attached') return;
    expect(state.instances.map((i) => i.reachable)).toEqual([true, true, true]);
    const pids = state.instances.map((i) => i.identity!.pid);
    expect(pids.sort()).toEqual(runs.map((r) => r.child.pid!).sort());
    const memberIds = state.instances.map((i) => i.identity!.members.orders?.memberId);
    expect(new Set(memberIds).size).toBe(3);
    for (const id of memberIds) expect(id).toEqual(expect.stringMatching(/\S/));
    expect(states.at(-1)?.status).toBe('attached');
    await expect(backend.run('version: 1', null)).rejects.toThrow(/detach before running/);

    await waitFor('a combined frame with every record', () => frame?.nodes.store?.in === RECORDS, 10_000, 100);
    const combined = frame!;
    let metricsIn = 0;
    let metricsOut = 0;
    for (const url of URLS) {
      const text = await (await fetch(`${url}/metrics`)).text();
      metricsIn += counterOf(text, 'tributary_node_records_in_total', 'store');
      metricsOut += counterOf(text, 'tributary_node_records_out_total', 'orders');
    }
    const inRedis = await countKeys(redis, `${topic}:*`);
    expect(metricsIn).toBe(RECORDS);
    expect(inRedis).toBe(RECORDS);
    expect(combined.nodes.store!.in).toBe(metricsIn);
    expect(combined.nodes.orders!.in).toBe(RECORDS);
    expect(combined.nodes.orders!.out.out).toBe(metricsOut);
    expect(combined.totals.delivered).toBe(inRedis);
    expect(combined.edges['double:out->store:in']).toBe(RECORDS);
    // Every instance read a share: the sum is not one instance's count.
    const perInstance = await Promise.all(URLS.map(async (u) => counterOf(await (await fetch(`${u}/metrics`)).text(), 'tributary_node_records_in_total', 'store')));
    expect(perInstance.every((n) => n > 0 && n < RECORDS)).toBe(true);

    const partitions = combined.partitions.orders!;
    expect(partitions.map((p) => p.partition)).toEqual([...Array(PARTITIONS).keys()]);
    for (const p of partitions) expect(p.lag).toBe(0);
    for (const instance of state.instances) {
      const label = `${instance.identity!.host}:${instance.identity!.pid}`;
      const owned = partitions.filter((p) => p.owner === label).map((p) => p.partition);
      expect(owned).toEqual(instance.identity!.partitions.orders!.map((p) => p.partition).sort((a, b) => a - b));
      expect(owned).toHaveLength(PARTITIONS / PORTS.length);
    }

    // Samples come from the instances, combined: the newest records of each, so more than one partition.
    const samples = await new Promise<NodeSamples>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no samples of orders within 10 s')), 10_000);
      const off = backend.onSamples('orders', (s) => {
        if (s.out.length > 0) {
          clearTimeout(timer);
          off();
          resolve(s);
        }
      });
    });
    expect(samples.nodeId).toBe('orders');
    for (const r of samples.out) expect(r.meta.topic).toBe(topic);
    expect(new Set(samples.out.map((r) => r.meta.partition)).size).toBeGreaterThan(1);

    await backend.stop();
    expect((await backend.runState()).status).not.toBe('attached');
    expect(states.at(-1)).toEqual({ status: 'idle' });
  }, 60_000);
});

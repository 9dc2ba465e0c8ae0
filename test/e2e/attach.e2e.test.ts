/**
 * End-to-end test of "Attach…" (browser mode, real Kafka and Redis): two headless `tributary run --metrics-port`
 * instances of one flow share a 4-partition topic; the studio in Chromium attaches to both through the dialog, opens
 * their flow read-only and shows the counts summed on the canvas (equal to the records in Redis), each instance's
 * partitions in the inspector, and detaches. Screenshots (1440×900) go to test-results/attach-e2e/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveSnapshot } from '../../runtime/common/attach-protocol';
import { countKeys, groupProgress, killAllCli, seedTopic, startCli, tempDir, waitFor, writeFlow, type RunningCli } from '../support/runtime';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testRedis, uniqueName } from '../support/services';
import { openStudio, type StudioSession } from './harness';

const PORTS = [19510, 19511];
const URLS = PORTS.map((p) => `http://127.0.0.1:${p}`);
const TOKEN = `attach-e2e-${process.pid}`;
const RECORDS = 4_000;
/** The filter keeps amounts of 5 and more: half of the records. */
const KEPT = RECORDS / 2;

const topic = uniqueName('attach-e2e');
const groupId = `${topic}-group`;
const redis = testRedis();
const runs: RunningCli[] = [];
let session: StudioSession;
let page: Page;

/** The raw number behind a live figure (`data-count`), or null before the first frame. */
async function count(testId: string): Promise<number | null> {
  const loc = page.getByTestId(testId);
  if ((await loc.count()) === 0) return null;
  const raw = await loc.getAttribute('data-count');
  return raw === null || raw === '' ? null : Number(raw);
}

describe('studio Attach… (browser mode, two headless instances)', () => {
  beforeAll(async () => {
    await createTopic(topic, 4);
    const flowFile = writeFlow(tempDir('tributary-attach-e2e-'), 'orders.flow.yaml', {
      version: 1,
      name: 'orders-to-redis',
      settings: { batchSize: 50 },
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, fromBeginning: true } },
        { id: 'double', type: 'transform.map', config: { expression: '({ id: value.id, amount: value.amount * 2 })' } },
        { id: 'big', type: 'transform.filter', config: { expression: 'value.amount >= 10' } },
        { id: 'store', type: 'sink.redis', config: { url: redisUrl, command: 'set', key: `'${topic}:' + value.id` } },
      ],
      edges: [
        { from: 'orders', to: 'double' },
        { from: 'double', to: 'big' },
        { from: 'big', to: 'store' },
      ],
      layout: { orders: { x: 0, y: 80 }, double: { x: 300, y: 80 }, big: { x: 600, y: 80 }, store: { x: 900, y: 80 } },
    });
    for (const port of PORTS) runs.push(startCli(['run', flowFile, '--metrics-port', String(port), '--log-format', 'json'], { TRIBUTARY_METRICS_TOKEN: TOKEN }));
    await waitFor(
      'two instances owning 2 partitions each',
      async () => {
        const snapshots = await Promise.all(
          URLS.map(async (u) => (await (await fetch(`${u}/live`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as LiveSnapshot),
        );
        return snapshots.every((s) => (s.identity.partitions.orders ?? []).length === 2);
      },
      90_000,
      500,
    );
    await seedTopic(topic, RECORDS, (i) => ({ id: i, amount: i % 10 }));
    await waitFor('every offset committed', async () => (await groupProgress(groupId, topic)).committed === RECORDS, 90_000, 500);
    session = await openStudio({ shots: 'attach-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-attach-e2e-' });
    page = session.page;
    await page.getByTestId('toolbar').waitFor();
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    for (const run of runs) run.child.kill('SIGTERM');
    await Promise.all(runs.map((r) => Promise.race([r.exited, new Promise((resolve) => setTimeout(resolve, 15_000))])));
    killAllCli();
    await deleteKeys(redis, `${topic}:*`);
    await redis.quit();
  }, 30_000);

  it('attaches to both instances and shows their counts summed on the canvas, read-only, then detaches', async () => {
    await page.getByTestId('attach').click();
    await page.getByTestId('attach-dialog').waitFor();
    // A wrong token is refused with the instance named.
    await page.getByTestId('attach-urls').fill(URLS.join('\n'));
    await page.getByTestId('attach-token').fill('not-the-token');
    await page.getByTestId('attach-confirm').click();
    await expect.poll(async () => page.getByTestId('attach-error').textContent(), { timeout: 10_000 }).toContain(`${URLS[0]}: refused the token`);

    await page.getByTestId('attach-token').fill(TOKEN);
    await page.getByTestId('attach-confirm').click();
    await page.getByTestId('attach-dialog').waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(async () => page.getByTestId('run-state-text').textContent(), { timeout: 10_000 }).toBe('Attached to 2 instances of orders-to-redis');

    const inRedis = await countKeys(redis, `${topic}:*`);
    expect(inRedis).toBe(KEPT);
    await expect.poll(() => count('node-in-orders'), { timeout: 15_000 }).toBe(RECORDS);
    await expect.poll(() => count('node-in-store'), { timeout: 15_000 }).toBe(inRedis);
    expect(await count('status-delivered')).toBe(RECORDS); // source records acknowledged (filtered ones too)

    // Read-only: no Run, Preview or another Attach; Stop reads Detach.
    expect(await page.getByTestId('run').isDisabled()).toBe(true);
    expect(await page.getByTestId('preview').isDisabled()).toBe(true);
    expect(await page.getByTestId('attach').isDisabled()).toBe(true);
    expect(await page.getByTestId('stop').textContent()).toBe('Detach');

    // Which instance owns what: the source's inspector lists both, two partitions each.
    await page.getByTestId('node-orders').locator('.flow-node-header').click();
    await page.getByTestId('node-owners-orders').waitFor();
    const owned = await page.getByTestId('node-owner-partitions').allTextContents();
    expect(owned).toHaveLength(2);
    expect(owned.flatMap((t) => t.split(' ')).sort()).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(await page.getByTestId('node-id').isDisabled()).toBe(true);
    await expect.poll(async () => page.getByTestId('partition-orders-0').getAttribute('title')).toMatch(/owned by .+:\d+/);
    await session.screenshot('attached-canvas');

    await page.getByTestId('stop').click();
    await expect.poll(async () => page.getByTestId('run-state-text').textContent(), { timeout: 10_000 }).toBe('Not running');
    expect(await page.getByTestId('run').isDisabled()).toBe(false);
  }, 90_000);
});

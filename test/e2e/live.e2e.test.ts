/**
 * End-to-end test of live telemetry in the studio (browser mode), against the real Kafka and Redis. Seeds 20,000 JSON
 * records on a 4-partition topic, builds `source.kafka -> transform.map -> transform.filter -> sink.redis` on the canvas
 * through the UI (config set in the inspector), runs it, and checks that the per-node counters on the canvas reach the
 * exact numbers that end up in Redis, that the map node's sample panel shows mapped records, that lag goes to 0 and
 * that Stop exits cleanly. Then Preview on the same flow (samples for every node, Redis untouched, expression results
 * as you type), and a runtime killed from outside (crash shown with its reason, and the studio runs again).
 *
 * Screenshots go to test-results/live-e2e/ (git-ignored); docs/images/live-canvas.png and node-samples.png are copies of `live-canvas` and `live-done-samples-table` (1440×900).
 */
import type { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countKeys, groupProgress, seedTopic, waitFor } from '../support/runtime';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testRedis, uniqueName } from '../support/services';
import { completionOption, openBottomArea, openStudio, typeInEditor, type StudioSession } from './harness';


const RECORDS = 20_000;
/** The filter keeps even amounts: half of the records. */
const KEPT = RECORDS / 2;
const MAP_EXPRESSION = "({ ...value, doubled: value.amount * 2, label: 'item ' + value.id })";
const FILTER_EXPRESSION = 'value.amount % 2 === 0';

const topic = uniqueName('live-e2e');
const groupId = uniqueName('live-e2e-group');
const keyPrefix = uniqueName('live-e2e');

let session: StudioSession;
let page: Page;
let redis: Redis;
const screenshot = (name: string): Promise<void> => session.screenshot(name);
const dropNode = (type: string, x: number, y: number): Promise<void> => session.dropNode(type, x, y);
const connect = (from: string, to: string): Promise<void> => session.connect(from, to);

/** Selects a node by clicking its header. */
async function select(id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('.flow-node-header').click();
  await page.getByTestId('inspector-node').waitFor();
}

/** The raw number behind a live figure (`data-count`), or null before the first frame. */
async function count(testId: string): Promise<number | null> {
  const loc = page.getByTestId(testId);
  if ((await loc.count()) === 0) return null;
  const raw = await loc.getAttribute('data-count');
  return raw === null || raw === '' ? null : Number(raw);
}

async function runStateText(): Promise<string> {
  return (await page.getByTestId('run-state-text').textContent()) ?? '';
}

describe('studio live telemetry (browser mode, real Kafka + Redis)', () => {
  beforeAll(async () => {
    redis = testRedis();
    await createTopic(topic, 4);
    await seedTopic(topic, RECORDS, (i) => ({ id: i, amount: i % 100, name: `item-${i}` }));
    session = await openStudio({ shots: 'live-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-live-e2e-' });
    page = session.page;
    await page.getByTestId('node-orders').waitFor();
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    if (redis !== undefined) {
      await deleteKeys(redis, `${keyPrefix}:*`).catch(() => undefined);
      redis.disconnect();
    }
  });

  it('builds kafka -> map -> filter -> redis in the UI, runs it, and the canvas counters match Redis', async () => {
    await page.getByTestId('file-new').click();
    await page.getByTestId('empty-hint').waitFor();
    await dropNode('source.kafka', 40, 140);
    await dropNode('transform.map', 320, 140);
    await dropNode('transform.filter', 600, 140);
    await dropNode('sink.redis', 880, 140);
    await page.getByTestId('node-redis').waitFor();
    await connect('kafka', 'map');
    await connect('map', 'filter');
    await connect('filter', 'redis');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(3);

    await select('kafka');
    await page.getByTestId('field-brokers').fill(kafkaBrokers.join('\n'));
    await page.getByTestId('field-topic').fill(topic);
    await page.getByTestId('field-groupId').fill(groupId);
    // Read the topic from its start (the node's example has startFrom earliest already; clicking it is what a user does).
    const earliest = page.getByTestId('field-startFrom-variant').getByRole('radio', { name: 'earliest', exact: true });
    await earliest.click();
    await expect.poll(() => earliest.getAttribute('aria-checked')).toBe('true');
    await select('map');
    await page.getByTestId('field-expression').fill(MAP_EXPRESSION);
    await select('filter');
    await page.getByTestId('field-expression').fill(FILTER_EXPRESSION);
    await select('redis');
    await page.getByTestId('field-url').fill(redisUrl);
    await page.getByTestId('field-command').selectOption('set');
    await page.getByTestId('field-key').fill(`'${keyPrefix}:' + value.id`);
    await expect.poll(() => page.getByTestId('problem-count').textContent()).toBe('0');
    // The whole flow in view, as a user would look at it (the nodes were dropped at fixed points).
    await page.getByTestId('fit-view').click();
    await page.waitForTimeout(300);
    await screenshot('built');

    await select('map');
    await page.getByTestId('run').click();
    await expect.poll(runStateText, { timeout: 30_000 }).toMatch(/^Running \(pid \d+\)/);
    await page.getByTestId('read-only-banner').waitFor();

    // A screenshot while records flow (rates on the edges), then wait for every record.
    await expect.poll(() => count('node-in-redis'), { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
    // Best effort: catch a frame where the edges carry a measured rate.
    await page
      .waitForFunction("[...document.querySelectorAll('.edge-rate')].some((e) => Number(e.getAttribute('data-rate')) > 0)", null, { timeout: 5000 })
      .catch(() => undefined);
    await screenshot('live-canvas');
    await expect.poll(() => count('node-in-redis'), { timeout: 120_000 }).toBe(KEPT);
    await waitFor('every kept record in Redis', async () => (await countKeys(redis, `${keyPrefix}:*`)) === KEPT, 60_000);
    const inRedis = await countKeys(redis, `${keyPrefix}:*`);

    expect(await count('node-in-kafka')).toBe(RECORDS);
    expect(await count('node-out-kafka')).toBe(RECORDS);
    expect(await count('node-in-map')).toBe(RECORDS);
    expect(await count('node-out-map')).toBe(RECORDS);
    expect(await count('node-in-filter')).toBe(RECORDS);
    expect(await count('node-out-filter')).toBe(inRedis);
    expect(await count('node-in-redis')).toBe(inRedis);
    expect(await count('node-errors-redis')).toBe(0);
    expect(await count(`edge-rate-filter:out->redis:in`)).toBe(inRedis);
    expect(await count('status-in')).toBe(RECORDS);
    await page.getByTestId('node-sparkline-map').waitFor();
    await page.getByTestId('node-ack-redis').waitFor();

    // Kafka source: 4 assigned partitions, lag down to 0.
    await expect.poll(() => page.locator('[data-testid^="partition-kafka-"]').count(), { timeout: 30_000 }).toBe(4);
    await expect.poll(() => count('node-lag-kafka'), { timeout: 60_000 }).toBe(0);

    // The map node's samples: mapped fields, as JSON and as a table; search filter; pause.
    await openBottomArea(page);
    await expect.poll(() => page.getByTestId('sample-panel').getAttribute('data-source')).toBe('live');
    await expect.poll(() => page.getByTestId('sample-node').textContent()).toBe('map');
    await expect.poll(async () => Number(await page.getByTestId('sample-body').getAttribute('data-count')), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('sample-json').textContent()).toContain('doubled');
    await page.getByTestId('sample-view-table').click();
    const headers = await page.getByTestId('sample-table').locator('th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['key', 'value.id', 'value.amount', 'value.doubled', 'value.label']));
    const firstLabel = await page.getByTestId('sample-row').first().locator('td').nth(headers.indexOf('value.label')).textContent();
    expect(firstLabel).toMatch(/^item \d+$/);
    await page.getByTestId('sample-search').fill(firstLabel as string);
    await expect.poll(async () => Number(await page.getByTestId('sample-body').getAttribute('data-count'))).toBeGreaterThanOrEqual(1);
    await page.getByTestId('sample-search').fill('no record has this text');
    await expect.poll(() => page.getByTestId('sample-body').getAttribute('data-count')).toBe('0');
    await page.getByTestId('sample-search').fill('');
    await page.getByTestId('sample-pause').check();
    await page.getByTestId('sample-pause').uncheck();
    await screenshot('live-done-samples-table');

    await page.getByTestId('stop').click();
    await expect.poll(runStateText, { timeout: 60_000 }).toMatch(/^Stopped/);
    expect(await page.locator('.run-status.crashed').count()).toBe(0);
    const progress = await groupProgress(groupId, topic);
    expect(progress.committed).toBe(RECORDS);
    // The last run's figures stay on the canvas after Stop.
    expect(await count('node-in-redis')).toBe(inRedis);
    await screenshot('stopped');
  });

  it('previews the same flow: samples for every node, Redis untouched, expression results as you type', async () => {
    const before = await countKeys(redis, `${keyPrefix}:*`);
    await deleteKeys(redis, `${keyPrefix}:*`);
    await page.getByTestId('preview').click();
    for (const id of ['kafka', 'map', 'filter', 'redis']) {
      await page.getByTestId(`node-preview-${id}`).waitFor({ timeout: 60_000 });
      const side = id === 'kafka' ? 'data-out' : 'data-in';
      expect(Number(await page.getByTestId(`node-preview-${id}`).getAttribute(side))).toBeGreaterThan(0);
    }
    expect(Number(await page.getByTestId('node-preview-kafka').getAttribute('data-out'))).toBe(20);
    for (const id of ['kafka', 'map', 'filter', 'redis']) {
      await select(id);
      await expect.poll(() => page.getByTestId('sample-panel').getAttribute('data-source')).toBe('preview');
      await page.getByTestId(id === 'redis' ? 'sample-side-in' : 'sample-side-out').click();
      await expect.poll(async () => Number(await page.getByTestId('sample-body').getAttribute('data-count'))).toBeGreaterThan(0);
    }
    await page.getByTestId('sample-view-json').click();
    await select('map');
    await page.getByTestId('sample-side-out').click();
    expect(await page.getByTestId('sample-json').textContent()).toContain('doubled');
    expect(await countKeys(redis, `${keyPrefix}:*`)).toBe(0);
    expect(before).toBe(KEPT);

    // The map expression, evaluated on the previewed input as you type; completion from the sampled fields.
    const expression = page.getByTestId('field-expression');
    // Evaluated on the preview's input (the first records of the topic), not on the last run's samples.
    await expect.poll(() => page.getByTestId('field-expression-result').textContent()).toMatch(/^= \{"id":\d{1,3},.*"doubled":\d+/);
    // Typed, as a user would: completion opens on typing (a fill() is a paste).
    await typeInEditor(page, 'field-expression', 'value.amount * 3 + value.');
    await completionOption(page, 'value.name').waitFor();
    await completionOption(page, 'value.amount').click();
    await expect.poll(() => expression.textContent()).toBe('value.amount * 3 + value.amount');
    await expect.poll(() => page.getByTestId('field-expression-result').textContent()).toMatch(/^= \d+$/);
    await expression.fill('value.amount *');
    await expect.poll(() => page.getByTestId('field-expression-result').textContent()).toContain('error at column 15');
    await screenshot('preview-expression-error');
    await expression.fill(MAP_EXPRESSION);
    await expect.poll(() => page.getByTestId('field-expression-result').textContent()).toContain('"label":"item ');
    await screenshot('preview-samples');
    expect(await countKeys(redis, `${keyPrefix}:*`)).toBe(0);
  });

  it('shows a runtime killed from outside as crashed, with the reason, and runs again', async () => {
    await page.getByTestId('file-new').click();
    await page.getByTestId('discard-confirm').click();
    await page.getByTestId('empty-hint').waitFor();
    await dropNode('source.generator', 60, 160);
    await dropNode('sink.console', 420, 160);
    await page.getByTestId('node-console').waitFor();
    await connect('generator', 'console');
    await select('generator');
    await page.getByTestId('field-count').fill('0');
    await page.getByTestId('field-ratePerSecond').fill('200');
    await expect.poll(() => page.getByTestId('problem-count').textContent()).toBe('0');

    await page.getByTestId('run').click();
    await expect.poll(runStateText, { timeout: 30_000 }).toMatch(/^Running \(pid \d+\)/);
    const pid = Number(/pid (\d+)/.exec(await runStateText())?.[1]);
    await expect.poll(() => count('node-out-generator'), { timeout: 30_000 }).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await expect.poll(runStateText, { timeout: 30_000 }).toBe('Crashed: killed by SIGKILL');
    expect(await page.locator('.run-status.crashed').count()).toBe(1);
    await screenshot('crashed');

    await page.getByTestId('run').click();
    await expect.poll(runStateText, { timeout: 30_000 }).toMatch(/^Running \(pid \d+\)/);
    expect(Number(/pid (\d+)/.exec(await runStateText())?.[1])).not.toBe(pid);
    await expect.poll(() => count('node-in-console'), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot('running-again');
    await page.getByTestId('stop').click();
    await expect.poll(runStateText, { timeout: 60_000 }).toMatch(/^Stopped/);
  });
});

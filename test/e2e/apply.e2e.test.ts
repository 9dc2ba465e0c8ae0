/**
 * End-to-end test of Apply (edit while running) in the studio (browser mode, 1440×900), against the real Kafka and
 * Redis. Records are produced at a steady rate while `source.kafka -> transform.filter -> sink.redis` (INCRBY per
 * record id) runs; the filter is edited on the running canvas, the toolbar offers Apply with one changed node, and
 * Apply shows "Applied: 1 node changed (keep) at hh:mm:ss" in the status bar while the live figures carry on (the
 * source's count keeps growing from where it was, the run never shows as stopped). Redis then holds every id the
 * filters kept exactly once.
 *
 * Screenshots go to test-results/apply-e2e/ (git-ignored).
 */
import type { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupProgress, waitFor, writeFlow } from '../support/runtime';
import { createTopic, deleteKeys, kafkaBrokers, redisUrl, testKafka, testRedis, uniqueName } from '../support/services';
import { openStudio, type StudioSession } from './harness';

const topic = uniqueName('apply-e2e');
const groupId = `${topic}-group`;
const prefix = `${topic}:id`;
/** Records per batch and the pause between batches (ms): a steady 100 records/s. */
const BATCH = 10;
const BATCH_EVERY_MS = 100;

let session: StudioSession;
let page: Page;
let redis: Redis;
let producer: Producer;
let produced = 0;
let producing = true;
let production: Promise<void> = Promise.resolve();

/** The raw number behind a live figure (`data-count`), or -1 before the first frame. */
async function count(testId: string): Promise<number> {
  const raw = await page.getByTestId(testId).getAttribute('data-count', { timeout: 1_000 }).catch(() => null);
  return raw === null || raw === '' ? -1 : Number(raw);
}

async function runStateText(): Promise<string> {
  return (await page.getByTestId('run-state-text').textContent()) ?? '';
}

describe('studio Apply (browser mode, real Kafka + Redis)', () => {
  beforeAll(async () => {
    redis = testRedis();
    await createTopic(topic, 2);
    producer = testKafka('tributary-test-apply-e2e').producer();
    await producer.connect();
    production = (async () => {
      while (producing) {
        const messages = [];
        for (let i = produced; i < produced + BATCH; i++) messages.push({ key: String(i), value: JSON.stringify({ id: i, amount: i % 10 }) });
        await producer.send({ topic, messages });
        produced += BATCH;
        await new Promise((r) => setTimeout(r, BATCH_EVERY_MS));
      }
    })();
    session = await openStudio({ shots: 'apply-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-apply-e2e-' });
    page = session.page;
    await page.getByTestId('file-open').waitFor({ timeout: 120_000 });
  }, 300_000);

  afterAll(async () => {
    producing = false;
    await production.catch(() => undefined);
    await producer?.disconnect();
    await session?.close();
    if (redis !== undefined) {
      await deleteKeys(redis, `${prefix}:*`).catch(() => undefined);
      redis.disconnect();
    }
  });

  it('edits the filter of a running flow, applies it, and the live view carries on', async () => {
    const flowFile = writeFlow(session.work, 'apply.flow.yaml', {
      version: 1,
      name: 'apply-e2e',
      settings: { batchSize: 10 },
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, startFrom: 'earliest', format: 'json' } },
        { id: 'keep', type: 'transform.filter', config: { expression: 'value.amount >= 0' } },
        { id: 'store', type: 'sink.redis', config: { url: redisUrl, command: 'incrby', key: `'${prefix}:' + value.id` } },
      ],
      edges: [
        { from: 'orders', to: 'keep' },
        { from: 'keep', to: 'store' },
      ],
      layout: { orders: { x: 0, y: 0 }, keep: { x: 300, y: 0 }, store: { x: 600, y: 0 } },
    });
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(flowFile);
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-keep').waitFor();
    await page.getByTestId('run').click();
    await page.getByTestId('external-confirm').click();
    await expect.poll(runStateText, { timeout: 60_000 }).toMatch(/^Running \(pid \d+\)/);
    const firstRun = await runStateText();
    await expect.poll(() => count('node-in-store'), { timeout: 60_000 }).toBeGreaterThan(0);
    // Nothing differs from the running flow yet: no Apply.
    expect(await page.getByTestId('apply').count()).toBe(0);

    // Edit the running flow: the inspector stays editable and the toolbar offers Apply for one changed node.
    await page.getByTestId('node-keep').locator('.flow-node-header').click();
    await page.getByTestId('inspector-node').waitFor();
    await page.getByTestId('field-expression').fill('value.amount >= 5');
    await expect.poll(() => page.getByTestId('apply-count').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await page.getByTestId('apply').getAttribute('title')).toContain('1 node changed (keep)');
    await session.screenshot('pending-apply');

    const inBefore = await count('node-in-orders');
    const totalBefore = await count('status-in');
    expect(inBefore).toBeGreaterThan(0);
    await page.getByTestId('apply').click();
    // The whole status bar is polled, so a failure shows what it said instead (an "Apply failed: …" with its reason).
    await expect.poll(() => page.getByTestId('status-bar').textContent(), { timeout: 60_000 }).toMatch(/Applied: 1 node changed \(keep\) at \d\d:\d\d:\d\d/);
    expect(await page.getByTestId('status-applied').textContent()).toMatch(/^Applied: 1 node changed \(keep\) at \d\d:\d\d:\d\d$/);
    await expect.poll(runStateText, { timeout: 30_000 }).toMatch(/^Running \(pid \d+\)/);
    expect(await runStateText()).not.toBe(firstRun);
    // The live figures carry on: the source's count and the run's total grow past where they were (no reset).
    await expect.poll(() => count('node-in-orders'), { timeout: 30_000 }).toBeGreaterThan(inBefore + BATCH);
    expect(await count('status-in')).toBeGreaterThan(totalBefore);
    await page.getByTestId('node-sparkline-orders').waitFor();
    // Applied: nothing pending any more.
    expect(await page.getByTestId('apply').count()).toBe(0);
    await session.screenshot('applied');

    producing = false;
    await production;
    await waitFor('every offset committed', async () => (await groupProgress(groupId, topic)).committed === produced, 90_000, 250);
    await page.getByTestId('stop').click();
    await expect.poll(runStateText, { timeout: 60_000 }).toMatch(/^Stopped/);

    // Every id kept by the filter in force was counted once: ids with amount >= 5 by both versions, the others only
    // before the Apply; none twice.
    const keys = Array.from({ length: produced }, (_, i) => `${prefix}:${i}`);
    const counts: (string | null)[] = [];
    for (let i = 0; i < keys.length; i += 1000) counts.push(...(await redis.mget(...keys.slice(i, i + 1000))));
    const lost = counts.filter((c, i) => i % 10 >= 5 && c === null).length;
    const duplicated = counts.filter((c) => c !== null && c !== '1').length;
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  }, 300_000);
});

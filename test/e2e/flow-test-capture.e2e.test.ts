/**
 * End-to-end test of flow tests captured from live samples (issue #17, part 1), in browser mode against the real
 * Kafka: seeds 30 orders on a 2-partition topic, opens `source.kafka -> transform.map -> transform.filter ->
 * sink.file` from a file, runs it, and presses "Save as test case" in the filter node's sample panel. Then
 * `tributary test` (no Kafka, no network) passes on the flow; after the filter expression in the flow file is
 * changed, it fails, exits 1 and prints the diff of the sink's expected and actual records.
 *
 * Screenshots go to test-results/flow-test-capture-e2e/ (git-ignored).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, seedTopic, writeFlow } from '../support/runtime';
import { createTopic, kafkaBrokers, uniqueName } from '../support/services';
import { openStudio, type StudioSession } from './harness';

const RECORDS = 30;
const FILTER = 'value.amount >= 50';
/** Amounts 0, 7, 14, ... (mod 100): the filter keeps 14 of the 30. */
const amount = (i: number): number => (i * 7) % 100;
const KEPT = Array.from({ length: RECORDS }, (_, i) => amount(i)).filter((a) => a >= 50).length;

const topic = uniqueName('flow-test-e2e');
const groupId = uniqueName('flow-test-e2e-group');

let session: StudioSession;
let page: Page;
let flowFile: string;
let testFile: string;

describe('flow tests captured from the sample panel (browser mode, real Kafka)', () => {
  beforeAll(async () => {
    await createTopic(topic, 2);
    await seedTopic(topic, RECORDS, (i) => ({ id: i, amount: amount(i), customer: `c${i % 5}` }));
    session = await openStudio({ shots: 'flow-test-capture-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-flow-test-e2e-' });
    page = session.page;
    flowFile = writeFlow(session.work, 'orders.flow.yaml', {
      version: 1,
      name: 'flow-test-e2e',
      settings: { batchSize: 5 },
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, startFrom: 'earliest', format: 'json' } },
        { id: 'price', type: 'transform.map', config: { expression: "({ ...value, amountEur: value.amount / 100, tier: value.amount >= 80 ? 'gold' : 'std' })" } },
        { id: 'large', type: 'transform.filter', config: { expression: FILTER } },
        { id: 'out', type: 'sink.file', config: { path: join(session.work, 'out.jsonl') } },
      ],
      edges: [
        { from: 'orders', to: 'price' },
        { from: 'price', to: 'large' },
        { from: 'large', to: 'out' },
      ],
    });
    testFile = join(session.work, 'orders.test.yaml');
    await page.getByTestId('file-open').waitFor({ timeout: 120_000 });
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('saves a test case from the running flow; tributary test passes, and fails with a diff once the filter changes', async () => {
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(flowFile);
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-large').waitFor();

    await page.getByTestId('run').click();
    // A file this studio did not write asks once before it runs (its expressions are code).
    await page.getByTestId('external-confirm').click();
    await expect.poll(async () => (await page.getByTestId('run-state-text').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^Running/);
    await expect.poll(async () => Number(await page.getByTestId('node-in-out').getAttribute('data-count')), { timeout: 60_000 }).toBe(KEPT);

    await page.getByTestId('node-large').locator('.flow-node-header').click();
    await expect.poll(() => page.getByTestId('sample-body').getAttribute('data-count'), { timeout: 10_000 }).toBe(String(KEPT));
    await page.getByTestId('save-test-case').click();
    await page.getByTestId('test-case-name').fill('large orders pass the filter');
    await session.screenshot('save-test-case-name');
    await page.getByTestId('test-case-save').click();
    await expect.poll(() => page.getByTestId('notice').textContent(), { timeout: 15_000 }).toContain('test case "large orders pass the filter" saved to');
    await session.screenshot('save-test-case-saved');
    await page.getByTestId('stop').click();
    await expect.poll(async () => (await page.getByTestId('run-state-text').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^Stopped/);

    // The case holds the records that belong together: inputs with partitions and offsets, and at the sink exactly
    // the inputs the filter keeps, mapped.
    const saved = parse(readFileSync(testFile, 'utf8')) as {
      cases: { name: string; inputs: { orders: { value: { amount: number }; partition: number; offset: string }[] }; expect: Record<string, { value: { amount: number; amountEur: number } }[]> }[];
    };
    expect(saved.cases.map((c) => c.name)).toEqual(['large orders pass the filter']);
    const { inputs, expect: expected } = saved.cases[0]!;
    expect(inputs.orders.length).toBeGreaterThanOrEqual(10);
    for (const r of inputs.orders) {
      expect(r.partition === 0 || r.partition === 1).toBe(true);
      expect(r.offset).toMatch(/^\d+$/);
    }
    const kept = inputs.orders.filter((r) => r.value.amount >= 50).map((r) => r.value.amount);
    expect(expected.out!.map((r) => r.value.amount)).toEqual(kept);
    expect(expected.out!.every((r) => r.value.amountEur === r.value.amount / 100)).toBe(true);
    expect(expected['large.error']).toEqual([]);

    const pass = await runCli(['test', flowFile]);
    expect(pass.stdout).toContain(`PASS ${testFile}: large orders pass the filter`);
    expect(pass.code).toBe(0);

    // Raise the filter just above the smallest captured amount it kept: which inputs the sample rings held depends on
    // how the partitions interleaved, so the threshold comes from the case itself and always drops at least one.
    expect(kept.length).toBeGreaterThan(0);
    const threshold = Math.min(...kept) + 1;
    writeFileSync(flowFile, readFileSync(flowFile, 'utf8').replace(FILTER, `value.amount >= ${threshold}`));
    const fail = await runCli(['test', flowFile]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain(`FAIL ${testFile}: large orders pass the filter`);
    const lost = kept.filter((a) => a < threshold).length;
    expect(fail.stdout).toContain(`out: ${kept.length} record(s) expected, ${kept.length - lost} received`);
    expect(fail.stdout).toContain('--- expected out');
    expect(fail.stdout).toContain('+++ actual out');
    // The records the changed filter drops show as removed lines of the diff.
    expect(fail.stdout).toMatch(new RegExp(`^\\s+-\\s+amount: ${threshold - 1}$`, 'm'));
  }, 240_000);
});

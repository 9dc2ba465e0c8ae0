/**
 * End-to-end test of union-typed fields in the inspector (browser mode, Debian's Chromium through harness.ts): a flow
 * whose Kafka source has `ssl: { ca, rejectUnauthorized: false }` and `startFrom: { timestamp }` opens with "Custom
 * TLS" and "At a time" chosen and their settings filled in; switching ssl to Off and back brings the TLS settings
 * back; editing one TLS setting and saving keeps the others in the saved file (read back); settings left on one node
 * never reach another. Screenshots at 1440x900 go to test-results/union-fields-e2e/.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeFlow } from '../support/runtime';
import { openStudio, type StudioSession } from './harness';

const TIMESTAMP = '2026-11-30T00:00:00Z';

let session: StudioSession;
let page: Page;
let file: string;

/** The label of the variant a union field shows as chosen. */
async function chosenVariant(testId: string): Promise<string | null> {
  return page.getByTestId(`${testId}-variant`).locator('[role="radio"][aria-checked="true"]').textContent();
}

/** Scrolls the inspector so that the field `name` starts at its top (its whole editor in the screenshot). */
async function scrollToTop(name: string): Promise<void> {
  await page
    .locator(`[data-testid="inspector-node"] [data-field="${name}"]`)
    .evaluate((e) => (e as unknown as { scrollIntoView(options: { block: string }): void }).scrollIntoView({ block: 'start' }));
}

/** Clicks the variant of a union field labelled `label`. */
async function chooseVariant(testId: string, label: string): Promise<void> {
  await page.getByTestId(`${testId}-variant`).getByRole('radio', { name: label, exact: true }).click();
}

describe('union fields in the inspector (browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'union-fields-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-union-e2e-' });
    page = session.page;
    file = writeFlow(session.work, 'union.flow.yaml', {
      version: 1,
      name: 'union-e2e',
      nodes: [
        {
          id: 'orders',
          type: 'source.kafka',
          config: {
            brokers: ['kafka-1.internal:9093'],
            topic: 'orders',
            groupId: 'union-e2e',
            ssl: { ca: 'file:ca.pem', rejectUnauthorized: false },
            startFrom: { timestamp: TIMESTAMP },
          },
        },
        { id: 'audit', type: 'source.kafka', config: { brokers: ['kafka-1.internal:9093'], topic: 'audit', groupId: 'union-e2e-audit' } },
        { id: 'console', type: 'sink.console', config: {} },
      ],
      edges: [
        { from: 'orders', to: 'console' },
        { from: 'audit', to: 'console' },
      ],
    });
    await page.getByTestId('file-open').waitFor();
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('shows ssl as Custom TLS and startFrom as a time, with their settings', async () => {
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(file);
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-orders').waitFor();
    await page.getByTestId('node-orders').locator('.flow-node-header').click();
    await page.getByTestId('inspector-node').waitFor();

    expect(await chosenVariant('field-ssl')).toBe('Custom TLS');
    await expect(page.getByTestId('field-ssl-ca').inputValue()).resolves.toBe('file:ca.pem');
    await expect(page.getByTestId('field-ssl-rejectUnauthorized').isChecked()).resolves.toBe(false);
    await expect(page.getByTestId('field-ssl-servername').inputValue()).resolves.toBe('');
    // The private key is a secret: masked as everywhere else.
    await expect(page.getByTestId('field-ssl-key').getAttribute('type')).resolves.toBe('password');
    await scrollToTop('ssl');
    await session.screenshot('ssl-custom-tls');

    expect(await chosenVariant('field-startFrom')).toBe('At a time');
    expect(await chosenVariant('field-startFrom-timestamp')).toBe('Date-time (ISO 8601)');
    await expect(page.getByTestId('field-startFrom-timestamp').inputValue()).resolves.toBe(TIMESTAMP);
    await scrollToTop('startFrom');
    await session.screenshot('startFrom-timestamp');
  });

  it('brings the TLS settings back after switching ssl to Off and back, and Undo restores them too', async () => {
    await chooseVariant('field-ssl', 'Off');
    expect(await chosenVariant('field-ssl')).toBe('Off');
    await expect.poll(() => page.getByTestId('field-ssl-ca').count()).toBe(0);
    await chooseVariant('field-ssl', 'Custom TLS');
    await expect(page.getByTestId('field-ssl-ca').inputValue()).resolves.toBe('file:ca.pem');
    await expect(page.getByTestId('field-ssl-rejectUnauthorized').isChecked()).resolves.toBe(false);

    await chooseVariant('field-ssl', 'On (system CAs)');
    expect(await chosenVariant('field-ssl')).toBe('On (system CAs)');
    await page.keyboard.press('Control+z');
    // Undo restores the graph without its selection: select the node again.
    await page.getByTestId('node-orders').locator('.flow-node-header').click();
    await expect.poll(() => chosenVariant('field-ssl')).toBe('Custom TLS');
    await expect(page.getByTestId('field-ssl-ca').inputValue()).resolves.toBe('file:ca.pem');
  });

  it('edits one TLS setting and saves a file that keeps the others', async () => {
    await page.getByTestId('field-ssl-servername').fill('kafka.internal');
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.getByTestId('dirty-indicator').count(), { timeout: 10_000 }).toBe(0);
    const saved = parse(await readFile(file, 'utf8')) as { nodes: { id: string; config: Record<string, unknown> }[] };
    const config = saved.nodes.find((n) => n.id === 'orders')?.config;
    expect(config?.ssl).toEqual({ ca: 'file:ca.pem', rejectUnauthorized: false, servername: 'kafka.internal' });
    expect(config?.startFrom).toEqual({ timestamp: TIMESTAMP });
    await session.screenshot('saved');
  });

  it('never carries TLS settings left on one node over to another', async () => {
    await chooseVariant('field-ssl', 'Off');
    await page.getByTestId('node-audit').locator('.flow-node-header').click();
    await expect.poll(() => page.getByTestId('node-id').inputValue()).toBe('audit');
    expect(await chosenVariant('field-ssl')).toBe('Off');
    await chooseVariant('field-ssl', 'Custom TLS');
    await expect(page.getByTestId('field-ssl-ca').inputValue()).resolves.toBe('');
    await expect(page.getByTestId('field-ssl-rejectUnauthorized').isChecked()).resolves.toBe(true);
  });
});

/**
 * End-to-end test of the delivery guarantee on the canvas and in the inspector (browser mode, Debian's Chromium through
 * harness.ts), on examples/orders.flow.yaml: each sink carries a badge with the reason as tooltip, the inspector
 * names the guarantee and its reason, a command change moves the badge, and setting the flow to exactly-once makes
 * the Kafka sinks exactly-once and the Redis sink a problem. Screenshots at 1440x900 go to test-results/delivery-e2e/.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudio, ROOT, type StudioSession } from './harness';

let session: StudioSession;
let page: Page;

async function selectNode(id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('.flow-node-header').click();
  await page.getByTestId('inspector-node').waitFor();
}

async function badge(id: string): Promise<{ text: string | null; guarantee: string | null; title: string | null }> {
  const element = page.getByTestId(`node-delivery-${id}`);
  return { text: await element.textContent(), guarantee: await element.getAttribute('data-guarantee'), title: await element.getAttribute('title') };
}

describe('delivery guarantees on the canvas (browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'delivery-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-delivery-e2e-' });
    page = session.page;
    const flow = join(session.work, 'orders.flow.yaml');
    copyFileSync(join(ROOT, 'examples/orders.flow.yaml'), flow);
    await page.getByTestId('file-open').waitFor();
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(flow);
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-orders').waitFor();
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('badges every sink, and only sinks, with the guarantee and its reason', async () => {
    expect(await badge('store')).toEqual({
      text: 'idempotent',
      guarantee: 'idempotent',
      title: 'idempotent under replay: HSET writes the same value under the same key again on replay',
    });
    expect(await badge('alerts')).toEqual(expect.objectContaining({ text: 'at-least-once', guarantee: 'at-least-once' }));
    expect((await badge('alerts')).title).toMatch(/^at-least-once: duplicates after a crash: a replay appends the records again/);
    expect(await page.getByTestId('node-delivery-orders').count()).toBe(0);
    expect(await page.getByTestId('node-delivery-price').count()).toBe(0);

    await selectNode('store');
    const details = page.getByTestId('inspector-delivery');
    expect(await details.getAttribute('data-guarantee')).toBe('idempotent');
    expect(await details.innerText()).toContain('idempotent under replay');
    await session.screenshot('sink-badges-and-inspector');

    // incrby counts a replayed record twice: the badge and the inspector follow the config.
    await page.getByTestId('field-command').selectOption('incrby');
    await page.locator('[data-testid="node-delivery-store"][data-guarantee="at-least-once"]').waitFor();
    expect(await details.innerText()).toContain('INCRBY adds the increment again for every replayed record');
    await page.getByTestId('field-command').selectOption('hset');
    await page.locator('[data-testid="node-delivery-store"][data-guarantee="idempotent"]').waitFor();
  });

  it('exactly-once makes the Kafka sinks exactly-once and the Redis sink a problem naming why', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 400, y: 100 } });
    await page.getByTestId('inspector-flow').waitFor();
    await page.getByTestId('setting-delivery').selectOption('exactly-once');
    await page.locator('[data-testid="node-delivery-alerts"][data-guarantee="exactly-once"]').waitFor();
    expect((await badge('dlq')).guarantee).toBe('exactly-once');
    await page.getByTestId('node-problems-store').waitFor();
    await selectNode('store');
    expect(await page.getByTestId('node-problems').innerText()).toMatch(
      /^type: settings\.delivery is exactly-once, but sink\.redis cannot write inside a Kafka transaction \(exactly-once needs every sink to be sink\.kafka\); set settings\.delivery to at-least-once, where this sink is idempotent under replay, or write to Kafka$/,
    );
    await session.screenshot('exactly-once-refused-for-redis');
  });
});

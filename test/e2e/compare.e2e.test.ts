/**
 * End-to-end test of "Compare with saved" and "Compare with file…" (browser mode, Debian's Chromium through
 * harness.ts) on the fixture flows of test/fixtures/diff/: edits on the canvas show up against the saved file (a
 * deleted node as a ghost, a changed node highlighted with its field change old → new in the inspector), undoing them
 * empties the comparison, and comparing the canvas (v1) with v2 highlights added, changed and renamed nodes and draws
 * the node v1 lacks as a ghost. Screenshots at 1440x900 go to test-results/compare-e2e/.
 */
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudio, type StudioSession } from './harness';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/diff');

let session: StudioSession;
let page: Page;
let v1: string;
let v2: string;

async function selectNode(id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('.flow-node-header').click();
  await page.getByTestId('inspector-node').waitFor();
}

async function compareWith(entry: 'compare-saved' | 'compare-file'): Promise<void> {
  await page.getByTestId('compare-menu').click();
  await page.getByTestId(entry).click();
}

describe('compare the canvas with a flow file (browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'compare-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-compare-e2e-' });
    page = session.page;
    v1 = join(session.work, 'orders.flow.yaml');
    v2 = join(session.work, 'orders-v2.flow.yaml');
    copyFileSync(join(FIXTURES, 'orders-v1.flow.yaml'), v1);
    copyFileSync(join(FIXTURES, 'orders-v2.flow.yaml'), v2);
    await page.getByTestId('file-open').waitFor();
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(v1);
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-orders').waitFor();
  }, 600_000);

  afterAll(async () => {
    await session?.close();
  });

  it('shows the canvas edits against the saved file, and nothing once they are undone', async () => {
    await selectNode('alerts');
    await page.getByTestId('field-topic').fill('order-alerts-v2');
    await selectNode('debug');
    await page.keyboard.press('Delete');
    await page.getByTestId('node-debug').waitFor({ state: 'detached' });

    await compareWith('compare-saved');
    await page.getByTestId('compare-bar').waitFor();
    expect(await page.getByTestId('compare-summary').textContent()).toBe('Compared with the saved file orders.flow.yaml');
    await page.getByTestId('compare-ghost-debug').waitFor();
    expect(await page.getByTestId('compare-badge-alerts').textContent()).toBe('changed: 1 field');
    expect(await page.getByTestId('node-alerts').getAttribute('class')).toContain('compare-changed');
    await page.getByTestId('compare-toggle').click();
    expect(await page.getByTestId('compare-list').innerText()).toBe(
      ['- node debug (sink.console)', '~ node alerts (sink.kafka)', 'config.topic: "order-alerts" → "order-alerts-v2"', '- edge risk:high -> debug'].join('\n'),
    );
    // Nodes that did not change carry no badge.
    expect(await page.getByTestId('compare-badge-orders').count()).toBe(0);

    await selectNode('alerts');
    expect(await page.getByTestId('compare-field-config.topic').textContent()).toBe('config.topic: "order-alerts" → "order-alerts-v2"');
    await session.screenshot('compare-with-saved');

    // The comparison follows the canvas: undoing both edits leaves nothing to show.
    await page.getByTestId('undo').click();
    await page.getByTestId('undo').click();
    await page.getByTestId('node-debug').waitFor();
    await page.getByTestId('compare-ghost-debug').waitFor({ state: 'detached' });
    expect(await page.getByTestId('compare-summary').textContent()).toBe('No changes since the saved file orders.flow.yaml');
    expect(await page.getByTestId('compare-badge-alerts').count()).toBe(0);
    await page.getByTestId('compare-close').click();
    await page.getByTestId('compare-bar').waitFor({ state: 'detached' });
  });

  it('compares the canvas with another version: added, changed and renamed nodes, and a ghost', async () => {
    await compareWith('compare-file');
    await page.getByTestId('compare-path').fill(v2);
    await page.getByTestId('compare-confirm').click();
    await page.getByTestId('compare-bar').waitFor();
    expect(await page.getByTestId('compare-summary').textContent()).toBe('Compared with the file orders-v2.flow.yaml');
    // v2 -> canvas (v1): enrich is gone, debug came back, dead-letters is dlq again, risk has its old threshold.
    await page.getByTestId('compare-ghost-enrich').waitFor();
    expect(await page.getByTestId('compare-badge-debug').textContent()).toBe('added');
    expect(await page.getByTestId('compare-badge-dlq').textContent()).toBe('renamed from dead-letters');
    expect(await page.getByTestId('compare-badge-risk').textContent()).toBe('changed: 2 fields');
    expect(await page.getByTestId('compare-badge-alerts').textContent()).toBe('changed: 1 field');
    await selectNode('risk');
    expect(await page.getByTestId('compare-field-config.routes[1].expression').textContent()).toBe(
      'config.routes[1].expression: "value.total >= 200" → "value.total >= 100"',
    );
    expect(await page.getByTestId('compare-field-title').textContent()).toBe('title: "Risk routing" → (unset)');
    await page.getByTestId('compare-toggle').click();
    expect(await page.getByTestId('compare-list').innerText()).toContain('~ node dlq (sink.kafka), renamed from dead-letters');
    await session.screenshot('compare-with-file');
  });
});

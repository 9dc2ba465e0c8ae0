/**
 * End-to-end test of record traces in the studio (browser mode). A flow opened from a file fans every record out
 * (`map` -> sink `all` and transform `check`), and `check` fails odd ids to its error port (-> sink `errors`), even ids
 * go on to sink `evens`. While it runs, a sampled record of `errors` is traced from the sample panel: the trace view
 * lists every hop with a duration (gen, map, all, check, errors), the error port and the sinks' acknowledgements, and
 * the canvas highlights the nodes, the edges and the ports it took (fan-out and error edge included), dimming `evens`.
 * The flow keeps the default traceSampleRate (1 %): the studio's own runs also trace the last record of every batch.
 *
 * Screenshots (1440x900) go to test-results/trace-e2e/ (git-ignored).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFlow } from '../support/runtime';
import { openBottomArea, openStudio, type StudioSession } from './harness';

let session: StudioSession;
let page: Page;

async function runStateText(): Promise<string> {
  return (await page.getByTestId('run-state-text').textContent()) ?? '';
}

/** The class attribute of a canvas node. */
async function nodeClass(id: string): Promise<string> {
  return (await page.getByTestId(`node-${id}`).getAttribute('class')) ?? '';
}

describe('studio record traces (browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'trace-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-trace-e2e-' });
    page = session.page;
    const out = (name: string): string => join(session.work, `${name}.jsonl`);
    writeFlow(session.work, 'trace.flow.yaml', {
      version: 1,
      name: 'trace-e2e',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 0, ratePerSecond: 20, value: '({ id: i, amount: i * 7 })' } },
        { id: 'map', type: 'transform.map', config: { expression: '({ ...value, doubled: value.amount * 2 })' } },
        { id: 'all', type: 'sink.file', config: { path: out('all') } },
        {
          id: 'check',
          type: 'transform.map',
          config: { expression: "value.id % 2 === 1 ? (() => { throw new Error('odd id ' + value.id) })() : value" },
        },
        { id: 'evens', type: 'sink.file', config: { path: out('evens') } },
        { id: 'errors', type: 'sink.file', config: { path: out('errors') } },
      ],
      edges: [
        { from: 'gen', to: 'map' },
        { from: 'map', to: 'all' },
        { from: 'map', to: 'check' },
        { from: 'check', to: 'evens' },
        { from: 'check:error', to: 'errors' },
      ],
      layout: {
        gen: { x: 0, y: 160 },
        map: { x: 300, y: 160 },
        all: { x: 640, y: 20 },
        check: { x: 640, y: 260 },
        evens: { x: 980, y: 200 },
        errors: { x: 980, y: 380 },
      },
    });
    await page.getByTestId('file-open').waitFor();
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('traces a sampled record through fan-out and an error port, with every hop and its duration', async () => {
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(join(session.work, 'trace.flow.yaml'));
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-errors').waitFor();

    await page.getByTestId('run').click();
    const trust = page.getByTestId('external-confirm');
    await trust.waitFor({ timeout: 5_000 }).then(() => trust.click(), () => undefined);
    await expect.poll(runStateText, { timeout: 60_000 }).toMatch(/^Running \(pid \d+\)/);

    // The error sink's samples: records that went through the error port; traced ones offer "Trace".
    await page.getByTestId('node-errors').locator('.flow-node-header').click();
    await openBottomArea(page);
    await page.getByTestId('sample-side-in').click();
    await expect.poll(() => page.getByTestId('sample-trace').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    // Hold the list still (it refreshes twice a second) and trace its first traced record.
    await page.getByTestId('sample-pause').check();
    await session.screenshot('samples');
    const trace = page.getByTestId('sample-trace').first();
    await trace.scrollIntoViewIfNeeded();
    await trace.click();
    await page.getByTestId('trace-view').waitFor();

    // Every hop, in path order: the fan-out's two branches under map, the error branch ending in `errors`.
    const hops = page.getByTestId('trace-hop');
    await expect.poll(() => hops.count(), { timeout: 10_000 }).toBe(5);
    /** One attribute of every hop row, in list order. */
    const hopAttributes = async (name: string): Promise<(string | null)[]> => {
      const values: (string | null)[] = [];
      for (let i = 0; i < (await hops.count()); i++) values.push(await hops.nth(i).getAttribute(name));
      return values;
    };
    const nodes = await hopAttributes('data-node');
    expect(nodes.slice(0, 2)).toEqual(['gen', 'map']);
    expect([...nodes].sort()).toEqual(['all', 'check', 'errors', 'gen', 'map']);
    expect(nodes.indexOf('errors')).toBe(nodes.indexOf('check') + 1);
    const durations = await hopAttributes('data-duration');
    for (const d of durations) {
      expect(d).not.toBe('');
      expect(Number(d)).toBeGreaterThanOrEqual(0);
    }
    for (const text of await page.getByTestId('trace-hop-duration').allTextContents()) expect(text).toMatch(/^\d+(\.\d)? m?s$/);
    const hop = (id: string) => page.locator(`[data-testid="trace-hop"][data-node="${id}"]`);
    expect(await hop('check').getAttribute('data-ports')).toBe('error');
    expect(await hop('check').textContent()).toContain('odd id');
    expect(await hop('errors').getAttribute('data-from')).toBe('check:error');
    expect(await hop('all').getAttribute('data-from')).toBe('map:out');
    expect(await hop('map').getAttribute('data-ports')).toBe('out');
    // The sink acknowledgements.
    await expect.poll(() => hop('errors').getByTestId('trace-hop-ack').textContent()).toMatch(/^✓ acknowledged after \d/);
    await expect.poll(() => hop('all').getByTestId('trace-hop-ack').textContent()).toMatch(/^✓ acknowledged after \d/);

    // The canvas: the path's nodes highlighted (check by its error port), evens dimmed; its edges and ports marked.
    for (const id of ['gen', 'map', 'all', 'errors']) expect(await nodeClass(id)).toMatch(/\btraced\b/);
    expect(await nodeClass('check')).toMatch(/\btraced-error\b/);
    expect(await nodeClass('evens')).toMatch(/\btrace-dim\b/);
    for (const key of ['gen:out->map:in', 'map:out->all:in', 'map:out->check:in', 'check:error->errors:in']) {
      await page.getByTestId(`edge-traced-${key}`).waitFor({ state: 'attached' });
    }
    expect(await page.getByTestId('edge-traced-check:out->evens:in').count()).toBe(0);
    expect(await page.getByTestId('handle-check-out-error').locator('..').getAttribute('class')).toContain('port-traced');
    expect(await page.getByTestId('handle-check-out-out').locator('..').getAttribute('class')).not.toContain('port-traced');
    await session.screenshot('trace-view');

    await page.getByTestId('trace-close').click();
    await page.getByTestId('trace-view').waitFor({ state: 'detached' });
    expect(await nodeClass('evens')).not.toMatch(/trace-dim/);

    await page.getByTestId('stop').click();
    await expect.poll(runStateText, { timeout: 60_000 }).toMatch(/^Stopped/);
  }, 240_000);
});

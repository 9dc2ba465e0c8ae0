/**
 * End-to-end test of quick add and drop-on-edge (browser mode, Debian's Chromium through harness.ts, 1440×900), on a
 * copy of the demo flow: a double-click on the empty pane opens the search box there, "filt" + Enter places a
 * transform.filter at that point; `/` opens it too and Escape closes it; a palette "Map" dropped on the orders -> price
 * edge splits it (checked in the saved flow text), one Ctrl+Z takes the split back; the quick-added filter (no edges)
 * dragged onto the price -> large edge is inserted there. Screenshots: test-results/quick-add-e2e/.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openStudio, ROOT, type StudioSession } from './harness';

let session: StudioSession;
let page: Page;
let file: string;

type Point = { x: number; y: number };

/** The screen point halfway along an edge's path (the live edge path carries the edge id as its element id). */
async function edgeMiddle(id: string): Promise<Point> {
  return page.locator(`path.live-edge-path[id="${id}"]`).evaluate((element) => {
    const path = element as unknown as {
      getTotalLength(): number;
      getPointAtLength(l: number): Point;
      getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null;
    };
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM();
    if (m === null) throw new Error('the edge is not rendered');
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f };
  });
}

/** The edges on the canvas, as `from:port->to:port`. */
async function canvasEdges(): Promise<string[]> {
  const ids = await page.locator('path.live-edge-path').evaluateAll((paths) => paths.map((p) => (p as unknown as { id: string }).id));
  return ids.sort();
}

/** Saves with Ctrl+S and reads the saved edges back as `from -> to`. */
async function savedEdges(): Promise<string[]> {
  await page.keyboard.press('Control+s');
  await expect.poll(() => page.getByTestId('dirty-indicator').count(), { timeout: 10_000 }).toBe(0);
  const flow = parse(await readFile(file, 'utf8')) as { edges: { from: string; to: string }[] };
  return flow.edges.map((e) => `${e.from} -> ${e.to}`).sort();
}

describe('quick add and drop on edge (browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'quick-add-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-quick-add-e2e-' });
    page = session.page;
    file = join(session.work, 'demo.flow.yaml');
    await copyFile(join(ROOT, 'examples/demo.flow.yaml'), file);
    await page.getByTestId('file-open').waitFor();
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(file);
    await page.getByTestId('open-confirm').click();
    for (const id of ['orders', 'price', 'large', 'print']) await page.getByTestId(`node-${id}`).waitFor();
    await page.waitForTimeout(600);
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('opens on a double-click on the empty pane and places the chosen type at that point', async () => {
    const pane = await page.locator('[data-testid="canvas"] .react-flow__pane').boundingBox();
    if (pane === null) throw new Error('no canvas pane');
    const at = { x: Math.round(pane.x + pane.width * 0.4), y: Math.round(pane.y + pane.height * 0.15) };
    await page.mouse.dblclick(at.x, at.y);
    await page.getByTestId('quick-add').waitFor();
    const box = await page.getByTestId('quick-add').boundingBox();
    expect(Math.abs((box?.x ?? 0) - at.x)).toBeLessThanOrEqual(2);
    expect(Math.abs((box?.y ?? 0) - at.y)).toBeLessThanOrEqual(2);
    expect(await page.locator('[data-testid="quick-add"] [role="option"]').count()).toBeGreaterThan(3);
    await session.screenshot('opened');
    await page.keyboard.type('filt');
    await expect.poll(() => page.locator('[data-testid="quick-add"] [role="option"][aria-selected="true"]').getAttribute('data-testid')).toBe(
      'quick-add-transform.filter',
    );
    await session.screenshot('filt');
    await page.keyboard.press('Enter');
    await page.getByTestId('node-filter').waitFor();
    expect(await page.getByTestId('quick-add').count()).toBe(0);
    // Placed at the point (snapped to the 20 px grid at the canvas's zoom of at most 1).
    const node = await page.getByTestId('node-filter').boundingBox();
    expect(Math.abs((node?.x ?? 0) - at.x)).toBeLessThanOrEqual(12);
    expect(Math.abs((node?.y ?? 0) - at.y)).toBeLessThanOrEqual(12);
    await session.screenshot('placed');

    // `/` with the canvas focused opens it too; Escape closes it without adding anything.
    await page.mouse.click(pane.x + pane.width * 0.6, pane.y + pane.height * 0.85);
    await page.keyboard.press('/');
    await page.getByTestId('quick-add').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('quick-add').count()).toBe(0);
    expect(await page.locator('.react-flow__node').count()).toBe(5);
  });

  it('splits an edge around a palette node dropped on it, as one undo step', async () => {
    const middle = await edgeMiddle('orders:out->price:in');
    const pane = await page.locator('[data-testid="canvas"] .react-flow__pane').boundingBox();
    if (pane === null) throw new Error('no canvas pane');
    await session.dropNode('transform.map', middle.x - pane.x, middle.y - pane.y);
    await page.getByTestId('node-map').waitFor();
    expect(await savedEdges()).toEqual(['large -> print', 'map -> price', 'orders -> map', 'price -> large']);
    await session.screenshot('split');
    await page.mouse.click(pane.x + pane.width * 0.6, pane.y + pane.height * 0.85);
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('node-map').count()).toBe(0);
    expect(await canvasEdges()).toEqual(['large:out->print:in', 'orders:out->price:in', 'price:out->large:in']);
  });

  it('inserts a node with no edges that is dragged onto an edge', async () => {
    const header = await page.getByTestId('node-filter').locator('.flow-node-header').boundingBox();
    if (header === null) throw new Error('no filter node');
    const target = await edgeMiddle('price:out->large:in');
    const from = { x: header.x + 20, y: header.y + header.height / 2 };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + target.x) / 2, (from.y + target.y) / 2, { steps: 8 });
    await page.mouse.move(target.x, target.y, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => canvasEdges()).toEqual(['filter:out->large:in', 'large:out->print:in', 'orders:out->price:in', 'price:out->filter:in']);
    expect(await savedEdges()).toEqual(['filter -> large', 'large -> print', 'orders -> price', 'price -> filter']);
    await session.screenshot('dragged-in');
  });
});

/**
 * End-to-end test of the studio in browser mode: builds the renderer, starts `tributary studio --port 0 --no-open`
 * with a throwaway state directory, and drives Debian's Chromium through playwright-core. From an empty canvas it
 * drags a generator, a map and a console sink, wires them, sets the map expression in the inspector, saves, checks the
 * file with `tributary validate` and against the expected YAML, reopens it, and breaks the expression to see it in the
 * problems panel. Screenshots of every step go to test-results/studio-e2e/ (git-ignored). The harness is in harness.ts.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudio, ROOT, type StudioSession } from './harness';

const exec = promisify(execFile);

/** What the saved file must contain, byte for byte. */
const EXPECTED_YAML = `version: 1
name: untitled
nodes:
  - id: generator
    type: source.generator
    config:
      count: 100
      ratePerSecond: 10
      value: "({ id: i, amount: (i * 37) % 1000, at: now })"
      key: String(i % 10)
  - id: map
    type: transform.map
    config:
      expression: "({ ...value, doubled: value.amount * 2 })"
      key: String(value.id)
  - id: console
    type: sink.console
    config:
      format: pretty
edges:
  - from: generator
    to: map
  - from: map
    to: console
layout:
  generator:
    x: 100
    y: 240
  map:
    x: 400
    y: 240
  console:
    x: 700
    y: 240
`;

let session: StudioSession;
let page: Page;
let work: string;
const screenshot = (name: string): Promise<void> => session.screenshot(name);
const dropNode = (type: string, x: number, y: number): Promise<void> => session.dropNode(type, x, y);
const connect = (from: string, fromPort: string, to: string, toPort: string): Promise<void> => session.connect(from, to, fromPort, toPort);

describe('studio (browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'studio-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-e2e-' });
    page = session.page;
    work = session.work;
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('opens the demo flow on first launch', async () => {
    await page.getByTestId('node-orders').waitFor();
    await expect.poll(() => page.getByTestId('problem-count').textContent()).toBe('0');
    await screenshot('demo-flow');
  });

  it('builds generator -> map -> console from an empty canvas and saves it', async () => {
    await page.getByTestId('file-new').click();
    await page.getByTestId('empty-hint').waitFor();
    await screenshot('empty-canvas');

    await dropNode('source.generator', 100, 240);
    await dropNode('transform.map', 400, 240);
    await dropNode('sink.console', 700, 240);
    await page.getByTestId('node-console').waitFor();
    await screenshot('three-nodes');

    await connect('generator', 'out', 'map', 'in');
    await connect('map', 'out', 'console', 'in');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await screenshot('connected');

    await page.getByTestId('node-map').click();
    const expression = page.getByTestId('field-expression');
    await expression.fill('({ ...value, doubled: value.amount * 2 })');
    await expect.poll(() => page.getByTestId('problem-count').textContent()).toBe('0');
    await screenshot('map-expression');

    const file = join(work, 'e2e.flow.yaml');
    await page.keyboard.press('Control+s');
    await page.getByTestId('save-as-dialog').waitFor();
    await page.getByTestId('save-as-path').fill(file);
    await screenshot('save-as');
    await page.getByTestId('save-as-confirm').click();
    await page.getByTestId('save-as-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('dirty-indicator').count()).toBe(0);
    await screenshot('saved');

    // A new file gets a reference to the flow JSON Schema, relative to the file, as its first line.
    const schema = relative(work, join(ROOT, 'schema/flow.schema.json'));
    expect(await readFile(file, 'utf8')).toBe(`# yaml-language-server: $schema=${schema}\n${EXPECTED_YAML}`);
    const validate = await exec(process.execPath, [join(ROOT, 'bin/tributary.js'), 'validate', file], { cwd: ROOT });
    expect(validate.stdout).toContain('valid (3 nodes, 2 edges)');
  });

  it('reopens the saved file and shows the same graph', async () => {
    const file = join(work, 'e2e.flow.yaml');
    await page.getByTestId('file-new').click();
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-dialog').waitFor();
    await screenshot('open-dialog');
    await page.getByTestId('open-path').fill(file);
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-console').waitFor();
    for (const id of ['generator', 'map', 'console']) await expect(page.getByTestId(`node-${id}`).isVisible()).resolves.toBe(true);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await expect.poll(() => page.getByTestId('file-name').textContent()).toBe('e2e.flow.yaml');
    await page.getByTestId('node-map').click();
    await expect(page.getByTestId('field-expression').textContent()).resolves.toBe('({ ...value, doubled: value.amount * 2 })');
    await screenshot('reopened');
  });

  it('shows an invalid expression in the problems panel and selects its field on click', async () => {
    await page.getByTestId('field-expression').fill('value.amount *');
    await page.getByTestId('problem-0').waitFor();
    const text = await page.getByTestId('problems').textContent();
    expect(text).toContain('E_EXPRESSION');
    expect(text).toContain('node map: config.expression');
    expect(text).toContain('expression error at column');
    await expect(page.getByTestId('field-error-expression').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('node-problems-map').textContent()).resolves.toBe('1');
    await page.getByTestId('node-generator').click();
    await page.getByTestId('problem-0').click();
    await expect.poll(() => page.evaluate<string | null>("document.activeElement?.getAttribute('data-testid') ?? null")).toBe('field-expression');
    await screenshot('invalid-expression');
  });

  it('refuses a cycle with its reason, and follows a dark system theme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByTestId('fit-view').click();
    await dropNode('transform.filter', 300, 460);
    await page.getByTestId('node-filter').waitFor();
    await connect('map', 'out', 'filter', 'in');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(3);
    await connect('filter', 'out', 'map', 'in');
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Connection refused: this would make a cycle: map -> filter -> map');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(3);
    await screenshot('cycle-refused-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

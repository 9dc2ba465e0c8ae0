/**
 * End-to-end test of the studio in browser mode: builds the renderer, starts `tributary studio --port 0 --no-open`
 * with a throwaway state directory, and drives Debian's Chromium through playwright-core. From an empty canvas it
 * drags a generator, a map and a console sink, wires them, sets the map expression in the inspector, saves, checks the
 * file with `tributary validate` and against the expected YAML, reopens it, and breaks the expression to see it in the
 * problems panel. Screenshots of every step go to test-results/studio-e2e/ (git-ignored).
 *
 * Set E2E_SKIP_BUILD=1 to reuse an existing dist/renderer/.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results', 'studio-e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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

let studio: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let work: string;
let shot = 0;

async function screenshot(name: string): Promise<void> {
  shot++;
  await page.screenshot({ path: join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`) });
}

/** Starts `tributary studio` and resolves with the page URL it prints. */
function startStudio(stateDir: string): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tributary.js'), 'studio', '--port', '0', '--no-open'], {
      cwd: ROOT,
      env: { ...process.env, TRIBUTARY_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    studio = child;
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /Studio: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output);
      if (m !== null) resolveUrl(m[1] as string);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`tributary studio exited with ${code}:\n${output}`)));
  });
}

/** Drags a palette entry onto the canvas, dropping it at (x, y) relative to the canvas. */
async function dropNode(type: string, x: number, y: number): Promise<void> {
  await page.dragAndDrop(`[data-testid="palette-${type}"]`, '[data-testid="canvas"] .react-flow__pane', { targetPosition: { x, y } });
}

/** Wires an output port to an input port with the mouse. */
async function connect(from: string, fromPort: string, to: string, toPort: string): Promise<void> {
  const source = page.getByTestId(`handle-${from}-out-${fromPort}`);
  const target = page.getByTestId(`handle-${to}-in-${toPort}`);
  const a = await source.boundingBox();
  const b = await target.boundingBox();
  if (a === null || b === null) throw new Error(`handles of ${from} -> ${to} are not visible`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 10, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

describe('studio (browser mode)', () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    work = await mkdtemp(join(tmpdir(), 'tributary-e2e-'));
    if (process.env.E2E_SKIP_BUILD !== '1') await exec('npx', ['vite', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const url = await startStudio(join(work, 'state'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(url);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    studio?.kill('SIGTERM');
    if (work !== undefined) await rm(work, { recursive: true, force: true });
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

    expect(await readFile(file, 'utf8')).toBe(EXPECTED_YAML);
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
    await expect(page.getByTestId('field-expression').inputValue()).resolves.toBe('({ ...value, doubled: value.amount * 2 })');
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

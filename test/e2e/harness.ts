/**
 * The shared harness of the studio's end-to-end tests: starts `tributary studio --port 0 --no-open` with a throwaway
 * state directory, opens it in Debian's Chromium through playwright-core, and offers the gestures the tests use
 * (drop a palette entry, wire two ports, take a numbered screenshot). The renderer is built once for the whole e2e
 * project by `global-setup.ts`; a session on another tree (`root`) builds its own through `tributary studio`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A studio in browser mode with one Chromium page on it. */
export interface StudioSession {
  page: Page;
  /** A temporary directory of the test's own (flow files, state). */
  work: string;
  /** Saves `<NN>-<name>.png` into the session's screenshot folder. */
  screenshot(name: string): Promise<void>;
  /** Drags a palette entry onto the canvas, dropping it at (x, y) relative to the canvas. */
  dropNode(type: string, x: number, y: number): Promise<void>;
  /** Wires an output port to an input port with the mouse (default ports `out` and `in`). */
  connect(from: string, to: string, fromPort?: string, toPort?: string): Promise<void>;
  /** Closes the browser, stops the studio and removes the work directory. */
  close(): Promise<void>;
}

/** Starts `tributary studio` of the tree at `root` and resolves with the page URL it prints. */
function startStudio(root: string, stateDir: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [join(root, 'bin/tributary.js'), 'studio', '--port', '0', '--no-open'], {
    cwd: root,
    env: { ...process.env, TRIBUTARY_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = new Promise<string>((resolveUrl, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /Studio: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output);
      if (m !== null) resolveUrl(m[1] as string);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`tributary studio exited with ${code}:\n${output}`)));
  });
  return { child, url };
}

/**
 * Starts the studio and opens it in Chromium.
 * @param options `shots`: folder under test-results/ for screenshots; `viewport` in CSS pixels; `prefix` of the work dir;
 *   `root`: the tree whose `bin/tributary.js` runs (default {@link ROOT})
 * @throws when the studio or Chromium cannot start
 */
export async function openStudio(options: {
  shots: string;
  viewport: { width: number; height: number };
  prefix: string;
  root?: string;
}): Promise<StudioSession> {
  const shots = join(ROOT, 'test-results', options.shots);
  await mkdir(shots, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), options.prefix));
  const { child, url } = startStudio(options.root ?? ROOT, join(work, 'state'));
  let browser: Browser | undefined;
  try {
    const address = await url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: options.viewport });
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(address);
    let shot = 0;
    return {
      page,
      work,
      async screenshot(name) {
        shot++;
        await page.screenshot({ path: join(shots, `${String(shot).padStart(2, '0')}-${name}.png`) });
      },
      async dropNode(type, x, y) {
        await page.dragAndDrop(`[data-testid="palette-${type}"]`, '[data-testid="canvas"] .react-flow__pane', { targetPosition: { x, y } });
      },
      async connect(from, to, fromPort = 'out', toPort = 'in') {
        const a = await page.getByTestId(`handle-${from}-out-${fromPort}`).boundingBox();
        const b = await page.getByTestId(`handle-${to}-in-${toPort}`).boundingBox();
        if (a === null || b === null) throw new Error(`handles of ${from} -> ${to} are not visible`);
        await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
        await page.mouse.down();
        await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 10, { steps: 5 });
        await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
        await page.mouse.up();
      },
      async close() {
        await browser?.close();
        child.kill('SIGTERM');
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    child.kill('SIGTERM');
    throw error;
  }
}

/**
 * Replaces the whole text of the CodeMirror editor `testId` (its `.cm-content`) by typing `text` key by key, as a user
 * would; unlike `fill()` (a paste), typing opens the completion list.
 */
export async function typeInEditor(page: Page, testId: string, text: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.getByTestId(testId).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
}

/** The entry `label` of the open completion list (its `completion-<label>` marker is an empty span inside it). */
export function completionOption(page: Page, label: string): ReturnType<Page['locator']> {
  return page.locator('.cm-tooltip-autocomplete li').filter({ has: page.getByTestId(`completion-${label}`) });
}

/**
 * Opens the bottom area (samples and problems) with its toggle, as a user would, when it is collapsed: the studio opens
 * it by itself only as far as the canvas keeps 60 % of the window.
 */
export async function openBottomArea(page: Page): Promise<void> {
  if ((await page.getByTestId('layout-bottom').getAttribute('data-collapsed')) === 'true') await page.getByTestId('bottom-toggle').click();
  await page.locator('[data-testid="layout-bottom"][data-collapsed="false"]').waitFor();
}

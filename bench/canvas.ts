/**
 * Canvas frame time: the studio (browser mode, production build) showing a 500-node flow fed simulated telemetry at
 * 10 Hz (`?simulate=500`, renderer/dev/simulated-telemetry.ts), panned with the mouse for a few seconds in Debian's
 * Chromium. Frame times are the deltas between `requestAnimationFrame` callbacks.
 *
 * The baseline of the same run is the same flow panned the same way with the telemetry stopped: the ratio live/idle
 * isolates what live telemetry costs from what this machine's (software) rendering of 500 nodes costs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

/** Frame-time statistics of one panning run (ms). */
export interface FrameTimes {
  frames: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** The canvas measurement: live telemetry and the idle baseline, per repetition. */
export interface CanvasResult {
  nodes: number;
  live: FrameTimes[];
  idle: FrameTimes[];
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Builds the renderer in production mode into `outDir` (once per run). */
function buildRenderer(root: string, outDir: string): void {
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`vite build failed: ${result.stderr.slice(-500)}`);
}

/** Starts `tributary studio` on a free port serving `staticDir`; resolves with the process and the page URL. */
function startStudio(root: string, staticDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'tributary.js'), 'studio', '--port', '0', '--no-open', '--static', staticDir], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', TRIBUTARY_STATE_DIR: join(staticDir, '..', 'studio-state') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`studio did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Studio: (http:\/\/\S+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`studio exited with ${code}: ${out}`)));
  });
}

/** Pans the canvas for `ms` with the mouse while recording rAF deltas. */
async function panAndMeasure(page: Page, ms: number): Promise<FrameTimes> {
  const pane = page.locator('.react-flow__pane');
  const box = await pane.boundingBox();
  if (box === null) throw new Error('canvas pane not found');
  // Page-side scripts are strings: this file is type-checked without DOM types.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__measuring = true;
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (window.__measuring) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const started = Date.now();
  let direction = 1;
  while (Date.now() - started < ms) {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let step = 1; step <= 20; step++) await page.mouse.move(cx + direction * step * 10, cy + direction * step * 4);
    await page.mouse.up();
    direction = -direction;
  }
  const deltas = (await page.evaluate('(() => { window.__measuring = false; return window.__frames.slice(1); })()')) as number[];
  const sorted = [...deltas].sort((a, b) => a - b);
  return { frames: deltas.length, p50Ms: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), p99Ms: quantile(sorted, 0.99) };
}

/**
 * Measures canvas frame times with `nodes` simulated nodes: `reps` interleaved pairs of live and idle panning runs of
 * `panMs` each.
 * @throws when Chromium, the renderer build or the studio cannot start
 */
export async function measureCanvas(root: string, workDir: string, options: { nodes?: number; reps?: number; panMs?: number } = {}): Promise<CanvasResult> {
  const nodes = options.nodes ?? 500;
  const reps = options.reps ?? 3;
  const panMs = options.panMs ?? 4_000;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
  const staticDir = join(workDir, 'renderer');
  buildRenderer(root, staticDir);
  const { child, url } = await startStudio(root, staticDir);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const result: CanvasResult = { nodes, live: [], idle: [] };
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const mode of ['live', 'idle'] as const) {
        // bypassCSP: the measuring scripts are strings (this file has no DOM types) and the studio's CSP forbids eval.
        const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, bypassCSP: true });
        await page.goto(`${url}&simulate=${nodes}`);
        await page.waitForFunction('(window.tributarySimulation?.frames ?? 0) > 10', undefined, { timeout: 60_000 });
        if (mode === 'idle') await page.evaluate('window.tributarySimulation.stop()');
        result[mode].push(await panAndMeasure(page, panMs));
        await page.close();
      }
    }
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
  return result;
}

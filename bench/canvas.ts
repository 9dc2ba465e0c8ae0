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
  /** Median cost of one telemetry store update during each live run (ms, subscribers' DOM writes included). */
  storeUpdateMs: number[];
  /** Where the renderer's time went in one traced live and one traced idle pan of the fitted view (only with `trace`). */
  trace?: { live: TraceBreakdown; idle: TraceBreakdown };
  /**
   * The same pans zoomed in to full detail (only with `detail`): the first runs are at the fitted overview of 500 nodes
   * (React Flow's minimum zoom 0.2, the simple level of detail); these are at `zoom` (≈ 1), live figures shown.
   */
  detail?: { zoom: number; live: FrameTimes[]; idle: FrameTimes[]; trace?: { live: TraceBreakdown; idle: TraceBreakdown } };
}

/**
 * Busy time of the renderer during one traced pan, per frame (ms of self time per rAF frame), by kind of work: the
 * main thread's script, style, layout, paint, compositing steps (layerize, commit), and the other threads' raster and
 * compositor work.
 */
export interface TraceBreakdown {
  frames: number;
  /** Self time per frame (ms) on the renderer main thread, by category. */
  main: Record<string, number>;
  /** Busy time per frame (ms) on the renderer's worker threads (all together): software raster runs there. */
  raster: number;
  /** Busy time per frame (ms) on the compositor thread. */
  compositor: number;
  /** Busy time per frame (ms) in the GPU/viz process threads (software compositing draws there). */
  viz: number;
  /** The main thread's largest self-time event names, ms per frame. */
  top: { name: string; ms: number }[];
  /** The busiest threads of all processes (`process pid / thread name`), ms per frame. */
  threads: { name: string; ms: number }[];
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

/** Main-thread trace event names by category (self time); anything else counts as `other`. */
const CATEGORIES: Record<string, string> = {
  FunctionCall: 'script',
  EvaluateScript: 'script',
  TimerFire: 'script',
  FireAnimationFrame: 'script',
  EventDispatch: 'script',
  'v8.execute': 'script',
  'v8.callFunction': 'script',
  RunMicrotasks: 'script',
  V8Execute: 'script',
  'V8.GC_SCAVENGER': 'gc',
  MinorGC: 'gc',
  MajorGC: 'gc',
  'BlinkGC.AtomicPhase': 'gc',
  UpdateLayoutTree: 'style',
  RecalculateStyles: 'style',
  ParseAuthorStyleSheet: 'style',
  Layout: 'layout',
  'LocalFrameView::performLayout': 'layout',
  'Document::recalcStyle': 'style',
  'Blink.PrePaint.UpdateTime': 'paint',
  CullRectUpdate: 'paint',
  'PaintArtifactCompositor::Update': 'composite',
  'Blink.CompositingInputs.UpdateTime': 'composite',
  HitTest: 'hit test',
  'LocalFrameView::NotifyResizeObservers': 'script',
  'InlineNode::ShapeTextIncludingFirstLine': 'layout',
  PrePaint: 'paint',
  Paint: 'paint',
  PaintImage: 'paint',
  'LocalFrameView::RunPaintLifecyclePhase': 'paint',
  Layerize: 'composite',
  UpdateLayer: 'composite',
  UpdateLayerTree: 'style',
  CompositeLayers: 'composite',
  Commit: 'composite',
  'ProxyMain::BeginMainFrame::commit': 'composite',
};

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

/** Self time (µs) per event name and busy time (µs, top-level events) of one thread's complete events. */
function selfTimes(events: TraceEvent[]): { self: Map<string, number>; busy: number } {
  const spans: { name: string; start: number; end: number }[] = [];
  const open: TraceEvent[] = [];
  for (const e of events) {
    if (e.ph === 'X' && e.dur !== undefined) spans.push({ name: e.name, start: e.ts, end: e.ts + e.dur });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const b = open.pop();
      if (b !== undefined) spans.push({ name: b.name, start: b.ts, end: e.ts });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const self = new Map<string, number>();
  const stack: { name: string; end: number; child: number; start: number }[] = [];
  let busy = 0;
  const close = (until: number): void => {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= until) {
      const top = stack.pop()!;
      const own = top.end - top.start - top.child;
      self.set(top.name, (self.get(top.name) ?? 0) + Math.max(0, own));
      if (stack.length > 0) stack[stack.length - 1]!.child += top.end - top.start;
      else busy += top.end - top.start;
    }
  };
  for (const span of spans) {
    close(span.start);
    // A span overlapping its parent's end is clipped to it.
    const parent = stack[stack.length - 1];
    const end = parent === undefined ? span.end : Math.min(span.end, parent.end);
    stack.push({ name: span.name, start: span.start, end, child: 0 });
  }
  close(Number.POSITIVE_INFINITY);
  return { self, busy };
}

/** Summarises a Chrome trace of a pan into ms per frame by kind of work. */
export function summariseTrace(events: TraceEvent[], frames: number): TraceBreakdown {
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' && e.ph !== 'B' && e.ph !== 'E') continue;
    const key = `${e.pid}:${e.tid}`;
    let list = byThread.get(key);
    if (list === undefined) byThread.set(key, (list = []));
    list.push(e);
  }
  // The page's main thread is the busiest CrRendererMain; its process also holds the compositor and raster threads.
  let mainKey = '';
  let mainBusy = -1;
  const results = new Map<string, ReturnType<typeof selfTimes>>();
  for (const [key, list] of byThread) {
    const result = selfTimes(list);
    results.set(key, result);
    if (names.get(key) === 'CrRendererMain' && result.busy > mainBusy) {
      mainBusy = result.busy;
      mainKey = key;
    }
  }
  const pid = mainKey.split(':')[0];
  const per = (us: number): number => Math.round((us / 1000 / Math.max(1, frames)) * 100) / 100;
  const main: Record<string, number> = {};
  const top: { name: string; ms: number }[] = [];
  for (const [name, us] of results.get(mainKey)?.self ?? new Map<string, number>()) {
    const category = CATEGORIES[name] ?? (name.startsWith('V8.GC') || name.includes('GC') ? 'gc' : 'other');
    main[category] = (main[category] ?? 0) + us;
    top.push({ name, ms: us });
  }
  for (const k of Object.keys(main)) main[k] = per(main[k]!);
  let raster = 0;
  let compositor = 0;
  let viz = 0;
  const threads: { name: string; ms: number }[] = [];
  for (const [key, result] of results) {
    const name = names.get(key) ?? '';
    threads.push({ name: `${key.split(':')[0]}/${name}`, ms: per(result.busy) });
    if (key.split(':')[0] === pid) {
      if (name.startsWith('CompositorTileWorker') || name.startsWith('ThreadPoolForegroundWorker')) raster += result.busy;
      else if (name === 'Compositor') compositor += result.busy;
    } else if (name === 'VizCompositorThread' || name === 'CrGpuMain') viz += result.busy;
  }
  top.sort((a, b) => b.ms - a.ms);
  return { frames, main, raster: per(raster), compositor: per(compositor), viz: per(viz), top: top.slice(0, 12).map((t) => ({ name: t.name, ms: per(t.ms) })), threads: threads.sort((a, b) => b.ms - a.ms).slice(0, 8) };
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
export async function measureCanvas(
  root: string,
  workDir: string,
  options: { nodes?: number; reps?: number; panMs?: number; trace?: boolean; detail?: boolean; build?: boolean } = {},
): Promise<CanvasResult> {
  const nodes = options.nodes ?? 500;
  const reps = options.reps ?? 3;
  const panMs = options.panMs ?? 4_000;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
  const staticDir = join(workDir, 'renderer');
  if (options.build !== false || !existsSync(join(staticDir, 'index.html'))) buildRenderer(root, staticDir);
  const { child, url } = await startStudio(root, staticDir);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const result: CanvasResult = { nodes, live: [], idle: [], storeUpdateMs: [] };
  let zoom = Number.NaN;
  const open = async (mode: 'live' | 'idle', detail = false): Promise<Page> => {
    // bypassCSP: the measuring scripts are strings (this file has no DOM types) and the studio's CSP forbids eval.
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, bypassCSP: true });
    await page.goto(`${url}&simulate=${nodes}`);
    await page.waitForFunction('(window.tributarySimulation?.frames ?? 0) > 10', undefined, { timeout: 60_000 });
    if (detail) {
      // Wheel-zoom in at the pane's centre (3 notches: 0.2 -> ~1) and let the figures of the nodes in view be written.
      const box = await page.locator('.react-flow__pane').boundingBox();
      if (box === null) throw new Error('canvas pane not found');
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let i = 0; i < 3; i++) {
        await page.mouse.wheel(0, -400);
        await page.waitForTimeout(300);
      }
      await page.waitForFunction("document.querySelector('.canvas.zoomed-out') === null", undefined, { timeout: 10_000 });
      zoom = (await page.evaluate("Number(/scale\\(([0-9.]+)\\)/.exec(document.querySelector('.react-flow__viewport').style.transform)[1])")) as number;
      await page.waitForTimeout(1000);
    }
    if (mode === 'idle') await page.evaluate('window.tributarySimulation.stop()');
    return page;
  };
  /** One traced live and one traced idle pan, fitted or zoomed in. */
  const traced = async (detail: boolean): Promise<{ live: TraceBreakdown; idle: TraceBreakdown }> => {
    const breakdown: Partial<Record<'live' | 'idle', TraceBreakdown>> = {};
    for (const mode of ['live', 'idle'] as const) {
      const page = await open(mode, detail);
      const cdp = await page.context().newCDPSession(page);
      const events: TraceEvent[] = [];
      cdp.on('Tracing.dataCollected', (data) => events.push(...(data.value as unknown as TraceEvent[])));
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.start', {
        transferMode: 'ReportEvents',
        traceConfig: {
          includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink', 'cc', 'v8', 'v8.execute', 'viz', 'gpu', '__metadata'],
        },
      });
      const frames = await panAndMeasure(page, panMs);
      await cdp.send('Tracing.end');
      await done;
      breakdown[mode] = summariseTrace(events, frames.frames);
      await page.close();
    }
    return { live: breakdown.live!, idle: breakdown.idle! };
  };
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const mode of ['live', 'idle'] as const) {
        const page = await open(mode);
        result[mode].push(await panAndMeasure(page, panMs));
        if (mode === 'live') {
          const costs = (await page.evaluate('window.tributarySimulation.storeUpdateMs.slice()')) as number[];
          result.storeUpdateMs.push(quantile([...costs].sort((a, b) => a - b), 0.5));
        }
        await page.close();
      }
    }
    if (options.detail === true) {
      const detail: NonNullable<CanvasResult['detail']> = { zoom, live: [], idle: [] };
      for (let rep = 1; rep <= reps; rep++) {
        for (const mode of ['live', 'idle'] as const) {
          const page = await open(mode, true);
          detail[mode].push(await panAndMeasure(page, panMs));
          await page.close();
        }
      }
      detail.zoom = zoom;
      result.detail = detail;
    }
    if (options.trace === true) {
      result.trace = await traced(false);
      // With `detail`, the zoomed-in pans are traced too.
      if (result.detail !== undefined) result.detail.trace = await traced(true);
    }
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
  return result;
}

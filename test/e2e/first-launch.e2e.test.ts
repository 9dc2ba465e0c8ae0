/**
 * A new user's first launch: a copy of the tree with no `dist/` (the files git would check out, plus this checkout's
 * `node_modules/` linked in), `tributary studio` started there, and Chromium on the URL it prints. It proves that the
 * studio builds its own renderer with nothing built beforehand (the e2e global setup builds only this checkout's) and
 * opens the demo flow with no Kafka. Screenshots go to test-results/first-launch-e2e/.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_INPUTS_FILE, RENDERER_OUT_DIR, rendererBuildReason } from '../../runtime/studio/renderer-build';
import { openStudio, ROOT, type StudioSession } from './harness';

/** Copies the files of this checkout that a clone would have (tracked and new, not ignored) into `into`. */
function copyTree(into: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(ROOT, file), join(into, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'), 'dir');
}

let tree: string;
let session: StudioSession;

describe('first launch from a tree without dist/', () => {
  beforeAll(async () => {
    tree = mkdtempSync(join(tmpdir(), 'tributary-fresh-'));
    copyTree(tree);
    expect(existsSync(join(tree, 'dist'))).toBe(false);
    session = await openStudio({ shots: 'first-launch-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-first-', root: tree });
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    if (tree !== undefined) rmSync(tree, { recursive: true, force: true });
  });

  it('builds the renderer itself and records what it was built from', () => {
    expect(existsSync(join(tree, RENDERER_OUT_DIR, 'index.html'))).toBe(true);
    const { inputs } = JSON.parse(readFileSync(join(tree, RENDERER_OUT_DIR, BUILD_INPUTS_FILE), 'utf8')) as { inputs: string[] };
    expect(inputs).toContain('renderer/main.tsx');
    expect(inputs).toContain('vite.config.ts');
    expect(inputs.some((input) => input.includes('node_modules'))).toBe(false);
    expect(rendererBuildReason(tree)).toBeUndefined();
  });

  it('opens the demo flow, which needs no Kafka', async () => {
    const { page } = session;
    for (const id of ['orders', 'price', 'large', 'print']) await page.getByTestId(`node-${id}`).waitFor();
    await expect.poll(() => page.getByTestId('problem-count').textContent()).toBe('0');
    await session.screenshot('demo-flow');
  });
});

#!/usr/bin/env node
// `npm start`: opens the studio in Electron. The runtime (`dist/runtime/`, esbuild: bin/runtime-build.js, as
// `bin/tributary.js` checks it), the renderer (`dist/renderer/`, Vite, through the same routine as `tributary studio`:
// runtime/studio/renderer-build.ts) and the Electron bundles (`dist/electron/`, esbuild) are built first when missing
// or older than their sources. The Electron package downloads its binary on first use; when that
// download fails or Electron cannot start (no display), it says so in one line and opens browser mode instead
// (`tributary studio`), which prints the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRuntimeBuild } from '../bin/runtime-build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

/** Newest modification time (ms) of the files under `dirs` (recursively), 0 when none exist. */
function newest(dirs) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const info = statSync(path);
    if (info.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else latest = Math.max(latest, info.mtimeMs);
  };
  for (const dir of dirs) visit(join(root, dir));
  return latest;
}

/** Runs a Node script to completion with inherited output; exits on failure. */
function runNode(argv, what) {
  const result = spawnSync(process.execPath, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    process.stderr.write(`tributary: cannot build ${what}\n`);
    process.exit(1);
  }
}

/** Builds the renderer when missing or stale, with the routine `tributary studio` uses. */
async function ensureRenderer() {
  const { register } = await import('tsx/esm/api');
  register();
  const { ensureRendererBuilt } = await import('../runtime/studio/renderer-build.ts');
  await ensureRendererBuilt(root, (line) => process.stderr.write(`tributary: ${line}\n`));
}

/** Builds the Electron bundles when missing or older than their sources. */
function ensureElectronBundles() {
  const main = join(root, 'dist/electron/main.cjs');
  const preload = join(root, 'dist/electron/preload.cjs');
  const built = existsSync(main) && existsSync(preload) ? Math.min(statSync(main).mtimeMs, statSync(preload).mtimeMs) : 0;
  if (built > newest(['electron', 'runtime', 'nodes'])) return;
  process.stderr.write('tributary: building the Electron shell (dist/electron/)\n');
  runNode(['--import', 'tsx', 'scripts/build-electron.ts'], 'the Electron shell');
}

/**
 * The Electron binary's path, or why Electron cannot start here. Requiring the `electron` package downloads its binary
 * on first use (about 100 MB, once, into node_modules/electron/dist/); that runs in a child process so its progress
 * and stack traces stay out of this terminal and a failure becomes one line.
 */
function locateElectron() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { problem: 'there is no display (DISPLAY / WAYLAND_DISPLAY unset)' };
  }
  try {
    createRequire(import.meta.url).resolve('electron');
  } catch {
    return { problem: 'the electron package is not installed (run npm install)' };
  }
  process.stderr.write('tributary: locating the Electron binary (downloaded on the first start)\n');
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write('\\n' + require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60_000,
  });
  const binary = (probe.stdout ?? '').trim().split('\n').pop() ?? '';
  if (probe.status === 0 && binary !== '' && existsSync(binary)) return { binary };
  const cause = `${probe.stderr ?? ''}\n${probe.error?.message ?? ''}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at '))
    .find((line) => /error|failed/i.test(line));
  return { problem: `the Electron binary could not be downloaded${cause === undefined ? '' : ` (${cause})`}` };
}

/** Runs `tributary studio` (browser mode) in this terminal; its exit ends this process. */
function browserMode(reason) {
  process.stderr.write(`tributary: cannot open the desktop studio: ${reason}; opening browser mode instead\n`);
  const child = spawn(process.execPath, ['bin/tributary.js', 'studio', ...args], { cwd: root, stdio: 'inherit' });
  process.on('SIGINT', () => undefined); // Ctrl+C reaches the child too; it stops its run and exits
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
}

/** Starts Electron; falls back to browser mode when it fails to start or dies within 5 s with an error. */
function desktop(binary) {
  const startedAt = Date.now();
  const child = spawn(binary, [join(root, 'dist/electron/main.cjs'), ...args], { cwd: root, stdio: 'inherit' });
  let fellBack = false;
  const fallBack = (reason) => {
    if (fellBack) return;
    fellBack = true;
    browserMode(reason);
  };
  child.on('error', (error) => fallBack(`Electron did not start (${error.message})`));
  child.on('exit', (code, signal) => {
    if (fellBack) return;
    if (code !== 0 && Date.now() - startedAt < 5_000) fallBack(`Electron exited at start (${signal ?? `code ${code}`})`);
    else process.exit(code ?? 0);
  });
  process.on('SIGTERM', () => child.kill('SIGTERM'));
}

try {
  ensureRuntimeBuild(root, (line) => process.stderr.write(`tributary: ${line}\n`));
} catch (error) {
  process.stderr.write(`tributary: ${error.message}\n`);
  process.exit(1);
}
await ensureRenderer().catch((error) => {
  process.stderr.write(`tributary: cannot build the renderer: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
const electron = locateElectron();
if (electron.binary === undefined) browserMode(electron.problem);
else {
  ensureElectronBundles();
  desktop(electron.binary);
}

#!/usr/bin/env node
// `npm start`: opens the studio in Electron. The renderer (`dist/renderer/`, Vite) and the Electron bundles
// (`dist/electron/`, esbuild) are built first when missing or older than their sources. When Electron cannot start
// (package without its binary, no display), it says so in one line and opens browser mode instead
// (`tributary studio`), which prints the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Builds the renderer when its index.html is missing (Vite, vite.config.ts). */
async function ensureRenderer() {
  if (existsSync(join(root, 'dist/renderer/index.html'))) return;
  process.stderr.write('tributary: building the renderer (dist/renderer/ is missing)\n');
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), root, logLevel: 'warn' });
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

/** Why Electron cannot start here, or undefined when it may. */
function electronProblem() {
  let binary;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch (error) {
    return `the Electron binary is not installed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return 'the Electron binary is not installed';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'there is no display (DISPLAY / WAYLAND_DISPLAY unset)';
  return undefined;
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

await ensureRenderer().catch((error) => {
  process.stderr.write(`tributary: cannot build the renderer: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
const problem = electronProblem();
if (problem !== undefined) browserMode(problem);
else {
  ensureElectronBundles();
  desktop(createRequire(import.meta.url)('electron'));
}

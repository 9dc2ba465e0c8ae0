// The built runtime (`dist/runtime/`, made by scripts/build-runtime.ts) as `bin/tributary.js` and `npm start` find it:
// whether the current build is older than its sources, and a rebuild when it is. Plain JavaScript, so that checking
// costs no TypeScript loader: one small JSON file and one `stat` per source file (about 150, a few ms); node_modules
// are not walked (package-lock.json stands for them).
//
// Several processes may start at once (tests, the studio's runs): one builds while holding a lock directory
// (`dist/runtime/.build-lock`), the others wait for it and use its build; a lock older than BUILD_LOCK_STALE_MS
// (a builder that was killed) is taken over. Each build goes to a folder of its own and current.json is replaced by
// a rename, so a process never reads a half-written build, and one still running keeps its own folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where the builds are, relative to the repository root (as scripts/build-runtime.ts writes them). */
export const RUNTIME_OUT_DIR = 'dist/runtime';
/** A build lock this old (ms) belongs to a builder that died: it is removed. */
export const BUILD_LOCK_STALE_MS = 120_000;
/** The build script, relative to the repository root. */
const BUILD_SCRIPT = 'scripts/build-runtime.ts';
/** How long a process waits for another's build before it gives up (ms). */
const BUILD_WAIT_MS = 180_000;

/**
 * The current build's manifest (`dist/runtime/current.json`), or undefined when there is none or it cannot be read.
 * @param root the repository root (absolute path)
 * @returns `{ dir, entry, startedAt, inputs }` as scripts/build-runtime.ts describes it
 */
export function readRuntimeManifest(root) {
  try {
    const manifest = JSON.parse(readFileSync(join(root, RUNTIME_OUT_DIR, 'current.json'), 'utf8'));
    if (typeof manifest.dir !== 'string' || typeof manifest.entry !== 'string' || typeof manifest.startedAt !== 'number' || !Array.isArray(manifest.inputs)) return undefined;
    return manifest;
  } catch {
    return undefined;
  }
}

/**
 * Why the runtime needs a build, as a short phrase for a log line, or undefined when the current build is fresh:
 * it exists and no source it was made from changed after the build started or is gone.
 * @param root the repository root (absolute path)
 */
export function runtimeBuildReason(root) {
  const manifest = readRuntimeManifest(root);
  if (manifest === undefined) return `${RUNTIME_OUT_DIR}/ has no build`;
  if (statSync(join(root, RUNTIME_OUT_DIR, manifest.dir, manifest.entry), { throwIfNoEntry: false }) === undefined) {
    return `${RUNTIME_OUT_DIR}/${manifest.dir}/${manifest.entry} is missing`;
  }
  for (const input of manifest.inputs) {
    const info = statSync(join(root, input), { throwIfNoEntry: false });
    if (info === undefined) return `${input} was removed since the last build`;
    if (info.mtimeMs > manifest.startedAt) return `${input} changed since the last build`;
  }
  return undefined;
}

/** Blocks this thread for `ms` milliseconds (the CLI has nothing else to do while another process builds). */
function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs scripts/build-runtime.ts in a child process (tsx is loaded there, never in the caller); its output is shown
 * only when it fails (esbuild's errors, each naming file:line:col).
 */
function runBuild(root) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, BUILD_SCRIPT)], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (result.error !== undefined) throw new Error(`cannot build ${RUNTIME_OUT_DIR}/: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    throw new Error(`cannot build ${RUNTIME_OUT_DIR}/ (scripts/build-runtime.ts exited ${result.status ?? result.signal}; its errors are above)`);
  }
}

/**
 * The entry module of a fresh runtime build (absolute path of `cli.js`), building it first when it is missing or
 * stale ({@link runtimeBuildReason}); safe when several processes call it at once. Where there is no
 * scripts/build-runtime.ts (a container image holds only the build), the build there is used as it is.
 * @param root the repository root (absolute path)
 * @param log receives one line when a build starts, e.g. `building the runtime (runtime/cli.ts changed since the last build)`
 * @throws Error when the build fails (esbuild has printed each error with its file:line:col) or another process's
 *   build does not end within 3 minutes
 */
export function ensureRuntimeBuild(root, log = () => undefined) {
  if (statSync(join(root, BUILD_SCRIPT), { throwIfNoEntry: false }) === undefined) {
    // An installation without the build script (a container image): its build is used as it is.
    const manifest = readRuntimeManifest(root);
    if (manifest === undefined) throw new Error(`${RUNTIME_OUT_DIR}/ has no build and there is no ${BUILD_SCRIPT} to make one`);
    return join(root, RUNTIME_OUT_DIR, manifest.dir, manifest.entry);
  }
  const lock = join(root, RUNTIME_OUT_DIR, '.build-lock');
  const deadline = Date.now() + BUILD_WAIT_MS;
  const seen = readRuntimeManifest(root)?.dir;
  for (;;) {
    if (runtimeBuildReason(root) === undefined) {
      const manifest = readRuntimeManifest(root);
      return join(root, RUNTIME_OUT_DIR, manifest.dir, manifest.entry);
    }
    mkdirSync(join(root, RUNTIME_OUT_DIR), { recursive: true });
    let locked = false;
    try {
      mkdirSync(lock);
      locked = true;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (locked) {
      try {
        // Another process may have finished a build since this one first looked: that build is used (even if a
        // source changed while it ran), as this process would use its own.
        const current = readRuntimeManifest(root)?.dir === seen ? runtimeBuildReason(root) : undefined;
        if (current !== undefined) {
          log(`building the runtime (${current})`);
          runBuild(root);
        }
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      // This build is used even if a source changed while it ran (or has a modification time in the future).
      const manifest = readRuntimeManifest(root);
      if (manifest !== undefined) return join(root, RUNTIME_OUT_DIR, manifest.dir, manifest.entry);
      continue;
    }
    const held = statSync(lock, { throwIfNoEntry: false });
    if (held !== undefined && Date.now() - held.mtimeMs > BUILD_LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`another process has been building ${RUNTIME_OUT_DIR}/ for 3 minutes (remove ${lock} if none is)`);
    else sleep(100);
  }
}

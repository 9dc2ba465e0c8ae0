/**
 * Builds the CLI, which is also the runtime process and the studio backend, with esbuild: `runtime/cli.ts` and
 * everything it imports from the project become split ESM chunks with linked source maps in a build folder of their
 * own, `dist/runtime/b-<ms>-<pid>/` (dynamic `import()`s become chunks that load only when reached). Node packages stay
 * external: they load from node_modules as they do under tsx.
 *
 * The build then replaces `dist/runtime/current.json` atomically (write a temporary file, rename): it names the build
 * folder, the time the build started (ms since the epoch) and every project file the bundle was made from (esbuild's
 * metafile, plus the files that shape every build), so `bin/runtime-build.js` can tell in a few `stat`s whether the
 * build is older than its sources. Earlier build folders stay, since a process started from one loads its chunks
 * lazily; those that are not current and older than {@link KEEP_OLD_BUILDS_MS} are removed.
 *
 *   npx tsx scripts/build-runtime.ts        (npm run build:runtime; npm install runs it too)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { RUNTIME_OUT_DIR, type RuntimeBuildManifest } from '../bin/runtime-build.js';

export type { RuntimeBuildManifest };

/** The repository root. */
const root = resolve(import.meta.dirname, '..');

/** The file in `dist/runtime/` that names the current build: a {@link RuntimeBuildManifest}. */
export const MANIFEST_FILE = 'current.json';
/** Build folders that are not current are removed once they are older than this (ms): a day. */
export const KEEP_OLD_BUILDS_MS = 24 * 60 * 60 * 1000;

/** Files that shape every build without being modules of it (repository-relative). */
const CONFIG_INPUTS = ['scripts/build-runtime.ts', 'package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.node.json'];

/**
 * Leaves imports of Node packages to Node at run time. Node's ESM loader wants the exact file of a deep import into a
 * package without an `exports` map (`ajv/dist/2020` -> `ajv/dist/2020.js`), which tsx and esbuild find by themselves,
 * so such a path is rewritten to the file esbuild resolves.
 */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'inner' || args.path.startsWith('tributary:')) return undefined;
      if (args.path.startsWith('node:') || isBuiltin(args.path)) return { path: args.path, external: true };
      const parts = args.path.split('/');
      const nameLength = args.path.startsWith('@') ? 2 : 1;
      const name = parts.slice(0, nameLength).join('/');
      const subpath = parts.slice(nameLength).join('/');
      if (subpath === '') return { path: args.path, external: true };
      const resolved = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'inner' });
      if (resolved.errors.length > 0 || resolved.path === '') return { path: args.path, external: true };
      const at = resolved.path.lastIndexOf(`${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`);
      if (at < 0) return { path: args.path, external: true };
      const dir = resolved.path.slice(0, at + `${sep}node_modules${sep}${name}`.length);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports?: unknown };
      if (manifest.exports !== undefined) return { path: args.path, external: true };
      return { path: `${name}/${relative(dir, resolved.path).split(sep).join('/')}`, external: true };
    });
  },
};

/** The module {@link sourcePaths} gives the rewritten files: a source file's directory under the repository root. */
const SOURCE_DIR_MODULE = `import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
let root;
export function sourceDir(relative) {
  if (root === undefined) {
    let dir = import.meta.dirname;
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return join(root, relative);
}
`;

/**
 * Keeps `import.meta.dirname` and `import.meta.filename` meaning the TypeScript source's directory and file (as
 * under tsx), which code uses to find files of the checkout (`package.json`, `bin/`, `examples/`): in the bundle they
 * would name the chunk's folder instead. Each is rewritten to the source's path, relative to the repository root found
 * above the chunk at run time (the nearest folder with a `package.json`), so a build still works when the checkout
 * moves.
 */
const sourcePaths: Plugin = {
  name: 'source-paths',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^tributary:source-dir$/ }, () => ({ path: 'source-dir', namespace: 'tributary' }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'tributary' }, () => ({ contents: SOURCE_DIR_MODULE, loader: 'js', resolveDir: root }));
    pluginBuild.onLoad({ filter: /\.tsx?$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!/import\.meta\.(dirname|filename)/.test(text)) return undefined;
      const rootDir = pluginBuild.initialOptions.absWorkingDir ?? root;
      const dir = JSON.stringify(relative(rootDir, dirname(args.path)).split(sep).join('/'));
      const file = JSON.stringify(relative(rootDir, args.path).split(sep).join('/'));
      const contents =
        `import { sourceDir as __tributarySourceDir } from 'tributary:source-dir';\n` +
        text.replace(/import\.meta\.dirname/g, `__tributarySourceDir(${dir})`).replace(/import\.meta\.filename/g, `__tributarySourceDir(${file})`);
      return { contents, loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts' };
    });
  },
};

/**
 * Builds the runtime into a new folder of {@link RUNTIME_OUT_DIR} and makes it the current one.
 * @param rootDir the repository root (absolute path)
 * @returns the manifest written
 * @throws the esbuild error (naming file:line:col) when the sources do not build; the current build is kept then
 */
export async function buildRuntime(rootDir: string = root): Promise<RuntimeBuildManifest> {
  const startedAt = Date.now();
  const outRoot = join(rootDir, RUNTIME_OUT_DIR);
  const dir = `b-${startedAt}-${process.pid}`;
  const outDir = join(outRoot, dir);
  mkdirSync(outRoot, { recursive: true });
  let result;
  try {
    result = await build({
      absWorkingDir: rootDir,
      entryPoints: { cli: 'runtime/cli.ts' },
      outdir: outDir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      // Positions only: stack traces need no source text (debuggers read the .ts files), and Node parses each map
      // when source maps are on, so the text would be held in every process.
      sourcesContent: false,
      metafile: true,
      logLevel: 'warning',
      plugins: [sourcePaths, externalPackages],
      chunkNames: 'chunks/[name]-[hash]',
    });
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  const inputs = new Set(CONFIG_INPUTS.filter((file) => existsSync(join(rootDir, file))));
  // Module files only: not node_modules (package-lock.json stands for them) nor the plugin's virtual module.
  for (const input of Object.keys(result.metafile.inputs)) if (!input.includes('node_modules/') && !input.includes(':')) inputs.add(input);
  const manifest: RuntimeBuildManifest = { dir, entry: 'cli.js', startedAt, inputs: [...inputs].sort() };
  const temporary = join(outRoot, `${MANIFEST_FILE}.${process.pid}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temporary, join(outRoot, MANIFEST_FILE));
  pruneOldBuilds(outRoot, dir, startedAt);
  return manifest;
}

/** Removes the build folders other than `current` that are older than {@link KEEP_OLD_BUILDS_MS}. */
function pruneOldBuilds(outRoot: string, current: string, now: number): void {
  for (const name of readdirSync(outRoot)) {
    if (name === current || !name.startsWith('b-')) continue;
    const path = join(outRoot, name);
    try {
      if (now - statSync(path).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another build removed it first.
    }
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    const manifest = await buildRuntime();
    process.stderr.write(`built ${RUNTIME_OUT_DIR}/${manifest.dir}/ from ${manifest.inputs.length} files in ${Date.now() - manifest.startedAt} ms\n`);
  } catch (error) {
    // esbuild has printed each error with its file:line:col already.
    process.stderr.write(`cannot build ${RUNTIME_OUT_DIR}/: ${(error as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
}

/**
 * The studio renderer's build (Node-only): `renderer/` -> `dist/renderer/` with Vite's JS API and `vite.config.ts`,
 * and the freshness check that decides whether a build is needed. `npm start`, `tributary studio` and the e2e setup all
 * go through {@link ensureRendererBuilt}; the Vite options live in `vite.config.ts` only.
 *
 * Freshness: every build writes `dist/renderer/build-inputs.json`, the repository-relative paths of the project files
 * the bundle was made from (Rollup's module graph, plus `vite.config.ts` and `package-lock.json`, so a dependency
 * upgrade counts). The build is current when `index.html` and that list exist and no listed file is newer than
 * `index.html` or gone. A new source file can only enter the bundle through an import in a listed file, which then
 * is newer, so the list never misses one.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

/** Where the renderer is built, relative to the repository root. */
export const RENDERER_OUT_DIR = 'dist/renderer';
/** The file in {@link RENDERER_OUT_DIR} that lists the build's inputs: `{ "inputs": string[] }`. */
export const BUILD_INPUTS_FILE = 'build-inputs.json';
/** Files that shape every build without being modules of it. */
const CONFIG_INPUTS = ['vite.config.ts', 'package-lock.json'];

/**
 * Why the renderer under `rootDir` needs a build, as a short phrase for a log line, or undefined when it is current.
 * @param rootDir the repository root (absolute path)
 */
export function rendererBuildReason(rootDir: string): string | undefined {
  const outDir = join(rootDir, RENDERER_OUT_DIR);
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return `${RENDERER_OUT_DIR}/ is missing`;
  let inputs: unknown;
  try {
    inputs = (JSON.parse(readFileSync(join(outDir, BUILD_INPUTS_FILE), 'utf8')) as { inputs?: unknown }).inputs;
  } catch {
    inputs = undefined;
  }
  if (!Array.isArray(inputs)) return `${RENDERER_OUT_DIR}/${BUILD_INPUTS_FILE} is missing`;
  const builtAt = statSync(index).mtimeMs;
  for (const input of inputs) {
    if (typeof input !== 'string') return `${RENDERER_OUT_DIR}/${BUILD_INPUTS_FILE} is malformed`;
    const path = join(rootDir, input);
    if (!existsSync(path)) return `${input} was removed since the last build`;
    if (statSync(path).mtimeMs > builtAt) return `${input} changed since the last build`;
  }
  return undefined;
}

/**
 * Builds the renderer into {@link RENDERER_OUT_DIR} with `<rootDir>/vite.config.ts`.
 * @throws Error when the config is missing, or Vite's build error (with the file and line it names)
 */
export async function buildRenderer(rootDir: string): Promise<void> {
  const configFile = join(rootDir, 'vite.config.ts');
  if (!existsSync(configFile)) throw new Error(`cannot build the renderer: ${configFile} is missing`);
  const { build } = await import('vite');
  await build({ configFile, logLevel: 'warn' });
}

/**
 * Builds the renderer when {@link rendererBuildReason} says it is needed, announcing why through `log` first.
 * @param log receives one line, e.g. `building the renderer (dist/renderer/ is missing)`
 * @returns true when a build ran
 * @throws as {@link buildRenderer}
 */
export async function ensureRendererBuilt(rootDir: string, log: (line: string) => void): Promise<boolean> {
  const reason = rendererBuildReason(rootDir);
  if (reason === undefined) return false;
  log(`building the renderer (${reason})`);
  await buildRenderer(rootDir);
  return true;
}

/**
 * The Vite plugin (used by `vite.config.ts`) that writes {@link BUILD_INPUTS_FILE} next to the bundle: every module
 * of the build that lives in the repository outside `node_modules/`, plus {@link CONFIG_INPUTS}.
 * @param rootDir the repository root (absolute path)
 */
export function buildInputsPlugin(rootDir: string): Plugin {
  return {
    name: 'tributary:build-inputs',
    apply: 'build',
    generateBundle() {
      const inputs = new Set(CONFIG_INPUTS.filter((file) => existsSync(join(rootDir, file))));
      for (const id of this.getModuleIds()) {
        const file = id.split('?')[0] as string;
        if (!isAbsolute(file)) continue; // virtual modules (\0...)
        const path = relative(rootDir, file);
        if (path.startsWith('..') || path.split(sep).includes('node_modules')) continue;
        inputs.add(path.split(sep).join('/'));
      }
      this.emitFile({ type: 'asset', fileName: BUILD_INPUTS_FILE, source: `${JSON.stringify({ inputs: [...inputs].sort() }, null, 1)}\n` });
    },
  };
}

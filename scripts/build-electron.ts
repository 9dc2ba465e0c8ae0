/**
 * Bundles the Electron shell with esbuild: `electron/main.ts` -> `dist/electron/main.cjs` (Node packages stay
 * external: they load from node_modules) and `electron/preload.ts` -> `dist/electron/preload.cjs` (everything bundled:
 * a sandboxed preload can only require `electron`).
 *
 *   npx tsx scripts/build-electron.ts
 */
import { resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';

/** The repository root. */
const root = resolve(import.meta.dirname, '..');

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // The backend's default root (import.meta.dirname) is never used in the bundle: main passes rootDir.
  logOverride: { 'empty-import-meta': 'silent' },
};

/**
 * Builds both bundles into `dist/electron/`.
 * @throws the esbuild error when a bundle does not build
 */
export async function buildElectron(): Promise<void> {
  await Promise.all([
    build({
      ...common,
      entryPoints: [resolve(root, 'electron/main.ts')],
      outfile: resolve(root, 'dist/electron/main.cjs'),
      packages: 'external',
      // import.meta.url in a CommonJS bundle: the bundle's own file URL (transform.validate's spec requires ajv from it).
      banner: { js: "const __bundleImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      define: { 'import.meta.url': '__bundleImportMetaUrl' },
      external: ['electron'],
    }),
    build({
      ...common,
      entryPoints: [resolve(root, 'electron/preload.ts')],
      outfile: resolve(root, 'dist/electron/preload.cjs'),
      external: ['electron'],
    }),
  ]);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await buildElectron();
  process.stderr.write('built dist/electron/main.cjs and dist/electron/preload.cjs\n');
}

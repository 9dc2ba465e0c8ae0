// Vite config of the studio renderer: plain Vite + its built-in esbuild JSX (no React plugin). `npm run build:renderer`
// writes dist/renderer/, which `tributary studio` and Electron serve; `base: './'` keeps asset URLs relative. Paths are
// absolute so the build gives the same result from any working directory (`npm start`, `tributary studio`, the tests
// all build through runtime/studio/renderer-build.ts, which reads this file).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { buildInputsPlugin, RENDERER_OUT_DIR } from './runtime/studio/renderer-build';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('renderer', import.meta.url)),
  base: './',
  esbuild: { jsx: 'automatic' },
  plugins: [buildInputsPlugin(root)],
  build: {
    outDir: fileURLToPath(new URL(RENDERER_OUT_DIR, import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // Two notices about dependencies' own source that change nothing in the bundle: React Flow's "use client"
      // directive and zod's misplaced @__PURE__ comments. Everything else still prints.
      onwarn(warning, warn) {
        const inDependency = warning.id?.includes('/node_modules/') ?? false;
        if (inDependency && (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'INVALID_ANNOTATION')) return;
        warn(warning);
      },
    },
  },
  server: { host: '127.0.0.1' },
});

// Vite config of the studio renderer: plain Vite + its built-in esbuild JSX (no React plugin). `npm run build:renderer`
// writes dist/renderer/, which `tributary studio` and Electron serve; `base: './'` keeps asset URLs relative.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
  },
  server: { host: '127.0.0.1' },
});

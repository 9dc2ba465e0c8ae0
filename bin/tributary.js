#!/usr/bin/env node
// The `tributary` command, also the runtime process the studio forks. It runs the built CLI (`dist/runtime/`, split
// ESM bundles of runtime/cli.ts made by scripts/build-runtime.ts with esbuild), building it first when it is missing
// or older than its sources (bin/runtime-build.js): no TypeScript loader runs here. Stack traces name the TypeScript
// sources' lines (source maps).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureRuntimeBuild } from './runtime-build.js';

process.setSourceMapsEnabled(true);
const root = fileURLToPath(new URL('..', import.meta.url));
let entry;
try {
  entry = ensureRuntimeBuild(root, (line) => {
    if (process.stderr.isTTY) process.stderr.write(`tributary: ${line}\n`);
  });
} catch (error) {
  process.stderr.write(`tributary: ${error.message}\n`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv);

#!/usr/bin/env node
// The `tributary` command. The sources are TypeScript, loaded through tsx's ESM hooks (esbuild, cached), so the CLI
// runs the same files the tests and the studio use, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../runtime/cli.ts');
await main(process.argv);

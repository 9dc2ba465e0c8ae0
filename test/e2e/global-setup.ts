/**
 * Builds the renderer once for every e2e test file (`vite build` into dist/renderer/, which `tributary studio`
 * serves). Set E2E_SKIP_BUILD=1 to reuse an existing build.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './harness';

export default async function setup(): Promise<void> {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  await promisify(execFile)('npx', ['vite', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
}

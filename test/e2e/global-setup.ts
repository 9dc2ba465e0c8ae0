/**
 * Builds the renderer once for every e2e test file when it is missing or stale (the routine `npm start` and
 * `tributary studio` use), so the tests do not each pay for the check. `first-launch.e2e.test.ts` proves separately
 * that `tributary studio` builds it on its own in a tree without `dist/`.
 */
import { ensureRendererBuilt } from '../../runtime/studio/renderer-build';
import { ROOT } from './harness';

export default async function setup(): Promise<void> {
  await ensureRendererBuilt(ROOT, (line) => process.stderr.write(`e2e: ${line}\n`));
}

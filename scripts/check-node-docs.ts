/**
 * Checks that `docs/nodes.md` matches the node specs: regenerates it in memory and compares. Exits 1 (naming the
 * command that fixes it) when the file is missing or stale, 0 otherwise.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_DOCS_COMMAND, NODE_DOCS_PATH, renderNodeDocs } from './gen-node-docs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let committed: string | undefined;
try {
  committed = readFileSync(join(root, NODE_DOCS_PATH), 'utf8');
} catch {
  committed = undefined;
}
if (committed === undefined) {
  console.error(`${NODE_DOCS_PATH} is missing: run ${NODE_DOCS_COMMAND}`);
  process.exit(1);
} else if (committed !== renderNodeDocs()) {
  console.error(`${NODE_DOCS_PATH} is stale: run ${NODE_DOCS_COMMAND}`);
  process.exit(1);
}
console.log(`${NODE_DOCS_PATH} is up to date`);

/**
 * Checks that generated files are up to date (run by `npm test`): regenerates each into memory and compares it with
 * the committed file. Exits 1, naming every stale file and the command that regenerates it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOW_SCHEMA_PATH, generateFlowSchema } from '../runtime/common/flow-schema';
import { nodeSpecs } from '../nodes/specs';
import { TEST_FILE_SCHEMA_PATH, generateTestFileSchema } from '../runtime/flow-tests/test-file-schema';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Generated files: repository path, generator, and the command that rewrites the file. */
const generated: { path: string; generate: () => string; command: string }[] = [
  { path: FLOW_SCHEMA_PATH, generate: () => generateFlowSchema(nodeSpecs), command: 'npm run schema' },
  { path: TEST_FILE_SCHEMA_PATH, generate: generateTestFileSchema, command: 'npm run schema' },
];

let stale = 0;
for (const file of generated) {
  let committed: string | undefined;
  try {
    committed = readFileSync(join(root, file.path), 'utf8');
  } catch {
    committed = undefined;
  }
  if (committed === undefined) {
    console.error(`${file.path} is missing: run ${file.command}`);
    stale++;
  } else if (committed !== file.generate()) {
    console.error(`${file.path} is stale: run ${file.command}`);
    stale++;
  }
}
if (stale > 0) process.exit(1);
console.log(`generated files are up to date (${generated.map((f) => f.path).join(', ')})`);

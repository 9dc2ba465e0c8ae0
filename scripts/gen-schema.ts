/**
 * `npm run schema`: writes `schema/flow.schema.json` from the zod flow schema (runtime/common/flow.ts), with the
 * generator of `runtime/common/flow-schema.ts` that `tributary schema` uses too, and `schema/flow-test.schema.json` of flow
 * test files (runtime/flow-tests/test-file-schema.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOW_SCHEMA_PATH, generateFlowSchema } from '../runtime/common/flow-schema';
import { TEST_FILE_SCHEMA_PATH, generateTestFileSchema } from '../runtime/flow-tests/test-file-schema';
import { nodeSpecs } from '../nodes/specs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, FLOW_SCHEMA_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, generateFlowSchema(nodeSpecs));
console.log(`wrote ${FLOW_SCHEMA_PATH}`);
writeFileSync(join(root, TEST_FILE_SCHEMA_PATH), generateTestFileSchema());
console.log(`wrote ${TEST_FILE_SCHEMA_PATH}`);

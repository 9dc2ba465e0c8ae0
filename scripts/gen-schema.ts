/**
 * `npm run schema`: writes `schema/flow.schema.json` from the zod flow schema (runtime/common/flow.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOW_SCHEMA_PATH, generateFlowSchema } from './flow-schema';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, FLOW_SCHEMA_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, generateFlowSchema());
console.log(`wrote ${FLOW_SCHEMA_PATH}`);

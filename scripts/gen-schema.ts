/**
 * `npm run schema`: writes `schema/flow.schema.json` from the zod flow schema (runtime/common/flow.ts), with the
 * generator of `runtime/common/flow-schema.ts` that `tributary schema` uses too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOW_SCHEMA_PATH, generateFlowSchema } from '../runtime/common/flow-schema';
import { nodeSpecs } from '../nodes/specs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, FLOW_SCHEMA_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, generateFlowSchema(nodeSpecs));
console.log(`wrote ${FLOW_SCHEMA_PATH}`);

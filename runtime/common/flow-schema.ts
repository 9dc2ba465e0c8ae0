/**
 * Generates the JSON Schema of the flow file format (`schema/flow.schema.json`) from the zod {@link FlowSchema}, so the
 * schema that editors use to validate flow files can never drift from the one the runtime uses. Field metadata
 * (`runtime/common/field-meta.ts`) becomes standard annotations (`examples`, `writeOnly` for secrets); descriptions
 * are copied as they are. Used by `tributary schema`, `scripts/gen-schema.ts` (writes the file) and
 * `scripts/check-generated.ts` (checks it is up to date). Browser-safe.
 */
import { z } from 'zod';
import { fieldMetaJsonSchemaOverride } from './field-meta';
import { FlowSchema } from './flow';

/** Path of the generated file, relative to the repository root. */
export const FLOW_SCHEMA_PATH = 'schema/flow.schema.json';

/** `$id` of the generated schema: a URN, since the project has no canonical URL to host it under. */
export const FLOW_SCHEMA_ID = 'urn:tributary:schema:flow:1';

/**
 * The flow file JSON Schema (draft 2020-12, input side: fields with defaults are optional), with `$id` and `title`.
 * @returns the file's full text: pretty-printed JSON (2-space indent) with a trailing newline
 * @throws Error from zod when a part of the flow schema cannot be represented in JSON Schema
 */
export function generateFlowSchema(): string {
  const generated = z.toJSONSchema(FlowSchema, {
    target: 'draft-2020-12',
    io: 'input',
    override: fieldMetaJsonSchemaOverride,
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const schema = { $schema, $id: FLOW_SCHEMA_ID, title: 'Tributary flow', ...rest };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

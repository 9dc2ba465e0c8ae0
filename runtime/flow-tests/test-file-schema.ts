/**
 * The JSON Schema of flow test files (`schema/flow-test.schema.json`, written by `npm run schema`, checked by
 * scripts/check-generated.ts), generated from the zod schema in test-file.ts so that editors can complete and check
 * `*.test.yaml`. The matcher tags (`!any`, `!regex ...`) are YAML, not JSON: expected values accept anything here.
 */
import { z } from 'zod';
import { testFileSchema } from './test-file';

/** Repository path of the generated schema. */
export const TEST_FILE_SCHEMA_PATH = 'schema/flow-test.schema.json';

/** `$id` of the generated schema. */
export const TEST_FILE_SCHEMA_ID = 'urn:tributary:schema:flow-test:1';

/** The schema as JSON text (2-space indent, trailing newline). */
export function generateTestFileSchema(): string {
  const { $schema, ...rest } = z.toJSONSchema(testFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  const schema = {
    $schema,
    $id: TEST_FILE_SCHEMA_ID,
    title: 'Tributary flow tests',
    description: 'Test cases of a flow (<flow>.test.yaml): inputs per source node, expected records per sink and per <node>.error port. See docs/flow-tests.md.',
    ...rest,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/**
 * `transform.validate`: checks each record value against an inline JSON Schema (draft 2020-12). Browser-safe.
 *
 * Unlike other specs this one compiles the schema with ajv, so that an invalid schema is a problem at `config.schema`
 * when the flow is compiled (`tributary validate`, `run`, the studio's backend) rather than when it runs. ajv is
 * loaded on the first check, not with the catalog: a runtime whose flow has no `transform.validate` never loads it,
 * nor does the studio's renderer, where it could not compile anyway (its bundle: 3,423 → 2,992 kB).
 */
import type { Ajv2020, Options as AjvOptions, ValidateFunction } from 'ajv/dist/2020';
import { z } from 'zod';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** The port that receives records whose value does not match the schema. */
export const INVALID_PORT = 'invalid';

/**
 * Ajv options shared by the compile-time check and the runtime: every error is collected; unknown keywords are refused
 * (typos such as `requried` would otherwise be ignored silently); `format` is an annotation only, as draft 2020-12
 * defines it by default; ajv never logs.
 */
export const VALIDATE_AJV_OPTIONS: AjvOptions = {
  allErrors: true,
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  validateFormats: false,
  logger: false,
};

/**
 * One Ajv instance for compile-time checks (a fresh one costs ~25 ms, too slow for every edit in the studio). A schema
 * that compiled is removed again, so nothing accumulates; after a failure the instance is dropped, since ajv may keep
 * part of a failed schema registered (its `$id` would then clash with the next check).
 */
let checker: Ajv2020 | undefined;

/** The part of Node's `process` this module uses; the renderer has no `process`. */
interface NodeProcess {
  getBuiltinModule?: (id: 'node:module') => { createRequire(from: string): (id: string) => unknown };
}

/**
 * ajv's draft 2020-12 class, required synchronously (a zod check cannot wait for an `import()`) through Node's
 * `process.getBuiltinModule` (Node ≥ 20.16; the project needs ≥ 20.19).
 * @returns undefined outside Node (the studio's renderer, whose Content-Security-Policy forbids the code generation ajv
 *   compiles with)
 */
function loadAjv2020(): (new (options: AjvOptions) => Ajv2020) | undefined {
  const nodeModule = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule?.('node:module');
  if (nodeModule === undefined) return undefined;
  return (nodeModule.createRequire(import.meta.url)('ajv/dist/2020') as { Ajv2020: new (options: AjvOptions) => Ajv2020 }).Ajv2020;
}

/**
 * Compiles a JSON Schema (draft 2020-12) with {@link VALIDATE_AJV_OPTIONS}, leaving nothing registered.
 * @returns undefined when it compiles, otherwise ajv's message (e.g. `strict mode: unknown keyword: "requried"`)
 */
export function checkJsonSchema(schema: Record<string, unknown>): string | undefined {
  if (checker === undefined) {
    const Ajv = loadAjv2020();
    if (Ajv === undefined) return undefined;
    checker = new Ajv(VALIDATE_AJV_OPTIONS);
  }
  const ajv = checker;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    checker = undefined;
    // A page whose Content-Security-Policy has no 'unsafe-eval' forbids the code generation ajv compiles with: there
    // the schema cannot be checked, and is not reported as wrong.
    if (error instanceof EvalError || /unsafe-eval|Content Security Policy/i.test(String(error))) return undefined;
    return error instanceof Error ? error.message : String(error);
  }
  ajv.removeSchema(validate.schema);
  return undefined;
}

/** Config of `transform.validate`; the schema must compile. */
export const validateConfigSchema = z
  .strictObject({
    schema: z
      .record(z.string(), z.unknown())
      .describe(
        'JSON Schema (draft 2020-12) the record value must match, inline, e.g. `{ "type": "object", "required": ["id"] }`. ' +
          'Unknown keywords are refused (typos); `format` is not checked (an annotation, as in 2020-12); `$ref` may ' +
          'only point inside the schema.',
      ),
  })
  .superRefine((config, ctx) => {
    const problem = checkJsonSchema(config.schema);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['schema'], message: `invalid JSON Schema: ${problem}` });
  });

/** Parsed config of `transform.validate`. */
export type ValidateTransformConfig = z.output<typeof validateConfigSchema>;

/** Header that carries the validation errors of a record sent to `invalid`: JSON `[{ path, message }]`. */
export const VALIDATION_ERRORS_HEADER = 'tributary-validation-errors';

/** Spec of `transform.validate`. */
export const validateTransformSpec = defineNodeSpec({
  type: 'transform.validate',
  kind: 'transform',
  version: 1,
  title: 'Validate',
  description:
    'Checks each record value against a JSON Schema (draft 2020-12): matching records go to `out` unchanged, the others ' +
    `to \`invalid\` with \`error\` set and the failures as JSON \`[{ path, message }]\` in header \`${VALIDATION_ERRORS_HEADER}\`.`,
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to check.' }],
  outputs: [
    { name: DEFAULT_OUTPUT, description: 'Records whose value matches the schema, unchanged.' },
    {
      name: INVALID_PORT,
      description:
        `Records whose value does not match: \`error: { nodeId, code: "E_DECODE", message }\` and header ` +
        `\`${VALIDATION_ERRORS_HEADER}\` = JSON \`[{ path, message }]\` (path = JSON Pointer into the value, "" = the value).`,
    },
  ],
  config: validateConfigSchema,
  example: {
    schema: {
      type: 'object',
      required: ['id', 'amount'],
      properties: { id: { type: 'string', minLength: 1 }, amount: { type: 'number', minimum: 0 } },
    },
  },
});

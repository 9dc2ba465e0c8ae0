/** Runtime of `transform.validate` (Node-only). */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { TributaryError } from '../../runtime/common/errors';
import { ERROR_PORT } from '../../runtime/common/node-spec';
import { defineTransform, failRecord, type FlowRecord, type PortBatches } from '../../runtime/engine/types';
import { INVALID_PORT, VALIDATE_AJV_OPTIONS, VALIDATION_ERRORS_HEADER, validateTransformSpec } from './validate.spec';

/** At most this many validation errors are reported per record (in the header and the message). */
export const MAX_REPORTED_VALIDATION_ERRORS = 20;

/** One failed check of a value: where (JSON Pointer into the value, `""` = the value itself) and what. */
export interface ValidationFailure {
  path: string;
  message: string;
}

/** Ajv's errors as {@link ValidationFailure}s, at most {@link MAX_REPORTED_VALIDATION_ERRORS}. */
export function validationFailures(errors: readonly ErrorObject[] | null | undefined): ValidationFailure[] {
  return (errors ?? []).slice(0, MAX_REPORTED_VALIDATION_ERRORS).map((e) => ({ path: e.instancePath, message: e.message ?? e.keyword }));
}

/** `"/amount must be >= 0; / must have required property 'id'"`: the failures as one line (`/` for the value itself). */
export function describeValidationFailures(failures: readonly ValidationFailure[], total: number): string {
  const text = failures.map((f) => `${f.path === '' ? '/' : f.path} ${f.message}`).join('; ');
  return total > failures.length ? `${text}; and ${total - failures.length} more` : text;
}

/**
 * Runtime of `transform.validate`: the schema is compiled once, when the runtime is created (`TributaryError`
 * `E_CONFIG` at `schema` if it does not compile). `process(batch)` returns `{ out, invalid, error }`:
 * - `out`: records whose value matches, unchanged;
 * - `invalid`: records whose value does not match, with `error: { nodeId, code: 'E_DECODE', message: 'value does not
 *   match the schema: <path> <message>; ...' }` and header `tributary-validation-errors` = JSON `[{ path, message }]`
 *   (ajv's instance paths, at most {@link MAX_REPORTED_VALIDATION_ERRORS}); other headers kept;
 * - `error`: records the validator threw on (code `E_INTERNAL`), which a valid schema should never cause.
 */
export const validateTransformRuntime = defineTransform(validateTransformSpec, (config, ctx) => {
  let validate: ValidateFunction;
  try {
    validate = new Ajv2020(VALIDATE_AJV_OPTIONS).compile(config.schema);
  } catch (error) {
    throw new TributaryError('E_CONFIG', `schema: invalid JSON Schema: ${(error as Error).message}`, { nodeId: ctx.nodeId, cause: error });
  }
  return {
    process(batch: FlowRecord[]): PortBatches {
      const out: FlowRecord[] = [];
      const invalid: FlowRecord[] = [];
      const error: FlowRecord[] = [];
      for (const record of batch) {
        let valid: boolean;
        try {
          valid = validate(record.value) as boolean;
        } catch (e) {
          error.push(failRecord(record, ctx.nodeId, `validation threw: ${e instanceof Error ? e.message : String(e)}`, 'E_INTERNAL'));
          continue;
        }
        if (valid) {
          out.push(record);
          continue;
        }
        const all = validate.errors ?? [];
        const failures = validationFailures(all);
        const failed = failRecord(record, ctx.nodeId, `value does not match the schema: ${describeValidationFailures(failures, all.length)}`, 'E_DECODE');
        failed.headers = { ...record.headers, [VALIDATION_ERRORS_HEADER]: JSON.stringify(failures) };
        invalid.push(failed);
      }
      return { out, [INVALID_PORT]: invalid, [ERROR_PORT]: error };
    },
  };
});

/** Runtime of `transform.filter` (Node-only). */
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression, type ExpressionRecord } from '../../runtime/common/expression';
import { defineTransform, failRecord, type FlowRecord, type PortBatches } from '../../runtime/engine/types';
import { filterTransformSpec } from './filter.spec';

/**
 * Runtime of `transform.filter`: `process(batch)` returns `{ out, error }`; `out` holds the records (unchanged, in
 * order) for which the expression is truthy, `error` those for which it threw (code `E_EXPRESSION_RUNTIME`); the
 * others are dropped. Creating it throws `TributaryError` `E_EXPRESSION` on a malformed expression.
 */
export const filterTransformRuntime = defineTransform(filterTransformSpec, (config, ctx) => {
  let keep: (r: ExpressionRecord) => unknown;
  try {
    keep = compileRecordExpression(config.expression);
  } catch (error) {
    throw new TributaryError('E_EXPRESSION', `expression: ${(error as Error).message}`, { nodeId: ctx.nodeId, cause: error });
  }
  return {
    process(batch: FlowRecord[]): PortBatches {
      const out: FlowRecord[] = [];
      const error: FlowRecord[] = [];
      for (const record of batch) {
        try {
          if (keep(record)) out.push(record);
        } catch (e) {
          const message = `expression threw: ${e instanceof Error ? e.message : String(e)}`;
          error.push(failRecord(record, ctx.nodeId, message, 'E_EXPRESSION_RUNTIME'));
        }
      }
      return { out, error };
    },
  };
});

/** Runtime of `transform.map` (Node-only). */
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression, type ExpressionRecord } from '../../runtime/common/expression';
import { defineTransform, failRecord, type FlowRecord, type PortBatches } from '../../runtime/engine/types';
import { mapTransformSpec } from './map.spec';

/**
 * Runtime of `transform.map`: `process(batch)` returns `{ out, error }`; `out` holds each record with `value` replaced
 * by the expression's result (and `key` by the key expression's, when given), `error` the records whose expressions
 * threw (code `E_EXPRESSION_RUNTIME`). Creating it throws `TributaryError` `E_EXPRESSION` on a malformed expression.
 */
export const mapTransformRuntime = defineTransform(mapTransformSpec, (config, ctx) => {
  const compile = (field: string, source: string): ((r: ExpressionRecord) => unknown) => {
    try {
      return compileRecordExpression(source);
    } catch (error) {
      throw new TributaryError('E_EXPRESSION', `${field}: ${(error as Error).message}`, { nodeId: ctx.nodeId, cause: error });
    }
  };
  const valueOf = compile('expression', config.expression);
  const keyOf = config.key === undefined ? undefined : compile('key', config.key);

  return {
    process(batch: FlowRecord[]): PortBatches {
      const out: FlowRecord[] = [];
      const error: FlowRecord[] = [];
      for (const record of batch) {
        let field = 'expression';
        try {
          const value = valueOf(record);
          let key = record.key;
          if (keyOf !== undefined) {
            field = 'key';
            const result = keyOf(record);
            key = result === null || result === undefined ? null : typeof result === 'string' ? result : String(result);
          }
          // A fixed-shape literal rather than a spread: cheaper to build and keeps records monomorphic (the shape of
          // the Kafka source's records, nodes/kafka-record-decode.runtime.ts, `trace` always present).
          const mapped: FlowRecord = { key, value, headers: record.headers, timestamp: record.timestamp, meta: record.meta, trace: record.trace };
          if (record.error !== undefined) mapped.error = record.error;
          out.push(mapped);
        } catch (e) {
          const message = `${field} threw: ${e instanceof Error ? e.message : String(e)}`;
          error.push(failRecord(record, ctx.nodeId, message, 'E_EXPRESSION_RUNTIME'));
        }
      }
      return { out, error };
    },
  };
});

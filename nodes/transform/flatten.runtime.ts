/** Runtime of `transform.flatten` (Node-only). */
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression } from '../../runtime/common/expression';
import { defineTransform, failRecord, type FlowRecord, type PortBatches } from '../../runtime/engine/types';
import { flattenTransformSpec } from './flatten.spec';

/** A short description of a value's type for messages. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  return typeof value;
}

/**
 * Runtime of `transform.flatten`: `process(batch)` returns `{ out, error }`. For each record, `expression` gives an
 * array; `out` gets one copy of the record per element, in order, with `value` = the element, or the result of `as`
 * evaluated with `item` (the element) and `index` (0-based) besides `value`/`key`/`headers`/`meta` of the incoming
 * record. Key, headers, timestamp and meta are kept. An empty array emits nothing. A record whose expression or `as`
 * throws, or whose expression gives no array, goes to `error` whole (code `E_EXPRESSION_RUNTIME`); none of its elements
 * reach `out`. `item` and `index` exist only in `as`. Creating it throws `TributaryError` `E_EXPRESSION` on a malformed
 * expression.
 */
export const flattenTransformRuntime = defineTransform(flattenTransformSpec, (config, ctx) => {
  const compile = (field: string, source: string, extra: string[]): ReturnType<typeof compileRecordExpression> => {
    try {
      return compileRecordExpression(source, extra);
    } catch (error) {
      throw new TributaryError('E_EXPRESSION', `${field}: ${(error as Error).message}`, { nodeId: ctx.nodeId, cause: error });
    }
  };
  const arrayOf = compile('expression', config.expression, []);
  const valueOf = config.as === undefined ? undefined : compile('as', config.as, ['item', 'index']);

  return {
    process(batch: FlowRecord[]): PortBatches {
      const out: FlowRecord[] = [];
      const error: FlowRecord[] = [];
      for (const record of batch) {
        let items: unknown;
        try {
          items = arrayOf(record);
        } catch (e) {
          error.push(failRecord(record, ctx.nodeId, `expression threw: ${e instanceof Error ? e.message : String(e)}`, 'E_EXPRESSION_RUNTIME'));
          continue;
        }
        if (!Array.isArray(items)) {
          error.push(failRecord(record, ctx.nodeId, `expression gave ${typeName(items)}, not an array`, 'E_EXPRESSION_RUNTIME'));
          continue;
        }
        if (valueOf === undefined) {
          for (const item of items) out.push({ ...record, value: item });
          continue;
        }
        const values: unknown[] = [];
        try {
          for (let index = 0; index < items.length; index++) values.push(valueOf(record, items[index], index));
        } catch (e) {
          const message = `as threw at index ${values.length}: ${e instanceof Error ? e.message : String(e)}`;
          error.push(failRecord(record, ctx.nodeId, message, 'E_EXPRESSION_RUNTIME'));
          continue;
        }
        for (const value of values) out.push({ ...record, value });
      }
      return { out, error };
    },
  };
});

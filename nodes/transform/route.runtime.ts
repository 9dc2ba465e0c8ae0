/** Runtime of `transform.route` (Node-only). */
import { TributaryError } from '../../runtime/common/errors';
import { compileRecordExpression, type ExpressionRecord } from '../../runtime/common/expression';
import { ERROR_PORT } from '../../runtime/common/node-spec';
import { defineTransform, failRecord, type FlowRecord, type PortBatches } from '../../runtime/engine/types';
import { ROUTE_DEFAULT_PORT, routeTransformSpec } from './route.spec';

/**
 * Runtime of `transform.route`: `process(batch)` returns one entry per route port, plus `default` and `error` (every
 * port present, empty arrays included). Records are passed on unchanged, in batch order within each port.
 * - `mode: first`: conditions are evaluated in route order until one is truthy; the record goes to that route's port.
 * - `mode: all`: every condition is evaluated; the record goes to each route whose condition is truthy (the same
 *   record object in several ports).
 * - No truthy condition: `default`. A condition that throws: the record goes to `error` only (code
 *   `E_EXPRESSION_RUNTIME`, message `routes[<i>].expression threw: ...`), even when an earlier route matched in `all` mode.
 * Creating it throws `TributaryError` `E_EXPRESSION` (message `routes[<i>].expression: ...`) on a malformed condition.
 */
export const routeTransformRuntime = defineTransform(routeTransformSpec, (config, ctx) => {
  const routes = config.routes.map((route, index) => {
    try {
      return { port: route.port, matches: compileRecordExpression(route.expression) as (r: ExpressionRecord) => unknown };
    } catch (error) {
      throw new TributaryError('E_EXPRESSION', `routes[${index}].expression: ${(error as Error).message}`, {
        nodeId: ctx.nodeId,
        cause: error,
      });
    }
  });
  const all = config.mode === 'all';

  return {
    process(batch: FlowRecord[]): PortBatches {
      const out: PortBatches = {};
      for (const route of routes) out[route.port] = [];
      const unmatched: FlowRecord[] = [];
      const failed: FlowRecord[] = [];
      out[ROUTE_DEFAULT_PORT] = unmatched;
      out[ERROR_PORT] = failed;
      for (const record of batch) {
        const matched: string[] = [];
        let index = 0;
        try {
          for (; index < routes.length; index++) {
            const route = routes[index]!;
            if (route.matches(record)) {
              matched.push(route.port);
              if (!all) break;
            }
          }
        } catch (e) {
          const message = `routes[${index}].expression threw: ${e instanceof Error ? e.message : String(e)}`;
          failed.push(failRecord(record, ctx.nodeId, message, 'E_EXPRESSION_RUNTIME'));
          continue;
        }
        if (matched.length === 0) unmatched.push(record);
        else for (const port of matched) out[port]!.push(record);
      }
      return out;
    },
  };
});

/** `transform.route`: sends each record to the output port of the first route (or every route) whose expression is truthy. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, ERROR_PORT, defineNodeSpec, type PortSpec } from '../../runtime/common/node-spec';

/** The port that receives the records no route matched. */
export const ROUTE_DEFAULT_PORT = 'default';

/** Port names a route may not take: the `error` port every node has and the `default` port of unmatched records. */
export const RESERVED_ROUTE_PORTS: readonly string[] = [ERROR_PORT, ROUTE_DEFAULT_PORT];

/** Pattern of a route's port name (the same as every port name). */
export const ROUTE_PORT_PATTERN = /^[a-z][a-z0-9-]*$/;

/** One route of `transform.route`. */
const routeSchema = z.strictObject({
  port: z
    .string()
    .regex(ROUTE_PORT_PATTERN, 'a port name is lower-case letters, digits and "-", starting with a letter')
    .refine((port) => !RESERVED_ROUTE_PORTS.includes(port), {
      message: `"${ERROR_PORT}" and "${ROUTE_DEFAULT_PORT}" are ports of every route node; choose another name`,
    })
    .describe('Output port of the route, `[a-z][a-z0-9-]*`, unique; not `error` or `default`. Wire it as `<node>:<port>`.'),
  expression: z
    .string()
    .describe('Condition over `value`, `key`, `headers`, `meta`; the record takes this route when it is truthy, e.g. `value.amount > 1000`.'),
});

/** Config of `transform.route`: routes in order, and whether the first or every match wins; port names unique. */
export const routeConfigSchema = z
  .strictObject({
    routes: z
      .array(routeSchema)
      .min(1, 'add at least one route')
      .max(64, 'a route node has at most 64 routes')
      .describe('Routes, in order: each names an output port and the condition for it (1–64 routes).'),
    mode: z
      .enum(['first', 'all'])
      .default('first')
      .describe(
        '`first`: a record goes to the first route whose condition is truthy (later ones are not evaluated); `all`: to ' +
          'every route whose condition is truthy. Either way a record no route matched goes to `default`.',
      )
      .apply(withFieldMeta, {
        options: {
          first: 'to the first route whose condition is truthy (later ones are not evaluated)',
          all: 'to every route whose condition is truthy',
        },
      }),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.routes.forEach((route, index) => {
      const first = seen.get(route.port);
      if (first === undefined) seen.set(route.port, index);
      else {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'port'],
          message: `port "${route.port}" is already used by routes[${first}]; port names must be unique`,
        });
      }
    });
  });

/** Parsed config of `transform.route`. */
export type RouteTransformConfig = z.output<typeof routeConfigSchema>;

/** Spec of `transform.route`. */
export const routeTransformSpec = defineNodeSpec({
  type: 'transform.route',
  kind: 'transform',
  version: 1,
  title: 'Route',
  description:
    'Sends each record to the output port of the first route whose condition is truthy (or of every such route, with ' +
    '`mode: all`); records no route matched go to `default`. The ports come from the routes. A record whose condition ' +
    'throws goes to `error`.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to route.' }],
  outputs: [{ name: ROUTE_DEFAULT_PORT, description: 'Records no route matched, unchanged.' }],
  config: routeConfigSchema,
  expressions: ['routes[].expression'],
  outputsFromConfig: (config): PortSpec[] => [
    ...config.routes.map((route) => ({ name: route.port, description: `Records matching \`${route.expression}\`, unchanged.` })),
    { name: ROUTE_DEFAULT_PORT, description: 'Records no route matched, unchanged.' },
  ],
  example: {
    routes: [
      { port: 'high', expression: 'value.amount >= 1000' },
      { port: 'eu', expression: "value.region === 'eu'" },
    ],
    mode: 'first',
  },
});

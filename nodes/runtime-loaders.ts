/**
 * Lazy loaders of the node runtimes, by node type (Node-only). `tributary run` and `preview` load only the runtimes
 * of the node types their flow uses, so an idle `source.kafka -> sink.console` runtime does not import ioredis, ajv,
 * avsc, protobufjs... (issue #19, idle runtime RSS). `nodes/runtimes.ts` is the eager map of the same runtimes (tests,
 * the studio backend, connection checks); test/unit/runtime-loaders.test.ts keeps the two lists and `nodes/specs.ts`
 * equal.
 */
import type { NodeRuntime } from '../runtime/engine/types';

/** Loads one node type's runtime module and gives its runtime. */
type RuntimeLoader = () => Promise<NodeRuntime>;

/** A loader of each node type's runtime, by node type (`source.kafka`, `sink.redis`, ...). */
export const runtimeLoaders: ReadonlyMap<string, RuntimeLoader> = new Map<string, RuntimeLoader>([
  ['source.kafka', () => import('./source/kafka.runtime').then((m) => m.kafkaSourceRuntime)],
  ['source.generator', () => import('./source/generator.runtime').then((m) => m.generatorSourceRuntime)],
  ['source.redis-stream', () => import('./source/redis-stream.runtime').then((m) => m.redisStreamSourceRuntime)],
  ['transform.map', () => import('./transform/map.runtime').then((m) => m.mapTransformRuntime)],
  ['transform.filter', () => import('./transform/filter.runtime').then((m) => m.filterTransformRuntime)],
  ['transform.route', () => import('./transform/route.runtime').then((m) => m.routeTransformRuntime)],
  ['transform.parse', () => import('./transform/parse.runtime').then((m) => m.parseTransformRuntime)],
  ['transform.validate', () => import('./transform/validate.runtime').then((m) => m.validateTransformRuntime)],
  ['transform.flatten', () => import('./transform/flatten.runtime').then((m) => m.flattenTransformRuntime)],
  ['transform.throttle', () => import('./transform/throttle.runtime').then((m) => m.throttleTransformRuntime)],
  ['transform.window', () => import('./transform/window.runtime').then((m) => m.windowTransformRuntime)],
  ['transform.dedupe', () => import('./transform/dedupe.runtime').then((m) => m.dedupeTransformRuntime)],
  ['transform.enrich', () => import('./transform/enrich.runtime').then((m) => m.enrichTransformRuntime)],
  ['sink.kafka', () => import('./sink/kafka.runtime').then((m) => m.kafkaSinkRuntime)],
  ['sink.redis', () => import('./sink/redis.runtime').then((m) => m.redisSinkRuntime)],
  ['sink.http', () => import('./sink/http.runtime').then((m) => m.httpSinkRuntime)],
  ['sink.file', () => import('./sink/file.runtime').then((m) => m.fileSinkRuntime)],
  ['sink.console', () => import('./sink/console.runtime').then((m) => m.consoleSinkRuntime)],
]);

/**
 * Loads the runtimes of the given node types (each module once, all in parallel).
 *
 * @param types node types, e.g. the `spec.type` of each node of a plan (repeats are fine)
 * @returns the runtimes by node type, one entry per distinct type
 * @throws Error naming the type when a type has no runtime (a validated plan never has one: a bug)
 */
export async function loadNodeRuntimes(types: Iterable<string>): Promise<ReadonlyMap<string, NodeRuntime>> {
  const distinct = [...new Set(types)];
  const runtimes = await Promise.all(
    distinct.map((type) => {
      const load = runtimeLoaders.get(type);
      if (load === undefined) throw new Error(`no runtime for node type "${type}" (nodes/runtime-loaders.ts)`);
      return load();
    }),
  );
  return new Map(distinct.map((type, index) => [type, runtimes[index]!]));
}

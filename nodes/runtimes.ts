/**
 * Every node type's runtime, by type (Node-only). The engine looks up a plan node's runtime here; each runtime carries
 * the same spec object as `nodes/specs.ts`.
 */
import type { NodeRuntime } from '../runtime/engine/types';
import { consoleSinkRuntime } from './sink/console.runtime';
import { fileSinkRuntime } from './sink/file.runtime';
import { httpSinkRuntime } from './sink/http.runtime';
import { kafkaSinkRuntime } from './sink/kafka.runtime';
import { redisSinkRuntime } from './sink/redis.runtime';
import { generatorSourceRuntime } from './source/generator.runtime';
import { kafkaSourceRuntime } from './source/kafka.runtime';
import { redisStreamSourceRuntime } from './source/redis-stream.runtime';
import { dedupeTransformRuntime } from './transform/dedupe.runtime';
import { enrichTransformRuntime } from './transform/enrich.runtime';
import { filterTransformRuntime } from './transform/filter.runtime';
import { flattenTransformRuntime } from './transform/flatten.runtime';
import { mapTransformRuntime } from './transform/map.runtime';
import { parseTransformRuntime } from './transform/parse.runtime';
import { routeTransformRuntime } from './transform/route.runtime';
import { throttleTransformRuntime } from './transform/throttle.runtime';
import { validateTransformRuntime } from './transform/validate.runtime';
import { windowTransformRuntime } from './transform/window.runtime';

/** Node runtimes by node type (`source.kafka`, `sink.redis`, ...). */
export const nodeRuntimes: ReadonlyMap<string, NodeRuntime> = new Map(
  [
    kafkaSourceRuntime,
    generatorSourceRuntime,
    redisStreamSourceRuntime,
    mapTransformRuntime,
    filterTransformRuntime,
    routeTransformRuntime,
    parseTransformRuntime,
    validateTransformRuntime,
    flattenTransformRuntime,
    throttleTransformRuntime,
    windowTransformRuntime,
    dedupeTransformRuntime,
    enrichTransformRuntime,
    kafkaSinkRuntime,
    redisSinkRuntime,
    httpSinkRuntime,
    fileSinkRuntime,
    consoleSinkRuntime,
  ].map((runtime) => [runtime.spec.type, runtime]),
);

/**
 * Every node type's runtime, by type (Node-only). The engine looks up a plan node's runtime here; each runtime carries
 * the same spec object as `nodes/specs.ts`.
 */
import type { NodeRuntime } from '../runtime/engine/types';
import { consoleSinkRuntime } from './sink/console.runtime';
import { kafkaSinkRuntime } from './sink/kafka.runtime';
import { redisSinkRuntime } from './sink/redis.runtime';
import { generatorSourceRuntime } from './source/generator.runtime';
import { kafkaSourceRuntime } from './source/kafka.runtime';
import { filterTransformRuntime } from './transform/filter.runtime';
import { mapTransformRuntime } from './transform/map.runtime';

/** Node runtimes by node type (`source.kafka`, `sink.redis`, ...). */
export const nodeRuntimes: ReadonlyMap<string, NodeRuntime> = new Map(
  [
    kafkaSourceRuntime,
    generatorSourceRuntime,
    mapTransformRuntime,
    filterTransformRuntime,
    kafkaSinkRuntime,
    redisSinkRuntime,
    consoleSinkRuntime,
  ].map((runtime) => [runtime.spec.type, runtime]),
);

/**
 * Every node type's spec, for the studio (palette, inspector), the compiler and docs/nodes.md. Browser-safe: specs
 * only. The runtimes that go with them are listed in `nodes/runtimes.ts` (Node-only).
 */
import type { NodeSpec } from '../runtime/common/node-spec';
import type { SpecRegistry } from '../runtime/common/flow';
import { consoleSinkSpec } from './sink/console.spec';
import { kafkaSinkSpec } from './sink/kafka.spec';
import { redisSinkSpec } from './sink/redis.spec';
import { generatorSourceSpec } from './source/generator.spec';
import { kafkaSourceSpec } from './source/kafka.spec';
import { filterTransformSpec } from './transform/filter.spec';
import { mapTransformSpec } from './transform/map.spec';

/** Every node spec, in palette order: sources, transforms, sinks. */
export const nodeSpecs: NodeSpec[] = [
  kafkaSourceSpec,
  generatorSourceSpec,
  mapTransformSpec,
  filterTransformSpec,
  kafkaSinkSpec,
  redisSinkSpec,
  consoleSinkSpec,
];

/** Node specs by type (`source.kafka`, `sink.redis`, ...). */
export const specRegistry: SpecRegistry = new Map(nodeSpecs.map((spec) => [spec.type, spec]));

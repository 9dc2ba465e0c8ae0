/**
 * Every node type's spec, for the studio (palette, inspector), the compiler and docs/nodes.md. Browser-safe: specs
 * only. The runtimes that go with them are listed in `nodes/runtimes.ts` (Node-only).
 */
import type { NodeSpec } from '../runtime/common/node-spec';
import type { SpecRegistry } from '../runtime/common/flow';
import { consoleSinkSpec } from './sink/console.spec';
import { fileSinkSpec } from './sink/file.spec';
import { httpSinkSpec } from './sink/http.spec';
import { kafkaSinkSpec } from './sink/kafka.spec';
import { redisSinkSpec } from './sink/redis.spec';
import { generatorSourceSpec } from './source/generator.spec';
import { kafkaSourceSpec } from './source/kafka.spec';
import { redisStreamSourceSpec } from './source/redis-stream.spec';
import { dedupeTransformSpec } from './transform/dedupe.spec';
import { enrichTransformSpec } from './transform/enrich.spec';
import { filterTransformSpec } from './transform/filter.spec';
import { flattenTransformSpec } from './transform/flatten.spec';
import { mapTransformSpec } from './transform/map.spec';
import { parseTransformSpec } from './transform/parse.spec';
import { routeTransformSpec } from './transform/route.spec';
import { throttleTransformSpec } from './transform/throttle.spec';
import { validateTransformSpec } from './transform/validate.spec';
import { windowTransformSpec } from './transform/window.spec';

/** Every node spec, in palette order: sources, transforms, sinks. */
export const nodeSpecs: NodeSpec[] = [
  kafkaSourceSpec,
  generatorSourceSpec,
  redisStreamSourceSpec,
  mapTransformSpec,
  filterTransformSpec,
  routeTransformSpec,
  parseTransformSpec,
  validateTransformSpec,
  flattenTransformSpec,
  throttleTransformSpec,
  windowTransformSpec,
  dedupeTransformSpec,
  enrichTransformSpec,
  kafkaSinkSpec,
  redisSinkSpec,
  httpSinkSpec,
  fileSinkSpec,
  consoleSinkSpec,
];

/** Node specs by type (`source.kafka`, `sink.redis`, ...). */
export const specRegistry: SpecRegistry = new Map(nodeSpecs.map((spec) => [spec.type, spec]));

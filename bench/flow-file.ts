/**
 * The benchmark's flow files (`npm run bench`, bench/node-red.ts): source.kafka -> transform.map -> transform.filter
 * -> a sink, with the map and filter expressions every variant runs ({@link FLOW_EXPRESSIONS}).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FLOW_EXPRESSIONS } from './lib';

/** Kafka brokers of the benchmark (`KAFKA_BROKERS`, default 127.0.0.1:9092). */
export const BENCH_BROKERS = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'];
/** A Redis database of its own (`BENCH_REDIS_URL`, default db 15), flushed before every run that writes. */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/15';

/** The sink node of a benchmark flow (id `store`). */
export interface BenchSink {
  type: 'sink.redis' | 'sink.kafka';
  config: Record<string, unknown>;
}

/**
 * Writes a benchmark flow file, `<dir>/<name>.flow.yaml`: source.kafka (reading `topic` as `groupId`) ->
 * transform.map -> transform.filter -> `store`, with `settings` when given.
 */
export function writeBenchFlow(
  dir: string,
  name: string,
  flowName: string,
  settings: Record<string, unknown> | undefined,
  source: { topic: string; groupId: string; fromBeginning: boolean },
  store: BenchSink,
): string {
  const flow = {
    version: 1,
    name: flowName,
    ...(settings === undefined ? {} : { settings }),
    nodes: [
      { id: 'source', type: 'source.kafka', config: { brokers: BENCH_BROKERS, ...source, format: 'json' } },
      { id: 'map', type: 'transform.map', config: { expression: FLOW_EXPRESSIONS.map } },
      { id: 'filter', type: 'transform.filter', config: { expression: FLOW_EXPRESSIONS.filter } },
      { id: 'store', ...store },
    ],
    edges: [
      { from: 'source', to: 'map' },
      { from: 'map', to: 'filter' },
      { from: 'filter', to: 'store' },
    ],
  };
  const file = join(dir, `${name}.flow.yaml`);
  writeFileSync(file, stringify(flow));
  return file;
}

/** Writes the benchmark flow file: source.kafka -> transform.map -> transform.filter -> sink.redis. */
export function writeFlow(dir: string, name: string, topic: string, groupId: string, fromBeginning: boolean, traceSampleRate?: number): string {
  return writeBenchFlow(dir, name, 'bench', traceSampleRate === undefined ? undefined : { traceSampleRate }, { topic, groupId, fromBeginning }, {
    type: 'sink.redis',
    config: { url: BENCH_REDIS_URL, command: 'set', key: FLOW_EXPRESSIONS.key },
  });
}

/**
 * Writes the Kafka-to-Kafka flow file: the benchmark flow with `sink.kafka` into `output` instead of Redis, with
 * `settings.delivery` `delivery`.
 */
export function writeKafkaFlow(dir: string, name: string, topic: string, groupId: string, output: string, delivery: 'at-least-once' | 'exactly-once'): string {
  return writeBenchFlow(dir, name, 'bench-kafka', { delivery }, { topic, groupId, fromBeginning: true }, {
    type: 'sink.kafka',
    config: { brokers: BENCH_BROKERS, topic: output, key: FLOW_EXPRESSIONS.key },
  });
}

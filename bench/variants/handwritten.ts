/**
 * Variant `handwritten`: the pipeline as a competent developer writes it by hand with kafkajs + ioredis: `eachBatch`
 * over 4 partitions concurrently, parse, map, filter, one Redis pipeline per batch, resolve the offset, commit,
 * heartbeat. Runs until the parent sends SIGTERM; in latency runs it then prints end-to-end quantiles (record timestamp
 * to Redis pipeline reply) and the quantiles of the records' age when `eachBatch` received them (the Kafka path's
 * share) of the records stamped after the time the parent wrote into `latencyFromFile`.
 */
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { mapMessageValue, printReport, readVariantConfig, redisKey } from '../lib';
import { LatencyRecorder } from './latency-recorder';

const config = readVariantConfig();
const kafka = new Kafka({ clientId: 'bench-handwritten', brokers: config.brokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: config.groupId });
const redis = new Redis(config.redisUrl);
/** Latency runs: the age of every record written (end to end), and of every record received. */
const written = new LatencyRecorder();
const received = new LatencyRecorder();
const measureLatency = config.latencyFromFile !== undefined;

process.once('SIGTERM', () => {
  void (async () => {
    await consumer.disconnect();
    redis.disconnect();
    if (measureLatency) {
      const latency = written.quantiles(config.latencyFromFile!);
      printReport({ records: latency.count, wallMs: 0, cpuUs: 0, peakRssBytes: 0, latency, received: received.quantiles(config.latencyFromFile!) });
    }
    process.exit(0);
  })();
});

await consumer.connect();
await consumer.subscribe({ topics: [config.topic], fromBeginning: config.fromBeginning });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: 4,
  eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    if (batch.isEmpty() || !isRunning() || isStale()) return;
    if (measureLatency) received.recordMessages(batch.messages);
    const pipeline = redis.pipeline();
    const timestamps: number[] = [];
    for (const message of batch.messages) {
      const mapped = mapMessageValue(message.value);
      if (mapped === undefined) continue;
      pipeline.set(redisKey(mapped), JSON.stringify(mapped));
      if (measureLatency) timestamps.push(Number(message.timestamp));
    }
    if (pipeline.length > 0) {
      const replies = await pipeline.exec();
      for (const [error] of replies ?? []) if (error !== null) throw error;
      if (measureLatency) written.recordStamps(timestamps);
    }
    const last = batch.lastOffset();
    resolveOffset(last);
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }]);
    await heartbeat();
  },
});

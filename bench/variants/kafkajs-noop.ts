/**
 * Variant `kafkajs-noop`: a kafkajs `eachBatch` consumer that does nothing with the records; it resolves and commits
 * each batch (the parent detects completion from the group's committed offsets, as for every consumer variant). It
 * runs until the parent sends SIGTERM. In latency runs it then prints the quantiles of the records' age when
 * `eachBatch` received them: the floor of the Kafka path (producer, broker, fetch, kafkajs decoding) that every
 * kafkajs consumer variant shares.
 */
import { Kafka, logLevel } from 'kafkajs';
import { printReport, readVariantConfig } from '../lib';
import { LatencyRecorder } from './latency-recorder';

const config = readVariantConfig();
const kafka = new Kafka({ clientId: 'bench-kafkajs-noop', brokers: config.brokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: config.groupId });

/** Latency runs: the age of every record received. */
const received = config.latencyFromFile === undefined ? undefined : new LatencyRecorder();

process.once('SIGTERM', () => {
  void consumer.disconnect().finally(() => {
    if (received !== undefined) {
      const latency = received.quantiles(config.latencyFromFile!);
      printReport({ records: latency.count, wallMs: 0, cpuUs: 0, peakRssBytes: 0, latency, received: latency });
    }
    process.exit(0);
  });
});

await consumer.connect();
await consumer.subscribe({ topics: [config.topic], fromBeginning: config.fromBeginning });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: 4,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    if (batch.isEmpty()) return;
    received?.recordMessages(batch.messages);
    const last = batch.lastOffset();
    resolveOffset(last);
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }]);
    await heartbeat();
  },
});

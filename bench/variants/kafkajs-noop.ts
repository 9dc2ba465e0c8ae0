/**
 * Variant `kafkajs-noop`: a kafkajs `eachBatch` consumer that does nothing with the records; it resolves and commits
 * each batch (the parent detects completion from the group's committed offsets, as for every consumer variant). It
 * runs until the parent sends SIGTERM.
 */
import { Kafka, logLevel } from 'kafkajs';
import { readVariantConfig } from '../lib';

const config = readVariantConfig();
const kafka = new Kafka({ clientId: 'bench-kafkajs-noop', brokers: config.brokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: config.groupId });

process.once('SIGTERM', () => {
  void consumer.disconnect().finally(() => process.exit(0));
});

await consumer.connect();
await consumer.subscribe({ topics: [config.topic], fromBeginning: config.fromBeginning });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: 4,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    if (batch.isEmpty()) return;
    const last = batch.lastOffset();
    resolveOffset(last);
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }]);
    await heartbeat();
  },
});

/**
 * Variant `platformatic`: the pipeline of `handwritten.ts` written as carefully with @platformatic/kafka's consumer
 * instead of kafkajs: the group's messages stream in paused mode, drained one fetch at a time (a fetch response's
 * records are pushed into the stream together), parse, map, filter, one Redis pipeline per batch, then commit the
 * offset after the last record of each partition in the batch. While a batch is being written nothing is read, so the
 * stream's buffer fills to its high-water mark and the client stops fetching (backpressure). Runs until the parent
 * sends SIGTERM. No latency mode: the bench's latency runs use `handwritten` only.
 */
import { Consumer, type Message } from '@platformatic/kafka';
import { Redis } from 'ioredis';
import { mapMessageValue, readVariantConfig, redisKey } from '../lib';

const config = readVariantConfig();
const consumer = new Consumer({ clientId: 'bench-platformatic', groupId: config.groupId, bootstrapBrokers: config.brokers });
const redis = new Redis(config.redisUrl);

process.once('SIGTERM', () => {
  // force: leave the group without waiting for the stream's in-flight fetch
  consumer.close(true, () => {
    redis.disconnect();
    process.exit(0);
  });
});

const stream = await consumer.consume({
  topics: [config.topic],
  mode: 'committed',
  fallbackMode: config.fromBeginning ? 'earliest' : 'latest',
  autocommit: false,
  // kafkajs's fetch sizes (10 MB a fetch, 1 MB a partition); this client's default is 10 MB a partition
  maxBytes: 10 * 1024 * 1024,
  maxBytesPerPartition: 1024 * 1024,
});
stream.once('error', (error: Error) => {
  process.stderr.write(`platformatic: ${error.message}\n`);
  process.exit(1);
});

/** The last message of each partition in the batch being written: committing it commits the partition's offset. */
const lastOfPartition = new Map<number, Message>();
let draining = false;

/** Writes the buffered messages as one batch and commits them, until the stream's buffer is empty. */
async function drain(): Promise<void> {
  draining = true;
  try {
    for (;;) {
      const pipeline = redis.pipeline();
      let read = 0;
      let message: Message | null;
      while ((message = stream.read() as Message | null) !== null) {
        read++;
        lastOfPartition.set(message.partition, message);
        const mapped = mapMessageValue(message.value);
        if (mapped === undefined) continue;
        pipeline.set(redisKey(mapped), JSON.stringify(mapped));
      }
      if (read === 0) return;
      if (pipeline.length > 0) {
        const replies = await pipeline.exec();
        for (const [error] of replies ?? []) if (error !== null) throw error;
      }
      const commits: Promise<void>[] = [];
      for (const last of lastOfPartition.values()) commits.push(last.commit() as Promise<void>);
      lastOfPartition.clear();
      await Promise.all(commits);
    }
  } finally {
    draining = false;
  }
}

stream.on('readable', () => {
  if (draining) return;
  drain().catch((error: unknown) => {
    process.stderr.write(`platformatic: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
});

/**
 * Variant `platformatic-noop`: like `kafkajs-noop.ts` with @platformatic/kafka's consumer: the group's messages
 * stream drained one fetch at a time, nothing done with the records, the offset after the last record of each
 * partition committed per batch (the parent detects completion from the group's committed offsets, as for every
 * consumer variant). Runs until the parent sends SIGTERM.
 */
import { Consumer, type Message } from '@platformatic/kafka';
import { readVariantConfig } from '../lib';

const config = readVariantConfig();
const consumer = new Consumer({ clientId: 'bench-platformatic-noop', groupId: config.groupId, bootstrapBrokers: config.brokers });

process.once('SIGTERM', () => {
  // force: leave the group without waiting for the stream's in-flight fetch
  consumer.close(true, () => process.exit(0));
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
  process.stderr.write(`platformatic-noop: ${error.message}\n`);
  process.exit(1);
});

const lastOfPartition = new Map<number, Message>();
let draining = false;

/** Reads the buffered messages as one batch and commits them, until the stream's buffer is empty. */
async function drain(): Promise<void> {
  draining = true;
  try {
    for (;;) {
      let message: Message | null;
      let read = 0;
      while ((message = stream.read() as Message | null) !== null) {
        read++;
        lastOfPartition.set(message.partition, message);
      }
      if (read === 0) return;
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
    process.stderr.write(`platformatic-noop: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
});

/**
 * The latency figures of a variant child process in latency runs: the age (ms) of each record, from its Kafka
 * timestamp (the producer's send time) to a moment the variant chooses (received in `eachBatch`, or written to Redis),
 * kept for the records stamped at or after the epoch ms the parent writes into `latencyFromFile` (the end of the
 * warm-up) before it sends SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { quantile } from '../lib';

/** Quantiles of one latency (ms) and the records they are computed from. */
export interface LatencyQuantiles {
  p50: number;
  p99: number;
  count: number;
}

/** Ages of records at one point of a variant's path; see the module doc. */
export class LatencyRecorder {
  private readonly stamps: number[] = [];
  private readonly ages: number[] = [];

  /** Records at `now` (epoch ms) the messages of a batch, by their Kafka `timestamp` (epoch ms as a string). */
  recordMessages(messages: readonly { timestamp: string }[], now = Date.now()): void {
    for (const message of messages) this.recordStamp(Number(message.timestamp), now);
  }

  /** Records at `now` (epoch ms) records stamped `stamps` (epoch ms). */
  recordStamps(stamps: readonly number[], now = Date.now()): void {
    for (const stamp of stamps) this.recordStamp(stamp, now);
  }

  private recordStamp(stamp: number, now: number): void {
    this.stamps.push(stamp);
    this.ages.push(now - stamp);
  }

  /**
   * p50 / p99 (ms) of the records stamped at or after the epoch ms in `fromFile`.
   * @throws when `fromFile` cannot be read (the parent writes it at the start of the run)
   */
  quantiles(fromFile: string): LatencyQuantiles {
    const from = Number(readFileSync(fromFile, 'utf8'));
    const sorted = Float64Array.from(this.ages.filter((_, i) => this.stamps[i]! >= from)).sort();
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), count: sorted.length };
  }
}

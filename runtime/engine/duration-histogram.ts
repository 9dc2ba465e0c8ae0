/**
 * Cumulative duration histograms in seconds, with fixed bucket bounds, as Prometheus histograms expose them
 * (`_bucket{le}`, `_sum`, `_count`): counts only grow, so rates and `histogram_quantile` aggregate across instances.
 * The telemetry collector keeps them next to its windowed quantiles (those feed the studio); the metrics endpoint
 * reads them at scrape time, so the hot path does no Prometheus work.
 */

/** Bucket upper bounds (s) for a batch's time in a node and a sink's acknowledgement: 0.5 ms to 60 s. */
export const BATCH_DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Bucket upper bounds (s) for end-to-end latency (record timestamp to sink acknowledgement): 1 ms to 1 h, finer below
 * 100 ms, where a healthy pipeline's latency lies: 5 ms steps from 15 to 40 ms, so a p99 near a 25 ms objective is read
 * to within 5 ms (`histogram_quantile` interpolates inside a bucket; with one bucket from 25 to 50 ms a p99 of 30 ms read
 * as 44).
 */
export const END_TO_END_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.06, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10, 30, 60, 300, 900, 3600,
];

/** A histogram's state: `counts[i]` observations at most `bounds[i]` s (not cumulative), then those above the last bound. */
export interface HistogramSnapshot {
  /** Bucket upper bounds in seconds, ascending. */
  bounds: readonly number[];
  /** Observations per bucket, not cumulative; one more entry than `bounds` (the `+Inf` bucket's own share). */
  counts: readonly number[];
  /** Sum of every observation, seconds. */
  sum: number;
  /** Number of observations. */
  count: number;
}

/** A cumulative histogram of durations in seconds over fixed bounds (see the module doc). */
export class DurationHistogram {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  /** @param bounds bucket upper bounds in seconds, ascending */
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Adds `count` observations of `seconds`. */
  observe(seconds: number, count = 1): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.counts[i]! += count;
    this.sum += seconds * count;
    this.count += count;
  }

  /** A copy of the current state. */
  snapshot(): HistogramSnapshot {
    return { bounds: this.bounds, counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

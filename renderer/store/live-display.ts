/**
 * What the canvas draws from live figures, as pure functions of the telemetry store's entries: an edge's stroke for its
 * rate (and when a new width is worth writing), why a node is highlighted, and the key of a source's partition rows.
 */
import type { PartitionTelemetry } from '../../runtime/common/telemetry';
import type { NodeLive } from './telemetry-store';

/** Stroke of an edge carrying `rate` records/s: width grows with log10 of the rate; idle edges are thin and dashed. */
export function edgeStroke(rate: number): { width: number; active: boolean } {
  if (!(rate > 0)) return { width: 1.5, active: false };
  return { width: Math.min(8, Math.round((2 + 1.2 * Math.log10(1 + rate)) * 10) / 10), active: true };
}

/** Edge stroke changes smaller than this (px) are not written (see {@link strokeWidthToWrite}). */
export const STROKE_HYSTERESIS_PX = 0.4;

/**
 * The stroke width (px) to write for an edge showing `shown` (NaN: nothing written yet) whose rate now maps to
 * `target`, or undefined to leave it: rate noise of a few percent moves the log-scaled width by ~0.1 px, and writing
 * that would repaint every visible edge on every telemetry frame. A change to or from the idle width always shows.
 */
export function strokeWidthToWrite(shown: number, target: number, idleWidth: number): number | undefined {
  if (shown === target) return undefined;
  if (Number.isNaN(shown) || shown === idleWidth || target === idleWidth) return target;
  return Math.abs(target - shown) >= STROKE_HYSTERESIS_PX ? target : undefined;
}

/** Why a node is highlighted: failed records, or holding back its upstream (sink retrying, paused partitions). */
export function nodeAlert(live: NodeLive | undefined, partitions?: readonly PartitionTelemetry[]): 'error' | 'backpressure' | undefined {
  if (live === undefined) return undefined;
  if (live.errors > 0) return 'error';
  if (live.backpressured || partitions?.some((p) => p.paused) === true) return 'backpressure';
  return undefined;
}

/**
 * The shape of a source's partition list as one string (topic, partition and paused flag of each): the canvas'
 * partition rows re-render only when it changes, never for new offsets or lag.
 */
export function partitionLayout(partitions: readonly PartitionTelemetry[] | undefined): string {
  if (partitions === undefined) return '';
  let key = '';
  for (const p of partitions) key += `${p.topic}\u0000${p.partition}\u0000${p.paused ? 1 : 0}\u0001`;
  return key;
}

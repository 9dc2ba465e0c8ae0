/**
 * Reads the garbage-collection pauses of a Node.js process started with `--trace-gc`, from its stdout. V8 prints one
 * line per collection, e.g.
 *
 *     [15275:0x83dcf00]    30279 ms: Scavenge 63.3 (98.8) -> 53.0 (98.8) MB, 10.66 / 0.01 ms  (average mu = ...
 *     [15410:0x16017d70]   18942 ms: Mark-Compact 45.5 (76.7) -> 11.2 (65.7) MB, 7.81 / 0.01 ms  (+ 18.4 ms in 29 steps ...
 *
 * (V8's `Heap::PrintShortHeapStatistics`/`GCTracer::Print`: the time since the isolate started, the collector, heap
 * used (committed) before and after in MB, then the main-thread pause in ms; a mark-compact also names the time its
 * incremental marking steps took on the main thread before it.) A worker isolate (another address after the pid)
 * pauses only its own thread: only the main isolate's lines count.
 */

/** The pauses of one process inside a window. */
export interface GcPauses {
  /** Scavenges (minor collections). */
  scavenges: number;
  /** Mark-compacts (major collections). */
  markCompacts: number;
  /** Main-thread time in collections (ms): pauses plus incremental marking steps. */
  totalMs: number;
  /** Mean scavenge pause (ms), NaN without one. */
  meanScavengeMs: number;
  /** Longest single pause (ms), 0 without one. */
  maxPauseMs: number;
  /** Seconds of the window. */
  seconds: number;
}

const LINE = /^\[(\d+):(0x[0-9a-f]+)\]\s+(\d+) ms: (Scavenge|Minor Mark-Sweep|Mark-Compact(?: \(reduce\))?|Mark-Sweep)\b[^,]*, ([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in \d+ steps)?/;

/**
 * The main isolate's collections in `--trace-gc` output whose time since the isolate start falls in
 * [`fromMs`, `toMs`) (ms). The main isolate is the one with the most lines.
 */
export function gcPauses(stdout: string, fromMs: number, toMs: number): GcPauses {
  const byIsolate = new Map<string, { at: number; kind: string; pause: number; steps: number }[]>();
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const isolate = m[2]!;
    let list = byIsolate.get(isolate);
    if (list === undefined) byIsolate.set(isolate, (list = []));
    list.push({ at: Number(m[3]), kind: m[4]!, pause: Number(m[5]), steps: m[6] === undefined ? 0 : Number(m[6]) });
  }
  const main = [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const inWindow = main.filter((g) => g.at >= fromMs && g.at < toMs);
  const scavenges = inWindow.filter((g) => g.kind === 'Scavenge' || g.kind === 'Minor Mark-Sweep');
  return {
    scavenges: scavenges.length,
    markCompacts: inWindow.length - scavenges.length,
    totalMs: inWindow.reduce((sum, g) => sum + g.pause + g.steps, 0),
    meanScavengeMs: scavenges.length === 0 ? Number.NaN : scavenges.reduce((sum, g) => sum + g.pause, 0) / scavenges.length,
    maxPauseMs: inWindow.reduce((max, g) => Math.max(max, g.pause), 0),
    seconds: (toMs - fromMs) / 1000,
  };
}

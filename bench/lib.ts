/**
 * Shared pieces of the benchmark (`npm run bench`): the deterministic record generator, the parse → map → filter →
 * stringify work that every variant does identically, the config handed to variant child processes, and readers of
 * `/proc/<pid>/stat` and `/proc/<pid>/status` (Linux only).
 */
import { readFileSync } from 'node:fs';

/** Bytes of padding in every generated record, chosen so that a record is about 250 bytes of JSON. */
const PADDING = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna';
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'ES', 'IT', 'PL', 'SE', 'JP'];

/** A 32-bit integer hash (splitmix-like), so record `i` is the same on every run and machine. */
function hash32(i: number): number {
  let x = (i + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The fields of a generated record (before the padding). */
export interface BenchRecord {
  id: number;
  user: string;
  sku: string;
  price: number;
  qty: number;
  country: string;
  createdAt: string;
  note: string;
}

/**
 * Record number `i` of the benchmark data set as JSON text (~250 bytes). About 79 % of the records pass the filter
 * `total > 10` (price 0.01–20.00 times qty 1–5).
 */
export function makeRecordJson(i: number): string {
  const h = hash32(i);
  const record: BenchRecord = {
    id: i,
    user: `user-${String(h % 100_000).padStart(6, '0')}`,
    sku: `SKU-${String((h >>> 7) % 10_000).padStart(5, '0')}`,
    price: ((h % 2000) + 1) / 100,
    qty: ((h >>> 11) % 5) + 1,
    country: COUNTRIES[(h >>> 3) % COUNTRIES.length]!,
    createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    note: PADDING,
  };
  return JSON.stringify(record);
}

/** The mapped value, identical in every variant (and in the tributary flow's `transform.map` expression). */
export interface MappedValue {
  id: number;
  user: string;
  total: number;
  country: string;
}

/** The map step: `({ id: value.id, user: value.user, total: value.price * value.qty, country: value.country })`. */
export function mapValue(value: BenchRecord): MappedValue {
  return { id: value.id, user: value.user, total: value.price * value.qty, country: value.country };
}

/** The filter step: `value.total > 10`. */
export function keep(value: MappedValue): boolean {
  return value.total > 10;
}

/** The Redis key of a mapped value: `'bench:' + value.id`. */
export function redisKey(value: MappedValue): string {
  return 'bench:' + value.id;
}

/**
 * The hand-written variants' record steps for one Kafka message value: parse (JSON), map, filter.
 * @returns the mapped value to write, or undefined when the value is absent, not JSON (a real pipeline would send it
 *   to a dead-letter topic) or filtered out
 */
export function mapMessageValue(raw: Buffer | null | undefined): MappedValue | undefined {
  if (raw === undefined || raw === null) return undefined;
  let value: BenchRecord;
  try {
    value = JSON.parse(raw.toString('utf8')) as BenchRecord;
  } catch {
    return undefined;
  }
  const mapped = mapValue(value);
  return keep(mapped) ? mapped : undefined;
}

/** How many of records `0..n-1` pass the filter: the number of Redis keys a correct run leaves behind. */
export function expectedKeys(n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const h = hash32(i);
    if ((((h % 2000) + 1) / 100) * (((h >>> 11) % 5) + 1) > 10) count++;
  }
  return count;
}

/** The map/filter expressions of the tributary flow, the same functions as {@link mapValue} and {@link keep}. */
export const FLOW_EXPRESSIONS = {
  map: '({ id: value.id, user: value.user, total: value.price * value.qty, country: value.country })',
  filter: 'value.total > 10',
  key: "'bench:' + value.id",
} as const;

/** What a variant child process is told, as JSON in the `BENCH_CONFIG` environment variable. */
export interface VariantConfig {
  brokers: string[];
  topic: string;
  groupId: string;
  redisUrl: string;
  /** Records to process (ceiling-cpu generates them). */
  records: number;
  /** Read from the earliest offset (throughput runs) or only new records (latency runs). */
  fromBeginning: boolean;
  /**
   * Latency runs: a file into which the parent writes, before SIGTERM, the epoch ms from which records count towards
   * the quantiles (the end of the warm-up).
   */
  latencyFromFile?: string;
}

/** Reads the {@link VariantConfig} of a variant child process. */
export function readVariantConfig(): VariantConfig {
  const text = process.env.BENCH_CONFIG;
  if (text === undefined) throw new Error('BENCH_CONFIG is not set: variants are started by bench/run.ts');
  return JSON.parse(text) as VariantConfig;
}

/** The line a variant child prints on stdout as its result, prefixed with {@link RESULT_PREFIX}. */
export interface VariantReport {
  /** Records processed inside the measured interval. */
  records: number;
  /** Wall time of the measured interval (ms). */
  wallMs: number;
  /** user + sys CPU of the process during the measured interval (µs). */
  cpuUs: number;
  /** Peak resident set size (VmHWM) in bytes. */
  peakRssBytes: number;
  /** Latency runs: end-to-end quantiles in ms. */
  latency?: { p50: number; p99: number; count: number };
  /** Latency runs: quantiles (ms) of the records' age when the consumer received them (the Kafka path's share). */
  received?: { p50: number; p99: number; count: number };
  /** Anything variant-specific worth keeping (e.g. a checksum). */
  extra?: Record<string, number>;
}

/** Prefix of the result line of a variant child. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/** Prints the result line of a variant child. */
export function printReport(report: VariantReport): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(report)}\n`);
}

/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on Linux). */
const CLOCK_TICKS = 100;

/** user + sys CPU time of a process in µs from `/proc/<pid>/stat`, or undefined when it is gone. */
export function procCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** A size field (`VmHWM`, `VmRSS`, ...) of `/proc/<pid>/status` in bytes, or undefined when the process is gone. */
function procStatusBytes(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Peak resident set size (VmHWM) of a process in bytes from `/proc/<pid>/status`, or undefined when it is gone. */
export function procPeakRss(pid: number | 'self'): number | undefined {
  return procStatusBytes(pid, 'VmHWM');
}

/** Current resident set size (VmRSS) of a process in bytes from `/proc/<pid>/status`, or undefined when it is gone. */
export function procRss(pid: number | 'self'): number | undefined {
  return procStatusBytes(pid, 'VmRSS');
}

/** Exact quantile `q` (0..1) of an ascending sorted array. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

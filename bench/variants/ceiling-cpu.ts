/**
 * Variant `ceiling-cpu`: the parse → map → filter → stringify work of the pipeline on in-memory buffers, no I/O. The
 * records are generated into one buffer first (not measured); then every record is decoded from a `Buffer` slice as
 * kafkajs hands it over, parsed, mapped, filtered, and its Redis key and JSON value built. CPU is `process.cpuUsage()`
 * around that loop only.
 */
import { performance } from 'node:perf_hooks';
import { keep, makeRecordJson, mapValue, printReport, procPeakRss, readVariantConfig, redisKey, type BenchRecord } from '../lib';

const config = readVariantConfig();
const n = config.records;

// Generate all records into one buffer, with their offsets, like a fetched Kafka batch.
const texts: string[] = [];
let total = 0;
for (let i = 0; i < n; i++) {
  const text = makeRecordJson(i);
  texts.push(text);
  total += Buffer.byteLength(text);
}
const data = Buffer.allocUnsafe(total);
const starts = new Uint32Array(n + 1);
let at = 0;
for (let i = 0; i < n; i++) {
  starts[i] = at;
  at += data.write(texts[i]!, at);
}
starts[n] = at;
texts.length = 0;

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let kept = 0;
let checksum = 0;
for (let i = 0; i < n; i++) {
  const value = JSON.parse(data.subarray(starts[i]!, starts[i + 1]!).toString('utf8')) as BenchRecord;
  const mapped = mapValue(value);
  if (!keep(mapped)) continue;
  const key = redisKey(mapped);
  const json = JSON.stringify(mapped);
  kept++;
  checksum += key.length + json.length;
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);

printReport({
  records: n,
  wallMs,
  cpuUs: cpu.user + cpu.system,
  peakRssBytes: procPeakRss('self') ?? 0,
  extra: { kept, checksum, bytes: total },
});

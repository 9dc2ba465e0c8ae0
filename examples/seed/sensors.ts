/**
 * Seeds the input of examples/sensors.flow.yaml: 70 seconds of temperature readings of four devices in a plant hall
 * (event time 2024-05-06T09:00:00Z onwards), as a field gateway writes them to a Redis stream: one entry per reading,
 * `gateway` = the gateway's name, `line` = a CSV line `deviceId,ts,tempC,seq` (ts in ms since the epoch, seq counts
 * per device). The same every run.
 *
 * Like a real gateway, it retransmits some readings (same device and seq: the flow's dedupe drops them), sends a few
 * out of order (within the flow's 5 s allowed lateness), delivers one 18 s late (counted only in the windows still
 * open) and one 41 s late (every window closed: discarded as late), truncates one line (a parse error) and reports
 * `n/a` for one temperature (the window cannot average it: an error). Running the script twice appends the same
 * readings again; the dedupe keys (one hour) make the flow drop the second copy.
 *
 *   npx tsx examples/seed/sensors.ts       # honours REDIS_URL and SENSOR_STREAM
 */
import { Redis } from 'ioredis';
import { EPOCH_MS, env, isMain, randomInt, seededRandom } from './common';

/** One stream entry as the gateway writes it. */
export interface SensorEntry {
  gateway: string;
  /** `deviceId,ts,tempC,seq` */
  line: string;
}

/** The devices, their first reading's offset from the epoch (ms) and their typical temperature (°C). */
export const DEVICES: readonly { id: string; phaseMs: number; baseC: number }[] = [
  { id: 'boiler-1', phaseMs: 0, baseC: 62 },
  { id: 'boiler-2', phaseMs: 1_250, baseC: 58.5 },
  { id: 'chiller-1', phaseMs: 2_500, baseC: 6.5 },
  { id: 'freezer-7', phaseMs: 3_750, baseC: -18.5 },
];
/** Every device reports every 5 s. */
export const READING_INTERVAL_MS = 5_000;
/** Readings per device. */
export const READINGS_PER_DEVICE = 14;

/** The seeded stream entries, in the order the gateway writes them; the same on every call. */
export function generateSensorEntries(): SensorEntry[] {
  const random = seededRandom(70707);
  interface Reading {
    deviceId: string;
    ts: number;
    temp: string;
    seq: number;
    /** When the gateway gets it onto the stream (ms since the epoch): sorts the stream. */
    arrives: number;
    line?: string;
  }
  const readings: Reading[] = [];
  for (const device of DEVICES) {
    for (let n = 0; n < READINGS_PER_DEVICE; n++) {
      const ts = EPOCH_MS + device.phaseMs + n * READING_INTERVAL_MS + randomInt(random, 0, 400);
      const temp = (Math.round((device.baseC + (random() - 0.5) * 3) * 10) / 10).toString();
      // Radio retries: most readings arrive within 200 ms, some up to 4 s late (inside the allowed lateness).
      const delay = random() < 0.12 ? randomInt(random, 1_500, 4_000) : randomInt(random, 20, 200);
      readings.push({ deviceId: device.id, ts, temp, seq: 1000 + n, arrives: ts + delay });
    }
  }
  const find = (deviceId: string, seq: number): Reading => readings.find((r) => r.deviceId === deviceId && r.seq === seq)!;
  find('chiller-1', 1004).arrives += 18_000; // held up by a flaky link: some of its windows are closed when it comes
  find('freezer-7', 1006).arrives += 41_000; // every window it belongs to is closed by then: late
  find('boiler-2', 1009).temp = 'n/a'; // the sensor could not read
  const truncated = find('chiller-1', 1011);
  truncated.line = `${truncated.deviceId},${truncated.ts},${truncated.temp}`.slice(0, -2); // cut off in transit

  readings.sort((a, b) => a.arrives - b.arrives || a.deviceId.localeCompare(b.deviceId));
  const lines = readings.map((r) => r.line ?? `${r.deviceId},${r.ts},${r.temp},${r.seq}`);
  // Retransmissions: the gateway did not get an ack and sends the same line again a little later.
  for (const [at, back] of [
    [9, 2],
    [23, 1],
    [30, 3],
    [44, 2],
    [51, 1],
  ] as const) {
    lines.splice(at, 0, lines[at - back]!);
  }
  return lines.map((line) => ({ gateway: 'gw-hall-a', line }));
}

/**
 * Appends {@link generateSensorEntries} to `stream` (XADD, ids chosen by Redis), in one pipeline.
 * @returns the entries written
 */
export async function seedSensors(redisUrl: string, stream: string): Promise<SensorEntry[]> {
  const entries = generateSensorEntries();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const pipeline = redis.pipeline();
    for (const entry of entries) pipeline.xadd(stream, '*', 'gateway', entry.gateway, 'line', entry.line);
    const results = await pipeline.exec();
    const failed = (results ?? []).find(([error]) => error !== null);
    if (failed !== undefined) throw failed[0]!;
  } finally {
    await redis.quit();
  }
  return entries;
}

if (isMain(import.meta.url)) {
  const stream = env('SENSOR_STREAM', 'sensors:readings');
  const entries = await seedSensors(env('REDIS_URL', 'redis://127.0.0.1:6379'), stream);
  console.log(`appended ${entries.length} readings to the Redis stream ${stream}`);
}

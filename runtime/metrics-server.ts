/**
 * The runtime's HTTP endpoint (`tributary run --metrics-port N [--metrics-host H]`, default host 127.0.0.1):
 * - `/metrics`: Prometheus text (prom-client), named per the Prometheus naming guide (see {@link createMetricsRegistry});
 * - `/healthz` (liveness): 200 `{"live":true}` while the engine has not failed (answering at all shows the event loop
 *   runs), else 503 `{"live":false,"error":"..."}`;
 * - `/readyz` (readiness): 200 `{"ready":true,"nodes":{}}` while every source holds its group membership, no sink has
 *   been failing for longer than `settings.unreadyAfterMs` and the run is not draining, else 503
 *   `{"ready":false,"nodes":{"<id>":"<reason>"}}`; it turns ready again on recovery (runtime/engine/health.ts);
 * - `/samples/<nodeId>`: the last records in and out of a node, JSON; once a live token is set it asks for the token too
 *   (record values are data, not figures);
 * - `/live`, `/live/flow`, `/live/samples/<nodeId>`: the live view for the studio's Attach (identity, telemetry frames,
 *   the flow, samples; runtime/common/attach-protocol.ts), only with `Authorization: Bearer <token>`, the token being
 *   `TRIBUTARY_METRICS_TOKEN` of the run; without a token set they always answer 401.
 *
 * `/metrics`, `/healthz` and `/readyz` stay open: Prometheus scrapers and Kubernetes probes call them without
 * credentials, and they carry counts and states only, never record contents.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { packageVersion } from './build-info';
import { LIVE_FLOW_PATH, LIVE_PATH, LIVE_SAMPLES_PATH, METRICS_TOKEN_ENV, type InstanceIdentity, type LiveFlow, type LiveSnapshot } from './common/attach-protocol';
import type { Engine } from './engine/engine';
import type { HistogramSnapshot } from './engine/duration-histogram';
import type { DurationHistograms } from './engine/telemetry';

/** The default bind address of the endpoint: this host only. `0.0.0.0` (or `::`) makes it reachable from others. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** Counter values already exported, so that collect() can add only the increase. */
type Seen = Map<string, number>;

function addDelta(counter: Counter<string>, seen: Seen, labels: Record<string, string>, total: number): void {
  const key = JSON.stringify(labels);
  const previous = seen.get(key) ?? 0;
  if (total > previous) counter.inc(labels, total - previous);
  seen.set(key, total);
}

/** One sample line of a metric: its name (`<metric>_bucket`, ...), labels and value. */
interface SampleValue {
  metricName: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A histogram metric whose values are read, at scrape time, from the telemetry collector's cumulative histograms
 * (runtime/engine/duration-histogram.ts), one series per node. prom-client's registry serializes any object with
 * `name`, `help`, `type` and `get()` as it does its own histograms (`_bucket{le}` cumulative, `_sum`, `_count`, the
 * registry's default labels added); its typings name only its own classes, hence the cast where it is registered.
 */
class TelemetryHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => Record<string, HistogramSnapshot> | undefined,
  ) {}

  /** The metric as prom-client's registry reads it. */
  get(): { name: string; help: string; type: string; aggregator: string; values: SampleValue[] } {
    const values: SampleValue[] = [];
    for (const [node, h] of Object.entries(this.read() ?? {})) {
      let cumulative = 0;
      for (let i = 0; i < h.bounds.length; i++) {
        cumulative += h.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { node, le: String(h.bounds[i]) }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { node, le: '+Inf' }, value: h.count });
      values.push({ metricName: `${this.name}_sum`, labels: { node }, value: h.sum });
      values.push({ metricName: `${this.name}_count`, labels: { node }, value: h.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Registers the metric in `registry`. */
  register(registry: Registry): void {
    registry.registerMetric(this as unknown as Metric);
  }
}

/**
 * Builds the Prometheus registry of a run. Values are read from the engine's telemetry at scrape time, so the hot
 * path does no Prometheus work. Every series carries `flow` (the flow's name); per-node series carry `node`:
 * - counters: `tributary_node_records_in_total{node}`, `tributary_node_records_out_total{node,port}`,
 *   `tributary_node_errors_total{node}`, `tributary_node_dropped_total{node}`;
 * - histograms in seconds: `tributary_node_batch_duration_seconds{node}` (a batch's time in a transform; in a sink,
 *   until acknowledged, retries included), `tributary_sink_ack_duration_seconds{node}` (a sink write until
 *   acknowledged), `tributary_end_to_end_latency_seconds{node}` (record timestamp to acknowledgement by sink `node`),
 *   `tributary_source_record_age_seconds{node}` (record timestamp to the moment source `node` read it);
 * - gauges: `tributary_kafka_consumer_lag{node,topic,partition}` (records), `tributary_kafka_committed_offset{...}`,
 *   `tributary_kafka_partition_paused{...}` (0/1), `tributary_in_flight_records`, `tributary_up`,
 *   `tributary_build_info{version}` (1);
 * - Node's standard process metrics under their standard names (`process_cpu_seconds_total`,
 *   `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`, ...).
 */
export function createMetricsRegistry(engine: Engine): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ flow: engine.flowName });
  collectDefaultMetrics({ register: registry });
  const seenIn: Seen = new Map();
  const seenOut: Seen = new Map();
  const seenErrors: Seen = new Map();
  const seenDropped: Seen = new Map();
  /** The histograms of the scrape under way, read once by the collect hook below. */
  let histograms: DurationHistograms | undefined;
  // One collect hook refreshes every metric from a single telemetry frame. It is registered first because prom-client
  // serializes metrics in registration order, calling each one's collect just before writing it.
  new Gauge({
    name: 'tributary_up',
    help: '1 while the run is up.',
    registers: [registry],
    collect() {
      this.set(1);
      histograms = engine.telemetry?.histograms();
      const frame = engine.frame();
      if (frame === undefined) return;
      inFlight.set(frame.inFlight);
      for (const [node, t] of Object.entries(frame.nodes)) {
        addDelta(recordsIn, seenIn, { node }, t.in);
        for (const [port, n] of Object.entries(t.out)) addDelta(recordsOut, seenOut, { node, port }, n);
        addDelta(errors, seenErrors, { node }, t.errors);
        addDelta(dropped, seenDropped, { node }, t.dropped);
      }
      lag.reset();
      committed.reset();
      paused.reset();
      for (const [node, partitions] of Object.entries(frame.partitions)) {
        for (const p of partitions) {
          const labels = { node, topic: p.topic, partition: String(p.partition) };
          lag.set(labels, p.lag);
          committed.set(labels, p.committed);
          paused.set(labels, p.paused ? 1 : 0);
        }
      }
    },
  });
  new Gauge({
    name: 'tributary_build_info',
    help: 'Always 1; the version label is the running Tributary version.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: packageVersion() }, 1);
  const recordsIn = new Counter({ name: 'tributary_node_records_in_total', help: 'Records received by a node.', labelNames: ['node'], registers: [registry] });
  const recordsOut = new Counter({
    name: 'tributary_node_records_out_total',
    help: 'Records emitted by a node, by output port.',
    labelNames: ['node', 'port'],
    registers: [registry],
  });
  const errors = new Counter({ name: 'tributary_node_errors_total', help: 'Records that failed in a node.', labelNames: ['node'], registers: [registry] });
  const dropped = new Counter({
    name: 'tributary_node_dropped_total',
    help: 'Failed records dropped (error port not wired, onError: drop).',
    labelNames: ['node'],
    registers: [registry],
  });
  new TelemetryHistogram(
    'tributary_node_batch_duration_seconds',
    'Time to process one batch in a node (sinks: until acknowledged, retries included), seconds.',
    () => histograms?.batchDuration,
  ).register(registry);
  new TelemetryHistogram(
    'tributary_sink_ack_duration_seconds',
    'Sink write until acknowledged by the target, seconds.',
    () => histograms?.sinkAck,
  ).register(registry);
  new TelemetryHistogram(
    'tributary_end_to_end_latency_seconds',
    'From record timestamp to acknowledgement by the sink (node), seconds.',
    () => histograms?.endToEnd,
  ).register(registry);
  new TelemetryHistogram(
    'tributary_source_record_age_seconds',
    'From record timestamp to the moment the source (node) read it, seconds.',
    () => histograms?.sourceAge,
  ).register(registry);
  const lag = new Gauge({
    name: 'tributary_kafka_consumer_lag',
    help: 'High watermark minus committed offset, records.',
    labelNames: ['node', 'topic', 'partition'],
    registers: [registry],
  });
  const committed = new Gauge({
    name: 'tributary_kafka_committed_offset',
    help: 'Next offset to commit of a partition.',
    labelNames: ['node', 'topic', 'partition'],
    registers: [registry],
  });
  const paused = new Gauge({
    name: 'tributary_kafka_partition_paused',
    help: '1 while a partition is paused by backpressure (a sink retrying or too many records in flight).',
    labelNames: ['node', 'topic', 'partition'],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'tributary_in_flight_records', help: 'Records read but not yet acknowledged.', registers: [registry] });

  return registry;
}

/** What the live paths serve besides the engine's own figures. */
export interface LiveOptions {
  /** The bearer token the live paths (and `/samples/<node>`) ask for; unset or empty: the live paths answer 401. */
  token?: string | undefined;
  /** The flow file the run was started with (`/live/flow`). */
  flow?: LiveFlow | undefined;
}

/** True when the request carries `Authorization: Bearer <token>` (compared in constant time). */
function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined || token === '') return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (match === null) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The identity of this instance (`/live`): host, pid, group memberships and assigned partitions. */
export function instanceIdentity(engine: Engine, startedAt: number, frame: LiveSnapshot['frame']): InstanceIdentity {
  const partitions: InstanceIdentity['partitions'] = {};
  for (const [node, list] of Object.entries(frame?.partitions ?? {})) partitions[node] = list.map((p) => ({ topic: p.topic, partition: p.partition }));
  return { host: hostname(), pid: process.pid, flow: engine.flowName, version: packageVersion(), startedAt, members: engine.memberships(), partitions };
}

/**
 * Starts the HTTP endpoint (see the module doc).
 * @param port TCP port (0 picks a free one)
 * @param host bind address ({@link DEFAULT_METRICS_HOST} by default; `0.0.0.0` or `::` for every interface)
 * @param live the token of the live paths and the flow they serve (none: the live paths answer 401)
 * @returns the listening server
 * @throws when the port cannot be bound (EADDRINUSE, EADDRNOTAVAIL for a host that is not local, ...)
 */
export async function startMetricsServer(engine: Engine, port: number, host = DEFAULT_METRICS_HOST, live: LiveOptions = {}): Promise<Server> {
  const registry = createMetricsRegistry(engine);
  const startedAt = Date.now();
  const tokenSet = live.token !== undefined && live.token !== '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const json = (status: number, body: unknown): void => send(status, 'application/json', `${JSON.stringify(body)}\n`);
    if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
    if (url.pathname === '/metrics') {
      registry.metrics().then(
        (text) => send(200, registry.contentType, text),
        (error: Error) => send(500, 'text/plain', `${error.message}\n`),
      );
      return;
    }
    if (url.pathname === '/healthz') {
      const liveness = engine.liveness();
      return json(liveness.live ? 200 : 503, liveness);
    }
    if (url.pathname === '/readyz') {
      const readiness = engine.readiness();
      return json(readiness.ready ? 200 : 503, readiness);
    }
    const isLive = url.pathname === LIVE_PATH || url.pathname.startsWith(`${LIVE_PATH}/`);
    if ((isLive || (tokenSet && url.pathname.startsWith('/samples/'))) && !authorized(req, live.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="tributary"');
      const why = tokenSet ? 'give Authorization: Bearer <token> (TRIBUTARY_METRICS_TOKEN of the run)' : 'the live view is off: start the run with TRIBUTARY_METRICS_TOKEN set';
      return json(401, { error: why });
    }
    if (url.pathname === LIVE_PATH) {
      const frame = engine.frame() ?? null;
      return json(200, { identity: instanceIdentity(engine, startedAt, frame), frame } satisfies LiveSnapshot);
    }
    if (url.pathname === LIVE_FLOW_PATH) {
      if (live.flow === undefined) return json(404, { error: 'this run does not serve its flow' });
      return json(200, live.flow);
    }
    const samplesPrefix = url.pathname.startsWith(LIVE_SAMPLES_PATH) ? LIVE_SAMPLES_PATH : url.pathname.startsWith('/samples/') ? '/samples/' : undefined;
    if (samplesPrefix !== undefined) {
      let nodeId: string;
      try {
        nodeId = decodeURIComponent(url.pathname.slice(samplesPrefix.length));
      } catch {
        return json(400, { error: 'the node id in the path is not valid URI encoding' });
      }
      const samples = engine.samples(nodeId);
      if (samples === undefined) return json(404, { error: `no samples for node ${nodeId}` });
      return json(200, samples);
    }
    return send(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  return server;
}

/**
 * The live options of a run started from a flow file: the token from `TRIBUTARY_METRICS_TOKEN` of `env`, and the
 * file's text as read (`${VAR}` references kept, so no substituted secret leaves the instance).
 */
export function liveOptionsFor(loaded: { file: string; text: string; flow: { name: string } }, env: NodeJS.ProcessEnv = process.env): LiveOptions {
  return { token: env[METRICS_TOKEN_ENV], flow: { name: loaded.flow.name, file: resolve(loaded.file), text: loaded.text } };
}

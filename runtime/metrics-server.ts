/**
 * The runtime's HTTP endpoint (`tributary run --metrics-port N`): Prometheus text at `/metrics` (prom-client),
 * `/healthz` (200 while the process runs), `/readyz` (200 once every source joined its consumer group, else 503) and
 * `/samples/<nodeId>` (the last records in and out of a node, JSON). Binds 127.0.0.1 unless a host is given.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from './engine/engine';

/** Counter values already exported, so that collect() can add only the increase. */
type Seen = Map<string, number>;

function addDelta(counter: Counter<string>, seen: Seen, labels: Record<string, string>, total: number): void {
  const key = JSON.stringify(labels);
  const previous = seen.get(key) ?? 0;
  if (total > previous) counter.inc(labels, total - previous);
  seen.set(key, total);
}

/**
 * Builds the Prometheus registry of a run. Values are read from the engine's telemetry at scrape time, so the hot
 * path does no Prometheus work. Metric names: `tributary_node_records_in_total{node}`,
 * `tributary_node_records_out_total{node,port}`, `tributary_node_errors_total{node}`,
 * `tributary_node_dropped_total{node}`, `tributary_node_batch_latency_ms{node,quantile}`,
 * `tributary_kafka_consumer_lag{node,topic,partition}`, `tributary_kafka_committed_offset{...}`,
 * `tributary_kafka_partition_paused{...}`,
 * `tributary_sink_ack_latency_ms{node,quantile}`, `tributary_end_to_end_latency_ms{quantile}`, plus Node's defaults.
 */
export function createMetricsRegistry(engine: Engine): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tributary_process_' });
  const seenIn: Seen = new Map();
  const seenOut: Seen = new Map();
  const seenErrors: Seen = new Map();
  const seenDropped: Seen = new Map();
  // One collect hook refreshes every metric from a single telemetry frame. It is registered first because prom-client
  // serializes metrics in registration order, calling each one's collect just before writing it.
  new Gauge({
    name: 'tributary_up',
    help: '1 while the run is up.',
    registers: [registry],
    collect() {
      this.set(1);
      const frame = engine.frame();
      if (frame === undefined) return;
      inFlight.set(frame.inFlight);
      for (const [node, t] of Object.entries(frame.nodes)) {
        addDelta(recordsIn, seenIn, { node }, t.in);
        for (const [port, n] of Object.entries(t.out)) addDelta(recordsOut, seenOut, { node, port }, n);
        addDelta(errors, seenErrors, { node }, t.errors);
        addDelta(dropped, seenDropped, { node }, t.dropped);
        if (t.batchLatency.p50 !== null) batchLatency.set({ node, quantile: '0.5' }, t.batchLatency.p50);
        if (t.batchLatency.p99 !== null) batchLatency.set({ node, quantile: '0.99' }, t.batchLatency.p99);
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
      for (const [node, q] of Object.entries(frame.sinkAck)) {
        if (q.p50 !== null) sinkAck.set({ node, quantile: '0.5' }, q.p50);
        if (q.p99 !== null) sinkAck.set({ node, quantile: '0.99' }, q.p99);
      }
      if (frame.endToEnd.p50 !== null) endToEnd.set({ quantile: '0.5' }, frame.endToEnd.p50);
      if (frame.endToEnd.p99 !== null) endToEnd.set({ quantile: '0.99' }, frame.endToEnd.p99);
    },
  });
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
  const batchLatency = new Gauge({
    name: 'tributary_node_batch_latency_ms',
    help: 'Time to process one batch in a node (sinks: until acknowledged), ms, over the last 10-20 s.',
    labelNames: ['node', 'quantile'],
    registers: [registry],
  });
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
  const sinkAck = new Gauge({
    name: 'tributary_sink_ack_latency_ms',
    help: 'Sink write acknowledgement latency, ms.',
    labelNames: ['node', 'quantile'],
    registers: [registry],
  });
  const endToEnd = new Gauge({
    name: 'tributary_end_to_end_latency_ms',
    help: 'From record timestamp to sink acknowledgement, ms.',
    labelNames: ['quantile'],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'tributary_in_flight_records', help: 'Records read but not yet acknowledged.', registers: [registry] });

  return registry;
}

/**
 * Starts the HTTP endpoint.
 * @param port TCP port (0 picks a free one)
 * @param host bind address (default 127.0.0.1)
 * @returns the listening server
 * @throws when the port cannot be bound (EADDRINUSE...)
 */
export async function startMetricsServer(engine: Engine, port: number, host = '127.0.0.1'): Promise<Server> {
  const registry = createMetricsRegistry(engine);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
    if (url.pathname === '/metrics') {
      registry.metrics().then(
        (text) => send(200, registry.contentType, text),
        (error: Error) => send(500, 'text/plain', `${error.message}\n`),
      );
      return;
    }
    if (url.pathname === '/healthz') return send(200, 'text/plain', 'ok\n');
    if (url.pathname === '/readyz') return engine.ready ? send(200, 'text/plain', 'ready\n') : send(503, 'text/plain', 'not ready\n');
    if (url.pathname.startsWith('/samples/')) {
      const nodeId = decodeURIComponent(url.pathname.slice('/samples/'.length));
      const samples = engine.samples(nodeId);
      if (samples === undefined) return send(404, 'application/json', JSON.stringify({ error: `no samples for node ${nodeId}` }));
      return send(200, 'application/json', JSON.stringify(samples));
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

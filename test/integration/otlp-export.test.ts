// `tributary run --otlp-endpoint` against a tiny OTLP/HTTP receiver of the test's own, with the real Kafka: flow A
// (generator -> map -> sink.kafka, every record traced) writes W3C traceparent headers naming its sink span; flow B
// (source.kafka -> sink.file, nothing sampled of its own) continues those traces. The spans both runs export arrive
// as OTLP JSON with one span per hop, each parented by the previous hop, across the two flows.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllCli, runCli, startCli, tempDir, waitFor, writeFlow } from '../support/runtime';
import { createTopic, kafkaBrokers, readTopic, uniqueName } from '../support/services';

/** A span as OTLP JSON carries it (the fields the test reads). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string; boolValue?: boolean } }[];
}

const RECORDS = 3;
const topic = uniqueName('otlp-export');
const received: { headers: IncomingHttpHeaders; spans: OtlpSpan[]; service: string }[] = [];
let server: Server;
let endpoint: string;

/** Every span received so far, with the service name of the run that sent it. */
function spans(): (OtlpSpan & { service: string })[] {
  return received.flatMap((r) => r.spans.map((s) => ({ ...s, service: r.service })));
}

function attribute(span: OtlpSpan, key: string): string | boolean | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.boolValue;
}

describe('tributary run --otlp-endpoint (OTLP/HTTP receiver of the test, real Kafka)', () => {
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') {
          const payload = JSON.parse(body) as {
            resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
          };
          for (const rs of payload.resourceSpans) {
            const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
            received.push({ headers: req.headers, service, spans: rs.scopeSpans.flatMap((s) => s.spans) });
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await createTopic(topic, 1);
  });

  afterAll(async () => {
    killAllCli();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('exports one span per hop, parented by the previous hop, and continues the trace through a traceparent header', async () => {
    const dir = tempDir('tributary-otlp-');
    const producer = writeFlow(dir, 'a.flow.yaml', {
      version: 1,
      name: 'otlp-a',
      settings: { traceSampleRate: 1 },
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: RECORDS, ratePerSecond: 0, value: '({ id: i })' } },
        { id: 'double', type: 'transform.map', config: { expression: '({ id: value.id, twice: value.id * 2 })' } },
        { id: 'out', type: 'sink.kafka', config: { brokers: kafkaBrokers, topic } },
      ],
      edges: [
        { from: 'gen', to: 'double' },
        { from: 'double', to: 'out' },
      ],
    });
    const a = await runCli(['run', producer, '--otlp-endpoint', endpoint]);
    expect(a.code, a.stderr).toBe(0);

    // The records carry a traceparent naming the sink's span.
    const messages = await readTopic(topic, RECORDS);
    const parents = messages.map((m) => m.headers?.traceparent?.toString() ?? '');
    for (const header of parents) expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    await waitFor('the spans of flow A', () => spans().filter((s) => s.service === 'tributary otlp-a').length === 3 * RECORDS, 15_000);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    const fromA = spans().filter((s) => s.service === 'tributary otlp-a');
    for (const header of parents) {
      const [, traceId, sinkSpanId] = header.split('-') as [string, string, string];
      const trace = fromA.filter((s) => s.traceId === traceId);
      const gen = trace.find((s) => s.name === 'source gen')!;
      const double = trace.find((s) => s.name === 'transform double')!;
      const sink = trace.find((s) => s.name === 'sink out')!;
      expect(gen.parentSpanId ?? '').toBe('');
      expect(double.parentSpanId).toBe(gen.spanId);
      expect(sink.parentSpanId).toBe(double.spanId);
      expect(sink.spanId).toBe(sinkSpanId);
      expect(attribute(sink, 'tributary.node.type')).toBe('sink.kafka');
      expect(attribute(sink, 'tributary.edge')).toBe('double:out->out:in');
      expect(attribute(sink, 'tributary.acknowledged')).toBe(true);
      expect(BigInt(sink.endTimeUnixNano)).toBeGreaterThan(BigInt(sink.startTimeUnixNano));
      expect(BigInt(double.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(gen.startTimeUnixNano));
    }

    // Flow B samples nothing of its own: it traces exactly the records that arrive with a sampled traceparent.
    const file = join(dir, 'b.jsonl');
    const consumer = writeFlow(dir, 'b.flow.yaml', {
      version: 1,
      name: 'otlp-b',
      settings: { traceSampleRate: 0 },
      nodes: [
        { id: 'in', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId: uniqueName('otlp-b'), startFrom: 'earliest', format: 'json' } },
        { id: 'file', type: 'sink.file', config: { path: file } },
      ],
      edges: [{ from: 'in', to: 'file' }],
    });
    // traceSampleRate 0 switches tracing off, continuation included: B's run must say so and export nothing.
    const offRun = startCli(['run', consumer, '--otlp-endpoint', endpoint]);
    await waitFor('flow B (tracing off) wrote every record', () => existsSync(file) && readFileSync(file, 'utf8').split('\n').filter(Boolean).length === RECORDS, 60_000);
    offRun.child.kill('SIGTERM');
    expect(await offRun.exited).toBe(0);
    expect(offRun.output.stderr).toContain('settings.traceSampleRate is 0');
    expect(spans().filter((s) => s.service === 'tributary otlp-b')).toHaveLength(0);

    const continuing = writeFlow(dir, 'c.flow.yaml', {
      version: 1,
      name: 'otlp-c',
      settings: { traceSampleRate: 0.000001 },
      nodes: [
        { id: 'in', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId: uniqueName('otlp-c'), startFrom: 'earliest', format: 'json' } },
        { id: 'file', type: 'sink.file', config: { path: join(dir, 'c.jsonl') } },
      ],
      edges: [{ from: 'in', to: 'file' }],
    });
    const c = startCli(['run', continuing, '--otlp-endpoint', `${endpoint}/v1/traces`]);
    await waitFor('the spans of flow C', () => spans().filter((s) => s.service === 'tributary otlp-c').length === 2 * RECORDS, 60_000);
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    const fromC = spans().filter((s) => s.service === 'tributary otlp-c');
    for (const header of parents) {
      const [, traceId, sinkSpanId] = header.split('-') as [string, string, string];
      const source = fromC.find((s) => s.traceId === traceId && s.name === 'source in')!;
      const sink = fromC.find((s) => s.traceId === traceId && s.name === 'sink file')!;
      expect(source.parentSpanId).toBe(sinkSpanId);
      expect(sink.parentSpanId).toBe(source.spanId);
    }
  }, 180_000);

  it('refuses an endpoint that is not an http(s) URL with one line and exit 2', async () => {
    const dir = tempDir('tributary-otlp-');
    const flow = writeFlow(dir, 'x.flow.yaml', {
      version: 1,
      name: 'otlp-x',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 1 } },
        { id: 'out', type: 'sink.console', config: {} },
      ],
      edges: [{ from: 'gen', to: 'out' }],
    });
    const run = await runCli(['run', flow, '--otlp-endpoint', 'ftp://collector:4318']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toBe('tributary: --otlp-endpoint ftp://collector:4318: expected an http:// or https:// URL (OTLP/HTTP)');
  });
});

// sink.http against a real HTTP server on 127.0.0.1 (node:http, port 0): bodies, headers, splitting, 4xx rejections,
// retriable 5xx/429/network errors/timeouts, resumption of a retried batch, and the compiler.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema } from '../../runtime/common/flow';
import type { FlowRecord, SinkRuntime } from '../../runtime/engine/types';
import { testNodeContext } from '../../test/support/node-context';
import { specRegistry } from '../specs';
import { httpSinkRuntime } from './http.runtime';
import { httpSinkSpec } from './http.spec';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

let server: Server;
let base: string;
let received: Received[];
/** Answers the n-th request (0-based, counted since the test started). */
let respond: (request: Received, n: number, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
      received.push(request);
      respond(request, received.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  respond = (_request, _n, res) => res.writeHead(204).end();
});

async function sink(config: Record<string, unknown>): Promise<SinkRuntime> {
  if (httpSinkRuntime.kind !== 'sink') throw new Error('sink.http is not a sink runtime');
  return httpSinkRuntime.create(httpSinkSpec.config.parse({ url: `${base}/events`, ...config }), testNodeContext('http1', httpSinkSpec));
}

function records(count: number, from = 0): FlowRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `k${from + i}`,
    value: { n: from + i },
    headers: { h: 'v' },
    timestamp: 1_700_000_000_000 + i,
    meta: { source: 'src' },
  }));
}

describe('sink.http', () => {
  it('POSTs a JSON array of values with the configured headers and application/json', async () => {
    const s = await sink({ headers: { Authorization: 'Bearer s3cret', 'X-Flow': 'orders' } });
    expect(await s.write(records(3))).toEqual([]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/events', body: [{ n: 0 }, { n: 1 }, { n: 2 }] });
    expect(received[0]!.headers).toMatchObject({ authorization: 'Bearer s3cret', 'x-flow': 'orders', 'content-type': 'application/json' });
  });

  it('with envelope, sends { key, value, headers, timestamp }; PUT and a custom Content-Type are honoured', async () => {
    const s = await sink({ envelope: true, method: 'PUT', headers: { 'content-type': 'application/vnd.events+json' } });
    await s.write(records(1));
    expect(received[0]!.method).toBe('PUT');
    expect(received[0]!.headers['content-type']).toBe('application/vnd.events+json');
    expect(received[0]!.body).toEqual([{ key: 'k0', value: { n: 0 }, headers: { h: 'v' }, timestamp: 1_700_000_000_000 }]);
  });

  it('splits a batch into requests of at most maxBatchRecords, in order', async () => {
    const s = await sink({ maxBatchRecords: 2 });
    await s.write(records(5));
    expect(received.map((r) => r.body)).toEqual([[{ n: 0 }, { n: 1 }], [{ n: 2 }, { n: 3 }], [{ n: 4 }]]);
  });

  it('rejects every record of a request answered 4xx, with the status and the start of the body; other requests go on', async () => {
    respond = (_request, n, res) => {
      if (n === 1) res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'n must be even', detail: 'x'.repeat(500) }));
      else res.writeHead(200).end('ok');
    };
    const s = await sink({ maxBatchRecords: 2 });
    const rejections = await s.write(records(5));
    expect(received).toHaveLength(3);
    expect(rejections!.map((r) => [r.index, r.code])).toEqual([
      [2, 'E_SINK'],
      [3, 'E_SINK'],
    ]);
    const message = rejections![0]!.message;
    expect(message.startsWith(`POST ${base}/events answered HTTP 422 Unprocessable Entity: {"error":"n must be even","detail":"xxx`)).toBe(true);
    expect(message.endsWith('...')).toBe(true);
    expect(message.length).toBeLessThan(300);
  });

  it('does not follow redirects: the records of that request are rejected with the location', async () => {
    respond = (_request, _n, res) => res.writeHead(302, { location: '/elsewhere' }).end();
    const s = await sink({});
    const rejections = await s.write(records(2));
    expect(received).toHaveLength(1);
    expect(rejections!.map((r) => r.message)).toEqual([
      `POST ${base}/events answered HTTP 302 Found: redirect to /elsewhere not followed; set url to the final address`,
      `POST ${base}/events answered HTTP 302 Found: redirect to /elsewhere not followed; set url to the final address`,
    ]);
  });

  it('throws a retriable E_SINK on 5xx and 429, naming the status and the body', async () => {
    respond = (_request, n, res) => res.writeHead(n === 0 ? 503 : 429).end(n === 0 ? 'maintenance' : '');
    const s = await sink({});
    await expect(s.write(records(1))).rejects.toMatchObject({
      code: 'E_SINK',
      retriable: true,
      nodeId: 'http1',
      message: `POST ${base}/events (1 records) answered HTTP 503 Service Unavailable: maintenance; retrying`,
    });
    await expect(s.write(records(1))).rejects.toMatchObject({ retriable: true, message: expect.stringContaining('HTTP 429 Too Many Requests') });
  });

  it('on a retry of the same batch, sends only the requests that had not succeeded', async () => {
    respond = (_request, n, res) => res.writeHead(n === 1 ? 500 : 200).end();
    const s = await sink({ maxBatchRecords: 2 });
    const batch = records(6);
    await expect(s.write(batch)).rejects.toMatchObject({ retriable: true });
    expect(await s.write(batch)).toEqual([]); // the engine retries with the same array
    expect(received.map((r) => (r.body as { n: number }[]).map((v) => v.n))).toEqual([[0, 1], [2, 3], [2, 3], [4, 5]]);
    // A new batch (another array) starts from its first request.
    await s.write(records(2, 10));
    expect(received.at(-1)!.body).toEqual([{ n: 10 }, { n: 11 }]);
  });

  it('throws a retriable E_TIMEOUT when the server does not answer within timeoutMs', async () => {
    respond = (_request, _n, res) => setTimeout(() => res.writeHead(200).end(), 1500).unref();
    const s = await sink({ timeoutMs: 150 });
    const started = performance.now();
    await expect(s.write(records(1))).rejects.toMatchObject({
      code: 'E_TIMEOUT',
      retriable: true,
      message: `POST ${base}/events (1 records) timed out after 150 ms; retrying`,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('throws a retriable E_SINK when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const s = await sink({ url: `http://127.0.0.1:${port}/x?token=secret` });
    const error = await s.write(records(1)).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'E_SINK', retriable: true });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain('secret');
  });

  it('rejects records that cannot be encoded and sends the others', async () => {
    const s = await sink({});
    const batch = records(3);
    batch[1]!.value = 10n;
    const rejections = await s.write(batch);
    expect(rejections!.map((r) => r.index)).toEqual([1]);
    expect(received[0]!.body).toEqual([{ n: 0 }, { n: 2 }]);
  });

  it('config: defaults, header checks, URL checks at parse and at create', async () => {
    expect(httpSinkSpec.config.parse({ url: 'https://x.example/a' })).toEqual({
      url: 'https://x.example/a',
      method: 'POST',
      headers: {},
      timeoutMs: 10_000,
      maxBatchRecords: 500,
      envelope: false,
    });
    const paths = (config: unknown) => httpSinkSpec.config.safeParse(config).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ url: 'ftp://x' })).toEqual(['url']);
    expect(paths({ url: 'http://x', headers: { 'bad name': 'v' } })).toEqual(['headers.bad name']);
    expect(paths({ url: 'http://x', headers: { ok: 'a\r\nInjected: 1' } })).toEqual(['headers.ok']);
    expect(paths({ url: '${EVENTS_URL}' })).toBeUndefined();
    await expect(sink({ url: 'http://user:pw@127.0.0.1/x' })).rejects.toMatchObject({ code: 'E_CONFIG', nodeId: 'http1' });
  });

  it('compiles in a flow with its error port wired', () => {
    const flow = FlowSchema.parse({
      version: 1,
      name: 'http-test',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 1 } },
        { id: 'h', type: 'sink.http', config: { url: 'http://127.0.0.1:8080/events', maxBatchRecords: 10 } },
        { id: 'errors', type: 'sink.console' },
      ],
      edges: [
        { from: 'gen', to: 'h' },
        { from: 'h:error', to: 'errors' },
      ],
    });
    const ok = compileFlow(flow, specRegistry);
    expect(ok.ok && ok.plan.byId.get('h')!.config).toMatchObject({ maxBatchRecords: 10, method: 'POST', timeoutMs: 10_000 });
    const bad = compileFlow({ ...flow, nodes: flow.nodes.map((n) => (n.id === 'h' ? { ...n, config: { url: 'http://x', timeoutMs: 5 } } : n)) }, specRegistry);
    expect(bad.ok ? [] : bad.problems.map((p) => [p.code, p.path])).toEqual([['E_CONFIG', 'config.timeoutMs']]);
  });
});

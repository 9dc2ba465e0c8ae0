// `tributary studio` (browser mode) as the renderer uses it: the real CLI process, a real WebSocket, real runtime
// child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Problem } from '../../runtime/common/errors';
import type { PreviewResult, RunState } from '../../runtime/common/studio-api';
import type { RpcEvent, RpcMethod, RpcResponse } from '../../runtime/common/studio-protocol';
import type { TelemetryFrame } from '../../runtime/common/telemetry';

const CLI = resolve(import.meta.dirname, '../../bin/tributary.js');

/** A WebSocket client speaking the studio protocol. */
class Client {
  readonly events: RpcEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as RpcResponse | RpcEvent;
      if ('event' in message) {
        this.events.push(message);
        for (const waiter of this.waiters) waiter();
      } else {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        if ('error' in message) call?.reject(new Error(message.error.message));
        else call?.resolve(message.result);
      }
    });
  }

  call<T>(method: RpcMethod, ...params: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolvePromise, reject) => {
      this.pending.set(id, { resolve: resolvePromise as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Resolves with the first event (from `from` on) that matches, or rejects after `timeoutMs`. */
  waitFor<E extends RpcEvent>(match: (e: RpcEvent) => e is E, from = 0, timeoutMs = 20_000): Promise<E> {
    return new Promise((resolvePromise, reject) => {
      const check = (): void => {
        const found = this.events.slice(from).find(match);
        if (found !== undefined) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolvePromise(found);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching event within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

type StateEvent = { event: 'runState'; data: RunState };
const stateIs =
  (status: RunState['status']) =>
  (e: RpcEvent): e is StateEvent =>
    e.event === 'runState' && (e.data as RunState).status === status;

describe('tributary studio (browser mode)', () => {
  let server: ChildProcess;
  let url: URL;
  let origin: string;
  let client: Client;
  const dir = mkdtempSync(join(tmpdir(), 'tributary-studio-test-'));

  const connect = (path: string, headers: Record<string, string> = {}): Promise<{ ws?: WebSocket; status?: number }> =>
    new Promise((done) => {
      const ws = new WebSocket(`ws://${url.host}${path}`, { headers });
      ws.on('open', () => done({ ws }));
      ws.on('unexpected-response', (_req, res) => done({ status: res.statusCode ?? 0 }));
      ws.on('error', () => done({ status: -1 }));
    });

  beforeAll(async () => {
    const staticDir = join(dir, 'static');
    (await import('node:fs')).mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
    server = spawn(process.execPath, [CLI, 'studio', '--port', '0', '--no-open', '--static', staticDir], {
      env: { ...process.env, TRIBUTARY_STATE_DIR: join(dir, 'state'), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    server.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const line = await new Promise<string>((done, fail) => {
      server.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /^Studio: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)\n/m.exec(stdout);
        if (m !== null) done(m[1]!);
      });
      server.on('exit', (code) => fail(new Error(`studio exited with ${code}: ${stderr}`)));
    });
    url = new URL(line);
    origin = `http://${url.host}`;
    const { ws } = await connect(`/api?token=${url.searchParams.get('token')}`, { Origin: origin });
    expect(ws).toBeDefined();
    client = new Client(ws!);
  });

  afterAll(async () => {
    client?.ws.close();
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('serves the page with a CSP and refuses other methods and traversal', async () => {
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${origin}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
  });

  it('refuses a WebSocket with a wrong token or a foreign Origin (403)', async () => {
    expect((await connect('/api?token=wrong', { Origin: origin })).status).toBe(403);
    expect((await connect('/api', { Origin: origin })).status).toBe(403);
    expect((await connect(`/api?token=${url.searchParams.get('token')}`, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await connect(`/api?token=${url.searchParams.get('token')}`)).status).toBe(403);
  });

  it('validates a broken flow with the problems of tributary validate', async () => {
    const problems = await client.call<Problem[]>(
      'validate',
      ['version: 1', 'name: broken', 'nodes:', '  - id: gen', '    type: source.generator', '    config: { ratePerSecond: -5 }', '  - id: weird', '    type: transform.frobnicate', 'edges:', '  - { from: gen, to: weird }', ''].join('\n'),
    );
    expect(problems.some((p) => p.nodeId === 'gen' && p.path === 'config.ratePerSecond' && p.line === 6)).toBe(true);
    expect(problems.some((p) => p.nodeId === 'weird' && /transform\.frobnicate/.test(p.message))).toBe(true);
    await expect(client.call('openFlow')).rejects.toThrow(/give the path/);
  });

  const flow = [
    'version: 1',
    'name: studio-test',
    'nodes:',
    '  - id: gen',
    '    type: source.generator',
    '    config: { count: 0, ratePerSecond: 50, value: "({ i })" }',
    '  - id: out',
    '    type: sink.console',
    'edges:',
    '  - { from: gen, to: out }',
    '',
  ].join('\n');

  it('runs a flow: running, telemetry with growing counts, samples; stop exits cleanly', async () => {
    const from = client.events.length;
    await client.call('run', flow, null);
    await expect(client.call('run', flow, null)).rejects.toThrow(/already running/);
    const running = await client.waitFor(stateIs('running'), from);
    expect(running.data).toMatchObject({ status: 'running', mode: 'run' });
    await client.call('subscribeSamples', 'out');
    const isFrame = (e: RpcEvent): e is { event: 'telemetry'; data: TelemetryFrame } => e.event === 'telemetry';
    const first = await client.waitFor(isFrame, from);
    const later = await client.waitFor(
      (e): e is { event: 'telemetry'; data: TelemetryFrame } => isFrame(e) && e.data.nodes.out!.in > first.data.nodes.out!.in + 5,
      from,
    );
    expect(later.data.nodes.gen!.in).toBeGreaterThan(first.data.nodes.gen!.in);
    const samples = await client.waitFor((e): e is Extract<RpcEvent, { event: 'samples' }> => e.event === 'samples' && e.nodeId === 'out', from);
    expect((samples.data as { in: unknown[] }).in.length).toBeGreaterThan(0);
    await client.call('unsubscribeSamples', 'out');

    const beforeStop = client.events.length;
    await client.call('stop');
    await client.waitFor(stateIs('stopping'), beforeStop);
    const exited = await client.waitFor(stateIs('exited'), beforeStop);
    expect(exited.data).toMatchObject({ status: 'exited', code: 0, crashed: false });
    expect(await client.call<RunState>('runState')).toMatchObject({ status: 'exited', crashed: false });
  });

  it('reports a runtime killed from outside as crashed, and runs again afterwards', async () => {
    const from = client.events.length;
    await client.call('run', flow, null);
    const running = await client.waitFor(stateIs('running'), from);
    const pid = (running.data as Extract<RunState, { status: 'running' }>).pid;
    process.kill(pid, 'SIGKILL');
    const exited = await client.waitFor(stateIs('exited'), from);
    expect(exited.data).toMatchObject({ status: 'exited', crashed: true, signal: 'SIGKILL', code: null });
    expect((exited.data as Extract<RunState, { status: 'exited' }>).reason).toMatch(/SIGKILL/);
    expect((exited.data as Extract<RunState, { status: 'exited' }>).lastLogLines.join('\n')).toMatch(/starting flow/);

    const again = client.events.length;
    await client.call('run', flow, null);
    await client.waitFor(stateIs('running'), again);
    await client.call('stop');
    const second = await client.waitFor(stateIs('exited'), again);
    expect(second.data).toMatchObject({ crashed: false });
  });

  it('previews a flow with samples for every node', async () => {
    const demo = await client.call<{ text: string }>('demoFlow');
    const result = await client.call<PreviewResult>('preview', demo.text, 5);
    expect(result.error).toBeUndefined();
    expect(result.nodes.map((n) => n.id)).toEqual(['orders', 'price', 'large', 'print']);
    expect(result.nodes[0]!.out).toHaveLength(5);
    expect(result.nodes[1]!.in).toHaveLength(5);
    expect(result.nodes[1]!.out).toHaveLength(5);
    for (const node of result.nodes.slice(1)) expect(node.in.length).toBeGreaterThan(0);
  });
});

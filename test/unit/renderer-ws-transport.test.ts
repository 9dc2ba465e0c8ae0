import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWsTransport, studioSocketUrl, type SocketLike } from '../../renderer/api/ws-transport';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  sent: { id: number; method: string; params: unknown[] }[] = [];
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as { id: number; method: string; params: unknown[] });
  }
  close(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

describe('WebSocket transport', () => {
  let sockets: FakeSocket[];
  const connect = (url: string): FakeSocket => {
    const socket = new FakeSocket(url);
    sockets.push(socket);
    return socket;
  };

  beforeEach(() => {
    sockets = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('builds the socket URL from the page token', () => {
    expect(studioSocketUrl({ protocol: 'http:', host: '127.0.0.1:4780', search: '?token=abc' })).toBe('ws://127.0.0.1:4780/api?token=abc');
  });

  it('sends calls with ids and resolves or rejects with the answer', async () => {
    const api = createWsTransport({ url: 'ws://x/api?token=t', connect });
    sockets[0]!.open();
    const recent = api.recentFiles();
    const save = api.saveFlow('text', '/a.flow.yaml');
    expect(sockets[0]!.sent.map((m) => [m.method, m.params])).toEqual([
      ['recentFiles', []],
      ['saveFlow', ['text', '/a.flow.yaml']],
    ]);
    sockets[0]!.receive({ id: sockets[0]!.sent[0]!.id, result: ['/a.flow.yaml'] });
    sockets[0]!.receive({ id: sockets[0]!.sent[1]!.id, error: { message: 'cannot write /a.flow.yaml: EACCES' } });
    await expect(recent).resolves.toEqual(['/a.flow.yaml']);
    await expect(save).rejects.toThrow('cannot write /a.flow.yaml: EACCES');
    api.close();
  });

  it('waits for the connection for calls made before it opens', async () => {
    const api = createWsTransport({ url: 'ws://x', connect });
    const state = api.runState();
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    expect(sockets[0]!.sent[0]?.method).toBe('runState');
    sockets[0]!.receive({ id: sockets[0]!.sent[0]!.id, result: { status: 'idle' } });
    await expect(state).resolves.toEqual({ status: 'idle' });
    api.close();
  });

  it('rejects pending calls when the connection drops, then reconnects with backoff and resubscribes samples', async () => {
    const changes: boolean[] = [];
    const api = createWsTransport({ url: 'ws://x', connect, initialDelayMs: 100, maxDelayMs: 400, onConnectionChange: (c) => changes.push(c) });
    sockets[0]!.open();
    const samples: unknown[] = [];
    api.onSamples('map', (s) => samples.push(s));
    expect(sockets[0]!.sent.at(-1)).toMatchObject({ method: 'subscribeSamples', params: ['map'] });
    const pending = api.validate('x');
    sockets[0]!.drop();
    await expect(pending).rejects.toThrow(/connection to the studio server was lost before "validate" answered/);
    expect(changes).toEqual([true, false]);
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    sockets[2]!.open();
    expect(sockets[2]!.sent.map((m) => m.method)).toEqual(['subscribeSamples']);
    sockets[2]!.receive({ event: 'samples', nodeId: 'map', data: { in: [], out: [] } });
    expect(samples).toEqual([{ in: [], out: [] }]);
    api.close();
  });

  it('delivers run state and telemetry events to listeners until unsubscribed', () => {
    const api = createWsTransport({ url: 'ws://x', connect });
    sockets[0]!.open();
    const states: unknown[] = [];
    const off = api.onRunState((s) => states.push(s));
    sockets[0]!.receive({ event: 'runState', data: { status: 'idle' } });
    off();
    sockets[0]!.receive({ event: 'runState', data: { status: 'stopping' } });
    expect(states).toEqual([{ status: 'idle' }]);
    api.close();
  });

  it('rejects calls that wait too long for a connection', async () => {
    const api = createWsTransport({ url: 'ws://x', connect, connectTimeoutMs: 1000 });
    const call = api.demoFlow();
    vi.advanceTimersByTime(1000);
    await expect(call).rejects.toThrow(/not connected to the studio server/);
    api.close();
  });
});

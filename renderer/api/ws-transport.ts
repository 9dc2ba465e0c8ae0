/**
 * {@link StudioApi} over the browser-mode WebSocket (`runtime/common/studio-protocol.ts`): JSON calls with ids, pushed
 * events, sample subscriptions. Reconnects with exponential backoff; calls pending when the connection drops are
 * rejected with a message saying so, and calls made while disconnected wait for the next connection (up to a limit).
 */
import type { FlowFile, StudioApi, Unsubscribe } from '../../runtime/common/studio-api';
import type { RpcEvent, RpcMethod, RpcRequest, RpcResponse } from '../../runtime/common/studio-protocol';
import type { NodeSamples, TelemetryFrame } from '../../runtime/common/telemetry';
import type { RunState } from '../../runtime/common/studio-api';

/** The subset of the browser `WebSocket` the transport uses (so tests can pass a fake). */
export interface SocketLike {
  readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Options of {@link createWsTransport}. */
export interface WsTransportOptions {
  /** `ws://127.0.0.1:<port>/api?token=<token>`. */
  url: string;
  /** Opens a socket; default `new WebSocket(url)`. */
  connect?: (url: string) => SocketLike;
  /** First reconnect delay (ms); doubles up to {@link WsTransportOptions.maxDelayMs}. Default 250. */
  initialDelayMs?: number;
  /** Longest reconnect delay (ms). Default 5000. */
  maxDelayMs?: number;
  /** How long a call made while disconnected waits for a connection before it is rejected (ms). Default 10000. */
  connectTimeoutMs?: number;
  /** Told when the connection goes up or down (for the status bar). */
  onConnectionChange?: (connected: boolean) => void;
}

/** A WebSocket StudioApi, plus `close()` to stop reconnecting. */
export interface WsTransport extends StudioApi {
  /** Closes the socket for good; pending calls are rejected. */
  close(): void;
  /** True while the socket is open. */
  readonly connected: boolean;
}

const OPEN = 1;

interface Pending {
  method: RpcMethod;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** The WebSocket URL of the studio server that served this page: `/api?token=` with the page's `?token=`. */
export function studioSocketUrl(location: { protocol: string; host: string; search: string }): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`;
}

/** Creates the WebSocket transport and starts connecting. */
export function createWsTransport(options: WsTransportOptions): WsTransport {
  const connect =
    options.connect ??
    ((url: string) => new (globalThis as unknown as { WebSocket: new (url: string) => SocketLike }).WebSocket(url));
  const initialDelay = options.initialDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 5000;
  const connectTimeout = options.connectTimeoutMs ?? 10_000;

  let socket: SocketLike | null = null;
  let closed = false;
  let delay = initialDelay;
  let nextId = 1;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Map<number, Pending>();
  /** Calls waiting for a connection. */
  let waiting: { send: () => void; fail: (error: Error) => void }[] = [];
  const runStateListeners = new Set<(state: RunState) => void>();
  const telemetryListeners = new Set<(frame: TelemetryFrame) => void>();
  const sampleListeners = new Map<string, Set<(samples: NodeSamples) => void>>();

  const isOpen = (): boolean => socket !== null && socket.readyState === OPEN;

  const rejectPending = (why: string): void => {
    for (const [id, call] of pending) {
      pending.delete(id);
      call.reject(new Error(`${why} before "${call.method}" answered; the call may or may not have taken effect`));
    }
  };

  const open = (): void => {
    if (closed) return;
    const ws = connect(options.url);
    socket = ws;
    ws.onopen = () => {
      delay = initialDelay;
      options.onConnectionChange?.(true);
      for (const nodeId of sampleListeners.keys()) send('subscribeSamples', [nodeId]).catch(() => undefined);
      const ready = waiting;
      waiting = [];
      for (const w of ready) w.send();
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: RpcResponse | RpcEvent;
      try {
        message = JSON.parse(event.data) as RpcResponse | RpcEvent;
      } catch {
        return;
      }
      if ('id' in message) {
        const call = pending.get(message.id);
        if (call === undefined) return;
        pending.delete(message.id);
        if ('error' in message) call.reject(new Error(message.error.message));
        else call.resolve(message.result);
      } else if (message.event === 'runState') {
        for (const l of runStateListeners) l(message.data as RunState);
      } else if (message.event === 'telemetry') {
        for (const l of telemetryListeners) l(message.data as TelemetryFrame);
      } else if (message.event === 'samples') {
        for (const l of sampleListeners.get(message.nodeId) ?? []) l(message.data as NodeSamples);
      }
    };
    ws.onerror = () => undefined; // onclose follows and handles it
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      options.onConnectionChange?.(false);
      rejectPending('the connection to the studio server was lost');
      if (closed) return;
      reconnectTimer = setTimeout(open, delay);
      delay = Math.min(delay * 2, maxDelay);
    };
  };

  const send = (method: RpcMethod, params: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new Error(`the studio connection is closed; "${method}" was not sent`));
        return;
      }
      const transmit = (): void => {
        const id = nextId++;
        pending.set(id, { method, resolve, reject });
        const request: RpcRequest = { id, method, params };
        try {
          (socket as SocketLike).send(JSON.stringify(request));
        } catch (error) {
          pending.delete(id);
          reject(new Error(`could not send "${method}" to the studio server: ${(error as Error).message}`));
        }
      };
      if (isOpen()) {
        transmit();
        return;
      }
      const entry = {
        send: () => {
          clearTimeout(timer);
          transmit();
        },
        fail: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        waiting = waiting.filter((w) => w !== entry);
        reject(new Error(`not connected to the studio server (is \`tributary studio\` still running?); "${method}" was not sent`));
      }, connectTimeout);
      waiting.push(entry);
    });

  const call = <T>(method: RpcMethod, ...params: unknown[]): Promise<T> => send(method, params) as Promise<T>;

  open();

  return {
    transport: 'browser',
    get connected() {
      return isOpen();
    },
    close() {
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      const ws = socket;
      socket = null;
      rejectPending('the studio connection was closed');
      for (const w of waiting) w.fail(new Error('the studio connection was closed'));
      waiting = [];
      ws?.close(1000, 'closed');
    },
    openFlow: (path) => call<FlowFile | null>('openFlow', ...(path === undefined ? [] : [path])),
    saveFlow: (text, path) => call<string | null>('saveFlow', text, ...(path === undefined ? [] : [path])),
    recentFiles: () => call('recentFiles'),
    writeAutosave: (text, path) => call('writeAutosave', text, path),
    readAutosave: () => call('readAutosave'),
    clearAutosave: () => call('clearAutosave'),
    demoFlow: () => call('demoFlow'),
    validate: (text) => call('validate', text),
    exportHeadless: (text, path) => call('exportHeadless', text, path),
    run: (text, path) => call('run', text, path),
    preview: (text, records) => call('preview', text, ...(records === undefined ? [] : [records])),
    stop: () => call('stop'),
    runState: () => call('runState'),
    onRunState(listener): Unsubscribe {
      runStateListeners.add(listener);
      return () => runStateListeners.delete(listener);
    },
    onTelemetry(listener): Unsubscribe {
      telemetryListeners.add(listener);
      return () => telemetryListeners.delete(listener);
    },
    onSamples(nodeId, listener): Unsubscribe {
      let listeners = sampleListeners.get(nodeId);
      if (listeners === undefined) {
        listeners = new Set();
        sampleListeners.set(nodeId, listeners);
        if (isOpen()) send('subscribeSamples', [nodeId]).catch(() => undefined);
      }
      listeners.add(listener);
      return () => {
        const set = sampleListeners.get(nodeId);
        if (set === undefined) return;
        set.delete(listener);
        if (set.size === 0) {
          sampleListeners.delete(nodeId);
          if (isOpen()) send('unsubscribeSamples', [nodeId]).catch(() => undefined);
        }
      };
    },
    testConnection: (kind, config) => call('testConnection', kind, config),
    listTopics: (config) => call('listTopics', config),
  };
}

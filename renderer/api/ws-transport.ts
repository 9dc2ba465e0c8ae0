/**
 * {@link StudioApi} over the browser-mode WebSocket (`runtime/common/studio-protocol.ts`), built from the declaration
 * {@link STUDIO_OPERATIONS}: one function per member, JSON calls with ids, pushed events, keyed subscriptions (one
 * `subscribe<Name>` per key however many listeners it has, renewed after a reconnect). Reconnects with exponential
 * backoff; calls pending when the connection drops are rejected with a message saying so, and calls made while
 * disconnected wait for the next connection (up to a limit).
 */
import { eventName, members, subscriptionMethods, type MemberDeclaration } from '../../runtime/common/api-declaration';
import { STUDIO_OPERATIONS, type StudioApi, type Unsubscribe } from '../../runtime/common/studio-api';
import type { RpcMethod, RpcRequest, RpcResponse } from '../../runtime/common/studio-protocol';

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
  method: string;
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
  /** Listeners of broadcast events, by wire event name. */
  const eventListeners = new Map<string, Set<(data: unknown) => void>>();
  /** Listeners of keyed events, by wire event name, then key. */
  const keyedListeners = new Map<string, { keyField: string; subscribe: string; byKey: Map<string, Set<(data: unknown) => void>> }>();

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
      for (const keyed of keyedListeners.values()) {
        for (const key of keyed.byKey.keys()) send(keyed.subscribe, [key]).catch(() => undefined);
      }
      const ready = waiting;
      waiting = [];
      for (const w of ready) w.send();
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: RpcResponse | ({ event: string; data: unknown } & Record<string, unknown>);
      try {
        message = JSON.parse(event.data) as typeof message;
      } catch {
        return;
      }
      if (message === null || typeof message !== 'object') return;
      if ('id' in message) {
        const response = message as RpcResponse;
        const call = pending.get(response.id);
        if (call === undefined) return;
        pending.delete(response.id);
        if ('error' in response) call.reject(new Error(response.error.message));
        else call.resolve(response.result);
        return;
      }
      const pushed = message as { event: string; data: unknown } & Record<string, unknown>;
      for (const l of eventListeners.get(pushed.event) ?? []) l(pushed.data);
      const keyed = keyedListeners.get(pushed.event);
      if (keyed !== undefined) for (const l of keyed.byKey.get(String(pushed[keyed.keyField])) ?? []) l(pushed.data);
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

  const send = (method: string, params: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new Error(`the studio connection is closed; "${method}" was not sent`));
        return;
      }
      const transmit = (): void => {
        const id = nextId++;
        pending.set(id, { method, resolve, reject });
        const request: RpcRequest = { id, method: method as RpcMethod, params };
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

  /** The client function of one declared member. */
  const member = (name: string, declared: MemberDeclaration): unknown => {
    switch (declared.kind) {
      case 'call':
        return (...params: unknown[]): Promise<unknown> => {
          // JSON has no undefined: trailing parameters the caller left out are not sent.
          let length = params.length;
          while (length > 0 && params[length - 1] === undefined) length--;
          return send(name, params.slice(0, length));
        };
      case 'event': {
        const listeners = new Set<(data: unknown) => void>();
        eventListeners.set(eventName(name), listeners);
        return (listener: (data: unknown) => void): Unsubscribe => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        };
      }
      case 'keyedEvent': {
        const { subscribe, unsubscribe } = subscriptionMethods(name);
        const byKey = new Map<string, Set<(data: unknown) => void>>();
        keyedListeners.set(eventName(name), { keyField: declared.keyField, subscribe, byKey });
        return (key: string, listener: (data: unknown) => void): Unsubscribe => {
          let listeners = byKey.get(key);
          if (listeners === undefined) {
            listeners = new Set();
            byKey.set(key, listeners);
            if (isOpen()) send(subscribe, [key]).catch(() => undefined);
          }
          listeners.add(listener);
          return () => {
            const set = byKey.get(key);
            if (set === undefined) return;
            set.delete(listener);
            if (set.size === 0) {
              byKey.delete(key);
              if (isOpen()) send(unsubscribe, [key]).catch(() => undefined);
            }
          };
        };
      }
      case 'notice':
        throw new Error(`"${name}": notices belong to the Electron shell's declaration, not to the studio API over the WebSocket`);
    }
  };
  const functions: Record<string, unknown> = {};
  for (const [name, declared] of members(STUDIO_OPERATIONS)) functions[name] = member(name, declared);
  const api = functions as unknown as Omit<StudioApi, 'transport'>;

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
    ...api,
  };
}

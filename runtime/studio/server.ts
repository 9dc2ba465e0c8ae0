/**
 * The browser-mode studio server (Node-only), `tributary studio`: serves the built renderer (`dist/renderer/`) over
 * HTTP and the {@link StudioBackend} over one WebSocket per page (`/api`), both on 127.0.0.1 only. The wire protocol is
 * `runtime/common/studio-protocol.ts`; every call goes through the dispatcher derived from the studio API declaration
 * (`dispatcher.ts`, shared with Electron main), which also reference-counts each socket's sample subscriptions and
 * ends them when the socket closes. This module only turns WebSocket messages into calls and events into messages.
 *
 * Security: a random token (32 bytes, hex) is part of the page URL; the WebSocket upgrade is refused with 403 unless
 * it carries that token and an Origin of this server (or one passed in `allowOrigins`), so other local pages and
 * programs that do not know the token cannot drive the backend. HTTP serves GET/HEAD only, checks the Host header
 * (DNS rebinding), never leaves the static directory, and sends a Content-Security-Policy.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { STUDIO_OPERATIONS, type StudioService } from '../common/studio-api';
import type { RpcRequest, RpcResponse } from '../common/studio-protocol';
import { StudioBackend } from './backend';
import { contentSecurityPolicy } from './csp';
import { createDispatcher, type DispatchedEvent } from './dispatcher';
import { ensureRendererBuilt, RENDERER_OUT_DIR } from './renderer-build';
import { contentTypeOf, resolveStaticPath } from './static-files';

/** The port `tributary studio` listens on unless `--port` is given (a free port is used when it is taken). */
export const DEFAULT_STUDIO_PORT = 4780;
/** Largest WebSocket message accepted (bytes): a 5 MB flow, JSON-escaped, with room to spare. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Telemetry frames are skipped for a client whose socket has more than this many bytes queued. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** What the server needs from its backend: the studio API's implementation, its root directory and its disposal. */
export type StudioServerBackend = StudioService & Pick<StudioBackend, 'rootDir' | 'dispose'>;

/** Options of {@link startStudioServer}. */
export interface StudioServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. Default {@link DEFAULT_STUDIO_PORT} (a free port when it is taken). */
  port?: number;
  /** Directory of the built renderer; default `<root>/dist/renderer`. */
  staticDir?: string;
  /** The backend; default a new {@link StudioBackend} (disposed by `close`). */
  backend?: StudioServerBackend;
  /** The token; default 32 random bytes as hex. */
  token?: string;
  /** Further origins allowed to open the WebSocket (e.g. a Vite dev server, `http://127.0.0.1:5173`). */
  allowOrigins?: string[];
}

/** A running studio server. */
export interface StudioServer {
  /** The page URL, `http://127.0.0.1:<port>/?token=<token>`. */
  url: string;
  port: number;
  token: string;
  /** The static directory served. */
  staticDir: string;
  backend: StudioServerBackend;
  /** Closes every socket and the server; disposes the backend when the server created it (stopping a run). */
  close(): Promise<void>;
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(socket: Duplex, status: 403 | 404 | 400, text: string): void {
  const reason = status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Bad Request';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/** The messages of browser mode when a call leaves out a path: it has no native dialogs. */
const NO_DIALOG: Readonly<Record<'open' | 'save', string>> = {
  open: 'browser mode has no Open dialog: give the path of the flow file',
  save: 'browser mode has no Save dialog: give the path to save the flow to',
};

/** The JSON text of a pushed event: `{ event, data }`, with the key field (e.g. `nodeId`) for keyed events. */
function eventText(event: DispatchedEvent): string {
  return JSON.stringify(event.key === undefined ? { event: event.event, data: event.data } : { event: event.event, [event.key.field]: event.key.value, data: event.data });
}

/**
 * Starts the studio server on 127.0.0.1.
 * @param options port, static directory, backend, token, extra allowed origins
 * @returns the running server; its `url` is the page to open
 * @throws Error when the port cannot be bound (an explicit port that is taken, no permission)
 */
export async function startStudioServer(options: StudioServerOptions = {}): Promise<StudioServer> {
  const ownBackend = options.backend === undefined;
  const backend: StudioServerBackend = options.backend ?? new StudioBackend();
  const staticDir = resolve(options.staticDir ?? join(backend.rootDir, 'dist', 'renderer'));
  const token = options.token ?? randomBytes(32).toString('hex');
  let port = 0;
  const hosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const origins = (): string[] => [...hosts().map((h) => `http://${h}`), ...(options.allowOrigins ?? [])];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!hosts().includes(req.headers.host ?? '')) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden host');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    let file = resolveStaticPath(staticDir, url.pathname);
    if (file === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory() === true) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (info?.isFile() !== true) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const body = await readFile(file);
    const type = contentTypeOf(file);
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': body.length,
      'Content-Security-Policy': contentSecurityPolicy(port),
      'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal error');
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/api') return refuse(socket, 404, 'not found');
    if (!hosts().includes(req.headers.host ?? '')) return refuse(socket, 403, 'forbidden host');
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(socket, 403, 'wrong token');
    const origin = req.headers.origin;
    if (origin === undefined || !origins().includes(origin)) return refuse(socket, 403, 'forbidden origin');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const canSend = (ws: WebSocket, droppable: boolean): boolean =>
    ws.readyState === ws.OPEN && !(droppable && ws.bufferedAmount > MAX_BUFFERED_BYTES);
  const dispatcher = createDispatcher<typeof STUDIO_OPERATIONS, WebSocket>(STUDIO_OPERATIONS, {
    service: backend,
    choosePath: (dialog) => Promise.reject(new Error(NO_DIALOG[dialog])),
    broadcast: (event) => {
      const text = eventText(event);
      for (const ws of clients) if (canSend(ws, event.droppable)) ws.send(text);
    },
    deliver: (ws, event) => {
      if (canSend(ws, event.droppable)) ws.send(eventText(event));
    },
    watchPeer: (ws, gone) => ws.once('close', gone),
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    const send = (message: RpcResponse): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      let request: Partial<RpcRequest>;
      try {
        if (isBinary) throw new Error('binary');
        request = JSON.parse(raw.toString()) as Partial<RpcRequest>;
      } catch {
        return;
      }
      if (request === null || typeof request !== 'object' || typeof request.id !== 'number') return;
      const id = request.id;
      if (typeof request.method !== 'string' || (request.params !== undefined && !Array.isArray(request.params))) {
        send({ id, error: { message: 'bad request: expected { id, method, params: [] }' } });
        return;
      }
      dispatcher.call(ws, request.method, request.params ?? []).then(
        (result) => send({ id, result: result ?? null }),
        (error: unknown) => send({ id, error: { message: error instanceof Error ? error.message : String(error) } }),
      );
    });
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => undefined);
  });

  const listen = (p: number): Promise<void> =>
    new Promise((done, fail) => {
      const onError = (error: Error): void => {
        server.off('listening', onListening);
        fail(error);
      };
      const onListening = (): void => {
        server.off('error', onError);
        done();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(p, '127.0.0.1');
    });
  try {
    await listen(options.port ?? DEFAULT_STUDIO_PORT);
  } catch (error) {
    if (options.port === undefined && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') await listen(0);
    else {
      dispatcher.dispose();
      throw new Error(`cannot listen on 127.0.0.1:${options.port}: ${(error as Error).message}`, { cause: error });
    }
  }
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    staticDir,
    backend,
    async close() {
      dispatcher.dispose();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      if (ownBackend) await backend.dispose();
    },
  };
}

/** Options of {@link runStudioCommand} (`tributary studio`). */
export interface StudioCommandOptions {
  port?: number;
  /** Open the page in the default browser (default true; `--no-open`). */
  open: boolean;
  /** Static directory (`--static`); default `dist/renderer`, built first when missing or older than its sources. */
  static?: string;
  /** Extra WebSocket origins (`--allow-origin`, repeatable). */
  allowOrigin?: string[];
}

/** Opens a URL in the default browser; failures are reported on stderr and otherwise ignored. */
async function openBrowser(url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`tributary studio: cannot open a browser (${command as string}); open the URL above\n`));
    child.unref();
  } catch {
    process.stderr.write('tributary studio: cannot open a browser; open the URL above\n');
  }
}

/**
 * `tributary studio`: builds the renderer when missing or stale ({@link ensureRendererBuilt}), starts the server, prints exactly one line
 * `Studio: http://127.0.0.1:<port>/?token=<token>` on stdout, opens the browser, and on SIGINT/SIGTERM stops a run and
 * exits. Never resolves while the server runs.
 */
export async function runStudioCommand(options: StudioCommandOptions): Promise<void> {
  const backend = new StudioBackend();
  let staticDir = options.static === undefined ? undefined : resolve(options.static);
  if (staticDir === undefined) {
    staticDir = join(backend.rootDir, RENDERER_OUT_DIR);
    await ensureRendererBuilt(backend.rootDir, (line) => process.stderr.write(`tributary studio: ${line}\n`));
  } else if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`--static ${options.static}: no index.html in that directory`);
  }
  const server = await startStudioServer({
    backend,
    staticDir,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.allowOrigin === undefined ? {} : { allowOrigins: options.allowOrigin }),
  });
  process.stdout.write(`Studio: ${server.url}\n`);
  if (options.open) await openBrowser(server.url);
  let closing = false;
  const shutdown = (): void => {
    if (closing) process.exit(1);
    closing = true;
    void backend
      .dispose(10_000)
      .then(() => server.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await new Promise<never>(() => undefined);
}

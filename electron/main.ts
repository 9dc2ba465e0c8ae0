/**
 * Electron main (bundled as CommonJS into `dist/electron/main.cjs`): the window, the menu and IPC wiring. It stays
 * thin: every `tributary:<method>` channel goes through the dispatcher derived from the studio API declaration
 * (`runtime/studio/dispatcher.ts`) to the one {@link StudioBackend} that browser mode uses too.
 *
 * Security: the window runs with `contextIsolation`, `sandbox` and no Node integration; the renderer is served from
 * `app://studio/` (files of `dist/renderer/`) with a strict Content-Security-Policy; navigation, new windows, webviews
 * and permission requests are refused; every IPC message is checked to come from our window's own frame.
 *
 * Set `TRIBUTARY_RENDERER_URL` (e.g. `http://127.0.0.1:5173/`) to load a Vite dev server instead of `dist/renderer/`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  shell,
  type BrowserWindowConstructorOptions,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { parseParams, type NoticeNameOf } from '../runtime/common/api-declaration';
import { STUDIO_OPERATIONS, type StudioService } from '../runtime/common/studio-api';
import type { DocumentState, MenuCommand } from '../runtime/common/studio-menu';
import { SHELL_OPERATIONS, type StudioShellApi } from '../runtime/common/studio-shell';
import { isFlowFileName, StudioBackend } from '../runtime/studio/backend';
import { studioContentSecurityPolicy } from '../runtime/studio/csp';
import { createDispatcher, type DispatchedEvent } from '../runtime/studio/dispatcher';
import { contentTypeOf, resolveStaticPath } from '../runtime/studio/static-files';
import { buildMenuTemplate } from './menu';
import { ipcChannel, ipcEventChannel, ipcEventChannelOf, type IpcResult } from './ipc';

/** The channel of menu commands (`onMenu` of the shell declaration). */
const MENU_CHANNEL = ipcEventChannel('onMenu' satisfies keyof typeof SHELL_OPERATIONS);

/** The privileged scheme the renderer is served from. */
export const APP_SCHEME = 'app';
/** The renderer's URL prefix: `app://studio/`. */
export const APP_URL = `${APP_SCHEME}://studio/`;

/** The Content-Security-Policy of the renderer served from `app://studio/`. */
export const CONTENT_SECURITY_POLICY = studioContentSecurityPolicy();

/** The CSP used with a Vite dev server (`TRIBUTARY_RENDERER_URL`): its inline preamble and HMR socket are allowed. */
export function devContentSecurityPolicy(origin: string): string {
  return studioContentSecurityPolicy({ script: `'unsafe-inline' ${origin}`, connect: `${origin} ${origin.replace(/^http/, 'ws')}` });
}

/**
 * The window's options: sandboxed, context-isolated renderer without Node, with the preload.
 * @param preload absolute path of `dist/electron/preload.cjs`
 */
export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Tributary',
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/**
 * True when `url` belongs to the renderer: under `app://studio/`, or on the dev server's origin when one is used.
 * @param devOrigin the dev server origin (`http://127.0.0.1:5173`), if any
 */
export function isRendererUrl(url: string | undefined, devOrigin?: string): boolean {
  if (url === undefined || url === '') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === `${APP_SCHEME}:`) return parsed.host === 'studio';
  return devOrigin !== undefined && parsed.origin === devOrigin;
}

/**
 * True when an IPC message comes from one of our windows' main frame at a renderer URL (not from a frame that
 * navigated elsewhere, an iframe of another origin or any other web contents).
 * @param event the IPC event
 * @param trusted the web contents of our windows
 * @param devOrigin the dev server origin, if any
 */
export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, trusted: ReadonlySet<WebContents>, devOrigin?: string): boolean {
  if (!trusted.has(event.sender)) return false;
  const frame = event.senderFrame;
  if (frame === null || frame === undefined) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  return isRendererUrl(frame.url, devOrigin);
}

/**
 * Refuses navigation, new windows (https links open in the system browser instead), webviews and permission
 * requests for a web contents.
 */
export function hardenWebContents(contents: WebContents, devOrigin?: string): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event, url) => {
    if (!isRendererUrl(url, devOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** What {@link registerIpc} needs from the app. */
export interface IpcContext {
  /** The studio API's implementation (the {@link StudioBackend}). */
  backend: StudioService;
  /** Our windows' web contents (IPC from anything else is refused). */
  trusted: ReadonlySet<WebContents>;
  /** The window of a web contents, for dialogs. */
  windowOf: (contents: WebContents) => BrowserWindow | null;
  /** Called after a file was opened or saved (rebuilds Open Recent). */
  onFilesChanged?: () => void;
  /** Called when a window reports its document state. */
  onDocumentState?: (contents: WebContents, state: DocumentState) => void;
  /** The dev server origin (`TRIBUTARY_RENDERER_URL`), whose frames are trusted too. */
  devOrigin?: string;
}

const FLOW_FILTERS = [{ name: 'Flow files (*.flow.yaml, *.flow.json)', extensions: ['yaml', 'json'] }];

/** Shows the native Open or Save As dialog for a window; a Save As name that is not a flow file's gets `.flow.yaml`. */
async function choosePath(kind: 'open' | 'save', window: BrowserWindow | null): Promise<string | null> {
  if (kind === 'open') {
    const options = { title: 'Open flow', properties: ['openFile' as const], filters: FLOW_FILTERS };
    const answer = window === null ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(window, options);
    return answer.canceled || answer.filePaths[0] === undefined ? null : answer.filePaths[0];
  }
  const options = { title: 'Save flow', defaultPath: 'untitled.flow.yaml', filters: FLOW_FILTERS };
  const answer = window === null ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(window, options);
  if (answer.canceled || answer.filePath === undefined || answer.filePath === '') return null;
  const file = answer.filePath;
  if (isFlowFileName(file)) return file;
  // "orders" or "orders.yaml" -> "orders.flow.yaml", unless that would replace a file the dialog did not ask about.
  const named = `${file.replace(/\.(ya?ml|json)$/i, '')}.flow.${extname(file).toLowerCase() === '.json' ? 'json' : 'yaml'}`;
  if (existsSync(named)) throw new Error(`cannot save as ${file}: flow files are named *.flow.yaml or *.flow.json`);
  return named;
}

/** Sends a dispatched event to one web contents: `tributary:event:<name>`, with the key first for keyed events. */
function sendEvent(contents: WebContents, event: DispatchedEvent): void {
  if (contents.isDestroyed()) return;
  const channel = ipcEventChannelOf(event.event);
  if (event.key === undefined) contents.send(channel, event.data);
  else contents.send(channel, event.key.value, event.data);
}

/**
 * Registers a `tributary:<method>` handler for every wire method of the studio API declaration, the event forwarding
 * (run state, telemetry, samples reference-counted per window and ended when it is destroyed) and the shell's
 * notices (`setDocumentState`). Calls from a sender that fails {@link isTrustedSender} are rejected (the promise
 * rejects; the backend is not called); notices from one are ignored.
 * @returns a function that removes the handlers and listeners
 */
export function registerIpc(context: IpcContext): () => void {
  const dispatcher = createDispatcher<typeof STUDIO_OPERATIONS, WebContents>(STUDIO_OPERATIONS, {
    service: context.backend,
    choosePath: (kind, contents) => choosePath(kind, context.windowOf(contents)),
    ...(context.onFilesChanged === undefined ? {} : { onFilesChanged: context.onFilesChanged }),
    broadcast: (event) => {
      for (const contents of context.trusted) sendEvent(contents, event);
    },
    deliver: sendEvent,
    watchPeer: (contents, gone) => contents.once('destroyed', gone),
  });

  for (const method of dispatcher.methods) {
    ipcMain.handle(ipcChannel(method), async (event: IpcMainInvokeEvent, ...params: unknown[]): Promise<IpcResult> => {
      if (!isTrustedSender(event, context.trusted, context.devOrigin)) {
        throw new Error(`refused ${method}: the message does not come from the studio window`);
      }
      try {
        return { ok: true, value: await dispatcher.call(event.sender, method, params) };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    });
  }

  const notices: { [K in NoticeNameOf<typeof SHELL_OPERATIONS>]: (contents: WebContents, ...params: Parameters<StudioShellApi[K]>) => void } = {
    setDocumentState: (contents, state) => context.onDocumentState?.(contents, state),
  };
  const noticeListeners: [string, (event: IpcMainEvent, ...params: unknown[]) => void][] = [];
  for (const [name, handle] of Object.entries(notices) as [keyof typeof notices, (contents: WebContents, ...params: unknown[]) => void][]) {
    const schemas = SHELL_OPERATIONS[name].params;
    const listener = (event: IpcMainEvent, ...params: unknown[]): void => {
      if (!isTrustedSender(event, context.trusted, context.devOrigin)) return;
      let checked: unknown[];
      try {
        checked = parseParams(name, schemas, params);
      } catch {
        return; // a notice has no reply to carry the error: one that does not fit its schema is dropped
      }
      handle(event.sender, ...checked);
    };
    ipcMain.on(ipcChannel(name), listener);
    noticeListeners.push([ipcChannel(name), listener]);
  }

  return () => {
    for (const method of dispatcher.methods) ipcMain.removeHandler(ipcChannel(method));
    for (const [channel, listener] of noticeListeners) ipcMain.removeListener(channel, listener);
    dispatcher.dispose();
  };
}

/** Serves `app://studio/<path>` from the renderer directory, with the CSP; 404 outside it. */
export function registerAppProtocol(rendererDir: string): void {
  const root = resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    const file = url.host === 'studio' ? resolveStaticPath(root, path) : undefined;
    if (file === undefined) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'Content-Type': contentTypeOf(file),
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

/** Options of {@link startElectronApp}. */
export interface ElectronAppOptions {
  /** The repository root (holds `dist/`, `bin/`, `examples/`); default two levels above the bundle. */
  rootDir?: string;
  /** The backend; default a new {@link StudioBackend} for `rootDir`. */
  backend?: StudioBackend;
  /** Dev server URL to load instead of `dist/renderer/` (default `$TRIBUTARY_RENDERER_URL`). */
  rendererUrl?: string;
}

/** A started app, for tests. */
export interface ElectronApp {
  /** Creates (or focuses) the studio window. */
  createWindow(): BrowserWindow;
  /** Our windows' web contents. */
  trusted: ReadonlySet<WebContents>;
}

/**
 * Starts the studio: single-instance lock, app protocol, hardening, IPC, menu, the window, unsaved-changes prompt
 * on close and a graceful stop of a running flow on quit.
 * @returns the app handle, or undefined when another instance already runs (this one quits)
 */
export async function startElectronApp(options: ElectronAppOptions = {}): Promise<ElectronApp | undefined> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }
  const rootDir = options.rootDir ?? process.env.TRIBUTARY_ROOT ?? resolve(__dirname, '..', '..');
  const backend = options.backend ?? new StudioBackend({ rootDir });
  const rendererUrl = options.rendererUrl ?? process.env.TRIBUTARY_RENDERER_URL;
  const devOrigin = rendererUrl === undefined ? undefined : new URL(rendererUrl).origin;
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

  const trusted = new Set<WebContents>();
  const documents = new Map<WebContents, DocumentState>();
  const windows = new Set<BrowserWindow>();
  const windowOf = (contents: WebContents): BrowserWindow | null => [...windows].find((w) => w.webContents === contents) ?? null;
  const target = (): BrowserWindow | undefined => {
    const focused = BrowserWindow.getFocusedWindow();
    return focused !== null && windows.has(focused) ? focused : [...windows][0];
  };
  const sendMenu = (command: MenuCommand): void => {
    const window = target();
    if (window !== undefined && !window.webContents.isDestroyed()) window.webContents.send(MENU_CHANNEL, command);
  };
  const rebuildMenu = async (): Promise<void> => {
    const recent = await backend.recentFiles().catch(() => []);
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(buildMenuTemplate({ recent, send: sendMenu, isMac: process.platform === 'darwin', dev: !app.isPackaged })),
    );
  };

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, devOrigin));
  app.on('second-instance', () => {
    const window = target();
    if (window === undefined) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  const createWindow = (): BrowserWindow => {
    const window = new BrowserWindow(windowOptions(join(rootDir, 'dist', 'electron', 'preload.cjs')));
    const contents = window.webContents;
    windows.add(window);
    trusted.add(contents);
    hardenWebContents(contents, devOrigin);
    window.once('ready-to-show', () => window.show());
    let forceClose = false;
    window.on('close', (event) => {
      const state = documents.get(contents);
      if (forceClose || state?.dirty !== true) return;
      event.preventDefault();
      const name = state.path === null ? 'the new flow' : state.path;
      void dialog
        .showMessageBox(window, {
          type: 'warning',
          buttons: ['Save', "Don't Save", 'Cancel'],
          defaultId: 0,
          cancelId: 2,
          message: `Save changes to ${name} before closing?`,
          detail: 'Your changes are lost if you do not save them.',
        })
        .then(({ response }) => {
          if (response === 0) sendMenu({ command: 'save', thenClose: true });
          else if (response === 1) {
            forceClose = true;
            window.close();
          }
        });
    });
    window.on('closed', () => {
      windows.delete(window);
      trusted.delete(contents);
      documents.delete(contents);
    });
    if (rendererUrl !== undefined) void window.loadURL(rendererUrl);
    else void window.loadURL(`${APP_URL}index.html`);
    return window;
  };

  const disposeIpc = registerIpc({
    backend,
    trusted,
    windowOf,
    onFilesChanged: () => void rebuildMenu(),
    onDocumentState: (contents, state) => {
      documents.set(contents, state);
      const window = windowOf(contents);
      if (window === null) return;
      window.setDocumentEdited(state.dirty);
      window.setTitle(`${state.path === null ? 'Untitled' : state.path}${state.dirty ? ' •' : ''} — Tributary`);
    },
    ...(devOrigin === undefined ? {} : { devOrigin }),
  });

  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    disposeIpc();
    void backend.dispose(10_000).finally(() => {
      disposed = true;
      app.quit();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (windows.size === 0) createWindow();
  });

  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  if (devOrigin !== undefined) {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [devContentSecurityPolicy(devOrigin)] } });
    });
  }
  registerAppProtocol(join(rootDir, 'dist', 'renderer'));
  await rebuildMenu();
  createWindow();
  return { createWindow, trusted };
}

if (process.versions.electron !== undefined && process.type === 'browser') {
  startElectronApp().catch((error: unknown) => {
    process.stderr.write(`tributary: the studio failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    app.exit(1);
  });
}

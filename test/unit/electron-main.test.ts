// Electron main with `electron` faked at the boundary (BrowserWindow, app, ipcMain, Menu, dialog, protocol, session):
// window options, navigation and window.open refused, IPC sender checks, menus, the app protocol and the close prompt.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';

const fake = vi.hoisted(() => {
  type Fn = (...args: unknown[]) => unknown;
  class Emitter {
    readonly handlers = new Map<string, Fn[]>();
    on(name: string, fn: Fn): this {
      this.handlers.set(name, [...(this.handlers.get(name) ?? []), fn]);
      return this;
    }
    once(name: string, fn: Fn): this {
      return this.on(name, fn);
    }
    emit(name: string, ...args: unknown[]): void {
      for (const fn of this.handlers.get(name) ?? []) fn(...args);
    }
  }
  class FakeWebContents extends Emitter {
    windowOpenHandler: Fn | undefined;
    readonly send = vi.fn();
    setWindowOpenHandler(fn: Fn): void {
      this.windowOpenHandler = fn;
    }
    isDestroyed(): boolean {
      return false;
    }
    getURL(): string {
      return 'app://studio/index.html';
    }
  }
  const windows: FakeWindow[] = [];
  class FakeWindow extends Emitter {
    readonly webContents = new FakeWebContents();
    readonly loadURL = vi.fn(async () => undefined);
    readonly close = vi.fn(() => this.emit('close', { preventDefault: vi.fn() }));
    readonly setTitle = vi.fn();
    readonly setDocumentEdited = vi.fn();
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
    }
    show(): void {}
    focus(): void {}
    restore(): void {}
    isMinimized(): boolean {
      return false;
    }
    static getFocusedWindow(): FakeWindow | null {
      return windows[0] ?? null;
    }
  }
  const handlers = new Map<string, Fn>();
  const ipcMain = Object.assign(new Emitter(), {
    handle: vi.fn((channel: string, fn: Fn) => handlers.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
    removeListener: vi.fn(),
  });
  const app = Object.assign(new Emitter(), {
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: vi.fn(async () => undefined),
    quit: vi.fn(),
    exit: vi.fn(),
    isPackaged: false,
  });
  const menus: unknown[] = [];
  const Menu = { buildFromTemplate: vi.fn((t: unknown) => t), setApplicationMenu: vi.fn((m: unknown) => menus.push(m)) };
  const dialog = {
    showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] as string[] })),
    showSaveDialog: vi.fn(async () => ({ canceled: true, filePath: '' })),
    showMessageBox: vi.fn(async () => ({ response: 2 })),
  };
  const protocolHandlers = new Map<string, Fn>();
  const protocol = {
    registerSchemesAsPrivileged: vi.fn(),
    handle: vi.fn((scheme: string, fn: Fn) => protocolHandlers.set(scheme, fn)),
  };
  const session = { defaultSession: { setPermissionRequestHandler: vi.fn(), webRequest: { onHeadersReceived: vi.fn() } } };
  const shell = { openExternal: vi.fn(async () => undefined) };
  return { FakeWindow, FakeWebContents, windows, handlers, ipcMain, app, Menu, menus, dialog, protocol, protocolHandlers, session, shell };
});

vi.mock('electron', () => ({
  app: fake.app,
  BrowserWindow: fake.FakeWindow,
  ipcMain: fake.ipcMain,
  Menu: fake.Menu,
  dialog: fake.dialog,
  protocol: fake.protocol,
  session: fake.session,
  shell: fake.shell,
}));

const { startElectronApp, isRendererUrl } = await import('../../electron/main');

function fakeBackend() {
  return {
    openFlow: vi.fn(async (path: string) => ({ path, text: 'x', external: false })),
    saveFlow: vi.fn(async (_t: string, path: string) => path),
    recentFiles: vi.fn(async () => ['/r/a.flow.yaml']),
    writeAutosave: vi.fn(async () => undefined),
    readAutosave: vi.fn(async () => null),
    clearAutosave: vi.fn(async () => undefined),
    demoFlow: vi.fn(async () => ({ path: '/demo.flow.yaml', text: 'x', external: false })),
    validate: vi.fn(async () => []),
    exportHeadless: vi.fn(async () => ({ text: '', command: '', variables: [] })),
    run: vi.fn(async () => {
      throw new Error('a flow is already running (pid 1); stop it before starting another');
    }),
    preview: vi.fn(async () => ({ nodes: [] })),
    stop: vi.fn(async () => undefined),
    runState: vi.fn(async () => ({ status: 'idle' })),
    onRunState: vi.fn(() => () => undefined),
    onTelemetry: vi.fn(() => () => undefined),
    onSamples: vi.fn(() => () => undefined),
    testConnection: vi.fn(async () => ({ ok: true, message: 'ok' })),
    listTopics: vi.fn(async () => []),
    groupOffsets: vi.fn(async () => ({ groupId: 'g', state: 'Empty', members: 0, partitions: [] })),
    resetGroupOffsets: vi.fn(async () => ({ groupId: 'g', moves: [], again: 0, applied: false })),
    dispose: vi.fn(async () => undefined),
  };
}

describe('electron main', () => {
  const root = mkdtempSync(join(tmpdir(), 'tributary-electron-'));
  const backend = fakeBackend();
  let window: InstanceType<typeof fake.FakeWindow>;
  let loaded: unknown[] = [];
  let startup: { locks: number; permissionHandler: unknown } = { locks: 0, permissionHandler: undefined };
  const ours = () => ({ sender: window.webContents, senderFrame: { url: 'app://studio/index.html', parent: null } });

  beforeAll(async () => {
    mkdirSync(join(root, 'dist', 'renderer'), { recursive: true });
    writeFileSync(join(root, 'dist', 'renderer', 'index.html'), '<!doctype html>');
    await startElectronApp({ rootDir: root, backend: backend as never });
    window = fake.windows[0]!;
    loaded = window.loadURL.mock.calls.map((c: unknown[]) => c[0]);
    startup = {
      locks: fake.app.requestSingleInstanceLock.mock.calls.length,
      permissionHandler: fake.session.defaultSession.setPermissionRequestHandler.mock.calls[0]?.[0],
    };
  });
  beforeEach(() => vi.clearAllMocks());

  it('takes the single-instance lock and creates a sandboxed, isolated window without Node', () => {
    expect(fake.windows).toHaveLength(1);
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(prefs.preload).toBe(join(root, 'dist', 'electron', 'preload.cjs'));
    expect(loaded).toEqual(['app://studio/index.html']);
    expect(startup.locks).toBe(1);
  });

  it('refuses navigation, window.open, webviews and permission requests', () => {
    const navigate = { preventDefault: vi.fn() };
    window.webContents.emit('will-navigate', navigate, 'https://evil.example/');
    expect(navigate.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    window.webContents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    expect(window.webContents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(window.webContents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    const permission = vi.fn();
    (startup.permissionHandler as (c: unknown, p: string, cb: (ok: boolean) => void) => void)({}, 'media', permission);
    expect(permission).toHaveBeenCalledWith(false);
    expect(isRendererUrl('app://studio/index.html')).toBe(true);
    expect(isRendererUrl('app://other/index.html')).toBe(false);
    expect(isRendererUrl('http://127.0.0.1:5173/')).toBe(false);
  });

  it('answers IPC from our window and rejects a foreign sender without calling the backend', async () => {
    const validate = fake.handlers.get('tributary:validate')!;
    await expect(validate(ours(), 'text')).resolves.toEqual({ ok: true, value: [] });
    expect(backend.validate).toHaveBeenCalledWith('text');
    backend.validate.mockClear();

    const foreignFrame = { sender: window.webContents, senderFrame: { url: 'https://evil.example/', parent: null } };
    await expect(validate(foreignFrame, 'text')).rejects.toThrow(/refused validate/);
    const subFrame = { sender: window.webContents, senderFrame: { url: 'app://studio/index.html', parent: {} } };
    await expect(validate(subFrame, 'text')).rejects.toThrow(/refused/);
    const otherContents = { sender: new fake.FakeWebContents(), senderFrame: { url: 'app://studio/index.html', parent: null } };
    await expect(validate(otherContents, 'text')).rejects.toThrow(/refused/);
    await expect(validate({ sender: window.webContents, senderFrame: null }, 'text')).rejects.toThrow(/refused/);
    expect(backend.validate).not.toHaveBeenCalled();
  });

  it('has one handler per operation and passes backend errors as messages', async () => {
    for (const method of ['openFlow', 'saveFlow', 'recentFiles', 'writeAutosave', 'readAutosave', 'clearAutosave', 'demoFlow', 'validate', 'exportHeadless', 'run', 'preview', 'stop', 'runState', 'testConnection', 'listTopics', 'groupOffsets', 'resetGroupOffsets', 'subscribeSamples', 'unsubscribeSamples']) {
      expect(fake.handlers.has(`tributary:${method}`), method).toBe(true);
    }
    await expect(fake.handlers.get('tributary:run')!(ours(), 'text', null)).resolves.toEqual({
      ok: false,
      message: 'a flow is already running (pid 1); stop it before starting another',
    });
  });

  it('shows native dialogs for Open / Save As without a path (null when cancelled)', async () => {
    await expect(fake.handlers.get('tributary:openFlow')!(ours())).resolves.toEqual({ ok: true, value: null });
    expect(fake.dialog.showOpenDialog).toHaveBeenCalled();
    expect(backend.openFlow).not.toHaveBeenCalled();
    fake.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/w/a.flow.yaml'] });
    await expect(fake.handlers.get('tributary:openFlow')!(ours())).resolves.toMatchObject({ ok: true, value: { path: '/w/a.flow.yaml' } });
    fake.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: join(root, 'orders') });
    await expect(fake.handlers.get('tributary:saveFlow')!(ours(), 'text')).resolves.toEqual({ ok: true, value: join(root, 'orders.flow.yaml') });
    expect(fake.Menu.setApplicationMenu).toHaveBeenCalled(); // Open Recent rebuilt
  });

  it('ref-counts sample subscriptions per window', async () => {
    const off = vi.fn();
    backend.onSamples.mockReturnValue(off);
    await fake.handlers.get('tributary:subscribeSamples')!(ours(), 'n1');
    await fake.handlers.get('tributary:subscribeSamples')!(ours(), 'n1');
    expect(backend.onSamples).toHaveBeenCalledTimes(1);
    await fake.handlers.get('tributary:unsubscribeSamples')!(ours(), 'n1');
    expect(off).not.toHaveBeenCalled();
    await fake.handlers.get('tributary:unsubscribeSamples')!(ours(), 'n1');
    expect(off).toHaveBeenCalledTimes(1);
  });

  it('builds the File, Edit, View and Run menus; items send commands to the renderer', () => {
    const template = fake.menus.at(-1) as MenuItemConstructorOptions[];
    const labels = template.map((m) => String(m.label ?? m.role).replace('&', ''));
    expect(labels).toEqual(expect.arrayContaining(['File', 'Edit', 'View', 'Run']));
    const sub = (label: string) => template.find((m) => m.label === `&${label}`)!.submenu as MenuItemConstructorOptions[];
    const names = (label: string) => sub(label).map((i) => i.label ?? i.role).filter((x) => x !== undefined);
    expect(names('File')).toEqual(['New', 'Open…', 'Open Recent', 'Save', 'Save As…', 'Export Headless Config…', 'Compare with Saved', 'Compare with File…', 'quit']);
    expect(names('Edit')).toEqual(['Undo', 'Redo', 'cut', 'copy', 'paste', 'Select All', 'Delete']);
    expect(names('View')).toEqual(expect.arrayContaining(['Zoom In', 'Zoom Out', 'Fit to Window', 'Auto-layout', 'Theme']));
    expect(names('Run')).toEqual(['Run', 'Stop', 'Preview', 'Attach…']);
    const recent = sub('File').find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[];
    expect(recent[0]!.label).toBe('/r/a.flow.yaml');
    sub('Run')[0]!.click!({} as never, undefined, {} as never);
    expect(window.webContents.send).toHaveBeenCalledWith('tributary:event:menu', { command: 'run' });
    sub('Run').find((i) => i.label === 'Attach…')!.click!({} as never, undefined, {} as never);
    expect(window.webContents.send).toHaveBeenCalledWith('tributary:event:menu', { command: 'attach' });
    sub('File').find((i) => i.label === 'Compare with Saved')!.click!({} as never, undefined, {} as never);
    expect(window.webContents.send).toHaveBeenCalledWith('tributary:event:menu', { command: 'compareSaved' });
    sub('File').find((i) => i.label === 'Compare with File…')!.click!({} as never, undefined, {} as never);
    expect(window.webContents.send).toHaveBeenCalledWith('tributary:event:menu', { command: 'compareFile' });
    recent[0]!.click!({} as never, undefined, {} as never);
    expect(window.webContents.send).toHaveBeenCalledWith('tributary:event:menu', { command: 'openRecent', path: '/r/a.flow.yaml' });
  });

  it('serves app://studio/ with a strict CSP and nothing outside the renderer directory', async () => {
    const handler = fake.protocolHandlers.get('app')!;
    const page = (await handler(new Request('app://studio/index.html'))) as Response;
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self';.*object-src 'none'/);
    expect(((await handler(new Request('app://studio/%2e%2e/%2e%2e/etc/passwd'))) as Response).status).toBe(404);
  });

  it('asks before closing a window with unsaved changes', async () => {
    fake.ipcMain.emit('tributary:setDocumentState', ours(), { dirty: true, path: '/w/a.flow.yaml' });
    expect(window.setDocumentEdited).toHaveBeenCalledWith(true);
    const close = { preventDefault: vi.fn() };
    window.emit('close', close);
    expect(close.preventDefault).toHaveBeenCalled();
    expect(fake.dialog.showMessageBox).toHaveBeenCalledTimes(1);
    fake.dialog.showMessageBox.mockResolvedValueOnce({ response: 0 });
    window.emit('close', { preventDefault: vi.fn() });
    await vi.waitFor(() => expect(window.webContents.send).toHaveBeenCalledWith('tributary:event:menu', { command: 'save', thenClose: true }));
    // A foreign sender cannot mark the document clean.
    fake.ipcMain.emit('tributary:setDocumentState', { sender: window.webContents, senderFrame: { url: 'https://evil.example/', parent: null } }, { dirty: false, path: null });
    const again = { preventDefault: vi.fn() };
    window.emit('close', again);
    expect(again.preventDefault).toHaveBeenCalled();
    fake.ipcMain.emit('tributary:setDocumentState', ours(), { dirty: false, path: '/w/a.flow.yaml' });
    const clean = { preventDefault: vi.fn() };
    window.emit('close', clean);
    expect(clean.preventDefault).not.toHaveBeenCalled();
  });

  it('stops the run gracefully on quit', async () => {
    const quit = { preventDefault: vi.fn() };
    fake.app.emit('will-quit', quit);
    expect(quit.preventDefault).toHaveBeenCalled();
    expect(backend.dispose).toHaveBeenCalledWith(10_000);
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
  });
});

// The Electron preload with `electron` faked at the boundary: what it exposes on window.tributary and how
// subscriptions come and go.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StudioApi } from '../../runtime/common/studio-api';
import type { StudioBridge } from '../../runtime/common/studio-menu';

const fake = vi.hoisted(() => {
  type Handler = (event: unknown, ...args: unknown[]) => void;
  const listeners = new Map<string, Set<Handler>>();
  const ipcRenderer = {
    invoke: vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => ({ ok: true, value: null })),
    send: vi.fn(),
    on: vi.fn((channel: string, handler: Handler) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(handler);
      return ipcRenderer;
    }),
    removeListener: vi.fn((channel: string, handler: Handler) => {
      listeners.get(channel)?.delete(handler);
      return ipcRenderer;
    }),
  };
  const emit = (channel: string, ...args: unknown[]): void => {
    for (const handler of listeners.get(channel) ?? []) handler({}, ...args);
  };
  const exposed = new Map<string, unknown>();
  const contextBridge = { exposeInMainWorld: vi.fn((key: string, api: unknown) => exposed.set(key, api)) };
  return { ipcRenderer, contextBridge, emit, exposed, listeners };
});

vi.mock('electron', () => ({ ipcRenderer: fake.ipcRenderer, contextBridge: fake.contextBridge }));

/** Every StudioApi member; the type check below fails when the interface grows and this list does not. */
const OPERATIONS = [
  'openFlow',
  'saveFlow',
  'recentFiles',
  'writeAutosave',
  'readAutosave',
  'clearAutosave',
  'demoFlow',
  'onFlowFileChanged',
  'validate',
  'exportHeadless',
  'run',
  'preview',
  'evaluateExpression',
  'stop',
  'apply',
  'runState',
  'onRunState',
  'onTelemetry',
  'onSamples',
  'attach',
  'detach',
  'testConnection',
  'listTopics',
  'groupOffsets',
  'resetGroupOffsets',
  'saveTestCase',
] as const;
type Missing = Exclude<keyof StudioApi, (typeof OPERATIONS)[number] | 'transport'>;
const complete: [Missing] extends [never] ? true : Missing = true;

describe('electron preload', () => {
  let api: StudioBridge;
  beforeAll(async () => {
    await import('../../electron/preload');
    api = fake.exposed.get('tributary') as StudioBridge;
  });
  beforeEach(() => {
    fake.ipcRenderer.invoke.mockClear();
    fake.ipcRenderer.removeListener.mockClear();
  });

  it('exposes window.tributary through contextBridge with one function per operation', () => {
    expect(complete).toBe(true);
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledWith('tributary', expect.any(Object));
    expect(api.transport).toBe('electron');
    for (const name of [...OPERATIONS, 'onMenu', 'setDocumentState'] as const) expect(typeof api[name], name).toBe('function');
    const functions = Object.entries(api).filter(([, v]) => typeof v === 'function').map(([k]) => k);
    expect(functions.sort()).toEqual([...OPERATIONS, 'onMenu', 'setDocumentState'].sort());
  });

  it('invokes tributary:<method> and unwraps results and errors', async () => {
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: [{ code: 'E_GRAPH', path: '', message: 'x' }] });
    await expect(api.validate('text')).resolves.toEqual([{ code: 'E_GRAPH', path: '', message: 'x' }]);
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith('tributary:validate', 'text');
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, message: 'cannot read /x.flow.yaml: ENOENT' });
    await expect(api.openFlow('/x.flow.yaml')).rejects.toThrow('cannot read /x.flow.yaml: ENOENT');
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: null });
    await api.run('text', null);
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith('tributary:run', 'text', null);
  });

  it('subscriptions return an unsubscribe that removes the listener', () => {
    const frames: unknown[] = [];
    const off = api.onTelemetry((frame) => frames.push(frame));
    fake.emit('tributary:event:telemetry', { time: 1 });
    expect(frames).toEqual([{ time: 1 }]);
    off();
    expect(fake.ipcRenderer.removeListener).toHaveBeenCalledTimes(1);
    fake.emit('tributary:event:telemetry', { time: 2 });
    expect(frames).toHaveLength(1);

    const states: unknown[] = [];
    const offState = api.onRunState((s) => states.push(s));
    fake.emit('tributary:event:runState', { status: 'idle' });
    offState();
    fake.emit('tributary:event:runState', { status: 'idle' });
    expect(states).toHaveLength(1);

    const menu: unknown[] = [];
    const offMenu = api.onMenu((c) => menu.push(c));
    fake.emit('tributary:event:menu', { command: 'fit' });
    offMenu();
    fake.emit('tributary:event:menu', { command: 'fit' });
    expect(menu).toEqual([{ command: 'fit' }]);
    expect(fake.listeners.get('tributary:event:menu')?.size ?? 0).toBe(0);
  });

  it('subscribes to one node\'s samples and unsubscribes in main too', () => {
    const got: unknown[] = [];
    const off = api.onSamples('price', (s) => got.push(s));
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith('tributary:subscribeSamples', 'price');
    fake.emit('tributary:event:samples', 'other', { nodeId: 'other' });
    fake.emit('tributary:event:samples', 'price', { nodeId: 'price' });
    expect(got).toEqual([{ nodeId: 'price' }]);
    off();
    off();
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith('tributary:unsubscribeSamples', 'price');
    expect(fake.ipcRenderer.invoke.mock.calls.filter((c) => c[0] === 'tributary:unsubscribeSamples')).toHaveLength(1);
    fake.emit('tributary:event:samples', 'price', { nodeId: 'price' });
    expect(got).toHaveLength(1);
  });

  it('reports the document state', () => {
    api.setDocumentState({ dirty: true, path: '/a.flow.yaml' });
    expect(fake.ipcRenderer.send).toHaveBeenCalledWith('tributary:setDocumentState', { dirty: true, path: '/a.flow.yaml' });
  });
});

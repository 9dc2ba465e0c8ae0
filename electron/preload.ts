/**
 * The Electron preload (sandboxed, bundled as CommonJS into `dist/electron/preload.cjs`; it may only require
 * `electron`). Exposes `window.tributary`, a {@link StudioBridge}: one function per {@link StudioApi} operation over
 * IPC, plus `onMenu` and `setDocumentState`. Subscriptions return a function that removes their IPC listener.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Problem } from '../runtime/common/errors';
import type { StudioBridge, MenuCommand, DocumentState } from '../runtime/common/studio-menu';
import type { ConnectionTest, FlowFile, PreviewResult, RunState, Unsubscribe } from '../runtime/common/studio-api';
import type { NodeSamples, TelemetryFrame } from '../runtime/common/telemetry';
import { IPC_DOCUMENT_STATE, IPC_EVENTS, ipcChannel, type IpcMethod, type IpcResult } from './ipc';

/** The part of `ipcRenderer` the bridge uses (a fake in tests). */
export type IpcRendererLike = Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener' | 'send'>;

/**
 * Builds the bridge over an `ipcRenderer`.
 * @param ipc the renderer's IPC
 * @returns `window.tributary`; every call rejects with an `Error` carrying the backend's message on failure
 */
export function createStudioBridge(ipc: IpcRendererLike): StudioBridge {
  const call = async <T>(method: IpcMethod, ...params: unknown[]): Promise<T> => {
    const result = (await ipc.invoke(ipcChannel(method), ...params)) as IpcResult;
    if (!result.ok) throw new Error(result.message);
    return result.value as T;
  };
  const listen = <A extends unknown[]>(channel: string, handler: (...args: A) => void): Unsubscribe => {
    const wrapped = (_event: IpcRendererEvent, ...args: unknown[]): void => handler(...(args as A));
    ipc.on(channel, wrapped);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      ipc.removeListener(channel, wrapped);
    };
  };
  return {
    transport: 'electron',
    openFlow: (path?: string) => call<FlowFile | null>('openFlow', path),
    saveFlow: (text: string, path?: string) => call<string | null>('saveFlow', text, path),
    recentFiles: () => call<string[]>('recentFiles'),
    writeAutosave: (text: string, path: string | null) => call<void>('writeAutosave', text, path),
    readAutosave: () => call<{ text: string; path: string | null; savedAt: number } | null>('readAutosave'),
    clearAutosave: () => call<void>('clearAutosave'),
    demoFlow: () => call<FlowFile>('demoFlow'),
    validate: (text: string) => call<Problem[]>('validate', text),
    exportHeadless: (text: string, path: string | null) =>
      call<{ text: string; command: string; variables: string[] }>('exportHeadless', text, path),
    run: (text: string, path: string | null) => call<void>('run', text, path),
    preview: (text: string, records?: number) => call<PreviewResult>('preview', text, records),
    stop: () => call<void>('stop'),
    runState: () => call<RunState>('runState'),
    onRunState: (listener: (state: RunState) => void) => listen(IPC_EVENTS.runState, listener),
    onTelemetry: (listener: (frame: TelemetryFrame) => void) => listen(IPC_EVENTS.telemetry, listener),
    onSamples(nodeId: string, listener: (samples: NodeSamples) => void): Unsubscribe {
      const off = listen(IPC_EVENTS.samples, (id: string, samples: NodeSamples) => {
        if (id === nodeId) listener(samples);
      });
      void call('subscribeSamples', nodeId).catch(() => undefined);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        off();
        void call('unsubscribeSamples', nodeId).catch(() => undefined);
      };
    },
    testConnection: (kind: 'kafka' | 'redis', config: Record<string, unknown>) => call<ConnectionTest>('testConnection', kind, config),
    listTopics: (config: Record<string, unknown>) => call<string[]>('listTopics', config),
    onMenu: (listener: (command: MenuCommand) => void) => listen(IPC_EVENTS.menu, listener),
    setDocumentState: (state: DocumentState) => ipc.send(IPC_DOCUMENT_STATE, { dirty: state?.dirty === true, path: state?.path ?? null }),
  };
}

contextBridge.exposeInMainWorld('tributary', createStudioBridge(ipcRenderer));

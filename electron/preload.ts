/**
 * The Electron preload (sandboxed, bundled as CommonJS into `dist/electron/preload.cjs`; it may only require
 * `electron`). Exposes `window.tributary`, a {@link StudioBridge} built from the API declarations: one function per
 * {@link STUDIO_OPERATIONS} member and per {@link SHELL_OPERATIONS} member (`onMenu`, `setDocumentState`), each bound
 * to its own declared channel (there is no generic `send`). Subscriptions return a function that removes their IPC
 * listener; a sample subscription also tells main to stop sending that node's samples.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { members, subscriptionMethods, type MemberDeclaration } from '../runtime/common/api-declaration';
import { STUDIO_OPERATIONS, type StudioApi, type Unsubscribe } from '../runtime/common/studio-api';
import type { StudioBridge } from '../runtime/common/studio-menu';
import { SHELL_OPERATIONS, type StudioShellApi } from '../runtime/common/studio-shell';
import { declaredChannel, ipcChannel, ipcEventChannel, type IpcResult } from './ipc';

/** The part of `ipcRenderer` the bridge uses (a fake in tests). */
export type IpcRendererLike = Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener' | 'send'>;

/** One bridge function for a declared member, over `ipc`. */
function bridgeMember(ipc: IpcRendererLike, member: string, declared: MemberDeclaration): (...args: never[]) => unknown {
  const invoker = (method: string) => {
    const channel = declaredChannel(ipcChannel(method));
    return async (...params: unknown[]): Promise<unknown> => {
      const result = (await ipc.invoke(channel, ...params)) as IpcResult;
      if (!result.ok) throw new Error(result.message);
      return result.value;
    };
  };
  const listen = (handler: (...args: unknown[]) => void): Unsubscribe => {
    const channel = declaredChannel(ipcEventChannel(member));
    const wrapped = (_event: IpcRendererEvent, ...args: unknown[]): void => handler(...args);
    ipc.on(channel, wrapped);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      ipc.removeListener(channel, wrapped);
    };
  };
  switch (declared.kind) {
    case 'call':
      return invoker(member);
    case 'event':
      return (listener: (data: unknown) => void): Unsubscribe => listen((data) => listener(data));
    case 'keyedEvent': {
      const { subscribe, unsubscribe } = subscriptionMethods(member);
      const [subscribeCall, unsubscribeCall] = [invoker(subscribe), invoker(unsubscribe)];
      return (key: string, listener: (data: unknown) => void): Unsubscribe => {
        const off = listen((id, data) => {
          if (id === key) listener(data);
        });
        void subscribeCall(key).catch(() => undefined);
        let active = true;
        return () => {
          if (!active) return;
          active = false;
          off();
          void unsubscribeCall(key).catch(() => undefined);
        };
      };
    }
    case 'notice': {
      const channel = declaredChannel(ipcChannel(member));
      return (...params: unknown[]): void => ipc.send(channel, ...params);
    }
  }
}

/**
 * Builds the bridge over an `ipcRenderer`.
 * @param ipc the renderer's IPC
 * @returns `window.tributary`; every call rejects with an `Error` carrying the backend's message on failure
 */
export function createStudioBridge(ipc: IpcRendererLike): StudioBridge {
  const functions: Record<string, unknown> = {};
  for (const [member, declared] of [...members(STUDIO_OPERATIONS), ...members(SHELL_OPERATIONS)]) {
    functions[member] = bridgeMember(ipc, member, declared);
  }
  const bridge = { transport: 'electron', ...functions } as StudioApi & StudioShellApi;
  return bridge;
}

contextBridge.exposeInMainWorld('tributary', createStudioBridge(ipcRenderer));

/**
 * The IPC contract between Electron main and the preload: channel names and the result envelope. Imports types only,
 * so the sandboxed preload bundle stays free of Node modules.
 *
 * - Calls: `ipcRenderer.invoke('tributary:<method>', ...params)` for every {@link IPC_METHODS} entry (the same names
 *   as the browser-mode wire protocol); main answers with an {@link IpcResult}, so that a rejected call reaches the
 *   renderer with the backend's own message (Electron would otherwise prefix "Error invoking remote method ...").
 * - Events from main: {@link IPC_EVENTS}: run state, telemetry frames, samples (`nodeId`, samples) and menu commands.
 * - `tributary:setDocumentState` (send, no answer): the renderer's dirty flag and path.
 */
import type { RpcMethod } from '../runtime/common/studio-protocol';

/** Every invokable method, as `tributary:<method>` channels. */
export const IPC_METHODS = [
  'openFlow',
  'saveFlow',
  'recentFiles',
  'writeAutosave',
  'readAutosave',
  'clearAutosave',
  'demoFlow',
  'validate',
  'exportHeadless',
  'run',
  'preview',
  'stop',
  'runState',
  'testConnection',
  'listTopics',
  'subscribeSamples',
  'unsubscribeSamples',
] as const satisfies readonly RpcMethod[];

/** An invokable method name. */
export type IpcMethod = (typeof IPC_METHODS)[number];

/** Channel of a method: `tributary:<method>`. */
export function ipcChannel(method: IpcMethod): `tributary:${IpcMethod}` {
  return `tributary:${method}`;
}

/** Channels main pushes events on. */
export const IPC_EVENTS = {
  runState: 'tributary:event:runState',
  telemetry: 'tributary:event:telemetry',
  samples: 'tributary:event:samples',
  menu: 'tributary:event:menu',
} as const;

/** Channel of `setDocumentState` (renderer -> main, no answer). */
export const IPC_DOCUMENT_STATE = 'tributary:setDocumentState';

/** What main answers to an invoke: the result, or the error message meant for the user. */
export type IpcResult = { ok: true; value: unknown } | { ok: false; message: string };

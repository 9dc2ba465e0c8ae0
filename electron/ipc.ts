/**
 * The IPC contract between Electron main and the preload, derived from the API declarations
 * ({@link STUDIO_OPERATIONS}, {@link SHELL_OPERATIONS}): channel names and the result envelope. Imports only
 * browser-safe declarations, so the sandboxed preload bundle stays free of Node modules.
 *
 * - Calls: `ipcRenderer.invoke('tributary:<method>', ...params)` for every {@link IPC_METHODS} entry (the same names
 *   as the browser-mode wire protocol); main answers with an {@link IpcResult}, so that a rejected call reaches the
 *   renderer with the backend's own message (Electron would otherwise prefix "Error invoking remote method ...").
 * - Events from main: `tributary:event:<name>` for every event member ({@link IPC_EVENTS}): run state, telemetry
 *   frames, samples (`nodeId`, samples) and menu commands. Keyed events carry the key first, then the data.
 * - Notices (send, no answer): `tributary:<name>`, e.g. `tributary:setDocumentState` (the renderer's dirty flag and path).
 */
import { eventName, members, type ApiDeclaration } from '../runtime/common/api-declaration';
import { STUDIO_OPERATIONS } from '../runtime/common/studio-api';
import { RPC_METHODS, type RpcMethod } from '../runtime/common/studio-protocol';
import { SHELL_OPERATIONS } from '../runtime/common/studio-shell';

/** Every invokable method (calls and sample subscribe/unsubscribe), as `tributary:<method>` channels. */
export const IPC_METHODS: readonly RpcMethod[] = RPC_METHODS;

/** Channel of a method or notice: `tributary:<name>`. */
export function ipcChannel<M extends string>(method: M): `tributary:${M}` {
  return `tributary:${method}`;
}

/** Channel of a wire event name: `runState` -> `tributary:event:runState`. */
export function ipcEventChannelOf(event: string): string {
  return `tributary:event:${event}`;
}

/** Channel of an event member: `onRunState` -> `tributary:event:runState`. */
export function ipcEventChannel(member: string): string {
  return ipcEventChannelOf(eventName(member));
}

function eventChannels(...declarations: ApiDeclaration[]): Record<string, string> {
  const channels: Record<string, string> = {};
  for (const declaration of declarations) {
    for (const [member, declared] of members(declaration)) {
      if (declared.kind === 'event' || declared.kind === 'keyedEvent') channels[eventName(member)] = ipcEventChannel(member);
    }
  }
  return channels;
}

/** Channels main pushes events on, by event name: `runState`, `telemetry`, `samples`, `menu`. */
export const IPC_EVENTS: Readonly<Record<string, string>> = eventChannels(STUDIO_OPERATIONS, SHELL_OPERATIONS);

/** Every channel the preload may use (invoke, listen or send); anything else is refused. */
export const IPC_CHANNELS: ReadonlySet<string> = new Set([
  ...IPC_METHODS.map((method) => ipcChannel(method)),
  ...Object.values(IPC_EVENTS),
  ...members(SHELL_OPERATIONS)
    .filter(([, declared]) => declared.kind === 'notice')
    .map(([member]) => ipcChannel(member)),
]);

/**
 * Checks that `channel` is a declared studio channel.
 * @returns the channel
 * @throws Error when it is not one of {@link IPC_CHANNELS}
 */
export function declaredChannel(channel: string): string {
  if (!IPC_CHANNELS.has(channel)) throw new Error(`refused IPC channel "${channel}": not declared in the studio API`);
  return channel;
}

/** What main answers to an invoke: the result, or the error message meant for the user. */
export type IpcResult = { ok: true; value: unknown } | { ok: false; message: string };

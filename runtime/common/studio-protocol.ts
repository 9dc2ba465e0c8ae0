/**
 * The wire protocol of the browser-mode studio: JSON messages over one WebSocket between the renderer and
 * `tributary studio`, derived from {@link STUDIO_OPERATIONS}. Electron uses IPC instead, with the same method names
 * (`electron/ipc.ts`). Browser-safe.
 *
 * - The page is served at `http://127.0.0.1:<port>/?token=<token>`; the WebSocket is `ws://127.0.0.1:<port>/api?token=<token>`.
 *   The server refuses a WebSocket whose token is wrong or whose Origin is not its own (so other local pages cannot
 *   drive it), and binds 127.0.0.1 only.
 * - Calls: the client sends {@link RpcRequest}; the server answers with {@link RpcResponse} carrying the same `id`.
 *   Trailing parameters left out by the caller are not sent (JSON has no `undefined`).
 * - Events: the server pushes {@link RpcEvent}s: `runState` and `telemetry` to every client; `samples` only for the
 *   node ids a client subscribed to with the `subscribeSamples` / `unsubscribeSamples` methods (reference-counted per
 *   socket, all ended when the socket closes).
 */
import { wireMethods, type EventMessageOf, type WireMethodOf } from './api-declaration';
import { STUDIO_OPERATIONS } from './studio-api';

/** Methods callable over the wire: the StudioApi's calls plus the subscribe/unsubscribe pair of every keyed event. */
export type RpcMethod = WireMethodOf<typeof STUDIO_OPERATIONS>;

/** Every {@link RpcMethod}, in declaration order. */
export const RPC_METHODS: readonly RpcMethod[] = wireMethods(STUDIO_OPERATIONS);

/** A call from the client. `params` are the method's positional arguments. */
export interface RpcRequest {
  id: number;
  method: RpcMethod;
  params: unknown[];
}

/** The answer to a call: `result`, or `error.message` meant for the user. */
export type RpcResponse = { id: number; result: unknown } | { id: number; error: { message: string } };

/** A pushed event: `{ event: 'runState' | 'telemetry', data }` or `{ event: 'samples', nodeId, data }`. */
export type RpcEvent = EventMessageOf<typeof STUDIO_OPERATIONS>;

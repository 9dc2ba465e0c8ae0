/**
 * The wire protocol of the browser-mode studio: JSON messages over one WebSocket between the renderer and
 * `tributary studio`. Electron uses IPC instead, with the same method names. Browser-safe: types only.
 *
 * - The page is served at `http://127.0.0.1:<port>/?token=<token>`; the WebSocket is `ws://127.0.0.1:<port>/api?token=<token>`.
 *   The server refuses a WebSocket whose token is wrong or whose Origin is not its own (so other local pages cannot
 *   drive it), and binds 127.0.0.1 only.
 * - Calls: the client sends {@link RpcRequest}; the server answers with {@link RpcResponse} carrying the same `id`.
 * - Events: the server pushes {@link RpcEvent}s: `runState` and `telemetry` to every client; `samples` only for the
 *   node ids a client subscribed to with the `subscribeSamples` / `unsubscribeSamples` methods.
 */
import type { StudioApi } from './studio-api';

/** Methods callable over the wire: the StudioApi's request/response methods plus the sample subscription pair. */
export type RpcMethod =
  | Exclude<keyof StudioApi, 'transport' | 'onRunState' | 'onTelemetry' | 'onSamples'>
  | 'subscribeSamples'
  | 'unsubscribeSamples';

/** A call from the client. `params` are the method's positional arguments. */
export interface RpcRequest {
  id: number;
  method: RpcMethod;
  params: unknown[];
}

/** The answer to a call: `result`, or `error.message` meant for the user. */
export type RpcResponse = { id: number; result: unknown } | { id: number; error: { message: string } };

/** A pushed event. */
export type RpcEvent =
  | { event: 'runState'; data: unknown }
  | { event: 'telemetry'; data: unknown }
  | { event: 'samples'; nodeId: string; data: unknown };

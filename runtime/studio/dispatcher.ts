/**
 * The receiving end of a declared API (see `runtime/common/api-declaration.ts`), shared by Electron main (IPC) and
 * the browser-mode server (WebSocket): it answers every wire method of the declaration by checking the parameters
 * with their schemas and calling the service member of the same name, asks the shell for a path where the
 * declaration names a dialog, forwards the service's events (to every peer, or to the peers that subscribed to a key,
 * reference-counted with {@link SubscriptionTable}) and ends a peer's subscriptions when it goes away. It contains no
 * code per operation: a transport only turns wire messages into {@link Dispatcher.call} and {@link DispatchedEvent}s
 * into wire messages.
 */
import {
  eventName,
  members,
  parseParams,
  subscriptionMethods,
  type ApiDeclaration,
  type PathDialog,
  type ServiceOf,
  type Unsubscribe,
} from '../common/api-declaration';
import { SubscriptionTable } from './subscription-table';

/** An event for a transport to send. */
export interface DispatchedEvent {
  /** The wire event name, e.g. `runState` or `samples`. */
  event: string;
  data: unknown;
  /** True when a peer whose connection is backed up may miss it. */
  droppable: boolean;
  /** For keyed events: the message field that carries the key (e.g. `nodeId`) and its value. */
  key?: { field: string; value: string };
}

/** What {@link createDispatcher} needs from its transport. `P` is the transport's peer (web contents, socket). */
export interface DispatcherOptions<D extends ApiDeclaration, P> {
  /** The implementation (the studio backend). */
  service: ServiceOf<D>;
  /**
   * Asks the user of `peer` for a path with a native dialog; resolves null when cancelled. Rejects (with the message
   * for the user) where there are no dialogs.
   */
  choosePath: (dialog: PathDialog['kind'], peer: P) => Promise<string | null>;
  /** Called after a call declared `changesFiles` succeeded. */
  onFilesChanged?: () => void;
  /** Sends an event to every peer. */
  broadcast: (event: DispatchedEvent) => void;
  /** Sends a keyed event to one peer (which subscribed to its key). */
  deliver: (peer: P, event: DispatchedEvent) => void;
  /** Called once per peer, on its first subscription, with the function to call when the peer goes away. */
  watchPeer?: (peer: P, gone: () => void) => void;
}

/** A running dispatcher. */
export interface Dispatcher<P> {
  /** Every wire method it answers, in declaration order. */
  readonly methods: readonly string[];
  /**
   * Runs one wire method for `peer`.
   * @returns the reply (null for none)
   * @throws Error with the message for the user: an unknown method, a parameter that does not fit its schema, or
   *   the service's own error
   */
  call(peer: P, method: string, params: readonly unknown[]): Promise<unknown>;
  /** Ends every subscription of `peer` (its window or socket closed). */
  releasePeer(peer: P): void;
  /** Stops forwarding events and ends every subscription. */
  dispose(): void;
}

type Handler<P> = (peer: P, params: readonly unknown[]) => Promise<unknown> | unknown;
type ServiceFunction = (...args: unknown[]) => unknown;

/**
 * Builds the dispatcher of `declaration` and starts forwarding the service's broadcast events.
 * @param declaration the API declaration, e.g. `STUDIO_OPERATIONS`
 */
export function createDispatcher<D extends ApiDeclaration, P>(declaration: D, options: DispatcherOptions<D, P>): Dispatcher<P> {
  const service = options.service as unknown as Record<string, ServiceFunction>;
  const subscriptions = new SubscriptionTable<P>();
  const handlers = new Map<string, Handler<P>>();
  const offs: Unsubscribe[] = [];

  for (const [member, declared] of members(declaration)) {
    switch (declared.kind) {
      case 'call':
        handlers.set(member, async (peer, received) => {
          const params = [...received];
          const dialog = declared.dialog;
          if (dialog !== undefined && params[dialog.param] === null) params[dialog.param] = undefined;
          const args = parseParams(member, declared.params, params);
          if (dialog !== undefined && args[dialog.param] === undefined) {
            const chosen = await options.choosePath(dialog.kind, peer);
            if (chosen === null) return null;
            args[dialog.param] = chosen;
          }
          const result = await service[member]!(...args);
          if (declared.changesFiles === true) options.onFilesChanged?.();
          return result ?? null;
        });
        break;
      case 'event': {
        const message = { event: eventName(member), droppable: declared.droppable };
        offs.push(service[member]!((data: unknown) => options.broadcast({ ...message, data })) as Unsubscribe);
        break;
      }
      case 'keyedEvent': {
        const { subscribe, unsubscribe } = subscriptionMethods(member);
        const name = eventName(member);
        handlers.set(subscribe, (peer, params) => {
          const [key] = parseParams(subscribe, [declared.keySchema], params) as [string];
          const open = (): Unsubscribe =>
            service[member]!(key, (data: unknown) =>
              options.deliver(peer, { event: name, data, droppable: declared.droppable, key: { field: declared.keyField, value: key } }),
            ) as Unsubscribe;
          const watch = options.watchPeer === undefined ? undefined : (gone: () => void) => options.watchPeer!(peer, gone);
          subscriptions.acquire(peer, `${member}\u0000${key}`, open, watch);
          return null;
        });
        handlers.set(unsubscribe, (peer, params) => {
          subscriptions.release(peer, `${member}\u0000${String(params[0])}`);
          return null;
        });
        break;
      }
      case 'notice':
        break; // handled by the shell that receives it, not by the service
    }
  }

  return {
    methods: [...handlers.keys()],
    async call(peer, method, params) {
      const handler = handlers.get(method);
      if (handler === undefined) throw new Error(`unknown method "${method}"`);
      return (await handler(peer, params)) ?? null;
    },
    releasePeer: (peer) => subscriptions.releasePeer(peer),
    dispose() {
      for (const off of offs.splice(0)) off();
      subscriptions.clear();
    },
  };
}

/**
 * Building blocks of a declared API surface, after VS Code's `ProxyChannel`: an API is one object whose members are
 * calls, broadcast events, keyed subscriptions and notices. Its TypeScript interface ({@link ApiOf}), the interface
 * its implementation must have ({@link ServiceOf}), its wire names and every transport's client and dispatcher are
 * derived from that object, so adding a member touches the declaration and its implementation only. Browser-safe.
 *
 * Member kinds:
 * - **call** (`call(params)`): positional parameters, each checked and normalized by a zod schema where the call is
 *   received, and a reply. The wire method is the member's name.
 * - **event** (`event()`, member `on<Name>`): pushed to every client; the wire event is `<name>`.
 * - **keyed event** (`keyedEvent()`, member `on<Name>(key, listener)`): pushed only to clients that subscribed to that
 *   key, through the wire methods `subscribe<Name>` / `unsubscribe<Name>`; the receiving end reference-counts them.
 * - **notice** (`notice(params)`): fire-and-forget message with parameters and no reply.
 */
import { safeParse } from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';

/** Stops a subscription. */
export type Unsubscribe = () => void;

/** Type-only key of a declaration's parameter tuple (never set at run time). */
declare const paramsType: unique symbol;
/** Type-only key of a declaration's reply or event payload (never set at run time). */
declare const replyType: unique symbol;
/** Type-only key of the parameter tuple the implementation receives (never set at run time). */
declare const serviceParamsType: unique symbol;

/**
 * One zod schema per parameter of `P` (checks the argument and turns it into the value the implementation gets). Any
 * zod 4 schema fits; the studio's declarations use `zod/mini`, which keeps the sandboxed preload bundle small.
 */
export type ParamSchemas<P extends readonly unknown[]> = { readonly [I in keyof P]-?: $ZodType<P[I], unknown> };

/** A native file dialog that supplies a missing path parameter: `open` (Open) or `save` (Save As). */
export interface PathDialog {
  /** Index of the path parameter. */
  readonly param: number;
  readonly kind: 'open' | 'save';
}

/**
 * A request/reply member. `P`: the caller's parameters; `R`: the reply; `S`: the parameters the implementation gets
 * (differs from `P` only when a dialog fills in a path).
 */
export interface CallDeclaration<P extends unknown[] = unknown[], R = unknown, S extends unknown[] = P> {
  readonly kind: 'call';
  readonly params: ParamSchemas<P>;
  /** When set, a missing (undefined or null) path parameter is asked for with a native dialog. */
  readonly dialog?: PathDialog;
  /** True when the call opens or saves a file (the shell then refreshes its recent-files menu). */
  readonly changesFiles?: boolean;
  readonly [paramsType]?: P;
  readonly [replyType]?: R;
  readonly [serviceParamsType]?: S;
}

/** A member `on<Name>(listener)`: an event pushed to every client. */
export interface EventDeclaration<T = unknown> {
  readonly kind: 'event';
  /** True when a client whose connection is backed up may miss some (telemetry frames); false for state changes. */
  readonly droppable: boolean;
  readonly [replyType]?: T;
}

/** A member `on<Name>(key, listener)`: an event per key (e.g. one node's samples), sent only to its subscribers. */
export interface KeyedEventDeclaration<T = unknown, F extends string = string> {
  readonly kind: 'keyedEvent';
  /** Field of the wire message that carries the key (e.g. `nodeId`). */
  readonly keyField: F;
  /** Checks the key of `subscribe<Name>`; its error message is shown as `subscribe<Name>: <message>`. */
  readonly keySchema: $ZodType<string, unknown>;
  /** True when a client whose connection is backed up may miss some. */
  readonly droppable: boolean;
  readonly [replyType]?: T;
}

/** A fire-and-forget member with parameters and no reply. */
export interface NoticeDeclaration<P extends unknown[] = unknown[]> {
  readonly kind: 'notice';
  /** Schemas that check and normalize the parameters where the notice is received. */
  readonly params: ParamSchemas<P>;
  readonly [paramsType]?: P;
}

/** Any member declaration, as the generic transports see it (without its type-only parts). */
export type MemberDeclaration =
  | { readonly kind: 'call'; readonly params: readonly $ZodType[]; readonly dialog?: PathDialog; readonly changesFiles?: boolean }
  | { readonly kind: 'event'; readonly droppable: boolean }
  | { readonly kind: 'keyedEvent'; readonly keyField: string; readonly keySchema: $ZodType<string, unknown>; readonly droppable: boolean }
  | { readonly kind: 'notice'; readonly params: readonly $ZodType[] };

/** A declared API: member name -> declaration. Event members are named `on<Name>`. */
export type ApiDeclaration = Readonly<Record<string, MemberDeclaration>>;

/**
 * Declares a call.
 * @param params one schema per parameter, in order
 * @param options `changesFiles`
 * @returns the declaration; give the parameter tuple and reply as type arguments: `call<[text: string], Problem[]>(...)`
 */
export function call<P extends unknown[], R>(params: ParamSchemas<P>, options: { changesFiles?: boolean } = {}): CallDeclaration<P, R> {
  return { kind: 'call', params, ...options };
}

/**
 * Declares a call whose path parameter, when missing, is asked for with a native dialog; the implementation always
 * gets a path (the call answers null, without reaching it, when the dialog is cancelled).
 * @param params one schema per parameter, in order (the path's schema accepts undefined)
 * @param dialog which parameter, and which dialog
 */
export function callWithPathDialog<P extends unknown[], R>(
  params: ParamSchemas<P>,
  dialog: PathDialog,
  options: { changesFiles?: boolean } = {},
): CallDeclaration<P, R | null, Required<P>> {
  return { kind: 'call', params, dialog, ...options };
}

/** Declares an event pushed to every client. */
export function event<T>(options: { droppable: boolean }): EventDeclaration<T> {
  return { kind: 'event', droppable: options.droppable };
}

/** Declares an event per key with reference-counted subscriptions. */
export function keyedEvent<T, F extends string>(options: { keyField: F; keySchema: $ZodType<string, unknown>; droppable: boolean }): KeyedEventDeclaration<T, F> {
  return { kind: 'keyedEvent', ...options };
}

/** Declares a notice. */
export function notice<P extends unknown[]>(params: ParamSchemas<P>): NoticeDeclaration<P> {
  return { kind: 'notice', params };
}

type EventNameOf<K> = K extends `on${infer N}` ? Uncapitalize<N> : never;

/** The client-side member a declaration stands for. */
export type MemberOf<X> =
  X extends CallDeclaration<infer P, infer R, infer _S>
    ? (...params: P) => Promise<R>
    : X extends EventDeclaration<infer T>
      ? (listener: (data: T) => void) => Unsubscribe
      : X extends KeyedEventDeclaration<infer T, infer _F>
        ? (key: string, listener: (data: T) => void) => Unsubscribe
        : X extends NoticeDeclaration<infer P>
          ? (...params: P) => void
          : never;

/** The interface a client sees: one function per member, each documented where it is declared. */
export type ApiOf<D extends ApiDeclaration> = { [K in keyof D]: MemberOf<D[K]> };

/** The implementation-side member of a call or event declaration (notices are handled by the receiving shell). */
export type ServiceMemberOf<X> =
  X extends CallDeclaration<infer _P, infer R, infer S>
    ? (...params: S) => Promise<R>
    : X extends EventDeclaration<infer T>
      ? (listener: (data: T) => void) => Unsubscribe
      : X extends KeyedEventDeclaration<infer T, infer _F>
        ? (key: string, listener: (data: T) => void) => Unsubscribe
        : never;

/** What the implementation behind the dispatchers must provide: every call and event member. */
export type ServiceOf<D extends ApiDeclaration> = {
  [K in keyof D as D[K] extends { kind: 'notice' } ? never : K]: ServiceMemberOf<D[K]>;
};

/** Names of the notice members of a declaration. */
export type NoticeNameOf<D extends ApiDeclaration> = { [K in keyof D]: D[K] extends { kind: 'notice' } ? K : never }[keyof D] & string;

/** Names of wire methods: every call, and `subscribe<Name>` / `unsubscribe<Name>` of every keyed event. */
export type WireMethodOf<D extends ApiDeclaration> = {
  [K in keyof D]: D[K] extends { kind: 'call' }
    ? K
    : D[K] extends { kind: 'keyedEvent' }
      ? `subscribe${Capitalize<EventNameOf<K>>}` | `unsubscribe${Capitalize<EventNameOf<K>>}`
      : never;
}[keyof D] &
  string;

/** A pushed event on the wire: `{ event, data }`, plus the key field for keyed events. */
export type EventMessageOf<D extends ApiDeclaration> = {
  [K in keyof D]: D[K] extends EventDeclaration<infer T>
    ? { event: EventNameOf<K>; data: T }
    : D[K] extends KeyedEventDeclaration<infer T, infer F>
      ? { event: EventNameOf<K>; data: T } & { [P in F]: string }
      : never;
}[keyof D];

/**
 * The wire event name of an event member: `onRunState` -> `runState`.
 * @throws Error when `member` is not named `on<Name>`
 */
export function eventName(member: string): string {
  if (!/^on[A-Z]/.test(member)) throw new Error(`event member "${member}" must be named on<Name>`);
  return member.charAt(2).toLowerCase() + member.slice(3);
}

/** The wire methods of a keyed event member: `onSamples` -> `subscribeSamples` / `unsubscribeSamples`. */
export function subscriptionMethods(member: string): { subscribe: string; unsubscribe: string } {
  const name = member.slice(2);
  return { subscribe: `subscribe${name}`, unsubscribe: `unsubscribe${name}` };
}

/** Every wire method of a declaration, in declaration order (see {@link WireMethodOf}). */
export function wireMethods<D extends ApiDeclaration>(declaration: D): WireMethodOf<D>[] {
  const methods: string[] = [];
  for (const [member, declared] of Object.entries(declaration)) {
    if (declared.kind === 'call') methods.push(member);
    else if (declared.kind === 'keyedEvent') {
      const { subscribe, unsubscribe } = subscriptionMethods(member);
      methods.push(subscribe, unsubscribe);
    }
  }
  return methods as WireMethodOf<D>[];
}

/** The members of a declaration, with their names, in declaration order. */
export function members<D extends ApiDeclaration>(declaration: D): [member: keyof D & string, declared: MemberDeclaration][] {
  return Object.entries(declaration) as [keyof D & string, MemberDeclaration][];
}

/**
 * Checks and normalizes received parameters with their schemas (extra parameters are ignored; a missing one is
 * `undefined`, which optional schemas accept and defaulted ones replace).
 * @param method the method name, for the message
 * @param schemas one schema per parameter
 * @param params the received parameters
 * @returns the parameters the implementation gets, one per schema
 * @throws Error `<method>: <what is wrong>` when a parameter does not fit its schema
 */
export function parseParams(method: string, schemas: readonly $ZodType[], params: readonly unknown[]): unknown[] {
  return schemas.map((schema, index) => {
    const result = safeParse(schema, params[index]);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = schemas.length > 1 ? ` (parameter ${index + 1})` : '';
    throw new Error(`${method}: ${issue?.message ?? 'invalid parameter'}${where}`);
  });
}

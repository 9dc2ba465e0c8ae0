// Every member of the studio API declaration is reachable through both transports, iterating over the declaration
// itself: the Electron bridge (the real preload and the real main IPC registration over a faked ipcRenderer/ipcMain
// pair with structured-clone copies) and the WebSocket client against the real `startStudioServer`. The backend is
// built from the declaration too and records what reaches it. Also: sample subscriptions are reference-counted per
// window and per socket and end when the window or socket goes away.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import type { $ZodType } from 'zod/v4/core';
import { eventName, members, subscriptionMethods, type MemberDeclaration } from '../../runtime/common/api-declaration';
import { STUDIO_OPERATIONS, type StudioApi } from '../../runtime/common/studio-api';
import { RPC_METHODS } from '../../runtime/common/studio-protocol';
import { SHELL_OPERATIONS } from '../../runtime/common/studio-shell';
import type { StudioServerBackend } from '../../runtime/studio/server';

type Listener = (...args: unknown[]) => void;

const fake = vi.hoisted(() => {
  type Fn = (...args: unknown[]) => unknown;
  const handlers = new Map<string, Fn>();
  const mainListeners = new Map<string, Set<Fn>>();
  const rendererListeners = new Map<string, Set<Fn>>();
  const destroyed: (() => void)[] = [];
  const contents = {
    send: (channel: string, ...args: unknown[]) => {
      const copy = structuredClone(args);
      for (const fn of rendererListeners.get(channel) ?? []) fn({}, ...copy);
    },
    isDestroyed: () => false,
    once: (name: string, fn: () => void) => {
      if (name === 'destroyed') destroyed.push(fn);
    },
  };
  const event = () => ({ sender: contents, senderFrame: { url: 'app://studio/index.html', parent: null } });
  const ipcMain = {
    handle: (channel: string, fn: Fn) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
    on: (channel: string, fn: Fn) => mainListeners.set(channel, new Set([...(mainListeners.get(channel) ?? []), fn])),
    removeListener: (channel: string, fn: Fn) => mainListeners.get(channel)?.delete(fn),
  };
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      const handler = handlers.get(channel);
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler(event(), ...structuredClone(args)));
    },
    send: (channel: string, ...args: unknown[]) => {
      for (const fn of mainListeners.get(channel) ?? []) fn(event(), ...structuredClone(args));
    },
    on: (channel: string, fn: Fn) => {
      rendererListeners.set(channel, new Set([...(rendererListeners.get(channel) ?? []), fn]));
      return ipcRenderer;
    },
    removeListener: (channel: string, fn: Fn) => {
      rendererListeners.get(channel)?.delete(fn);
      return ipcRenderer;
    },
  };
  const exposed = new Map<string, unknown>();
  return { handlers, contents, destroyed, ipcMain, ipcRenderer, exposed };
});

vi.mock('electron', () => ({
  ipcMain: fake.ipcMain,
  ipcRenderer: fake.ipcRenderer,
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fake.exposed.set(key, api) },
  app: {},
  BrowserWindow: class {},
  dialog: {},
  Menu: {},
  protocol: {},
  session: {},
  shell: {},
}));

const { registerIpc } = await import('../../electron/main');
const { ipcEventChannel } = await import('../../electron/ipc');
await import('../../electron/preload');
const { startStudioServer } = await import('../../runtime/studio/server');
const { createWsTransport } = await import('../../renderer/api/ws-transport');

/** An example value for a parameter schema (read from its JSON Schema), distinct per member and position. */
function example(schema: $ZodType, tag: string): unknown {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const pick = (s: Record<string, unknown>): unknown => {
    if (Array.isArray(s.anyOf)) return pick((s.anyOf as Record<string, unknown>[]).find((o) => o.type !== 'null')!);
    if (Array.isArray(s.type)) return pick({ ...s, type: (s.type as string[]).find((t) => t !== 'null') });
    if (Array.isArray(s.oneOf)) return pick((s.oneOf as Record<string, unknown>[])[0]!);
    if (s.const !== undefined) return s.const;
    if (s.type === 'string') return tag;
    if (s.type === 'boolean') return tag.length % 2 === 0;
    if (s.type === 'object' && s.properties !== undefined) {
      const properties = s.properties as Record<string, Record<string, unknown>>;
      return Object.fromEntries(((s.required ?? []) as string[]).map((name) => [name, pick(properties[name]!)]));
    }
    if (s.type === 'number' || s.type === 'integer') return tag.length;
    if (s.type === 'array') return [pick((s.items ?? {}) as Record<string, unknown>)];
    // A config object; a custom check has no JSON Schema ({} accepts anything), so it gets one too.
    if (s.type === 'object' || Object.keys(s).every((k) => k === '$schema')) return { field: tag, nested: { n: 1 } };
    throw new Error(`no example for ${JSON.stringify(s)} (${tag}): teach example() this parameter type`);
  };
  return pick(json);
}

/** Example arguments of a call: every parameter given (so no dialog is needed). */
function exampleArgs(member: string, declared: CallDeclared): unknown[] {
  return declared.params.map((schema, i) => example(schema, `${member}-${i}`));
}

/** A backend built from the declaration: calls record their arguments and answer with them; events can be emitted. */
function recordingBackend() {
  const calls: { member: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<Listener>>();
  const keyed = new Map<string, Map<string, Set<Listener>>>();
  const opened: string[] = [];
  const closed: string[] = [];
  const backend: Record<string, unknown> = { rootDir: tmpdir(), dispose: async () => undefined };
  for (const [member, declared] of members(STUDIO_OPERATIONS)) {
    if (declared.kind === 'call') {
      backend[member] = async (...args: unknown[]) => {
        calls.push({ member, args });
        return { answeredBy: member, args };
      };
    } else if (declared.kind === 'event') {
      listeners.set(member, new Set());
      backend[member] = (listener: Listener) => {
        listeners.get(member)!.add(listener);
        return () => listeners.get(member)!.delete(listener);
      };
    } else if (declared.kind === 'keyedEvent') {
      keyed.set(member, new Map());
      backend[member] = (key: string, listener: Listener) => {
        const byKey = keyed.get(member)!;
        if (!byKey.has(key)) byKey.set(key, new Set());
        byKey.get(key)!.add(listener);
        opened.push(`${member}:${key}`);
        return () => {
          byKey.get(key)!.delete(listener);
          closed.push(`${member}:${key}`);
        };
      };
    }
  }
  return {
    backend,
    calls,
    opened,
    closed,
    emit: (member: string, data: unknown) => {
      for (const l of listeners.get(member) ?? []) l(data);
    },
    emitKeyed: (member: string, key: string, data: unknown) => {
      for (const l of keyed.get(member)?.get(key) ?? []) l(data);
    },
  };
}

type CallDeclared = Extract<MemberDeclaration, { kind: 'call' }>;
const CALLS = members(STUDIO_OPERATIONS).flatMap(([member, declared]): [string, CallDeclared][] => (declared.kind === 'call' ? [[member, declared]] : []));
const EVENTS = members(STUDIO_OPERATIONS).filter(([, d]) => d.kind === 'event');
const KEYED = members(STUDIO_OPERATIONS).filter(([, d]) => d.kind === 'keyedEvent');
const call = (api: unknown, member: string, ...args: unknown[]): Promise<unknown> =>
  (api as Record<string, (...a: unknown[]) => Promise<unknown>>)[member]!(...args);
const subscribe = (api: unknown, member: string, ...args: unknown[]): (() => void) =>
  (api as Record<string, (...a: unknown[]) => () => void>)[member]!(...args);

/** The contract both transports must meet, run against a client of each. */
function reachesEveryMember(transport: () => { api: unknown; recorder: ReturnType<typeof recordingBackend> }) {
  it('declares calls, events and a keyed subscription (the lists below are the declaration, not a copy)', () => {
    expect(CALLS.length).toBeGreaterThan(10);
    expect(EVENTS.map(([m]) => m)).toEqual(expect.arrayContaining(['onRunState', 'onTelemetry']));
    expect(KEYED.map(([m]) => m)).toEqual(expect.arrayContaining(['onSamples']));
    const keyedMethods = KEYED.flatMap(([m]) => Object.values(subscriptionMethods(m)));
    expect([...RPC_METHODS].sort()).toEqual([...CALLS.map(([m]) => m), ...keyedMethods].sort());
  });

  it.each(CALLS)('%s reaches the backend with its arguments and answers with its reply', async (member, declared) => {
    const { api, recorder } = transport();
    const args = exampleArgs(member, declared);
    // The backend gets the arguments as their schemas parse them (defaults filled in, e.g. a record's headers).
    const parsed = args.map((arg, i) => z.parse(declared.params[i]!, arg));
    const before = recorder.calls.length;
    await expect(call(api, member, ...args)).resolves.toEqual({ answeredBy: member, args: parsed });
    expect(recorder.calls.slice(before)).toEqual([{ member, args: parsed }]);
  });

  it.each(EVENTS)('%s delivers the backend\'s events until unsubscribed', async (member) => {
    const { api, recorder } = transport();
    const got: unknown[] = [];
    const off = subscribe(api, member, (data: unknown) => got.push(data));
    recorder.emit(member, { event: eventName(member), n: 1 });
    await vi.waitFor(() => expect(got).toEqual([{ event: eventName(member), n: 1 }]));
    off();
    recorder.emit(member, { n: 2 });
    recorder.emit(member, { n: 3 });
    await new Promise((done) => setTimeout(done, 50));
    expect(got).toHaveLength(1);
  });

  it.each(KEYED)('%s delivers one key\'s events only, and unsubscribing ends the backend subscription', async (member) => {
    const { api, recorder } = transport();
    const got: unknown[] = [];
    const off = subscribe(api, member, 'k1', (data: unknown) => got.push(data));
    await vi.waitFor(() => expect(recorder.opened).toContain(`${member}:k1`));
    recorder.emitKeyed(member, 'k2', { key: 'k2' });
    recorder.emitKeyed(member, 'k1', { key: 'k1' });
    await vi.waitFor(() => expect(got).toEqual([{ key: 'k1' }]));
    off();
    await vi.waitFor(() => expect(recorder.closed).toContain(`${member}:k1`));
  });

  it('refuses a parameter that does not fit its schema before the backend sees it', async () => {
    const { api, recorder } = transport();
    const before = recorder.calls.length;
    await expect(call(api, 'validate', 42)).rejects.toThrow(/^validate: /);
    expect(recorder.calls.length).toBe(before);
  });
}

describe('Electron bridge (preload + main over a faked IPC pair)', () => {
  const recorder = recordingBackend();
  const documents: unknown[] = [];
  let dispose: () => void;
  let api: StudioApi & Record<string, unknown>;

  beforeAll(() => {
    dispose = registerIpc({
      backend: recorder.backend as never,
      trusted: new Set([fake.contents]) as never,
      windowOf: () => null,
      onDocumentState: (_contents, state) => documents.push(state),
    });
    api = fake.exposed.get('tributary') as StudioApi & Record<string, unknown>;
  });
  afterAll(() => dispose());

  reachesEveryMember(() => ({ api, recorder }));

  it('exposes exactly one function per declared member, studio and shell', () => {
    const functions = Object.entries(api).filter(([, v]) => typeof v === 'function').map(([k]) => k);
    expect(functions.sort()).toEqual([...Object.keys(STUDIO_OPERATIONS), ...Object.keys(SHELL_OPERATIONS)].sort());
    for (const method of RPC_METHODS) expect(fake.handlers.has(`tributary:${method}`), method).toBe(true);
    expect(fake.handlers.size).toBe(RPC_METHODS.length);
  });

  it('carries the shell members: notices reach main normalized, menu commands reach the renderer', () => {
    for (const [member, declared] of members(SHELL_OPERATIONS)) {
      if (declared.kind === 'notice') {
        (api[member] as (...a: unknown[]) => void)({ dirty: true, path: '/w/a.flow.yaml', extra: 'dropped' });
        expect(documents.at(-1)).toEqual({ dirty: true, path: '/w/a.flow.yaml' });
        (api[member] as (...a: unknown[]) => void)({ dirty: 'yes', path: 7 });
        expect(documents.at(-1)).toEqual({ dirty: false, path: null });
      } else {
        const got: unknown[] = [];
        const off = (api[member] as (l: (d: unknown) => void) => () => void)((d) => got.push(d));
        fake.contents.send(ipcEventChannel(member), { command: 'fit' });
        off();
        fake.contents.send(ipcEventChannel(member), { command: 'fit' });
        expect(got).toEqual([{ command: 'fit' }]);
      }
    }
  });

  it('reference-counts sample subscriptions per window and ends them when the window is destroyed', async () => {
    const [member] = KEYED[0]!;
    const { subscribe: sub, unsubscribe: unsub } = subscriptionMethods(member);
    const invoke = (method: string, key: string) => fake.ipcRenderer.invoke(`tributary:${method}`, key);
    const opened = recorder.opened.length;
    await invoke(sub, 'n1');
    await invoke(sub, 'n1');
    expect(recorder.opened.slice(opened)).toEqual([`${member}:n1`]);
    await invoke(unsub, 'n1');
    expect(recorder.closed).not.toContain(`${member}:n1`);
    await invoke(unsub, 'n1');
    expect(recorder.closed.filter((c) => c === `${member}:n1`)).toHaveLength(1);
    await invoke(sub, 'n2');
    await invoke(sub, 'n3');
    for (const gone of fake.destroyed.splice(0)) gone();
    expect(recorder.closed).toEqual(expect.arrayContaining([`${member}:n2`, `${member}:n3`]));
  });
});

describe('WebSocket client against the real studio server', () => {
  const recorder = recordingBackend();
  let server: Awaited<ReturnType<typeof startStudioServer>>;
  let api: ReturnType<typeof createWsTransport>;
  let origin: string;
  let socketUrl: string;

  beforeAll(async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'tributary-transports-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
    server = await startStudioServer({ backend: recorder.backend as StudioServerBackend, port: 0, staticDir });
    origin = `http://127.0.0.1:${server.port}`;
    socketUrl = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
    api = createWsTransport({ url: socketUrl, connect: (url) => new WebSocket(url, { origin }) as never });
  });
  afterAll(async () => {
    api.close();
    await server.close();
  });

  reachesEveryMember(() => ({ api, recorder }));

  it('reference-counts sample subscriptions per socket and ends them when the socket closes', async () => {
    const [member] = KEYED[0]!;
    const { subscribe: sub, unsubscribe: unsub } = subscriptionMethods(member);
    const ws = new WebSocket(socketUrl, { origin });
    await new Promise((done, fail) => ws.once('open', done).once('error', fail));
    let id = 0;
    const answers = new Map<number, (v: unknown) => void>();
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as { id?: number };
      if (message.id !== undefined) answers.get(message.id)?.(message);
    });
    const rpc = (method: string, ...params: unknown[]) =>
      new Promise((done) => {
        answers.set(++id, done);
        ws.send(JSON.stringify({ id, method, params }));
      });
    const opened = recorder.opened.length;
    await expect(rpc(sub, 'n1')).resolves.toEqual({ id: 1, result: null });
    await rpc(sub, 'n1');
    expect(recorder.opened.slice(opened)).toEqual([`${member}:n1`]);
    await rpc(unsub, 'n1');
    expect(recorder.closed).not.toContain(`${member}:n1`);
    await rpc(unsub, 'n1');
    expect(recorder.closed.filter((c) => c === `${member}:n1`)).toHaveLength(1);
    await expect(rpc(sub, '')).resolves.toEqual({ id: 5, error: { message: `${sub}: give a node id` } });
    await rpc(sub, 'n2');
    ws.close();
    await vi.waitFor(() => expect(recorder.closed).toContain(`${member}:n2`));
  });

  it('answers an undeclared method, even one the backend object has, with "unknown method"', async () => {
    const ws = new WebSocket(socketUrl, { origin });
    await new Promise((done) => ws.once('open', done));
    const answers: unknown[] = [];
    ws.on('message', (raw) => answers.push(JSON.parse(raw.toString())));
    ws.send(JSON.stringify({ id: 1, method: 'dispose', params: [] }));
    ws.send(JSON.stringify({ id: 2, method: 'constructor', params: [] }));
    await vi.waitFor(() => expect(answers).toHaveLength(2));
    expect(answers).toEqual([
      { id: 1, error: { message: 'unknown method "dispose"' } },
      { id: 2, error: { message: 'unknown method "constructor"' } },
    ]);
    ws.close();
  });
});

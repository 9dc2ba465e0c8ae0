// The generic dispatcher on a declaration of its own: a new member needs only its declaration and its
// implementation; parameters are checked and normalized by their schemas; a missing path goes to the dialog.
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { call, callWithPathDialog, event, keyedEvent, type ServiceOf } from '../../runtime/common/api-declaration';
import type { Problem } from '../../runtime/common/errors';
import type { FlowFile, StudioApi, StudioService, Unsubscribe } from '../../runtime/common/studio-api';
import type { NodeSamples } from '../../runtime/common/telemetry';
import { createDispatcher, type DispatchedEvent } from '../../runtime/studio/dispatcher';

const DECLARATION = {
  /** A call nobody wrote a transport for. */
  echo: call<[text: string, times: number], string>([z.string(), z.number().int().default(1)]),
  /** A call with a path dialog. */
  open: callWithPathDialog<[path?: string], string>([z.string().optional()], { param: 0, kind: 'open' }, { changesFiles: true }),
  /** A broadcast event. */
  onTick: event<number>({ droppable: true }),
  /** A keyed event. */
  onRow: keyedEvent<string, 'table'>({ keyField: 'table', keySchema: z.string().min(1, 'give a table'), droppable: false }),
} as const;

function setup(choice: string | null = '/chosen.flow.yaml') {
  const ticks = new Set<(n: number) => void>();
  const rows = new Map<string, (row: string) => void>();
  const service = {
    echo: vi.fn(async (text: string, times: number) => text.repeat(times)),
    open: vi.fn(async (path: string) => `opened ${path}`),
    onTick: (listener: (n: number) => void) => {
      ticks.add(listener);
      return () => ticks.delete(listener);
    },
    onRow: vi.fn((table: string, listener: (row: string) => void) => {
      rows.set(table, listener);
      return () => rows.delete(table);
    }),
  } satisfies ServiceOf<typeof DECLARATION>;
  const broadcast: DispatchedEvent[] = [];
  const delivered: [string, DispatchedEvent][] = [];
  const choosePath = vi.fn(async () => choice);
  const onFilesChanged = vi.fn();
  const dispatcher = createDispatcher<typeof DECLARATION, string>(DECLARATION, {
    service,
    choosePath,
    onFilesChanged,
    broadcast: (e) => broadcast.push(e),
    deliver: (peer, e) => delivered.push([peer, e]),
  });
  return { dispatcher, service, ticks, rows, broadcast, delivered, choosePath, onFilesChanged };
}

describe('dispatcher', () => {
  it('answers every wire method of a declaration it was never written for', async () => {
    const { dispatcher, service } = setup();
    expect(dispatcher.methods).toEqual(['echo', 'open', 'subscribeRow', 'unsubscribeRow']);
    await expect(dispatcher.call('peer', 'echo', ['ab', 2, 'ignored extra'])).resolves.toBe('abab');
    await expect(dispatcher.call('peer', 'echo', ['ab'])).resolves.toBe('ab');
    expect(service.echo).toHaveBeenLastCalledWith('ab', 1);
    await expect(dispatcher.call('peer', 'echo', [1])).rejects.toThrow(/^echo: .*\(parameter 1\)$/);
    await expect(dispatcher.call('peer', 'toString', [])).rejects.toThrow('unknown method "toString"');
  });

  it('asks for a missing path, answers null without calling the service when cancelled', async () => {
    const chosen = setup();
    await expect(chosen.dispatcher.call('peer', 'open', [null])).resolves.toBe('opened /chosen.flow.yaml');
    expect(chosen.choosePath).toHaveBeenCalledWith('open', 'peer');
    expect(chosen.onFilesChanged).toHaveBeenCalledTimes(1);
    await expect(chosen.dispatcher.call('peer', 'open', ['/given.flow.yaml'])).resolves.toBe('opened /given.flow.yaml');
    expect(chosen.choosePath).toHaveBeenCalledTimes(1);

    const cancelled = setup(null);
    await expect(cancelled.dispatcher.call('peer', 'open', [])).resolves.toBeNull();
    expect(cancelled.service.open).not.toHaveBeenCalled();
    expect(cancelled.onFilesChanged).not.toHaveBeenCalled();
  });

  it('broadcasts events and delivers keyed ones to their subscriber until disposed', async () => {
    const { dispatcher, ticks, rows, broadcast, delivered, service } = setup();
    for (const tick of ticks) tick(7);
    expect(broadcast).toEqual([{ event: 'tick', data: 7, droppable: true }]);
    await expect(dispatcher.call('a', 'subscribeRow', [''])).rejects.toThrow('subscribeRow: give a table');
    await dispatcher.call('a', 'subscribeRow', ['orders']);
    rows.get('orders')!('row 1');
    expect(delivered).toEqual([['a', { event: 'row', data: 'row 1', droppable: false, key: { field: 'table', value: 'orders' } }]]);
    expect(service.onRow).toHaveBeenCalledTimes(1);
    dispatcher.dispose();
    expect(ticks.size).toBe(0);
    expect(rows.size).toBe(0);
  });

  it('derives the studio API and the backend it needs from the declaration with the signatures callers use', () => {
    expectTypeOf<StudioApi['openFlow']>().toEqualTypeOf<(path?: string) => Promise<FlowFile | null>>();
    expectTypeOf<StudioApi['saveFlow']>().toEqualTypeOf<(text: string, path?: string) => Promise<string | null>>();
    expectTypeOf<StudioApi['writeAutosave']>().toEqualTypeOf<(text: string, path: string | null) => Promise<void>>();
    expectTypeOf<StudioApi['validate']>().toEqualTypeOf<(text: string) => Promise<Problem[]>>();
    expectTypeOf<StudioApi['onSamples']>().toEqualTypeOf<(key: string, listener: (data: NodeSamples) => void) => Unsubscribe>();
    expectTypeOf<StudioApi['testConnection']>().toEqualTypeOf<(nodeType: string, config: Record<string, unknown>) => Promise<{ ok: boolean; message: string }>>();
    // The backend gets a path always (dialogs are the shell's job).
    expectTypeOf<StudioService['openFlow']>().toEqualTypeOf<(path: string) => Promise<FlowFile | null>>();
    expectTypeOf<StudioService['saveFlow']>().toEqualTypeOf<(text: string, path: string) => Promise<string | null>>();
    expectTypeOf<ServiceOf<typeof DECLARATION>['echo']>().toEqualTypeOf<(text: string, times: number) => Promise<string>>();
  });
});

/**
 * Hand-made engine contexts for node runtime tests: what the engine gives a runtime, with nothing behind it.
 */
import { pino } from 'pino';
import type { NodeSpec } from '../../runtime/common/node-spec';
import { createNodeCounters } from '../../runtime/engine/counters';
import type { BatchScope, FlowRecord, NodeContext, SourceContext } from '../../runtime/engine/types';

/** A batch scope whose holds are counted: `held()` is the number not yet released. */
export function countingScope(): BatchScope & { held(): number } {
  let open = 0;
  return {
    hold() {
      open++;
      let released = false;
      return () => {
        if (!released) open--;
        released = true;
      };
    },
    held: () => open,
  };
}

/** A scope for tests that do not look at holds. */
export const noHold: BatchScope = { hold: () => () => undefined };

/** A node context with a silent logger; records passed to `emit` are collected in `emitted`. */
export function testNodeContext(nodeId: string, spec: NodeSpec): NodeContext & { emitted: { port: string; records: FlowRecord[] }[] } {
  const emitted: { port: string; records: FlowRecord[] }[] = [];
  return {
    nodeId,
    spec,
    logger: pino({ level: 'silent' }),
    preview: false,
    signal: new AbortController().signal,
    emit: async (port, records) => {
      emitted.push({ port, records });
    },
    counters: createNodeCounters(),
    emitted,
  };
}

/** The checkpoint part of a source context for flows without stateful transforms. */
export const noCheckpoints: Pick<SourceContext, 'checkpointing' | 'checkpoint' | 'restore'> = {
  checkpointing: () => false,
  checkpoint: () => null,
  restore: () => undefined,
};

/** Runtime of `sink.console` (Node-only). */
import { defineSink, type FlowRecord, type SinkRejection } from '../../runtime/engine/types';
import { consoleSinkSpec } from './console.spec';

/** The object printed for one record: the record's fields in a fixed order, `error` only when set. */
export function consoleView(record: FlowRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
    meta: record.meta,
  };
  if (record.error !== undefined) view.error = record.error;
  return view;
}

/**
 * Runtime of `sink.console`: `write(batch)` prints the batch with one `process.stdout.write` call (waiting for `drain`
 * when stdout is full) and resolves once it was handed to stdout. A record that cannot be encoded as JSON (a BigInt,
 * a cycle) is returned as a rejection (code `E_SINK`) and the rest are printed.
 */
export const consoleSinkRuntime = defineSink(consoleSinkSpec, (config) => {
  const indent = config.format === 'pretty' ? 2 : undefined;
  return {
    async write(batch: FlowRecord[]): Promise<SinkRejection[]> {
      const rejections: SinkRejection[] = [];
      let text = '';
      batch.forEach((record, index) => {
        try {
          text += `${JSON.stringify(consoleView(record), null, indent)}\n`;
        } catch (error) {
          rejections.push({ index, message: `cannot print the record as JSON: ${(error as Error).message}`, code: 'E_SINK' });
        }
      });
      if (text !== '' && !process.stdout.write(text)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            process.stdout.off('drain', done).off('close', done).off('error', done);
            resolve();
          };
          process.stdout.once('drain', done).once('close', done).once('error', done);
        });
      }
      return rejections;
    },
  };
});

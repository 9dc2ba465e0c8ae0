/** The JSON form of a record in what sinks write (Node-only: byte values are Buffers). */
import { Buffer } from 'node:buffer';
import type { FlowRecord } from '../runtime/engine/types';

/**
 * The JSON of one record as a sink writes it: its value, or `{ key, value, headers, timestamp }` with `envelope`. A
 * byte value (Buffer, Uint8Array) becomes a base64 string.
 * @throws Error when the record cannot be encoded (BigInt, a cycle, an undefined value)
 */
export function recordJson(record: FlowRecord, envelope: boolean): string {
  const value = record.value instanceof Uint8Array ? Buffer.from(record.value).toString('base64') : record.value;
  const json = JSON.stringify(envelope ? { key: record.key, value, headers: record.headers, timestamp: record.timestamp } : value) as
    | string
    | undefined;
  if (json === undefined) throw new Error(`the value is ${typeof value}; nothing to write`);
  return json;
}

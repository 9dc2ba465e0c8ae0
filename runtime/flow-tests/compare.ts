/**
 * Compares what a flow test case produced with what it expects, per sink and error port, and renders the difference
 * as a unified diff of the two record lists in YAML (the `diff` package), matchers that held shown as the value they
 * matched so that only real differences appear.
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { FlowRecord } from '../engine/types';
import { MATCHER_TAGS, reconcile } from './matchers';
import type { ExpectedRecord } from './test-file';

/** The result for one sink or error port. */
export interface PortComparison {
  /** Sink node id or `<node id>.error`. */
  key: string;
  ok: boolean;
  expectedCount: number;
  actualCount: number;
  /** Unified diff, expected (`-`) vs actual (`+`), when not ok. */
  diff?: string;
}

/** The fields of an actual record compared against `expected` (all of key, value, headers, error when none given). */
export function recordView(record: FlowRecord, expected: ExpectedRecord | undefined): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  const fields = expected === undefined ? undefined : Object.keys(expected).filter((k) => expected[k as keyof ExpectedRecord] !== undefined);
  const wants = (field: string): boolean => fields === undefined || fields.includes(field);
  if (wants('key')) view.key = record.key;
  if (wants('value')) view.value = record.value;
  if (fields?.includes('headers') === true || (fields === undefined && Object.keys(record.headers).length > 0)) view.headers = record.headers;
  if (fields?.includes('timestamp') === true) view.timestamp = record.timestamp;
  if (wants('error') && record.error !== undefined) view.error = { nodeId: record.error.nodeId, code: record.error.code, message: record.error.message };
  else if (fields?.includes('error') === true) view.error = null;
  return view;
}

function toYaml(records: unknown[]): string {
  return records.length === 0 ? '[]\n' : stringify(records, { customTags: MATCHER_TAGS, lineWidth: 0 });
}

/**
 * Compares the records that reached one sink or error port with the expected ones, in order.
 * @param key sink node id or `<node id>.error`
 * @param expected the expected records of the case
 * @param actual the captured records
 */
export function comparePort(key: string, expected: readonly ExpectedRecord[], actual: readonly FlowRecord[]): PortComparison {
  let ok = expected.length === actual.length;
  const shownExpected: unknown[] = [];
  const shownActual: unknown[] = [];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const want = expected[i];
    const got = actual[i];
    const view = got === undefined ? undefined : recordView(got, want);
    if (view !== undefined) shownActual.push(view);
    if (want === undefined) continue;
    const plain = Object.fromEntries(Object.entries(want).filter(([, v]) => v !== undefined));
    const r = reconcile(plain, view ?? {});
    ok &&= r.ok;
    shownExpected.push(view === undefined ? plain : r.expected);
  }
  const result: PortComparison = { key, ok, expectedCount: expected.length, actualCount: actual.length };
  if (!ok) {
    const patch = createTwoFilesPatch(`expected ${key}`, `actual ${key}`, toYaml(shownExpected), toYaml(shownActual), undefined, undefined, { context: 3 });
    // Drop the `===` line and keep ---/+++ and the hunks.
    result.diff = patch
      .split('\n')
      .filter((line) => !line.startsWith('====') && !line.startsWith('\\ No newline'))
      .join('\n')
      .trimEnd();
  }
  return result;
}

/**
 * Pure helpers of the sample panel and the expression editor: table columns from the records' fields, the search
 * filter and field-name completion from sampled records (expressions are evaluated by the studio backend:
 * `runtime/studio/evaluate-expression.ts`).
 */
import type { SampleRecord } from '../../runtime/common/telemetry';

/** A sampled record as the panel lists it (outputs carry their port). */
export type ShownRecord = SampleRecord & { port?: string };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Table columns for records: `key`, then `value` when some value is not an object, then `value.<field>` for every
 * top-level field of object values (first-seen order), then `port` when records carry one.
 */
export function sampleColumns(records: readonly ShownRecord[]): string[] {
  const fields: string[] = [];
  const seen = new Set<string>();
  let scalar = false;
  let port = false;
  for (const r of records) {
    if (r.port !== undefined) port = true;
    if (isPlainObject(r.value) && r.truncated !== true) {
      for (const k of Object.keys(r.value)) {
        if (!seen.has(k)) {
          seen.add(k);
          fields.push(k);
        }
      }
    } else scalar = true;
  }
  return ['key', ...(scalar ? ['value'] : []), ...fields.map((f) => `value.${f}`), ...(port ? ['port'] : [])];
}

/** The text of one table cell. */
export function cellText(record: ShownRecord, column: string): string {
  let v: unknown;
  if (column === 'key') v = record.key;
  else if (column === 'port') v = record.port;
  else if (column === 'value') v = isPlainObject(record.value) ? undefined : record.value;
  else if (column.startsWith('value.')) v = isPlainObject(record.value) ? record.value[column.slice(6)] : undefined;
  if (v === undefined) return '';
  if (v === null) return 'null';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Records whose key, value, headers or error contain `query` (case-insensitive); all records for an empty query. */
export function filterSamples<T extends ShownRecord>(records: readonly T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [...records];
  return records.filter((r) => JSON.stringify([r.key, r.value, r.headers, r.error?.message ?? null]).toLowerCase().includes(q));
}

/** Most field paths offered for completion. */
const MAX_PATHS = 200;

/** Field paths of sampled records, for completion: `value.a`, `value.a.b` (3 levels), `key`, `headers.<h>`, `meta.<m>`. */
export function fieldPaths(records: readonly SampleRecord[]): string[] {
  const paths = new Set<string>(['value', 'key']);
  const walk = (v: unknown, prefix: string, depth: number): void => {
    if (!isPlainObject(v) || depth > 3) return;
    for (const [k, inner] of Object.entries(v)) {
      if (!/^[A-Za-z_$][\w$]*$/.test(k) || paths.size >= MAX_PATHS) continue;
      const path = `${prefix}.${k}`;
      paths.add(path);
      walk(inner, path, depth + 1);
    }
  };
  for (const r of records) {
    if (r.truncated !== true) walk(r.value, 'value', 1);
    walk(r.headers, 'headers', 3);
    walk(r.meta, 'meta', 3);
  }
  return [...paths];
}

/** The completions for the text before the cursor: paths that extend the dotted name being typed. */
export function completionsAt(text: string, cursor: number, paths: readonly string[]): { from: number; options: string[] } {
  const m = /((?:value|key|headers|meta)(?:\.[A-Za-z_$][\w$]*)*\.?|[A-Za-z_$][\w$]*)$/.exec(text.slice(0, cursor));
  if (m === null) return { from: cursor, options: [] };
  const typed = m[1] as string;
  const options = paths.filter((p) => p.startsWith(typed) && p !== typed && !p.slice(typed.length).replace(/^\./, '').includes('.')).slice(0, 12);
  return { from: cursor - typed.length, options };
}

/** Digits grouped by thousands ("1,234,567"); hand-rolled, as `toLocaleString` is far too slow for 500 nodes at 10 Hz. */
function grouped(n: number): string {
  const digits = String(Math.abs(Math.round(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 && digits !== '0' ? `-${out}` : out;
}

/** Compact number: 1234 -> "1,234"; 12345678 -> "12.3M". */
export function formatCount(n: number): string {
  if (n >= 10_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return grouped(n);
}

/** A rate in records/s: "0", "8.5", "1,234", "12.3k". */
export function formatRate(n: number): string {
  if (n >= 100_000) return `${(n / 1000).toFixed(0)}k`;
  if (n >= 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n > 0 && n < 10) return n.toFixed(1);
  return grouped(n);
}

/** Milliseconds: "—" when unknown, "0.4 ms", "12 ms", "1.2 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** Uptime as "1:02:03" or "2:03". */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** SVG polyline points of a sparkline of `values` in a `width` x `height` box (max at the top). */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`).join(' ');
}

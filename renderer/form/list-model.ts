/**
 * Editing list and map values of the inspector's structured fields, as pure functions (no DOM, unit-tested in Node):
 * moving, removing and adding the items of an `object-list` (routes, aggregates) or `string-list` (brokers), the
 * key/value rows of a `string-map` (HTTP headers) with duplicate keys flagged, and the compiler's problems of a list
 * field split per item and item field (`[1].expression: ...` -> row 1, field `expression`).
 */
import type { FormField } from './schema-form';

/**
 * `items` with the item at `from` moved to `to` (a copy); indices outside the list leave it as it is.
 * @param items the list
 * @param from index of the item to move
 * @param to index it ends up at
 */
export function moveItem<T>(items: readonly T[], from: number, to: number): T[] {
  const next = [...items];
  if (from === to || from < 0 || to < 0 || from >= items.length || to >= items.length) return next;
  const [moved] = next.splice(from, 1);
  next.splice(to, 0, moved as T);
  return next;
}

/** `items` without the item at `index` (a copy). */
export function removeItem<T>(items: readonly T[], index: number): T[] {
  return items.filter((_, i) => i !== index);
}

/**
 * A new item of an `object-list`: its required enum fields set to their default or first option (an aggregate's
 * `op: count`), the rest left out so that the compiler names what is still missing.
 * @param fields the item fields (`FormField.itemFields`)
 */
export function newListItem(fields: readonly FormField[]): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.default !== undefined) continue;
    if (field.required && field.kind === 'enum' && field.options?.[0] !== undefined) item[field.name] = field.options[0].value;
  }
  return item;
}

/** The compiler's problems of a list field, split per item and item field. */
export interface ItemProblems {
  /** Problems about the list as a whole (`too small: expected at least 1 item`). */
  whole: string[];
  /** Item index -> item field name (`''`: the item as a whole) -> messages. */
  items: Map<number, Map<string, string[]>>;
}

/**
 * Splits the problems of a list field by item: the inspector gives them as `[<index>].<field>: <message>` (the rest
 * of the problem's path after the field name), or as the plain message for the field itself.
 * @param errors the field's problem messages
 */
export function itemProblems(errors: readonly string[]): ItemProblems {
  const out: ItemProblems = { whole: [], items: new Map() };
  for (const error of errors) {
    const m = /^\[(\d+)\](?:\.([A-Za-z_$][A-Za-z0-9_$-]*))?[^:]*: (.*)$/s.exec(error);
    if (m === null) {
      out.whole.push(error);
      continue;
    }
    const index = Number(m[1]);
    const field = m[2] ?? '';
    const byField = out.items.get(index) ?? new Map<string, string[]>();
    byField.set(field, [...(byField.get(field) ?? []), m[3] as string]);
    out.items.set(index, byField);
  }
  return out;
}

/** One key/value row of a `string-map` editor. */
export interface MapRow {
  key: string;
  value: string;
}

/** The rows of a map value, in its key order (values that are not strings are shown as JSON). */
export function mapRows(value: unknown): MapRow[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).map(([key, v]) => ({ key, value: typeof v === 'string' ? v : JSON.stringify(v) }));
}

/** The map written from key/value rows, and the rows left out of it. */
export interface MapFromRows {
  /** The rows with a key, in order; of rows with the same key only the first. */
  value: Record<string, string>;
  /** Indices of rows whose key an earlier row already has (flagged, not written). */
  duplicates: Set<number>;
}

/**
 * The map value of key/value rows: rows with an empty key are still being written and left out; a key that an earlier
 * row has is flagged as a duplicate and left out (a map holds a key once). Keys are compared as written (HTTP header
 * names are case-insensitive, so the caller may pass `fold` to compare them lower-cased).
 * @param rows the rows, in order
 * @param fold compares keys case-insensitively when true
 */
export function mapFromRows(rows: readonly MapRow[], fold = false): MapFromRows {
  const value: Record<string, string> = {};
  const seen = new Set<string>();
  const duplicates = new Set<number>();
  rows.forEach((row, i) => {
    if (row.key === '') return;
    const name = fold ? row.key.toLowerCase() : row.key;
    if (seen.has(name)) {
      duplicates.add(i);
      return;
    }
    seen.add(name);
    value[row.key] = row.value;
  });
  return { value, duplicates };
}

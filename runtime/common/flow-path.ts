/**
 * Paths into a flow document: formatted as `nodes[2].config.routes[1].expression` in problems, read back from that
 * text, and looked up in plain data. Browser-safe: no Node imports.
 */

/** A path into a document: object keys and array indexes, outermost first. */
export type PathSegments = readonly PropertyKey[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a path as `nodes[2].config.routes[1].expression`. Keys that are not identifier-like are written as
 * `["a.b"]`, so {@link parsePath} can read them back.
 * @param path keys and indexes, outermost first; an empty path gives `''`
 */
export function formatPath(path: PathSegments): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/**
 * Reads a path written by {@link formatPath} back into segments (`a.b[1]["c.d"]` -> `['a', 'b', 1, 'c.d']`).
 * @returns the segments, or `undefined` when the text is not such a path
 */
export function parsePath(text: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  const token = /\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const m = token.exec(text);
    if (m === null || (at === 0 && m[0].startsWith('.'))) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3] as string) as string);
    at = token.lastIndex;
  }
  return out;
}

/**
 * The value at `path` inside `data`, and whether the last key is present (an own property) in its parent.
 * @param data plain data (objects and arrays)
 * @param path keys and indexes, outermost first
 * @returns `{ found: false, value: undefined }` when any step of the path is missing or not an object
 */
export function valueAt(data: unknown, path: PathSegments): { found: boolean; value: unknown } {
  let current: unknown = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return { found: false, value: undefined };
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return { found: true, value: current };
}

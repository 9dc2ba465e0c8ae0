/**
 * Saving a flow over the text it was opened from: {@link updateFlowText} applies the new flow to the original YAML
 * document (the `yaml` package's Document API) so that comments, key order, quoting and the formatting of every part
 * the user did not change stay as they were: a studio edit of one node changes that node's lines only.
 * Browser-safe: no Node imports.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode, type Pair, type Scalar } from 'yaml';
import { diffArrays } from 'diff';
import type { Flow } from './flow';
import { sameValue } from './flow-diff';
import { flowFileObject, serializeFlow } from './flow-serializer';

/** A plain value as written to a flow file. */
type Plain = unknown;

/**
 * How the items of a sequence are matched between the original and the new flow, by path from the document root:
 * nodes by id and edges by their endpoints (their order carries no meaning, so the original order is kept and new
 * items are appended); every other list (routes, aggregates, brokers, ...) by position, since its order matters.
 */
function sequenceKey(path: readonly string[]): ((item: Plain) => string | undefined) | undefined {
  if (path.length !== 1) return undefined;
  if (path[0] === 'nodes') return (item) => (isRecord(item) && typeof item.id === 'string' ? item.id : undefined);
  if (path[0] === 'edges') {
    return (item) => (isRecord(item) && typeof item.from === 'string' && typeof item.to === 'string' ? `${item.from}\u0000${item.to}` : undefined);
  }
  return undefined;
}

function isRecord(value: Plain): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A new node for `value`, keeping the comments that were attached to the node it replaces. */
function replacement(doc: Document, old: YamlNode | null, value: Plain): YamlNode {
  const created = doc.createNode(value) as YamlNode;
  if (old !== null) {
    if (old.commentBefore) created.commentBefore = old.commentBefore;
    if (old.comment) created.comment = old.comment;
    if (isScalar(old) && isScalar(created) && typeof value === 'string' && (old.type === 'BLOCK_LITERAL' || old.type === 'BLOCK_FOLDED')) {
      (created as Scalar).type = value.includes('\n') ? old.type : 'PLAIN';
    }
  }
  if (isScalar(created) && typeof value === 'string' && value.includes('\n') && created.type === undefined) created.type = 'BLOCK_LITERAL';
  return created;
}

/**
 * Makes `node` hold `value`, changing as little as possible: an equal part is kept as it is (with its comments and
 * style), maps keep their key order (removed keys dropped, new keys appended), sequences are matched as
 * {@link sequenceKey} says.
 */
function merge(doc: Document, node: YamlNode | null, value: Plain, path: string[]): YamlNode {
  if (node === null || isAlias(node)) return replacement(doc, node, value);
  if (sameValue(node.toJSON(), value)) return node;
  if (isMap(node) && isRecord(value)) {
    const pairs = node.items as Pair<YamlNode, YamlNode | null>[];
    const kept: Pair<YamlNode, YamlNode | null>[] = [];
    const seen = new Set<string>();
    for (const pair of pairs) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined || !Object.hasOwn(value, key)) continue;
      seen.add(key);
      pair.value = merge(doc, pair.value, value[key], [...path, key]);
      kept.push(pair);
    }
    for (const [key, item] of Object.entries(value)) {
      if (!seen.has(key)) kept.push(doc.createPair(key, item) as Pair<YamlNode, YamlNode | null>);
    }
    node.items = kept;
    return node;
  }
  if (isSeq(node) && Array.isArray(value)) {
    const items = node.items as (YamlNode | null)[];
    const keyOf = sequenceKey(path);
    if (keyOf !== undefined) {
      const wanted = new Map<string, Plain>();
      const unkeyed: Plain[] = [];
      for (const item of value) {
        const key = keyOf(item);
        if (key === undefined || wanted.has(key)) unkeyed.push(item);
        else wanted.set(key, item);
      }
      const kept: (YamlNode | null)[] = [];
      for (const item of items) {
        const key = item === null ? undefined : keyOf(item.toJSON());
        if (key === undefined || !wanted.has(key)) continue;
        kept.push(merge(doc, item, wanted.get(key), [...path, key]));
        wanted.delete(key);
      }
      for (const item of [...wanted.values(), ...unkeyed]) kept.push(replacement(doc, null, item));
      node.items = kept;
      return node;
    }
    node.items = value.map((item, i) => merge(doc, i < items.length ? (items[i] ?? null) : null, item, [...path, String(i)]));
    return node;
  }
  return replacement(doc, node, value);
}

/**
 * The text to save for `flow`, written over `original` (the file's text as opened or last saved) so that untouched
 * parts keep their comments, key order and formatting; a top-level `$schema` key of the original is kept. Falls back
 * to {@link serializeFlow} when there is no original, it does not parse, or it is not a mapping.
 * Settings and `onError` written explicitly in the original stay even when they equal their defaults.
 * @param original the file text the flow was loaded from, or `null` for a new flow
 * @param flow the flow to write (parsed with `substitute: false`, so `${VAR}` references are kept)
 * @param format `yaml` or `json` (JSON keeps key order; it has no comments to keep)
 * @returns the file text, ending with a newline
 */
export function updateFlowText(original: string | null, flow: Flow, format: 'yaml' | 'json'): string {
  if (original === null || original.trim() === '') return serializeFlow(flow, format);
  const doc = parseDocument(original, { uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return serializeFlow(flow, format);
  const before = doc.toJSON() as Record<string, unknown>;
  const value = flowFileObject(flow, before);
  if (typeof before.$schema === 'string' && value.$schema === undefined) {
    const withSchema: Record<string, unknown> = { $schema: before.$schema };
    Object.assign(withSchema, value);
    merge(doc, doc.contents as YamlNode, withSchema, []);
  } else {
    merge(doc, doc.contents as YamlNode, value, []);
  }
  if (format === 'json') return `${JSON.stringify(doc.toJSON(), null, 2)}\n`;
  return withOriginalPadding(doc, original);
}

/** A line with the spaces just inside flow brackets removed: `[ a ]` and `[a]` compare equal. */
function unpadded(line: string): string {
  return line.replace(/([[{])\s+/g, '$1').replace(/\s+([\]}])/g, '$1');
}

/**
 * The document's text with every line that is unchanged, up to the padding inside flow brackets, taken verbatim from
 * the original: the `yaml` package pads all flow collections alike (`[ a ]` or `[a]`), while files mix both
 * (`brokers: ["..."]` beside `{ from: a, to: b }`). Lines are matched in order (a longest common subsequence,
 * `diffArrays` of the `diff` package). The result is parsed again and must equal the document; if it does not (a
 * quoted string whose only change is such a space), the plain rendering is returned.
 */
function withOriginalPadding(doc: Document, original: string): string {
  const rendered = doc.toString({ lineWidth: 0 });
  const lines = rendered.split('\n');
  const originalLines = original.split('\n');
  const out: string[] = [];
  let o = 0;
  let r = 0;
  for (const part of diffArrays(originalLines, lines, { comparator: (a, b) => unpadded(a) === unpadded(b) })) {
    const count = part.count ?? part.value.length;
    if (part.removed) o += count;
    else if (part.added) {
      out.push(...lines.slice(r, r + count));
      r += count;
    } else {
      out.push(...originalLines.slice(o, o + count));
      o += count;
      r += count;
    }
  }
  const text = out.join('\n');
  const check = parseDocument(text, { uniqueKeys: false });
  return check.errors.length === 0 && sameValue(check.toJSON(), doc.toJSON()) ? text : rendered;
}

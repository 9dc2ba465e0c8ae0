/**
 * The semantic diff of two flows: what changed between two versions of a flow file, node by node, as `tributary diff`
 * prints it and the studio's "Compare with saved" shows it. Pure and browser-safe (no Node imports): both the CLI
 * (`runtime/diff-command.ts`) and the renderer (`renderer/store/compare-store.ts`) call {@link diffFlows}.
 *
 * What counts as a change, and what does not:
 * - Formatting, comments, key order, quoting, YAML vs JSON and defaults spelled out are no change: the flows are
 *   compared after parsing (`parseFlowText` with `substitute: false`, so `${VAR}` references are compared as written),
 *   settings with their defaults applied, `onError` defaulting to `stop`, an endpoint `node` equal to `node:out` /
 *   `node:in`. Node config fields are compared as written: a field set to its default is a change `(unset) → value`.
 * - Nodes are matched by id. A node whose id is in both flows is *changed* when its type, title, onError or a config
 *   field differs; each difference is one {@link FieldChange} with its path (`config.routes[1].condition`). Arrays
 *   are compared index by index.
 * - *Renamed* means a new id for the same node: a node removed from the old flow and a node added in the new one with
 *   the same type and the same config (title and onError may differ, and are then field changes). The pairs are found
 *   in the old flow's order, each with the first unused added node that fits (one at the same position first). Edges
 *   and positions of a renamed node are compared under its new id, so a rename alone is one change. A changed title
 *   on the same id is not a rename: it is the field change `title`.
 * - Edges are added or removed (an edge has no fields); `layout` (canvas positions, ignored by the runtime) is
 *   summarised as the ids of the nodes in both flows whose position changed.
 */
import { FlowSettingsSchema, parseEndpoint, type Flow, type FlowNode, type FlowSettings } from './flow';
import { formatPath } from './flow-path';
import { DEFAULT_INPUT, DEFAULT_OUTPUT } from './node-spec';

/** One field that differs: its path, and its value before and after (`undefined` when the field is not set). */
export interface FieldChange {
  /** Path from the node (`config.routes[1].condition`, `title`, `onError`) or the flow (`name`, `settings.batchSize`). */
  path: string;
  before: unknown;
  after: unknown;
}

/** What happened to one node. `id` is the node's id in the new flow (in the old one for `removed`). */
export type NodeChange =
  | { change: 'added'; id: string; type: string; title?: string }
  | { change: 'removed'; id: string; type: string; title?: string }
  /** Same type and config under a new id; `fields` holds a changed title or onError. */
  | { change: 'renamed'; id: string; previousId: string; type: string; fields: FieldChange[] }
  /** Same id; at least one field differs. */
  | { change: 'changed'; id: string; type: string; fields: FieldChange[] };

/** An edge added or removed; endpoints as `node:port` with the ports spelled out (old ids for a removed edge). */
export interface EdgeChange {
  change: 'added' | 'removed';
  from: string;
  to: string;
}

/** Every change from one flow to another; all lists empty and `moved` empty when the flows are the same. */
export interface FlowDiff {
  /** Flow-level fields: `name`, `description`, `settings.<key>` (settings compared with their defaults applied). */
  flow: FieldChange[];
  /** Removed nodes in the old flow's order, then added, renamed and changed nodes in the new flow's order. */
  nodes: NodeChange[];
  /** Removed edges in the old flow's order, then added edges in the new flow's order. */
  edges: EdgeChange[];
  /** Ids (new ids) of the nodes in both flows whose canvas position changed, in the new flow's order. */
  moved: string[];
}

const SETTINGS_DEFAULTS: FlowSettings = FlowSettingsSchema.parse({});

/** True when two plain values (JSON-like data) are equal, objects compared key by key in any order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => sameValue(item, other[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  if (keys.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  return keys.every((k) => Object.hasOwn(y, k) && sameValue(x[k], y[k]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Appends the differences between `before` and `after` below `path` to `out`: leaves, array items by index. */
function diffValues(path: (string | number)[], before: unknown, after: unknown, out: FieldChange[]): void {
  if (sameValue(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    for (const key of keys) diffValues([...path, key], before[key], after[key], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) diffValues([...path, i], before[i], after[i], out);
    return;
  }
  out.push({ path: formatPath(path), before, after });
}

/** The fields of one node that differ (type, title, onError, config). */
function nodeFields(before: FlowNode, after: FlowNode): FieldChange[] {
  const out: FieldChange[] = [];
  diffValues(['type'], before.type, after.type, out);
  diffValues(['title'], before.title, after.title, out);
  diffValues(['onError'], before.onError ?? 'stop', after.onError ?? 'stop', out);
  diffValues(['config'], before.config ?? {}, after.config ?? {}, out);
  return out;
}

/** An endpoint with its port spelled out, node ids mapped through `rename`. */
function endpoint(text: string, fallback: string, rename: (id: string) => string): string {
  const { nodeId, port } = parseEndpoint(text);
  return `${rename(nodeId)}:${port ?? fallback}`;
}

function titled(node: FlowNode): { title?: string } {
  return node.title === undefined ? {} : { title: node.title };
}

/**
 * Pairs removed nodes with added nodes that are the same node under a new id (same type, same config); see the file
 * comment. Returns new id by old id.
 */
function findRenames(before: Flow, after: Flow, removed: FlowNode[], added: FlowNode[]): Map<string, string> {
  const renames = new Map<string, string>();
  const used = new Set<string>();
  for (const old of removed) {
    const fits = added.filter((n) => !used.has(n.id) && n.type === old.type && sameValue(old.config ?? {}, n.config ?? {}));
    const oldAt = before.layout?.[old.id];
    const match = fits.find((n) => oldAt !== undefined && sameValue(after.layout?.[n.id], oldAt)) ?? fits[0];
    if (match === undefined) continue;
    used.add(match.id);
    renames.set(old.id, match.id);
  }
  return renames;
}

/**
 * The semantic diff from `before` to `after` (see the file comment for what counts as a change and what "renamed"
 * means).
 * @param before the old flow, parsed (`parseFlowText` with `substitute: false`, or `graphToFlow` of a canvas)
 * @param after the new flow, parsed the same way
 */
export function diffFlows(before: Flow, after: Flow): FlowDiff {
  const flow: FieldChange[] = [];
  diffValues(['name'], before.name, after.name, flow);
  diffValues(['description'], before.description, after.description, flow);
  diffValues(['settings'], { ...SETTINGS_DEFAULTS, ...definedOnly(before.settings) }, { ...SETTINGS_DEFAULTS, ...definedOnly(after.settings) }, flow);

  const oldById = new Map(before.nodes.map((n) => [n.id, n]));
  const newIds = new Set(after.nodes.map((n) => n.id));
  const removed = before.nodes.filter((n) => !newIds.has(n.id));
  const added = after.nodes.filter((n) => !oldById.has(n.id));
  const renames = findRenames(before, after, removed, added);
  const previousIds = new Map([...renames].map(([from, to]) => [to, from]));

  const nodes: NodeChange[] = [];
  for (const node of removed) if (!renames.has(node.id)) nodes.push({ change: 'removed', id: node.id, type: node.type, ...titled(node) });
  for (const node of after.nodes) {
    const previousId = previousIds.get(node.id);
    const old = oldById.get(previousId ?? node.id);
    if (old === undefined) {
      nodes.push({ change: 'added', id: node.id, type: node.type, ...titled(node) });
      continue;
    }
    const fields = nodeFields(old, node);
    if (previousId !== undefined) nodes.push({ change: 'renamed', id: node.id, previousId, type: node.type, fields });
    else if (fields.length > 0) nodes.push({ change: 'changed', id: node.id, type: node.type, fields });
  }

  const rename = (id: string): string => renames.get(id) ?? id;
  const same = (id: string): string => id;
  const key = (from: string, to: string): string => `${from}\u0000${to}`;
  const oldEdges = before.edges.map((e) => ({ from: endpoint(e.from, DEFAULT_OUTPUT, same), to: endpoint(e.to, DEFAULT_INPUT, same), mapped: key(endpoint(e.from, DEFAULT_OUTPUT, rename), endpoint(e.to, DEFAULT_INPUT, rename)) }));
  const newEdges = after.edges.map((e) => ({ from: endpoint(e.from, DEFAULT_OUTPUT, same), to: endpoint(e.to, DEFAULT_INPUT, same) }));
  const oldKeys = new Set(oldEdges.map((e) => e.mapped));
  const newKeys = new Set(newEdges.map((e) => key(e.from, e.to)));
  const edges: EdgeChange[] = [];
  const seen = new Set<string>();
  for (const e of oldEdges) {
    if (newKeys.has(e.mapped) || seen.has(e.mapped)) continue;
    seen.add(e.mapped);
    edges.push({ change: 'removed', from: e.from, to: e.to });
  }
  for (const e of newEdges) {
    const k = key(e.from, e.to);
    if (oldKeys.has(k) || seen.has(k)) continue;
    seen.add(k);
    edges.push({ change: 'added', from: e.from, to: e.to });
  }

  const moved: string[] = [];
  for (const node of after.nodes) {
    const old = oldById.get(previousIds.get(node.id) ?? node.id);
    if (old === undefined) continue;
    if (!sameValue(before.layout?.[old.id], after.layout?.[node.id])) moved.push(node.id);
  }
  return { flow, nodes, edges, moved };
}

function definedOnly(settings: Partial<FlowSettings> | undefined): Partial<FlowSettings> {
  return Object.fromEntries(Object.entries(settings ?? {}).filter(([, v]) => v !== undefined)) as Partial<FlowSettings>;
}

/** True when the diff has no change at all (layout included). */
export function isEmptyDiff(diff: FlowDiff): boolean {
  return diff.flow.length === 0 && diff.nodes.length === 0 && diff.edges.length === 0 && diff.moved.length === 0;
}

/** Most node ids named in the one layout line; the rest are counted. */
const MOVED_NAMED = 5;

/** A value as the change list shows it: JSON (strings quoted), `(unset)` for a field that is not set. */
export function formatValue(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}

/** `orders:out` -> `orders`, `filter:error` stays: the default ports are left out, as in flow files. */
function shortEndpoint(text: string, fallback: string): string {
  return text.endsWith(`:${fallback}`) ? text.slice(0, -fallback.length - 1) : text;
}

/** The one line that summarises layout-only changes, e.g. `~ layout: 2 nodes moved (orders, sink)`. */
export function formatMoved(moved: readonly string[]): string {
  const named = moved.slice(0, MOVED_NAMED).join(', ');
  const more = moved.length > MOVED_NAMED ? ` and ${moved.length - MOVED_NAMED} more` : '';
  return `~ layout: ${moved.length} node${moved.length === 1 ? '' : 's'} moved (${named}${more})`;
}

/** One field change as a line, `path: before → after`. */
export function formatFieldChange(change: FieldChange): string {
  return `${change.path}: ${formatValue(change.before)} → ${formatValue(change.after)}`;
}

/**
 * The change list as lines, the way `tributary diff` prints it (documented in docs/flow-diff.md):
 * `~ <flow field>: old → new`; `- node <id> (<type>)`, `+ node <id> (<type>) "<title>"`,
 * `~ node <id> (<type>)` (`, renamed from <old id>`) followed by its field changes indented by four spaces;
 * `- edge <from> -> <to>` / `+ edge ...`; then one `~ layout: N nodes moved (...)` line. Empty for an empty diff.
 */
export function formatFlowDiff(diff: FlowDiff): string[] {
  const lines = diff.flow.map((f) => `~ ${formatFieldChange(f)}`);
  for (const node of diff.nodes) {
    const title = node.change === 'added' || node.change === 'removed' ? (node.title === undefined ? '' : ` ${JSON.stringify(node.title)}`) : '';
    switch (node.change) {
      case 'removed':
        lines.push(`- node ${node.id} (${node.type})${title}`);
        break;
      case 'added':
        lines.push(`+ node ${node.id} (${node.type})${title}`);
        break;
      case 'renamed':
      case 'changed':
        lines.push(`~ node ${node.id} (${node.type})${node.change === 'renamed' ? `, renamed from ${node.previousId}` : ''}`);
        for (const field of node.fields) lines.push(`    ${formatFieldChange(field)}`);
        break;
    }
  }
  for (const edge of diff.edges) {
    lines.push(`${edge.change === 'added' ? '+' : '-'} edge ${shortEndpoint(edge.from, DEFAULT_OUTPUT)} -> ${shortEndpoint(edge.to, DEFAULT_INPUT)}`);
  }
  if (diff.moved.length > 0) lines.push(formatMoved(diff.moved));
  return lines;
}

/** Leaf lines `prefix path = value` of a value, objects by key in sorted order, arrays by index. */
function leafLines(prefix: string, path: (string | number)[], value: unknown, out: string[]): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const key of Object.keys(value).sort()) if (value[key] !== undefined) leafLines(prefix, [...path, key], value[key], out);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => leafLines(prefix, [...path, i], item, out));
    return;
  }
  out.push(`${prefix}${formatPath(path)} = ${formatValue(value)}`);
}

/**
 * A flow as canonical lines, for git's `textconv` (`tributary diff --textconv FILE`): one line per flow field and
 * setting (defaults applied), per node (sorted by id) and each of its fields, per edge (sorted), and all positions on
 * one `layout` line, so that a line diff of two of these is a semantic diff and moving nodes changes one line.
 */
export function flowLines(flow: Flow): string[] {
  const out: string[] = [];
  leafLines('', ['name'], flow.name, out);
  if (flow.description !== undefined) leafLines('', ['description'], flow.description, out);
  leafLines('', ['settings'], { ...SETTINGS_DEFAULTS, ...definedOnly(flow.settings) }, out);
  const nodes = [...flow.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const node of nodes) {
    out.push(`node ${node.id} (${node.type})`);
    if (node.title !== undefined) out.push(`node ${node.id} title = ${formatValue(node.title)}`);
    out.push(`node ${node.id} onError = ${formatValue(node.onError ?? 'stop')}`);
    leafLines(`node ${node.id} `, ['config'], node.config ?? {}, out);
  }
  const edges = flow.edges.map((e) => `edge ${shortEndpoint(endpoint(e.from, DEFAULT_OUTPUT, (id) => id), DEFAULT_OUTPUT)} -> ${shortEndpoint(endpoint(e.to, DEFAULT_INPUT, (id) => id), DEFAULT_INPUT)}`);
  out.push(...[...new Set(edges)].sort());
  const positions = nodes.filter((n) => flow.layout?.[n.id] !== undefined).map((n) => `${n.id}(${flow.layout![n.id]!.x},${flow.layout![n.id]!.y})`);
  if (positions.length > 0) out.push(`layout ${positions.join(' ')}`);
  return out;
}

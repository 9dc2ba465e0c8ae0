/**
 * Writing a new flow file: {@link serializeFlow} writes YAML or JSON with a stable key order, leaving out what the loader
 * fills in by default, so that a loaded and saved flow stays as short as written. Browser-safe: no Node imports.
 */
import { stringify } from 'yaml';
import { FlowSchema, type Flow, type FlowSettings } from './flow';

const SETTINGS_DEFAULTS: FlowSettings = FlowSchema.shape.settings.parse(undefined);

/**
 * The plain object a flow file holds, with a stable key order: `$schema, version, name, description, settings, nodes,
 * edges, layout`; in each node `id, type, title, config, onError`. Settings equal to their defaults and `onError: stop`
 * are left out, unless `asWritten` (the file's previous content) wrote them: then they stay, so a save does not
 * remove lines the user wrote.
 * @param flow the flow (parsed or as written)
 * @param asWritten the previous file content as plain data, when the flow is saved over an existing file
 */
export function flowFileObject(flow: Flow, asWritten?: Record<string, unknown>): Record<string, unknown> {
  const writtenSettings = isPlainObject(asWritten?.settings) ? asWritten.settings : {};
  const writtenNodes = new Map<string, Record<string, unknown>>();
  if (Array.isArray(asWritten?.nodes)) {
    for (const node of asWritten.nodes) if (isPlainObject(node) && typeof node.id === 'string') writtenNodes.set(node.id, node);
  }
  const settings: Record<string, unknown> = {};
  const current: Record<string, unknown> = flow.settings ?? {};
  for (const [key, value] of Object.entries(current)) {
    if (SETTINGS_DEFAULTS[key as keyof FlowSettings] !== value || Object.hasOwn(writtenSettings, key)) settings[key] = value;
  }
  // A setting the file wrote at its default, which the editor holds as "not set": still the default, still written.
  for (const key of Object.keys(writtenSettings)) {
    if (!Object.hasOwn(settings, key) && Object.hasOwn(SETTINGS_DEFAULTS, key)) settings[key] = SETTINGS_DEFAULTS[key as keyof FlowSettings];
  }
  const ordered: Record<string, unknown> = {};
  if (flow.$schema !== undefined) ordered.$schema = flow.$schema;
  ordered.version = flow.version;
  ordered.name = flow.name;
  if (flow.description !== undefined) ordered.description = flow.description;
  if (Object.keys(settings).length > 0 || Object.hasOwn(asWritten ?? {}, 'settings')) ordered.settings = settings;
  ordered.nodes = flow.nodes.map((node) => {
    const out: Record<string, unknown> = { id: node.id, type: node.type };
    if (node.title !== undefined) out.title = node.title;
    out.config = node.config ?? {};
    const wroteOnError = Object.hasOwn(writtenNodes.get(node.id) ?? {}, 'onError');
    if (node.onError !== undefined && (node.onError !== 'stop' || wroteOnError)) out.onError = node.onError;
    return out;
  });
  ordered.edges = (flow.edges ?? []).map((edge) => ({ from: edge.from, to: edge.to }));
  if (flow.layout !== undefined) {
    ordered.layout = Object.fromEntries(Object.entries(flow.layout).map(([id, p]) => [id, { x: p.x, y: p.y }]));
  }
  return ordered;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Serializes a flow from scratch (a new file) with the key order of {@link flowFileObject}. Strings are written as
 * they are: a flow loaded with `substitute: false` keeps its `${VAR}` references. To save over an existing file and
 * keep its comments and formatting, use `updateFlowText` (flow-document.ts).
 * @param flow the flow (parsed or as written)
 * @param format `yaml` (block style, no line folding) or `json` (2-space indent); both end with a newline
 */
export function serializeFlow(flow: Flow, format: 'yaml' | 'json'): string {
  const ordered = flowFileObject(flow);
  if (format === 'json') return `${JSON.stringify(ordered, null, 2)}\n`;
  return stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false });
}

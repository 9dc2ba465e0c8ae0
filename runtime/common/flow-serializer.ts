/**
 * Saving a flow: {@link serializeFlow} writes YAML or JSON with a stable key order, leaving out what the loader fills
 * in by default, so that a loaded and saved flow stays as short as written. Browser-safe: no Node imports.
 */
import { stringify } from 'yaml';
import { FlowSchema, type Flow, type FlowSettings } from './flow';

const SETTINGS_DEFAULTS: FlowSettings = FlowSchema.shape.settings.parse(undefined);

/**
 * Serializes a flow with a stable key order: `version, name, description, settings, nodes, edges, layout`; in each node
 * `id, type, title, config, onError`. Settings equal to their defaults and `onError: stop` are left out, so a loaded
 * and saved flow stays as short as written. Strings are written as they are: a flow loaded with `substitute: false`
 * keeps its `${VAR}` references.
 * @param flow the flow (parsed or as written)
 * @param format `yaml` (block style, no line folding) or `json` (2-space indent); both end with a newline
 */
export function serializeFlow(flow: Flow, format: 'yaml' | 'json'): string {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flow.settings ?? {})) {
    if (SETTINGS_DEFAULTS[key as keyof FlowSettings] !== value) settings[key] = value;
  }
  const ordered: Record<string, unknown> = { version: flow.version, name: flow.name };
  if (flow.description !== undefined) ordered.description = flow.description;
  if (Object.keys(settings).length > 0) ordered.settings = settings;
  ordered.nodes = flow.nodes.map((node) => {
    const out: Record<string, unknown> = { id: node.id, type: node.type };
    if (node.title !== undefined) out.title = node.title;
    out.config = node.config ?? {};
    if (node.onError !== undefined && node.onError !== 'stop') out.onError = node.onError;
    return out;
  });
  ordered.edges = (flow.edges ?? []).map((edge) => ({ from: edge.from, to: edge.to }));
  if (flow.layout !== undefined) {
    ordered.layout = Object.fromEntries(Object.entries(flow.layout).map(([id, p]) => [id, { x: p.x, y: p.y }]));
  }
  if (format === 'json') return `${JSON.stringify(ordered, null, 2)}\n`;
  return stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Writes `docs/nodes.md`, the reference of every node type, from the node specs (`nodes/specs.ts`), so the docs can
 * never drift from the schemas the runtime validates with. Run `npx tsx scripts/gen-node-docs.ts` after changing a
 * spec; `scripts/check-node-docs.ts` (and the unit tests) fail while the file is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fieldMetaOf, objectFieldsOf, type StoredFieldMeta } from '../runtime/common/field-meta';
import { outputPorts, type NodeSpec } from '../runtime/common/node-spec';
import { nodeSpecs } from '../nodes/specs';

/** Path of the generated file, relative to the repository root. */
export const NODE_DOCS_PATH = 'docs/nodes.md';

/** The command that regenerates {@link NODE_DOCS_PATH}. */
export const NODE_DOCS_COMMAND = 'npx tsx scripts/gen-node-docs.ts';

/** The subset of JSON Schema that zod emits for node configs and that the docs read. */
interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
}

/** One row of a config table. */
interface FieldRow {
  path: string;
  schema: JsonSchema;
  required: boolean;
  /** The field metadata (conditions, flags, examples), when the field has any. */
  meta: StoredFieldMeta | undefined;
}

/** Escapes text for a Markdown table cell (pipes, line breaks). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Numeric bounds worth showing: `≥ 0`, `1–64`; the implicit safe-integer bound zod adds is left out. */
function bounds(schema: JsonSchema): string {
  const min = schema.minimum ?? (schema.exclusiveMinimum === undefined ? undefined : `> ${schema.exclusiveMinimum}`);
  const max = schema.maximum !== undefined && Math.abs(schema.maximum) < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
  if (typeof min === 'number' && max !== undefined) return ` ${min}–${max}`;
  if (typeof min === 'number' && Math.abs(min) < Number.MAX_SAFE_INTEGER) return ` ≥ ${min}`;
  if (typeof min === 'string') return ` ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

/** A short type description of a JSON Schema: `string`, `integer ≥ 0`, `string[]`, `"a" \| "b"`, `object`. */
function typeOf(schema: JsonSchema): string {
  if (schema.enum !== undefined) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const union = schema.anyOf ?? schema.oneOf;
  if (union !== undefined) return union.map(typeOf).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  if (type === 'array') {
    const item = schema.items === undefined ? 'any' : typeOf(schema.items);
    return `${item.includes(' ') ? `(${item})` : item}[]`;
  }
  if (type === 'integer' || type === 'number') return `${type}${bounds(schema)}`;
  return type;
}

/**
 * The config fields of a spec, nested object fields as `parent.child` rows after their parent.
 * @param schema the object's JSON Schema (types, defaults, required)
 * @param zodFields the object's zod field schemas by name (field metadata)
 */
function fieldRows(schema: JsonSchema, zodFields: Readonly<Record<string, z.ZodType>>, prefix = ''): FieldRow[] {
  const rows: FieldRow[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const zodField = Object.hasOwn(zodFields, name) ? zodFields[name] : undefined;
    rows.push({ path, schema: field, required: required.has(name), meta: zodField === undefined ? undefined : fieldMetaOf(zodField) });
    if (field.properties !== undefined) {
      rows.push(...fieldRows(field, (zodField === undefined ? undefined : objectFieldsOf(zodField)) ?? {}, `${path}.`));
    }
  }
  return rows;
}

/** The "Applies when" cell of a field: `` `command` is `set` or `publish` ``, empty when it always applies. */
function appliesWhenCell(meta: StoredFieldMeta | undefined): string {
  const when = meta?.appliesWhen;
  if (when === undefined) return '';
  const values = when.values.map(code);
  const listed = values.length === 1 ? values[0] : `${values.slice(0, -1).join(', ')} or ${values.at(-1) as string}`;
  return `${code(when.field)} is ${listed}`;
}

/** The description cell of a field: its prose, then what the metadata adds (secret, advanced, examples). */
function descriptionCell(description: string, meta: StoredFieldMeta | undefined): string {
  const parts = [description];
  if (meta?.secret === true) parts.push('**Secret:** write a `${VAR}` reference, not the value.');
  if (meta?.advanced === true) parts.push('*Advanced setting.*');
  const examples = meta?.examples ?? [];
  if (examples.length > 0) parts.push(`${examples.length === 1 ? 'Example' : 'Examples'}: ${examples.map((e) => code(JSON.stringify(e))).join(', ')}.`);
  return parts.filter((p) => p !== '').join(' ');
}

/** The JSON Schema (input side: fields with defaults are optional) of a spec's config. */
export function configJsonSchema(spec: NodeSpec): JsonSchema {
  return z.toJSONSchema(spec.config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The Markdown section of one node type. */
function renderSpec(spec: NodeSpec): string {
  const lines: string[] = [];
  lines.push(`## ${spec.type}`, '', `**${spec.title}** (${spec.kind}, version ${spec.version}). ${spec.description}`, '');
  const ports = (list: { name: string; description: string }[]): string =>
    list.length === 0 ? 'none' : list.map((p) => `${code(p.name)} (${p.description})`).join('; ');
  lines.push(`- Inputs: ${ports(spec.inputs)}`);
  lines.push(`- Outputs: ${ports(outputPorts(spec, undefined))}`);
  if (spec.outputsFromConfig !== undefined) lines.push('- More outputs depend on the config (see below).');
  if (spec.expressions !== undefined && spec.expressions.length > 0) {
    lines.push(`- Expression fields: ${spec.expressions.map(code).join(', ')}`);
  }
  const variables = ['value', 'key', 'headers', 'meta', ...(spec.expressionVariables ?? [])];
  if (spec.expressions !== undefined && spec.expressions.length > 0) {
    lines.push(`- Expression variables: ${variables.map(code).join(', ')}, plus the helpers in ${code('fn')}`);
  }
  lines.push('', '| Field | Type | Required | Default | Applies when | Description |', '| --- | --- | --- | --- | --- | --- |');
  const expressionFields = new Set(spec.expressions ?? []);
  for (const row of fieldRows(configJsonSchema(spec), objectFieldsOf(spec.config) ?? {})) {
    const type = expressionFields.has(row.path) ? 'expression' : typeOf(row.schema);
    const fallback = row.schema.default === undefined ? '' : code(JSON.stringify(row.schema.default));
    const nested = row.path.includes('.') ? ' (when the parent is given)' : '';
    lines.push(
      `| ${code(row.path)} | ${cell(type)} | ${row.required ? `yes${nested}` : 'no'} | ${cell(fallback)} | ${cell(appliesWhenCell(row.meta))} | ` +
        `${cell(descriptionCell(row.schema.description ?? '', row.meta))} |`,
    );
  }
  if (spec.example !== undefined) {
    lines.push('', 'Example:', '', '```json', JSON.stringify(spec.example, null, 2), '```');
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * The full text of `docs/nodes.md`: an index table, then per node type its title, description, ports, expression
 * fields, a table of config fields (type, whether required, default, when it applies, description with the secret and
 * advanced flags and examples of the field metadata; enum options in the type column) and the example config.
 * @param specs the specs to document (default: every spec of `nodes/specs.ts`)
 * @returns Markdown ending with a newline
 * @throws Error from zod when a config schema cannot be represented in JSON Schema
 */
export function renderNodeDocs(specs: readonly NodeSpec[] = nodeSpecs): string {
  const lines: string[] = [
    '# Node types',
    '',
    `<!-- Generated from the node specs (nodes/specs.ts) by \`${NODE_DOCS_COMMAND}\`; do not edit by hand. -->`,
    '',
    'Every node also has an `error` output port: records that failed in the node leave through it with',
    '`error: { nodeId, message, code }` set. Expression fields hold JavaScript expressions (see `runtime/common/expression.ts`).',
    'A field with an "Applies when" condition matters only when that other field has one of the values named; the',
    'studio\'s inspector shows it only then (or when it is set).',
    '',
    '| Type | Title | Description |',
    '| --- | --- | --- |',
    ...specs.map((s) => `| [${code(s.type)}](#${s.type.replace(/\./g, '')}) | ${cell(s.title)} | ${cell(s.description)} |`),
    '',
  ];
  for (const spec of specs) lines.push(renderSpec(spec));
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** Writes {@link NODE_DOCS_PATH} under `root` (default: the repository root). */
export function writeNodeDocs(root = join(dirname(fileURLToPath(import.meta.url)), '..')): string {
  const target = join(root, NODE_DOCS_PATH);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, renderNodeDocs());
  return target;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeNodeDocs();
  console.log(`wrote ${NODE_DOCS_PATH}`);
}

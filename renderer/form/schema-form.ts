/**
 * Inspector forms generated from a node spec's zod config schema (via `z.toJSONSchema(spec.config, { io: 'input' })`):
 * one field per config key, with its description, default, enum options (and what each means, read from the field's
 * description), and the condition under which the field applies. Pure, no DOM: unit-tested in Node.
 */
import { z } from 'zod';
import type { NodeSpec } from '../../runtime/common/node-spec';

/** How a field is edited. */
export type FieldKind = 'string' | 'expression' | 'number' | 'integer' | 'boolean' | 'enum' | 'string-list' | 'object' | 'json';

/** One enum option and what it means. */
export interface EnumOption {
  value: string | number | boolean;
  /** From the field description (`json: parsed JSON ...`, `` `set` = SET key value ``), when it says. */
  description?: string;
}

/** A form field derived from a JSON Schema property. */
export interface FormField {
  name: string;
  kind: FieldKind;
  description: string;
  required: boolean;
  /** The schema default, shown when the config does not set the field. */
  default?: unknown;
  options?: EnumOption[];
  minimum?: number;
  maximum?: number;
  /** The field applies only when `field` (a sibling enum) has one of `values`, e.g. `maxLen` only for `xadd`. */
  appliesWhen?: { field: string; values: string[] };
  /** Fields of an object (e.g. `sasl`). */
  children?: FormField[];
}

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

/**
 * What each enum option means, read from the field description: `` `set` = SET key value ...; `hset` = ... `` or
 * `json: parsed JSON ...; string: UTF-8 text` or `` `none` or `gzip` `` (no description then).
 */
export function enumOptionDescriptions(description: string, values: readonly unknown[]): Map<string, string> {
  const out = new Map<string, string>();
  const names = values.map(String);
  // Where each option's explanation starts: "`x` =", "`x` (", "x:" at a clause start.
  const starts: { name: string; at: number; textAt: number }[] = [];
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
    const patterns = [
      new RegExp('`' + escaped + '`\\s*(=|\\()\\s*', 'g'),
      new RegExp('(?:^|[.;:,]\\s+)' + escaped + '(?::|\\s+=)\\s+', 'g'),
      new RegExp('(?:^|[.;:]\\s+)`' + escaped + '`\\s+(?=[a-z])', 'g'),
    ];
    for (const re of patterns) {
      const m = re.exec(description);
      if (m !== null) {
        const at = m.index + (m[0].length - m[0].trimStart().length);
        starts.push({ name, at, textAt: m.index + m[0].length - (m[1] === '(' ? 1 : 0) });
        break;
      }
    }
  }
  starts.sort((a, b) => a.at - b.at);
  starts.forEach((start, i) => {
    const end = starts[i + 1]?.at ?? description.length;
    const text = description
      .slice(start.textAt, end)
      .replace(/^[(=\s]+/, (s) => (s.startsWith('(') ? '(' : ''))
      .replace(/[\s;,.]+$/, '')
      .replace(/;?\s*$/, '');
    if (text !== '' && !/^(or|and)$/.test(text)) out.set(start.name, text);
  });
  return out;
}

/**
 * The condition under which a field applies, read from its description's leading list of option names:
 * `` `set`/`publish`: ... ``, `` `xadd` only: ... ``, `` `zadd` (required there): ... ``, matched against a sibling enum
 * field that has all of them as options.
 */
export function appliesWhen(description: string, siblings: readonly FormField[]): FormField['appliesWhen'] {
  const m = /^((?:`[^`]+`\s*(?:\/|,|or|and)?\s*)+)(?:only)?\s*(?:\([^)]*\))?\s*:/.exec(description);
  if (m === null) return undefined;
  const values = [...(m[1] as string).matchAll(/`([^`]+)`/g)].map((x) => x[1] as string);
  const owner = siblings.find((f) => f.kind === 'enum' && values.every((v) => f.options?.some((o) => String(o.value) === v) === true));
  return owner === undefined ? undefined : { field: owner.name, values };
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  return schema.type;
}

/** Fields of an object schema (one level; objects get their own children). */
function fieldsOf(schema: JsonSchema, expressions: ReadonlySet<string>, prefix = ''): FormField[] {
  const required = new Set(schema.required ?? []);
  const fields: FormField[] = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const p = property.anyOf?.find((s) => typeOf(s) !== 'null') ?? property;
    const type = typeOf(p);
    const description = property.description ?? p.description ?? '';
    let kind: FieldKind;
    if (p.enum !== undefined) kind = 'enum';
    else if (type === 'string') kind = expressions.has(prefix + name) ? 'expression' : 'string';
    else if (type === 'integer') kind = 'integer';
    else if (type === 'number') kind = 'number';
    else if (type === 'boolean') kind = 'boolean';
    else if (type === 'array' && typeOf(p.items ?? {}) === 'string') kind = 'string-list';
    else if (type === 'object' && p.properties !== undefined) kind = 'object';
    else kind = 'json';
    const field: FormField = { name, kind, description, required: required.has(name) && property.default === undefined };
    const fallback = property.default ?? p.default;
    if (fallback !== undefined) field.default = fallback;
    if (p.enum !== undefined) {
      const explained = enumOptionDescriptions(description, p.enum);
      field.options = p.enum.map((value) => {
        const option: EnumOption = { value: value as EnumOption['value'] };
        const text = explained.get(String(value));
        if (text !== undefined) option.description = text;
        return option;
      });
    }
    if (p.minimum !== undefined) field.minimum = p.minimum;
    if (p.maximum !== undefined && p.maximum < Number.MAX_SAFE_INTEGER) field.maximum = p.maximum;
    if (kind === 'object') field.children = fieldsOf(p, expressions, `${prefix}${name}.`);
    return field;
  });
  for (const field of fields) {
    const when = appliesWhen(field.description, fields);
    if (when !== undefined && when.field !== field.name) field.appliesWhen = when;
  }
  return fields;
}

const cache = new WeakMap<NodeSpec, FormField[]>();

/** The form fields of a node spec's config, in schema order (cached per spec). */
export function specFormFields(spec: NodeSpec): FormField[] {
  const cached = cache.get(spec);
  if (cached !== undefined) return cached;
  const schema = z.toJSONSchema(spec.config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const fields = fieldsOf(schema, new Set(spec.expressions ?? []));
  cache.set(spec, fields);
  return fields;
}

/** The form fields of any zod object schema (flow settings). */
export function schemaFormFields(schema: z.ZodType): FormField[] {
  return fieldsOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, new Set());
}

/** The value a field shows: the config's, else its default. */
export function effectiveValue(field: FormField, config: Record<string, unknown>): unknown {
  return Object.hasOwn(config, field.name) ? config[field.name] : field.default;
}

/** Whether a field is shown: it applies to the current config, or it is set anyway (so that its error shows). */
export function isFieldVisible(field: FormField, fields: readonly FormField[], config: Record<string, unknown>): boolean {
  if (field.appliesWhen === undefined || Object.hasOwn(config, field.name)) return true;
  const owner = fields.find((f) => f.name === field.appliesWhen?.field);
  const value = owner === undefined ? undefined : effectiveValue(owner, config);
  return field.appliesWhen.values.includes(String(value));
}

/**
 * The config value for a field's input text: empty -> `undefined` (field removed, back to its default); numbers parsed
 * (text that is not a number is kept, so the compiler reports it as `tributary validate` would); string lists one
 * item per line; enum options mapped back to their typed value; JSON parsed when it parses.
 */
export function valueFromInput(field: FormField, text: string): unknown {
  if (text.trim() === '' && field.kind !== 'boolean') return undefined;
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'boolean':
      return text === 'true';
    case 'enum':
      return field.options?.find((o) => String(o.value) === text)?.value ?? text;
    case 'string-list':
      return text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** The input text of a config value (the inverse of {@link valueFromInput}). */
export function inputFromValue(field: FormField, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.kind === 'string-list' && Array.isArray(value)) return value.map(String).join('\n');
  if (field.kind === 'json' || (typeof value === 'object' && field.kind !== 'object')) return JSON.stringify(value);
  return String(value);
}

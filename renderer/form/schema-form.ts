/**
 * Inspector forms generated from a node spec's zod config schema: kinds, defaults, bounds and required flags come from
 * its JSON Schema (`z.toJSONSchema(spec.config, { io: 'input' })`); what each enum option means, when a field applies,
 * and the secret / advanced flags and examples come from the field metadata (`runtime/common/field-meta.ts`). The
 * descriptions are shown as they are and never parsed, so rewording one changes no behaviour. Pure, no DOM:
 * unit-tested in Node.
 */
import { z } from 'zod';
import { fieldMetaOf, objectFieldsOf } from '../../runtime/common/field-meta';
import type { NodeSpec } from '../../runtime/common/node-spec';
import { hasReference, literalUrlPassword, SECRET_FIELD } from '../../runtime/common/secrets';

/** How a field is edited. */
export type FieldKind = 'string' | 'expression' | 'number' | 'integer' | 'boolean' | 'enum' | 'string-list' | 'object' | 'json';

/** One enum option and what it means. */
export interface EnumOption {
  value: string | number | boolean;
  /** What the option means, from the field metadata, when it says. */
  description?: string;
}

/** A form field derived from a JSON Schema property and the field's metadata. */
export interface FormField {
  name: string;
  kind: FieldKind;
  /** The field's description, prose shown as it is (never read for behaviour). */
  description: string;
  required: boolean;
  /** The schema default, shown when the config does not set the field. */
  default?: unknown;
  options?: EnumOption[];
  minimum?: number;
  maximum?: number;
  /** The field applies only when `field` (a sibling enum) has one of `values`, e.g. `maxLen` only for `xadd`. */
  appliesWhen?: { field: string; values: string[] };
  /** The value is a credential (write a `${VAR}` reference). */
  secret?: boolean;
  /** A tuning setting most flows leave at its default. */
  advanced?: boolean;
  /** Example values from the field metadata. */
  examples?: unknown[];
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
 * What each enum option means, from the field's metadata (`options` of `withFieldMeta`); options it does not
 * explain are left out. The description is never read.
 * @param schema the field's zod schema
 * @param values the option values, in form order
 * @returns option value as text -> its meaning
 */
export function enumOptionDescriptions(schema: z.ZodType, values: readonly unknown[]): Map<string, string> {
  const options = fieldMetaOf(schema)?.options ?? {};
  const out = new Map<string, string>();
  for (const value of values) {
    const text = options[String(value)];
    if (text !== undefined) out.set(String(value), text);
  }
  return out;
}

/**
 * The condition under which a field applies, from its metadata (`appliesWhen` of `withFieldMeta`), kept only
 * when it names another field among `siblings` that is an enum with every one of the values as an option.
 * @param schema the field's zod schema
 * @param siblings the fields of the same object (the field itself included)
 * @param name the field's own name (a field cannot depend on itself)
 */
export function appliesWhen(schema: z.ZodType, siblings: readonly FormField[], name?: string): FormField['appliesWhen'] {
  const when = fieldMetaOf(schema)?.appliesWhen;
  if (when === undefined || when.field === name || when.values.length === 0) return undefined;
  const owner = siblings.find((f) => f.name === when.field && f.kind === 'enum');
  const known = when.values.every((v) => owner?.options?.some((o) => String(o.value) === v) === true);
  return owner !== undefined && known ? { field: owner.name, values: [...when.values] } : undefined;
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  return schema.type;
}

/** The zod schema of a field that has no schema of its own to read metadata from. */
const NO_SCHEMA = z.unknown();

/**
 * Fields of an object schema (one level; objects get their own children).
 * @param schema the object's JSON Schema (kinds, defaults, bounds)
 * @param zodFields the object's zod field schemas by name (metadata)
 */
function fieldsOf(schema: JsonSchema, zodFields: Readonly<Record<string, z.ZodType>>, expressions: ReadonlySet<string>, prefix = ''): FormField[] {
  const required = new Set(schema.required ?? []);
  const schemas = new Map<string, z.ZodType>();
  const fields: FormField[] = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const zodField = Object.hasOwn(zodFields, name) ? (zodFields[name] as z.ZodType) : NO_SCHEMA;
    schemas.set(name, zodField);
    const meta = fieldMetaOf(zodField);
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
      const explained = enumOptionDescriptions(zodField, p.enum);
      field.options = p.enum.map((value) => {
        const option: EnumOption = { value: value as EnumOption['value'] };
        const text = explained.get(String(value));
        if (text !== undefined) option.description = text;
        return option;
      });
    }
    if (p.minimum !== undefined) field.minimum = p.minimum;
    if (p.maximum !== undefined && p.maximum < Number.MAX_SAFE_INTEGER) field.maximum = p.maximum;
    if (meta?.secret === true) field.secret = true;
    if (meta?.advanced === true) field.advanced = true;
    if (meta?.examples !== undefined) field.examples = [...meta.examples];
    if (kind === 'object') field.children = fieldsOf(p, objectFieldsOf(zodField) ?? {}, expressions, `${prefix}${name}.`);
    return field;
  });
  for (const field of fields) {
    const when = appliesWhen(schemas.get(field.name) ?? NO_SCHEMA, fields, field.name);
    if (when !== undefined) field.appliesWhen = when;
  }
  return fields;
}

const cache = new WeakMap<NodeSpec, FormField[]>();

/** The form fields of a node spec's config, in schema order (cached per spec). */
export function specFormFields(spec: NodeSpec): FormField[] {
  const cached = cache.get(spec);
  if (cached !== undefined) return cached;
  const schema = z.toJSONSchema(spec.config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const fields = fieldsOf(schema, objectFieldsOf(spec.config) ?? {}, new Set(spec.expressions ?? []));
  cache.set(spec, fields);
  return fields;
}

/** The form fields of any zod object schema (flow settings). */
export function schemaFormFields(schema: z.ZodType): FormField[] {
  return fieldsOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, objectFieldsOf(schema) ?? {}, new Set());
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

/**
 * How a field shows its value with respect to secrets: `masked` (a password input with a show/hide toggle) for a
 * field marked secret, a URL holding a literal password, or a map of strings with a credential-named entry written
 * literally (an HTTP `Authorization` header); `plain` otherwise, and always for a value that is a `${VAR}` reference
 * (it names the secret, it is not one).
 * @param field the form field
 * @param value the field's current value
 * @returns `masked` or `plain`; `literal` is true when the value is a secret written literally (Save offers a reference)
 */
export function secretDisplay(field: FormField, value: unknown): { mode: 'masked' | 'plain'; literal: boolean } {
  if (typeof value === 'string' && value !== '' && hasReference(value)) return { mode: 'plain', literal: false };
  if (field.secret === true) return { mode: 'masked', literal: typeof value === 'string' && value !== '' };
  if (typeof value === 'string' && literalUrlPassword(value) !== undefined) return { mode: 'masked', literal: true };
  if (field.kind === 'json' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const literal = Object.entries(value).some(([key, v]) => SECRET_FIELD.test(key) && typeof v === 'string' && v !== '' && !hasReference(v));
    if (literal) return { mode: 'masked', literal: true };
  }
  return { mode: 'plain', literal: false };
}

/**
 * Inspector forms generated from a node spec's zod config schema: kinds, defaults, bounds and required flags come from
 * its JSON Schema (`z.toJSONSchema(spec.config, { io: 'input' })`); what each enum option means, when a field applies,
 * and the secret / advanced flags and examples come from the field metadata (`runtime/common/field-meta.ts`). The
 * descriptions are shown as they are and never parsed, so rewording one changes no behaviour. Pure, no DOM:
 * unit-tested in Node.
 */
import { z } from 'zod';
import { arrayItemOf, fieldMetaOf, objectFieldsOf, unionOptionsOf } from '../../runtime/common/field-meta';
import type { NodeSpec } from '../../runtime/common/node-spec';
import { hasReference, literalUrlPassword, SECRET_FIELD } from '../../runtime/common/secrets';

/**
 * How a field is edited: `object-list` is an array of small objects (routes, aggregates), one row per item with an
 * input per item field; `string-map` an object of strings (HTTP headers), one key/value row per entry; `json` any
 * other free-form value (a JSON editor).
 */
export type FieldKind =
  | 'string'
  | 'expression'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'string-list'
  | 'object-list'
  | 'string-map'
  | 'object'
  | 'json'
  | 'union';

/**
 * One option of a `union` field, e.g. "Off" (`false`), "On (system CAs)" (`true`) and "Custom TLS" (`{ ca, ... }`) of
 * `ssl`. A boolean or enum option of the union becomes one variant per value.
 */
export interface UnionVariant {
  /**
   * Names the variant in the field metadata's `variantLabels`: the value as text for a single value (`false`,
   * `latest`), `{a,b}` (the required properties; `{}` for none) for an object, the JSON type (`string`) otherwise.
   */
  key: string;
  /** What the inspector calls it: from `variantLabels`, else derived from the schema. */
  label: string;
  /** What it means, from the field metadata's `options` (enum values). */
  description?: string;
  /** The variant is this one value; it has no editor. */
  constant?: { value: string | number | boolean | null };
  /** The editor of a variant that is edited further (an object's `children`, a text, a number), named as the field. */
  editor?: FormField;
  /** The JSON type of an edited variant (`object`, `string`, `integer`...), when its schema names one. */
  type?: string;
}

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
  /** The options of a `union` field, in schema order. */
  variants?: UnionVariant[];
  /** The fields of one item of an `object-list` (a route's `port` and `expression`). */
  itemFields?: FormField[];
  /** Bounds of the number of items (`object-list`, `string-list`). */
  minItems?: number;
  maxItems?: number;
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
  additionalProperties?: JsonSchema | boolean;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  format?: string;
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What a field is built from besides its JSON Schema: where expressions are, and the field path so far. */
interface Context {
  expressions: ReadonlySet<string>;
  prefix: string;
}

/** The kind of a (non-union) JSON Schema property. */
function kindOf(p: JsonSchema, path: string, context: Context): FieldKind {
  const type = typeOf(p);
  if (p.enum !== undefined) return 'enum';
  if (type === 'string') return context.expressions.has(path) ? 'expression' : 'string';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'array' && typeOf(p.items ?? {}) === 'string') return 'string-list';
  if (type === 'array' && typeOf(p.items ?? {}) === 'object' && p.items?.properties !== undefined) return 'object-list';
  if (type === 'object' && p.properties !== undefined) return 'object';
  const values = p.additionalProperties;
  if (type === 'object' && typeof values === 'object' && typeOf(values) === 'string' && values.enum === undefined) return 'string-map';
  return 'json';
}

/** Whether `value` has the JSON type of an editor kind (`json`: of the variant's JSON type, when it names one). */
function hasKind(kind: FieldKind, type: string | undefined, value: unknown): boolean {
  switch (kind) {
    case 'string':
    case 'expression':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string-list':
      return Array.isArray(value);
    default: {
      if (type === 'object') return isPlainObject(value);
      if (type === 'array') return Array.isArray(value);
      return value !== undefined;
    }
  }
}

/** The label of a variant that the metadata does not name. */
function derivedLabel(key: string, schema: JsonSchema, constant?: { value: unknown }): string {
  if (constant !== undefined) {
    if (constant.value === false) return 'Off';
    if (constant.value === true) return 'On';
    if (constant.value === null) return 'None';
    return String(constant.value);
  }
  const type = typeOf(schema);
  if (type === 'object') return key === '{}' ? (schema.properties === undefined ? 'JSON object' : 'Settings') : `{ ${key.slice(1, -1).split(',').join(', ')} }`;
  if (type === 'string') return schema.format === 'date-time' ? 'Date-time' : 'Text';
  if (type === 'integer') return 'Whole number';
  if (type === 'number') return 'Number';
  if (type === 'array') return 'List';
  return 'JSON';
}

/**
 * The variants of a union field: one per option of the zod union (`options`, in the order of `anyOf`), a boolean or
 * enum option split into one variant per value.
 */
function variantsOf(name: string, anyOf: readonly JsonSchema[], options: readonly z.ZodType[], zodField: z.ZodType, context: Context): UnionVariant[] {
  const meta = fieldMetaOf(zodField);
  const labels = meta?.variantLabels ?? {};
  const variants: UnionVariant[] = [];
  const constant = (value: string | number | boolean | null, schema: JsonSchema, option: z.ZodType): void => {
    const key = String(value);
    const described = meta?.options?.[key] ?? fieldMetaOf(option)?.options?.[key];
    const variant: UnionVariant = {
      key,
      label: labels[key] ?? derivedLabel(key, schema, { value }),
      constant: { value },
    };
    if (described !== undefined) variant.description = described;
    variants.push(variant);
  };
  anyOf.forEach((schema, i) => {
    const option = options[i] as z.ZodType;
    const type = typeOf(schema);
    if (schema.const !== undefined) constant(schema.const as string | number | boolean | null, schema, option);
    else if (schema.enum !== undefined) for (const value of schema.enum) constant(value as string | number | boolean | null, schema, option);
    else if (type === 'boolean') for (const value of [false, true]) constant(value, schema, option);
    else if (type === 'null') constant(null, schema, option);
    else {
      const editor = fieldOf(name, schema, option, false, context);
      delete editor.default;
      const required = schema.required ?? [];
      const key = type === 'object' ? `{${required.join(',')}}` : (type ?? 'json');
      const variant: UnionVariant = { key, label: labels[key] ?? derivedLabel(key, schema), editor };
      if (type !== undefined) variant.type = type;
      variants.push(variant);
    }
  });
  return variants;
}

/**
 * One form field.
 * @param name the property name
 * @param property its JSON Schema (kinds, defaults, bounds)
 * @param zodField its zod schema (metadata)
 * @param required whether the object requires it
 */
function fieldOf(name: string, property: JsonSchema, zodField: z.ZodType, required: boolean, context: Context): FormField {
  const meta = fieldMetaOf(zodField);
  const options = unionOptionsOf(zodField);
  const anyOf = property.anyOf ?? [];
  const union = options !== undefined && options.length === anyOf.length && anyOf.filter((s) => typeOf(s) !== 'null').length >= 2;
  const p = union ? property : (property.anyOf?.find((s) => typeOf(s) !== 'null') ?? property);
  const description = property.description ?? p.description ?? '';
  const kind: FieldKind = union ? 'union' : kindOf(p, context.prefix + name, context);
  const field: FormField = { name, kind, description, required: required && property.default === undefined };
  const fallback = property.default ?? p.default;
  if (fallback !== undefined) field.default = fallback;
  if (union) field.variants = variantsOf(name, anyOf, options, zodField, context);
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
  if (p.minItems !== undefined) field.minItems = p.minItems;
  if (p.maxItems !== undefined) field.maxItems = p.maxItems;
  if (kind === 'object-list') {
    const item = arrayItemOf(zodField);
    field.itemFields = fieldsOf(p.items ?? {}, (item === undefined ? undefined : objectFieldsOf(item)) ?? {}, { ...context, prefix: `${context.prefix}${name}[].` });
  }
  if (kind === 'object') field.children = fieldsOf(p, objectFieldsOf(zodField) ?? {}, { ...context, prefix: `${context.prefix}${name}.` });
  return field;
}

/**
 * Fields of an object schema (one level; objects get their own children).
 * @param schema the object's JSON Schema (kinds, defaults, bounds)
 * @param zodFields the object's zod field schemas by name (metadata)
 */
function fieldsOf(schema: JsonSchema, zodFields: Readonly<Record<string, z.ZodType>>, context: Context): FormField[] {
  const required = new Set(schema.required ?? []);
  const schemas = new Map<string, z.ZodType>();
  const fields: FormField[] = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const zodField = Object.hasOwn(zodFields, name) ? (zodFields[name] as z.ZodType) : NO_SCHEMA;
    schemas.set(name, zodField);
    return fieldOf(name, property, zodField, required.has(name), context);
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
  const fields = fieldsOf(schema, objectFieldsOf(spec.config) ?? {}, { expressions: new Set(spec.expressions ?? []), prefix: '' });
  cache.set(spec, fields);
  return fields;
}

/** The form fields of any zod object schema (flow settings). */
export function schemaFormFields(schema: z.ZodType): FormField[] {
  return fieldsOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, objectFieldsOf(schema) ?? {}, { expressions: new Set(), prefix: '' });
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
 * Whether `value` has the shape of a union variant: the same value for a single value; for an object, every required
 * property present and no unknown one; else the editor's type.
 */
export function variantMatches(variant: UnionVariant, value: unknown): boolean {
  if (variant.constant !== undefined) return Object.is(value, variant.constant.value);
  const editor = variant.editor;
  if (editor === undefined) return false;
  if (editor.kind === 'object') {
    const children = editor.children ?? [];
    return (
      isPlainObject(value) &&
      children.every((c) => !c.required || Object.hasOwn(value, c.name)) &&
      Object.keys(value).every((k) => children.some((c) => c.name === k))
    );
  }
  if (editor.kind === 'union') return variantOf(editor, value) >= 0;
  return hasKind(editor.kind, variant.type, value);
}

/**
 * The variant of a union field that `value` is in: the first whose shape it has; else, for an object, the object
 * variant it shares the most properties with (a half-written `{ timestamp }` with a typo stays `{ timestamp }`).
 * @returns the index in `field.variants`, or -1 when the value fits none (it is shown as JSON to fix)
 */
export function variantOf(field: FormField, value: unknown): number {
  const variants = field.variants ?? [];
  const exact = variants.findIndex((v) => variantMatches(v, value));
  if (exact >= 0 || !isPlainObject(value)) return exact;
  let best = -1;
  let shared = -1;
  variants.forEach((variant, i) => {
    if (variant.editor?.kind !== 'object') return;
    const names = new Set(variant.editor.children?.map((c) => c.name));
    const count = Object.keys(value).filter((k) => names.has(k)).length;
    if (count > shared) [best, shared] = [i, count];
  });
  return best;
}

/**
 * The value a variant starts with when chosen: its value for a single value; for an object, `{}` with the required
 * properties that have an empty form (`offsets: {}`); undefined for a text or number (nothing typed yet).
 */
export function variantInitial(variant: UnionVariant): unknown {
  if (variant.constant !== undefined) return variant.constant.value;
  const editor = variant.editor;
  if (editor?.kind !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const child of editor.children ?? []) {
    if (!child.required) continue;
    if (child.kind === 'json' || child.kind === 'object') out[child.name] = {};
    else if (child.kind === 'string-list') out[child.name] = [];
  }
  return out;
}

/**
 * The value after choosing another variant of a union field. Nothing is lost: the value being left is kept in
 * `memory` (by variant key) and comes back when its variant is chosen again (Custom TLS -> Off -> Custom TLS gives the
 * same TLS settings); choosing the variant already shown changes nothing.
 * @param field the union field
 * @param value the field's current value
 * @param from the variant shown now (-1: none)
 * @param to the variant chosen
 * @param memory the values last left per variant key, updated here
 * @returns the field's new value (`undefined`: nothing to set yet, e.g. a number not typed yet)
 */
export function switchVariant(field: FormField, value: unknown, from: number, to: number, memory: Map<string, unknown>): unknown {
  if (from === to) return value;
  const variants = field.variants ?? [];
  const target = variants[to];
  if (target === undefined) return value;
  const left = variants[from];
  if (left !== undefined && left.constant === undefined && value !== undefined) memory.set(left.key, value);
  if (target.constant !== undefined) return target.constant.value;
  return memory.has(target.key) ? memory.get(target.key) : variantInitial(target);
}

/** `object` with its property `name` set to `value` (a copy; `undefined` removes the property). */
export function setChild(object: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  const next = { ...object };
  if (value === undefined) delete next[name];
  else next[name] = value;
  return next;
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
    case 'union':
    case 'object-list':
    case 'string-map':
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
  if (field.kind === 'json' || field.kind === 'union' || (typeof value === 'object' && field.kind !== 'object')) return JSON.stringify(value);
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
  if ((field.kind === 'json' || field.kind === 'string-map') && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const literal = Object.entries(value).some(([key, v]) => SECRET_FIELD.test(key) && typeof v === 'string' && v !== '' && !hasReference(v));
    if (literal) return { mode: 'masked', literal: true };
  }
  return { mode: 'plain', literal: false };
}

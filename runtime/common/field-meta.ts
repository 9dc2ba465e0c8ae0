/**
 * Field metadata of config schemas, as data: what each enum option means, when a field applies (it is shown and used
 * only when a sibling enum field has one of some values), whether it holds a secret or is an advanced setting, and
 * example values. The model is NiFi's `PropertyDescriptor` (`allowableValues` each with a description, `dependsOn`).
 *
 * Node specs attach it with {@link withFieldMeta}; the inspector form, `docs/nodes.md` and the flow file JSON Schema
 * read it with {@link fieldMetaOf}. A field's `.describe()` text is prose for people and is never parsed. Browser-safe.
 */
import { z } from 'zod';

/** An enum option value as a form shows it: strings, numbers (`acks: -1`) or booleans. */
export type FieldOptionValue = string | number | boolean;

/**
 * The field applies only when the sibling field `field` (an enum of the same object) has one of `values`, compared as
 * text (`String(value)`); e.g. `maxLen` of `sink.redis` only for `{ field: 'command', values: ['xadd'] }`.
 */
export interface FieldCondition {
  /** Name of the sibling enum field, in the same object. */
  field: string;
  /** Option values of that field (as text) for which this field applies; at least one. */
  values: readonly string[];
}

/** The enum option values of a field's input type `V`, as the text keys of {@link FieldMeta.options}. */
type OptionKey<V> = `${Extract<NonNullable<V>, FieldOptionValue>}`;

/**
 * The metadata of one field whose input type is `V` (`z.input` of the field schema).
 * Every key is optional; a field without any needs no metadata at all.
 */
export interface FieldMeta<V = unknown> {
  /**
   * What each enum option means, keyed by the option value as text (`'-1'` for the number -1); one entry for every
   * option, so a new option cannot be left unexplained. Short prose, e.g. `'SET key value (...)'`.
   */
  options?: { readonly [K in OptionKey<V>]: string };
  /** When the field applies; absent: always. */
  appliesWhen?: FieldCondition;
  /** The value is a credential: write a `${VAR}` reference in flow files, never the secret itself. */
  secret?: boolean;
  /** A tuning setting most flows leave at its default. */
  advanced?: boolean;
  /** Example values, each valid for the field. */
  examples?: readonly NonNullable<V>[];
  /**
   * What the inspector calls each option of a union field (`ssl: false | true | { ca, ... }`), keyed by the option's
   * key: the value as text for a single value (`'false'`, `'latest'`), `{a,b}` (its required properties, `{}` for
   * none) for an object, the JSON type (`'string'`, `'integer'`) otherwise. Options left out get a derived label.
   */
  variantLabels?: Readonly<Record<string, string>>;
}

/** The metadata as stored and read, independent of the field's type. */
export interface StoredFieldMeta {
  /** What each enum option means, keyed by the option value as text. */
  options?: Readonly<Record<string, string>>;
  /** When the field applies; absent: always. */
  appliesWhen?: FieldCondition;
  /** The value is a credential. */
  secret?: boolean;
  /** A tuning setting most flows leave at its default. */
  advanced?: boolean;
  /** Example values. */
  examples?: readonly unknown[];
  /** What the inspector calls each option of a union field, by option key. */
  variantLabels?: Readonly<Record<string, string>>;
}

/**
 * The registry of field metadata. A registry of its own (not zod's global one, which `z.toJSONSchema` copies into
 * every JSON Schema verbatim), so each reader decides how metadata appears in its output.
 */
const fieldMetaRegistry = z.registry<StoredFieldMeta>();

/**
 * Attaches metadata to a field schema and returns the same schema (not a copy), so it reads as the last step of a
 * field's definition: `withFieldMeta(z.enum([...]).default('set').describe('...'), { options: { ... } })`.
 * Attaching twice replaces the earlier metadata.
 * @param schema the field schema, usually with its `.describe()` and `.default()` already applied
 * @param meta the metadata; `options` must explain every option of an enum field (checked by the type)
 * @returns `schema` itself
 */
export function withFieldMeta<T extends z.ZodType>(schema: T, meta: FieldMeta<z.input<T>>): T {
  fieldMetaRegistry.remove(schema);
  fieldMetaRegistry.add(schema, meta as StoredFieldMeta);
  return schema;
}

/** The schema a wrapper (optional, default, nullable, readonly, catch, pipe) adds its behaviour to. */
function wrappedSchema(schema: z.ZodType): z.ZodType | undefined {
  const def = schema._zod.def as { innerType?: unknown; in?: unknown };
  const inner = def.innerType ?? def.in;
  return inner instanceof z.ZodType ? inner : undefined;
}

/**
 * The metadata of a field schema: its own, else that of the schema it was copied from (`.describe()` after
 * {@link withFieldMeta} copies it), else that of the schema it wraps (`.optional()` or `.default()` applied after).
 * @returns the metadata, or undefined when the field has none
 */
export function fieldMetaOf(schema: z.ZodType): StoredFieldMeta | undefined {
  const seen = new Set<z.ZodType>();
  const queue: z.ZodType[] = [schema];
  while (queue.length > 0) {
    const current = queue.shift() as z.ZodType;
    if (seen.has(current)) continue;
    seen.add(current);
    const meta = fieldMetaRegistry.get(current);
    if (meta !== undefined) return meta;
    const parent = current._zod.parent;
    if (parent instanceof z.ZodType) queue.push(parent);
    const inner = wrappedSchema(current);
    if (inner !== undefined) queue.push(inner);
  }
  return undefined;
}

/**
 * The field schemas of an object schema by field name, looking through wrappers (`.optional()`, `.default()`, ...)
 * and through a union with exactly one object option (`ssl: true | { ca, ... }`); cross-field checks (`.superRefine`)
 * keep the object as it is.
 * @returns the shape, or undefined when `schema` is not an object schema (or a union of several)
 */
export function objectFieldsOf(schema: z.ZodType): Readonly<Record<string, z.ZodType>> | undefined {
  let current: z.ZodType | undefined = schema;
  const seen = new Set<z.ZodType>();
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    if (current instanceof z.ZodObject) return current.shape as Record<string, z.ZodType>;
    if (current instanceof z.ZodUnion) {
      const shapes = (current.options as z.ZodType[]).map(objectFieldsOf).filter((shape) => shape !== undefined);
      return shapes.length === 1 ? shapes[0] : undefined;
    }
    current = wrappedSchema(current);
  }
  return undefined;
}

/**
 * The item schema of an array schema, looking through wrappers (`.optional()`, `.default()`, ...), e.g. the route
 * object of `transform.route`'s `routes`.
 * @returns the item schema, or undefined when `schema` is not an array schema
 */
export function arrayItemOf(schema: z.ZodType): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  const seen = new Set<z.ZodType>();
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    if (current instanceof z.ZodArray) return current.element as z.ZodType;
    current = wrappedSchema(current);
  }
  return undefined;
}

/**
 * The options of a union schema, looking through wrappers (`.optional()`, `.default()`, ...), in declaration order
 * (the order of its JSON Schema `anyOf`).
 * @returns the options, or undefined when `schema` is not a union
 */
export function unionOptionsOf(schema: z.ZodType): readonly z.ZodType[] | undefined {
  let current: z.ZodType | undefined = schema;
  const seen = new Set<z.ZodType>();
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    if (current instanceof z.ZodUnion) return current.options as z.ZodType[];
    current = wrappedSchema(current);
  }
  return undefined;
}

/**
 * A `z.toJSONSchema` `override` that writes field metadata as standard JSON Schema annotations: `examples`, and
 * `writeOnly: true` for secrets. Option meanings and conditions stay out (JSON Schema has no keyword for them; the
 * descriptions say them in prose).
 */
export function fieldMetaJsonSchemaOverride(ctx: { zodSchema: z.core.$ZodType; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  if (!(ctx.zodSchema instanceof z.ZodType)) return;
  const meta = fieldMetaRegistry.get(ctx.zodSchema);
  if (meta === undefined) return;
  if (meta.examples !== undefined && meta.examples.length > 0) ctx.jsonSchema.examples = [...meta.examples];
  if (meta.secret === true) ctx.jsonSchema.writeOnly = true;
}

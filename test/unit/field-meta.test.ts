// Field metadata (runtime/common/field-meta.ts): how it is attached and read, that every spec's metadata fits its
// schema, and that the inspector form depends on the metadata only: rewording every description changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldMetaJsonSchemaOverride, fieldMetaOf, objectFieldsOf, withFieldMeta, type StoredFieldMeta } from '../../runtime/common/field-meta';
import type { NodeSpec } from '../../runtime/common/node-spec';
import { nodeSpecs, specRegistry } from '../../nodes/specs';
import { isFieldVisible, specFormFields, type FormField } from '../../renderer/form/schema-form';

/** A field of a config schema, nested ones included (`sasl.mechanism`, `aggregates[].op`). */
interface SchemaField {
  path: string;
  schema: z.ZodType;
  siblings: Readonly<Record<string, z.ZodType>>;
}

function schemaFields(schema: z.ZodType, prefix = ''): SchemaField[] {
  const shape = objectFieldsOf(schema);
  if (shape === undefined) return [];
  const out: SchemaField[] = [];
  for (const [name, field] of Object.entries(shape)) {
    out.push({ path: `${prefix}${name}`, schema: field, siblings: shape });
    out.push(...schemaFields(field, `${prefix}${name}.`));
    const element = arrayElement(field);
    if (element !== undefined) out.push(...schemaFields(element, `${prefix}${name}[].`));
  }
  return out;
}

function arrayElement(schema: z.ZodType): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (let i = 0; i < 10 && current !== undefined; i++) {
    if (current instanceof z.ZodArray) return current.element as z.ZodType;
    const def = current._zod.def as { innerType?: z.ZodType };
    current = def.innerType;
  }
  return undefined;
}

/** The option values of an enum field as text, or undefined when it is not an enum. */
function enumValues(schema: z.ZodType): string[] | undefined {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { enum?: unknown[]; anyOf?: { enum?: unknown[] }[] };
  const values = json.enum ?? json.anyOf?.find((s) => s.enum !== undefined)?.enum;
  return values?.map(String);
}

describe('withFieldMeta and fieldMetaOf', () => {
  it('reads metadata through wrappers and copies applied after it', () => {
    const base = withFieldMeta(z.enum(['a', 'b']), { options: { a: 'first', b: 'second' }, advanced: true });
    expect(fieldMetaOf(base)).toEqual({ options: { a: 'first', b: 'second' }, advanced: true });
    expect(fieldMetaOf(base.optional())?.options).toEqual({ a: 'first', b: 'second' });
    expect(fieldMetaOf(base.default('a').describe('Reworded.'))?.advanced).toBe(true);
    expect(fieldMetaOf(z.string().describe('`a`/`b`: looks like a condition'))).toBeUndefined();
  });

  it('keeps metadata off the JSON Schema except as standard annotations', () => {
    const schema = z.strictObject({
      password: withFieldMeta(z.string().describe('Password.'), { secret: true, examples: ['${PASSWORD}'] }),
      mode: withFieldMeta(z.enum(['x', 'y']).default('x'), { options: { x: 'ex', y: 'why' }, appliesWhen: { field: 'other', values: ['z'] } }),
    });
    const json = z.toJSONSchema(schema, { io: 'input', override: fieldMetaJsonSchemaOverride }) as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(json.properties.password).toEqual({ type: 'string', description: 'Password.', writeOnly: true, examples: ['${PASSWORD}'] });
    expect(json.properties.mode).toEqual({ type: 'string', enum: ['x', 'y'], default: 'x' });
  });
});

describe.each(nodeSpecs.map((spec) => [spec.type, spec] as const))('%s field metadata', (_type, spec) => {
  const fields = schemaFields(spec.config);

  it('explains every option of an enum field it explains, and only those', () => {
    for (const field of fields) {
      const options = fieldMetaOf(field.schema)?.options;
      if (options === undefined) continue;
      expect(Object.keys(options).sort(), field.path).toEqual((enumValues(field.schema) ?? []).sort());
      for (const text of Object.values(options)) expect(text.trim().length, field.path).toBeGreaterThan(0);
    }
  });

  it('names a sibling enum and some of its options in every condition', () => {
    for (const field of fields) {
      const when = fieldMetaOf(field.schema)?.appliesWhen;
      if (when === undefined) continue;
      const name = field.path.split('.').at(-1) as string;
      expect(when.field, field.path).not.toBe(name);
      const owner = field.siblings[when.field];
      expect(owner, `${field.path}: ${when.field} is a sibling field`).toBeDefined();
      const values = enumValues(owner as z.ZodType);
      expect(when.values.length, field.path).toBeGreaterThan(0);
      for (const value of when.values) expect(values, `${field.path}: ${when.field} has option ${value}`).toContain(value);
    }
  });

  it('gives examples that parse with the field schema', () => {
    for (const field of fields) {
      for (const example of fieldMetaOf(field.schema)?.examples ?? []) {
        expect(field.schema.safeParse(example).success, `${field.path} example ${JSON.stringify(example)}`).toBe(true);
      }
    }
  });
});

describe('the metadata attached by the specs', () => {
  const meta = (type: string, path: string): StoredFieldMeta | undefined => {
    const spec = specRegistry.get(type) as NodeSpec;
    const field = schemaFields(spec.config).find((f) => f.path === path);
    if (field === undefined) throw new Error(`no field ${path}`);
    return fieldMetaOf(field.schema);
  };

  it('marks credentials secret and tuning settings advanced', () => {
    expect(meta('source.kafka', 'sasl.password')?.secret).toBe(true);
    expect(meta('sink.kafka', 'sasl.password')?.secret).toBe(true);
    expect(meta('source.kafka', 'sessionTimeoutMs')?.advanced).toBe(true);
    expect(meta('source.kafka', 'groupId')?.advanced).toBeUndefined();
  });

  it('explains the aggregate operations of transform.window inside the aggregates array', () => {
    expect(Object.keys(meta('transform.window', 'aggregates[].op')?.options ?? {})).toEqual(['count', 'sum', 'avg', 'min', 'max', 'distinctCount']);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Rewording descriptions changes no form behaviour

/** Every zod schema reachable from `schema`, as `z.toJSONSchema` visits them. */
function reachableSchemas(schema: z.ZodType): z.ZodType[] {
  const found: z.ZodType[] = [];
  z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema instanceof z.ZodType) found.push(ctx.zodSchema);
    },
  });
  return found;
}

/** Undo list of {@link rewordDescriptions}. */
const restore: (() => void)[] = [];

afterEach(() => {
  while (restore.length > 0) (restore.pop() as () => void)();
});

/**
 * Replaces the description of every schema reachable from `schema` (in zod's global registry, where `.describe()`
 * keeps it) with `text(i)`; undone after each test.
 * @returns how many descriptions were replaced
 */
function rewordDescriptions(schema: z.ZodType, text: (i: number) => string): number {
  let count = 0;
  for (const s of new Set(reachableSchemas(schema))) {
    const before = z.globalRegistry.get(s);
    if (before?.description === undefined) continue;
    z.globalRegistry.remove(s);
    z.globalRegistry.add(s, { ...before, description: text(count++) });
    restore.push(() => {
      z.globalRegistry.remove(s);
      z.globalRegistry.add(s, before);
    });
  }
  return count;
}

/** The form model without the descriptions, nested fields (object children, list item fields, union variant editors) included. */
function behaviour(fields: readonly FormField[]): unknown[] {
  return fields.map(({ description: _description, children, itemFields, variants, ...rest }) => ({
    ...rest,
    children: children === undefined ? undefined : behaviour(children),
    itemFields: itemFields === undefined ? undefined : behaviour(itemFields),
    variants: variants?.map(({ editor, ...variant }) => ({ ...variant, editor: editor === undefined ? undefined : behaviour([editor]) })),
  }));
}

/** Configs to compare visibility with: empty, the example, and each option of each enum field on its own. */
function configsOf(spec: NodeSpec, fields: readonly FormField[]): Record<string, unknown>[] {
  const configs: Record<string, unknown>[] = [{}, { ...spec.example }];
  for (const f of fields) for (const option of f.options ?? []) configs.push({ [f.name]: option.value }, { ...spec.example, [f.name]: option.value });
  return configs;
}

function visibleFields(fields: readonly FormField[], config: Record<string, unknown>): string[] {
  return fields.filter((f) => isFieldVisible(f, fields, config)).map((f) => f.name);
}

/** Descriptions that the old description parser would have read as option meanings and conditions. */
const misleading = (i: number): string => `\`set\`/\`publish\`/\`csv\`/\`hopping\`/\`json\` only: json: reworded ${i}; \`xadd\` = something else.`;
const plain = (i: number): string => `Reworded description number ${i}, with a colon: and no conventions at all.`;

describe.each([
  ['plain text', plain],
  ['text that looks like option lists and conditions', misleading],
] as const)('rewording every description (%s)', (_name, text) => {
  it.each(nodeSpecs.map((spec) => [spec.type, spec] as const))('changes no form behaviour of %s', (_type, spec) => {
    const original = specFormFields({ ...spec });
    const configs = configsOf(spec, original);
    const visibleBefore = configs.map((config) => visibleFields(original, config));

    expect(rewordDescriptions(spec.config, text)).toBeGreaterThan(0);
    const reworded = specFormFields({ ...spec }); // a new spec object: not the cached form
    for (const f of reworded) expect(f.description).toMatch(/^(Reworded|`set`)/);

    expect(behaviour(reworded)).toEqual(behaviour(original));
    expect(configs.map((config) => visibleFields(reworded, config))).toEqual(visibleBefore);
  });

  it('keeps the conditional fields of sink.redis, transform.parse and transform.window', () => {
    const redis = specRegistry.get('sink.redis') as NodeSpec;
    const window = specRegistry.get('transform.window') as NodeSpec;
    rewordDescriptions(redis.config, text);
    rewordDescriptions(window.config, text);
    const redisFields = specFormFields({ ...redis });
    expect(visibleFields(redisFields, { command: 'xadd' })).toEqual(['url', 'command', 'key', 'fieldsExpression', 'maxLen', 'id', 'ttlSeconds']);
    expect(visibleFields(redisFields, { command: 'zadd' })).toEqual(['url', 'command', 'key', 'scoreExpression', 'memberExpression', 'ttlSeconds']);
    expect(redisFields.find((f) => f.name === 'command')?.options?.find((o) => o.value === 'zadd')?.description).toMatch(/^ZADD key score member/);
    const windowFields = specFormFields({ ...window });
    expect(visibleFields(windowFields, {})).not.toContain('advanceMs');
    expect(visibleFields(windowFields, { type: 'hopping' })).toContain('advanceMs');
  });
});

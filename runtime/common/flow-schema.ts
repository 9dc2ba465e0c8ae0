/**
 * Generates the JSON Schema of the flow file format (`schema/flow.schema.json`) from the zod {@link FlowSchema}, so the
 * schema that editors use to validate flow files can never drift from the one the runtime uses. Field metadata
 * (`runtime/common/field-meta.ts`) becomes standard annotations (`examples`, `writeOnly` for secrets); descriptions
 * are copied as they are. Used by `tributary schema`, `scripts/gen-schema.ts` (writes the file) and
 * `scripts/check-generated.ts` (checks it is up to date). Browser-safe.
 */
import { z } from 'zod';
import { fieldMetaJsonSchemaOverride } from './field-meta';
import { FlowSchema } from './flow';
import type { NodeSpec } from './node-spec';

/** Path of the generated file, relative to the repository root. */
export const FLOW_SCHEMA_PATH = 'schema/flow.schema.json';

/** `$id` of the generated schema: a URN, since the project has no canonical URL to host it under. */
export const FLOW_SCHEMA_ID = 'urn:tributary:schema:flow:1';

/**
 * The flow file JSON Schema (draft 2020-12, input side: fields with defaults are optional), with `$id` and `title`.
 * Each node's `config` is typed by its `type`: one `if`/`then` per node spec (`if type is "source.kafka" then config is
 * that spec's config schema`), so editors (VS Code's YAML and JSON support) complete and check node configs. Config
 * parts JSON Schema cannot express (transforms, custom checks) are left open (`{}`): the runtime still checks them.
 * @param specs the node specs to type configs by (the registry of `nodes/specs.ts`)
 * @returns the file's full text: pretty-printed JSON (2-space indent) with a trailing newline
 * @throws Error from zod when a part of the flow schema cannot be represented in JSON Schema
 */
export function generateFlowSchema(specs: readonly NodeSpec[]): string {
  const generated = z.toJSONSchema(FlowSchema, {
    target: 'draft-2020-12',
    io: 'input',
    override: fieldMetaJsonSchemaOverride,
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const nodes = (rest.properties as Record<string, { items: Record<string, unknown> }>).nodes;
  if (nodes === undefined) throw new Error('the flow schema has no nodes property');
  nodes.items.allOf = [...specs]
    .sort((a, b) => a.type.localeCompare(b.type))
    .map((spec) => {
      const { $schema: _drop, ...config } = z.toJSONSchema(spec.config, {
        target: 'draft-2020-12',
        io: 'input',
        unrepresentable: 'any',
        override: fieldMetaJsonSchemaOverride,
      }) as Record<string, unknown>;
      allowVariableReferences(config);
      return {
        if: { properties: { type: { const: spec.type } }, required: ['type'] },
        then: { properties: { config: { description: `Config of ${spec.type}: ${spec.description}`, ...config } } },
      };
    });
  const schema = { $schema, $id: FLOW_SCHEMA_ID, title: 'Tributary flow', ...rest };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** A `${VAR}` / `${VAR:-default}` reference, allowed wherever a config value goes (substituted before checking). */
const VARIABLE_REFERENCE = { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}' };

/** Keywords of a JSON Schema whose values are subschemas, by how they hold them. */
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs'] as const;
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;

/**
 * Lets every scalar of a config schema also be a `${VAR}` reference (in place): flow files are checked after
 * substitution, so `port: "${REDIS_PORT:-6379}"` is valid although `port` is a number. Objects and arrays are walked;
 * a scalar schema `S` becomes `{ description, anyOf: [S, reference] }`.
 */
function allowVariableReferences(schema: Record<string, unknown>): void {
  for (const key of SUBSCHEMA_MAPS) {
    const map = schema[key] as Record<string, Record<string, unknown>> | undefined;
    if (map !== undefined) for (const name of Object.keys(map)) map[name] = withReferences(map[name] as Record<string, unknown>);
  }
  for (const key of SUBSCHEMA_LISTS) {
    const list = schema[key] as Record<string, unknown>[] | undefined;
    if (list !== undefined) schema[key] = list.map(withReferences);
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const sub = schema[key];
    if (typeof sub === 'object' && sub !== null) schema[key] = withReferences(sub as Record<string, unknown>);
  }
}

function withReferences(schema: Record<string, unknown>): Record<string, unknown> {
  const type = schema.type;
  const scalar = type === 'string' || type === 'number' || type === 'integer' || type === 'boolean' || 'enum' in schema || 'const' in schema;
  if (!scalar || 'anyOf' in schema) {
    allowVariableReferences(schema);
    return schema;
  }
  if (type === 'string' && schema.pattern === undefined && schema.format === undefined && schema.minLength === undefined && schema.maxLength === undefined) return schema;
  const { description, ...rest } = schema;
  return { ...(description === undefined ? {} : { description }), anyOf: [rest, VARIABLE_REFERENCE] };
}


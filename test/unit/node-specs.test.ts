// Walks every node spec: each has a runtime of the same kind, every config field is described, the example config
// parses, expression fields are real string fields whose defaults and example values pass the expression checker, and
// docs/nodes.md is what scripts/gen-node-docs.ts generates.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expressionFields } from '../../runtime/common/compile';
import { checkExpression } from '../../runtime/common/expression';
import { outputPorts, type NodeSpec } from '../../runtime/common/node-spec';
import { nodeRuntimes } from '../../nodes/runtimes';
import { nodeSpecs, specRegistry } from '../../nodes/specs';
import { redisSinkSpec } from '../../nodes/sink/redis.spec';
import { NODE_DOCS_COMMAND, NODE_DOCS_PATH, renderNodeDocs } from '../../scripts/gen-node-docs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface JsonSchema {
  description?: string;
  type?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

function jsonSchemaOf(spec: NodeSpec): JsonSchema {
  return z.toJSONSchema(spec.config, { io: 'input' }) as JsonSchema;
}

/** Dot paths of object fields without a description, top-level and nested (objects, array items, unions). */
function undescribedFields(schema: JsonSchema, prefix = ''): string[] {
  const missing: string[] = [];
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    if (field.description === undefined || field.description.trim() === '') missing.push(path);
    missing.push(...nestedUndescribed(field, path));
  }
  return missing;
}

function nestedUndescribed(field: JsonSchema, path: string): string[] {
  const missing: string[] = [];
  if (field.properties !== undefined) missing.push(...undescribedFields(field, `${path}.`));
  if (field.items !== undefined) missing.push(...nestedUndescribed(field.items, `${path}[]`));
  for (const option of field.anyOf ?? []) missing.push(...nestedUndescribed(option, path));
  return missing;
}

describe('node specs', () => {
  it('lists each type once, in both registries', () => {
    expect(specRegistry.size).toBe(nodeSpecs.length);
    expect(nodeRuntimes.size).toBe(nodeSpecs.length);
    expect([...specRegistry.keys()].sort()).toEqual([
      'sink.console',
      'sink.file',
      'sink.http',
      'sink.kafka',
      'sink.redis',
      'source.generator',
      'source.kafka',
      'source.redis-stream',
      'transform.dedupe',
      'transform.enrich',
      'transform.filter',
      'transform.flatten',
      'transform.map',
      'transform.parse',
      'transform.route',
      'transform.throttle',
      'transform.validate',
      'transform.window',
    ]);
  });

  describe.each(nodeSpecs.map((spec) => [spec.type, spec] as const))('%s', (_type, spec) => {
    it('has a runtime of the same kind built from the same spec', () => {
      const runtime = nodeRuntimes.get(spec.type);
      expect(runtime).toBeDefined();
      expect(runtime!.kind).toBe(spec.kind);
      expect(runtime!.spec).toBe(spec);
      expect(spec.type.startsWith(`${spec.kind}.`)).toBe(true);
    });

    it('has ports that fit its kind', () => {
      if (spec.kind === 'source') expect(spec.inputs).toEqual([]);
      else expect(spec.inputs.map((p) => p.name)).toEqual(['in']);
      if (spec.kind === 'sink') expect(spec.outputs).toEqual([]);
      else if (spec.outputsFromConfig === undefined) expect(spec.outputs.map((p) => p.name)).toContain('out');
      else {
        // Config-derived ports (transform.route): the example's ports are well-formed and include the static ones.
        const derived = outputPorts(spec, spec.config.parse(spec.example)).map((p) => p.name);
        expect(derived).toEqual(expect.arrayContaining(spec.outputs.map((p) => p.name)));
        for (const name of derived) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
      }
      for (const port of [...spec.inputs, ...spec.outputs]) {
        expect(port.name).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(port.description.length).toBeGreaterThan(0);
      }
      expect(spec.title.length).toBeGreaterThan(0);
      expect(spec.description.length).toBeGreaterThan(0);
    });

    it('describes every config field, nested ones included', () => {
      const schema = jsonSchemaOf(spec);
      expect(Object.keys(schema.properties ?? {}).length).toBeGreaterThan(0);
      expect(undescribedFields(schema)).toEqual([]);
    });

    it('rejects unknown config keys', () => {
      const result = spec.config.safeParse({ ...spec.example, definitelyNotAField: 1 });
      expect(result.success).toBe(false);
    });

    it('has an example that parses with its config schema', () => {
      expect(spec.example).toBeDefined();
      const result = spec.config.safeParse(spec.example);
      expect(result.error?.issues ?? []).toEqual([]);
    });

    it('lists expression fields that are string fields, with checkable defaults and example values', () => {
      const schema = jsonSchemaOf(spec);
      for (const field of spec.expressions ?? []) {
        // `routes[].expression`: object keys separated by dots, `[]` for array items.
        let property: JsonSchema | undefined = schema;
        for (const part of field.split('.')) {
          property = property?.properties?.[part.replace(/(\[\])+$/, '')];
          for (let i = 0; i < (part.match(/\[\]/g) ?? []).length; i++) property = property?.items;
        }
        expect(property?.type, `${field} is a string field`).toBe('string');
        const fallback = property?.default;
        if (typeof fallback === 'string') expect(checkExpression(fallback), `default of ${field}`).toBeUndefined();
        for (const example of expressionFields(spec.example, field)) {
          if (typeof example.value === 'string') expect(checkExpression(example.value), `example ${field}`).toBeUndefined();
        }
      }
    });
  });

  it(`keeps ${NODE_DOCS_PATH} up to date (regenerate with ${NODE_DOCS_COMMAND})`, () => {
    const committed = readFileSync(join(root, NODE_DOCS_PATH), 'utf8');
    expect(committed).toBe(renderNodeDocs());
  });

  it('documents every node type and every config field in the docs', () => {
    const docs = renderNodeDocs();
    for (const spec of nodeSpecs) {
      expect(docs).toContain(`## ${spec.type}\n`);
      for (const field of Object.keys(jsonSchemaOf(spec).properties ?? {})) expect(docs).toContain(`| \`${field}\` |`);
    }
  });
});

describe('sink.redis config checks', () => {
  it('reports a missing scoreExpression for zadd at that field', () => {
    const result = redisSinkSpec.config.safeParse({ command: 'zadd', key: "'board'" });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual([
      { path: ['scoreExpression'], message: 'zadd needs a scoreExpression (the score of each member)' },
    ]);
  });

  it('refuses ttlSeconds with publish and maxLen outside xadd', () => {
    const publish = redisSinkSpec.config.safeParse({ command: 'publish', key: "'chan'", ttlSeconds: 5 });
    expect(publish.error!.issues.map((i) => i.path)).toEqual([['ttlSeconds']]);
    const set = redisSinkSpec.config.safeParse({ command: 'set', key: "'k'", maxLen: 5 });
    expect(set.error!.issues.map((i) => i.path)).toEqual([['maxLen']]);
  });

  it('applies the defaults once', () => {
    expect(redisSinkSpec.config.parse({ key: "'k:' + value.id" })).toEqual({
      url: 'redis://127.0.0.1:6379',
      command: 'set',
      key: "'k:' + value.id",
      incrementExpression: '1',
      id: 'auto',
    });
  });

  it('refuses a URL that is neither redis:// nor an environment reference', () => {
    expect(redisSinkSpec.config.safeParse({ key: "'k'", url: 'http://x' }).success).toBe(false);
    expect(redisSinkSpec.config.safeParse({ key: "'k'", url: '${REDIS_URL}' }).success).toBe(true);
  });
});

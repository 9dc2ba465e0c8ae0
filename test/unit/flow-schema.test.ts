// The flow file JSON Schema (runtime/common/flow-schema.ts): the committed schema/flow.schema.json is what the
// generator writes, it compiles as draft 2020-12, and every example flow matches it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FLOW_SCHEMA_ID, FLOW_SCHEMA_PATH, generateFlowSchema } from '../../runtime/common/flow-schema';
import { nodeSpecs } from '../../nodes/specs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.flow.yaml'));

describe('flow file JSON Schema', () => {
  it(`keeps ${FLOW_SCHEMA_PATH} up to date (regenerate with npm run schema)`, () => {
    expect(readFileSync(join(root, FLOW_SCHEMA_PATH), 'utf8')).toBe(generateFlowSchema(nodeSpecs));
  });

  it('is a draft 2020-12 schema with its $id and title', () => {
    const schema = JSON.parse(generateFlowSchema(nodeSpecs)) as Record<string, unknown>;
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: FLOW_SCHEMA_ID, title: 'Tributary flow' });
  });

  it.each(examples)('accepts examples/%s and refuses it with an unknown top-level field', (name) => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(generateFlowSchema(nodeSpecs)) as object);
    const flow = parse(readFileSync(join(root, 'examples', name), 'utf8')) as Record<string, unknown>;
    expect(validate(flow), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...flow, colour: 'blue' })).toBe(false);
  });

  it('types each node config by its type (if/then per node spec), so editors check and complete configs', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(generateFlowSchema(nodeSpecs)) as object);
    const flow = (config: Record<string, unknown>, type = 'source.kafka'): Record<string, unknown> => ({
      $schema: '../schema/flow.schema.json',
      version: 1,
      name: 'typed',
      nodes: [{ id: 'n', type, config }],
    });
    expect(validate(flow({ brokers: ['127.0.0.1:9092'], topic: 'orders', groupId: 'g' })), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(flow({ brokers: ['127.0.0.1:9092'], topic: 5, groupId: 'g' }))).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('/nodes/0/config/topic');
    expect(validate(flow({ command: 'set', key: 'value.id', url: 'redis://127.0.0.1:6379' }, 'sink.redis')), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(flow({ command: 'not-a-command', key: 'value.id' }, 'sink.redis'))).toBe(false);
  });
});

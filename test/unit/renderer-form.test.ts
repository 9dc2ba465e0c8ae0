import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { FlowSettingsSchema } from '../../runtime/common/flow';
import { specRegistry } from '../../nodes/specs';
import {
  appliesWhen,
  effectiveValue,
  enumOptionDescriptions,
  inputFromValue,
  isFieldVisible,
  schemaFormFields,
  specFormFields,
  valueFromInput,
  type FormField,
} from '../../renderer/form/schema-form';

function fields(type: string): FormField[] {
  const spec = specRegistry.get(type);
  if (spec === undefined) throw new Error(`no spec ${type}`);
  return specFormFields(spec);
}

function field(type: string, name: string): FormField {
  const f = fields(type).find((x) => x.name === name);
  if (f === undefined) throw new Error(`no field ${name}`);
  return f;
}

describe('spec-driven form fields', () => {
  it('reads kinds, descriptions, defaults and required flags from the zod schema', () => {
    expect(field('source.generator', 'count')).toMatchObject({ kind: 'integer', default: 0, required: false, minimum: 0 });
    expect(field('source.generator', 'ratePerSecond')).toMatchObject({ kind: 'number', default: 1000 });
    expect(field('source.generator', 'value')).toMatchObject({ kind: 'expression', default: '({ id: i, at: now })' });
    expect(field('transform.map', 'expression')).toMatchObject({ kind: 'expression', required: true });
    expect(field('transform.map', 'expression').description).toMatch(/^Expression over `value`/);
    expect(field('source.kafka', 'brokers')).toMatchObject({ kind: 'string-list', default: ['127.0.0.1:9092'] });
    expect(field('source.kafka', 'ssl')).toMatchObject({ kind: 'boolean', default: false });
    const sasl = field('source.kafka', 'sasl');
    expect(sasl.kind).toBe('object');
    expect(sasl.children?.map((c) => c.name)).toEqual(['mechanism', 'username', 'password', 'token', 'tokenCommand']);
    expect(sasl.children?.[0]).toMatchObject({ kind: 'enum', required: true });
  });

  it('gives enum options with what each one means', () => {
    const format = field('sink.console', 'format');
    expect(format.options?.map((o) => o.value)).toEqual(['json', 'pretty']);
    expect(format.options?.[0]?.description).toMatch(/^prints one compact JSON object per line/);
    const command = field('sink.redis', 'command');
    expect(command.options?.find((o) => o.value === 'zadd')?.description).toMatch(/^ZADD key score member/);
    const acks = field('sink.kafka', 'acks');
    expect(acks.options?.map((o) => [o.value, o.description])).toEqual([
      [-1, 'all in-sync replicas (safest)'],
      [0, 'none (fire and forget)'],
      [1, 'the partition leader only'],
    ]);
    const described = withFieldMeta(z.enum(['json', 'string']).describe('json: parsed; string: text'), {
      options: { json: 'parsed', string: 'text' },
    });
    expect(enumOptionDescriptions(described, ['json', 'string'])).toEqual(
      new Map([
        ['json', 'parsed'],
        ['string', 'text'],
      ]),
    );
  });

  it('shows fields only when they apply (read from their metadata)', () => {
    const redis = fields('sink.redis');
    const byName = (n: string) => redis.find((f) => f.name === n) as FormField;
    expect(byName('maxLen').appliesWhen).toEqual({ field: 'command', values: ['xadd'] });
    expect(byName('valueExpression').appliesWhen).toEqual({ field: 'command', values: ['set', 'publish'] });
    expect(byName('key').appliesWhen).toBeUndefined();
    // default command is set
    expect(isFieldVisible(byName('valueExpression'), redis, {})).toBe(true);
    expect(isFieldVisible(byName('maxLen'), redis, {})).toBe(false);
    expect(isFieldVisible(byName('maxLen'), redis, { command: 'xadd' })).toBe(true);
    // set anyway: shown, so that its error is visible
    expect(isFieldVisible(byName('maxLen'), redis, { command: 'set', maxLen: 3 })).toBe(true);
    expect(appliesWhen(z.string().describe('Plain description: with a colon.'), redis)).toBeUndefined();
  });

  it('converts input text to config values and back', () => {
    const count = field('source.generator', 'count');
    expect(valueFromInput(count, '12')).toBe(12);
    expect(valueFromInput(count, '')).toBeUndefined();
    expect(valueFromInput(count, '1e')).toBe('1e'); // left for the compiler to report
    const brokers = field('source.kafka', 'brokers');
    expect(valueFromInput(brokers, 'a:1\n\n b:2 \n')).toEqual(['a:1', 'b:2']);
    expect(inputFromValue(brokers, ['a:1', 'b:2'])).toBe('a:1\nb:2');
    const acks = field('sink.kafka', 'acks');
    expect(valueFromInput(acks, '-1')).toBe(-1);
    expect(valueFromInput(field('source.kafka', 'ssl'), 'true')).toBe(true);
    expect(effectiveValue(field('sink.console', 'format'), {})).toBe('json');
    expect(effectiveValue(field('sink.console', 'format'), { format: 'pretty' })).toBe('pretty');
  });

  it('builds the flow settings form', () => {
    const settings = schemaFormFields(FlowSettingsSchema);
    expect(settings.map((f) => [f.name, f.kind, f.default])).toEqual([
      ['shutdownTimeoutMs', 'integer', 30000],
      ['maxInFlightRecords', 'integer', 4000],
      ['batchSize', 'integer', 1000],
      ['telemetry', 'boolean', true],
      ['metricsHost', 'string', undefined],
      ['unreadyAfterMs', 'integer', 30000],
    ]);
  });

  it('covers every node spec without throwing', () => {
    for (const spec of specRegistry.values()) {
      const list = specFormFields(spec);
      expect(list.length).toBeGreaterThan(0);
      for (const f of list) expect(typeof f.description).toBe('string');
    }
  });
});

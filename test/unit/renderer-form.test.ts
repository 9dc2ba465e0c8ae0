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
  setChild,
  specFormFields,
  switchVariant,
  valueFromInput,
  variantInitial,
  variantOf,
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
    expect(field('source.kafka', 'ssl')).toMatchObject({ kind: 'union', default: false });
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
    expect(valueFromInput(field('source.kafka', 'ssl'), '{"ca":"file:ca.pem"}')).toEqual({ ca: 'file:ca.pem' });
    expect(effectiveValue(field('sink.console', 'format'), {})).toBe('json');
    expect(effectiveValue(field('sink.console', 'format'), { format: 'pretty' })).toBe('pretty');
  });

  it('builds the flow settings form', () => {
    const settings = schemaFormFields(FlowSettingsSchema);
    expect(settings.map((f) => [f.name, f.kind, f.default])).toEqual([
      ['shutdownTimeoutMs', 'integer', 30000],
      ['maxBlockMs', 'integer', 10000],
      ['maxInFlightRecords', 'integer', 4000],
      ['batchSize', 'integer', 1000],
      ['delivery', 'enum', 'at-least-once'],
      ['telemetry', 'boolean', true],
      ['traceSampleRate', 'number', 0.01],
      ['metricsHost', 'string', undefined],
      ['unreadyAfterMs', 'integer', 30000],
      ['sourceUnavailableTimeoutMs', 'integer', 300000],
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

describe('union fields (ssl, startFrom, schema version)', () => {
  const labels = (f: FormField) => f.variants?.map((v) => [v.key, v.label]);

  it('splits ssl into Off, On (system CAs) and Custom TLS, the TLS settings as children', () => {
    const ssl = field('sink.kafka', 'ssl');
    expect(labels(ssl)).toEqual([
      ['false', 'Off'],
      ['true', 'On (system CAs)'],
      ['{}', 'Custom TLS'],
    ]);
    const custom = ssl.variants?.[2]?.editor;
    expect(custom?.kind).toBe('object');
    expect(custom?.children?.map((c) => c.name)).toEqual(['ca', 'cert', 'key', 'passphrase', 'rejectUnauthorized', 'servername']);
    expect(custom?.children?.find((c) => c.name === 'key')?.secret).toBe(true);
    expect(custom?.children?.find((c) => c.name === 'passphrase')?.secret).toBe(true);
    expect(custom?.children?.find((c) => c.name === 'rejectUnauthorized')).toMatchObject({ kind: 'boolean', default: true });
    expect(variantOf(ssl, false)).toBe(0);
    expect(variantOf(ssl, true)).toBe(1);
    expect(variantOf(ssl, { ca: 'file:ca.pem', rejectUnauthorized: false })).toBe(2);
    expect(variantOf(ssl, {})).toBe(2);
    // an object with a misspelt key is still Custom TLS (so its error shows there), never a checkbox
    expect(variantOf(ssl, { rejectUnauthorised: false })).toBe(2);
    expect(variantOf(ssl, 'yes')).toBe(-1);
  });

  it('gives startFrom its named positions with their meanings, a time and explicit offsets', () => {
    const startFrom = field('source.kafka', 'startFrom');
    expect(labels(startFrom)).toEqual([
      ['committed', 'committed'],
      ['earliest', 'earliest'],
      ['latest', 'latest'],
      ['{timestamp}', 'At a time'],
      ['{offsets}', 'Offsets'],
    ]);
    expect(startFrom.variants?.[1]?.description).toMatch(/oldest record kept/);
    expect(variantOf(startFrom, 'latest')).toBe(2);
    expect(variantOf(startFrom, { timestamp: '2026-11-30T00:00:00Z' })).toBe(3);
    expect(variantOf(startFrom, { offsets: { orders: { '0': 5 } }, otherPartitions: 'latest' })).toBe(4);
    expect(variantOf(startFrom, { offsets: {}, timestamq: 1 })).toBe(4);
    expect(variantOf(startFrom, undefined)).toBe(-1);
    const timestamp = startFrom.variants?.[3]?.editor?.children?.[0] as FormField;
    expect(timestamp).toMatchObject({ name: 'timestamp', kind: 'union', required: true });
    expect(labels(timestamp)).toEqual([
      ['string', 'Date-time (ISO 8601)'],
      ['integer', 'Epoch ms'],
    ]);
    expect(variantOf(timestamp, '2026-11-30T00:00:00Z')).toBe(0);
    expect(variantOf(timestamp, 1764460800000)).toBe(1);
    // a new { offsets } starts with an empty map to fill; a new { timestamp } waits for the time to be typed
    expect(variantInitial(startFrom.variants?.[4] as NonNullable<FormField['variants']>[number])).toEqual({ offsets: {} });
    expect(variantInitial(startFrom.variants?.[3] as NonNullable<FormField['variants']>[number])).toEqual({});
  });

  it('reads the registry unions of sink.kafka (schema version, schema text or object)', () => {
    const valueSchema = field('sink.kafka', 'valueSchema');
    const version = valueSchema.children?.find((c) => c.name === 'version') as FormField;
    expect(version).toMatchObject({ kind: 'union', default: 'latest' });
    expect(labels(version)).toEqual([
      ['integer', 'Version number'],
      ['latest', 'Latest'],
    ]);
    expect(variantOf(version, 3)).toBe(0);
    expect(variantOf(version, 'latest')).toBe(1);
    const schema = valueSchema.children?.find((c) => c.name === 'schema') as FormField;
    expect(variantOf(schema, 'syntax = "proto3";')).toBe(0);
    expect(variantOf(schema, { type: 'record' })).toBe(1);
  });

  it('switching variants loses nothing: the settings left come back, re-choosing the shown one changes nothing', () => {
    const ssl = field('source.kafka', 'ssl');
    const tls = { ca: 'file:ca.pem', rejectUnauthorized: false };
    const memory = new Map<string, unknown>();
    expect(switchVariant(ssl, tls, 2, 2, memory)).toBe(tls);
    const off = switchVariant(ssl, tls, 2, 0, memory);
    expect(off).toBe(false);
    expect(switchVariant(ssl, off, 0, 1, memory)).toBe(true);
    expect(switchVariant(ssl, true, 1, 2, memory)).toBe(tls);
    // a fresh Custom TLS is empty (system CAs until ca is given)
    expect(switchVariant(ssl, false, 0, 2, new Map())).toEqual({});
    const startFrom = field('source.kafka', 'startFrom');
    const at = { timestamp: 1764460800000 };
    const m2 = new Map<string, unknown>();
    expect(switchVariant(startFrom, at, 3, 4, m2)).toEqual({ offsets: {} });
    expect(switchVariant(startFrom, { offsets: {} }, 4, 3, m2)).toBe(at);
  });

  it('edits one child of an object variant keeping the others', () => {
    const tls = { ca: 'file:ca.pem', rejectUnauthorized: false };
    expect(setChild(tls, 'servername', 'kafka.internal')).toEqual({ ca: 'file:ca.pem', rejectUnauthorized: false, servername: 'kafka.internal' });
    expect(setChild(tls, 'ca', undefined)).toEqual({ rejectUnauthorized: false });
    expect(tls).toEqual({ ca: 'file:ca.pem', rejectUnauthorized: false });
  });

  it('keeps a union built from plain zod unions without metadata readable (derived labels)', () => {
    const schema = z.object({
      mode: z.union([z.literal('auto'), z.number().int(), z.strictObject({ host: z.string(), port: z.number().int() })]).optional(),
    });
    const [mode] = schemaFormFields(schema);
    expect(mode?.kind).toBe('union');
    expect(mode === undefined ? [] : labels(mode)).toEqual([
      ['auto', 'auto'],
      ['integer', 'Whole number'],
      ['{host,port}', '{ host, port }'],
    ]);
    expect(variantOf(mode as FormField, { host: 'a', port: 1 })).toBe(2);
    expect(variantOf(mode as FormField, 'auto')).toBe(0);
  });
});

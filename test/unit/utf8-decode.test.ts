// Invalid UTF-8 at ingestion: the strict decoder, source.kafka's decodeMessage and transform.parse send a record with
// bytes that are not UTF-8 to `error` with E_DECODE (never rewritten with U+FFFD) unless invalidUtf8 is `replace`.
import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { decodeMessage } from '../../nodes/kafka-record-decode.runtime';
import { kafkaSourceConfig } from '../../nodes/source/kafka.spec';
import { parseTransformRuntime } from '../../nodes/transform/parse.runtime';
import { parseTransformSpec } from '../../nodes/transform/parse.spec';
import { decodeUtf8, firstInvalidUtf8, InvalidUtf8Error } from '../../runtime/common/utf8-decode';
import type { BatchScope, FlowRecord, NodeContext, TransformRuntime } from '../../runtime/engine/types';

/** The bytes of the poison record: `{"id":"u8-0","n":"bad \xff\xfe bytes"}`. */
const poison = Buffer.concat([Buffer.from('{"id":"u8-0","n":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes"}')]);

describe('decodeUtf8', () => {
  it('decodes valid UTF-8, multi-byte characters included', () => {
    expect(decodeUtf8(Buffer.from('grüße 🌊'))).toBe('grüße 🌊');
  });

  it('refuses invalid bytes by default, naming the offset of the first one', () => {
    expect(() => decodeUtf8(poison)).toThrow(InvalidUtf8Error);
    expect(() => decodeUtf8(poison)).toThrow('value is not valid UTF-8 (first invalid byte at offset 22)');
  });

  it('finds overlong forms, surrogates, truncated sequences and stray continuation bytes', () => {
    expect(firstInvalidUtf8(Buffer.from('ok'))).toBe(-1);
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0xc0, 0xaf]))).toBe(1); // overlong '/'
    expect(firstInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0); // U+D800
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0x42, 0xe2, 0x82]))).toBe(2); // truncated '€'
    expect(firstInvalidUtf8(new Uint8Array([0x80]))).toBe(0);
    expect(firstInvalidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // past U+10FFFF
  });

  it('replaces invalid bytes with U+FFFD when asked to', () => {
    expect(decodeUtf8(poison, 'replace')).toBe('{"id":"u8-0","n":"bad \ufffd\ufffd bytes"}');
  });
});

const message = (value: Buffer): KafkaMessage =>
  ({ key: Buffer.from('k'), value, timestamp: '1700000000000', attributes: 0, offset: '7', headers: {} }) as KafkaMessage;

describe('source.kafka decodeMessage with invalid UTF-8', () => {
  it('sends json and string values to error with E_DECODE, the bytes kept as base64', () => {
    for (const format of ['json', 'string'] as const) {
      const r = decodeMessage(message(poison), 'orders', 0, format, 'src');
      expect(r.error).toEqual({ nodeId: 'src', code: 'E_DECODE', message: expect.stringMatching(/^value is not valid UTF-8 \(first invalid byte at offset 22\)/) as unknown });
      expect(Buffer.from(r.value as string, 'base64').equals(poison)).toBe(true);
      expect(r.meta).toMatchObject({ topic: 'orders', partition: 0, offset: '7' });
    }
  });

  it('keeps the lossy decoding with invalidUtf8: replace, and bytes untouched with format: bytes', () => {
    expect(decodeMessage(message(poison), 't', 0, 'json', 's', 'replace')).toMatchObject({ value: { id: 'u8-0', n: 'bad \ufffd\ufffd bytes' } });
    expect(decodeMessage(message(poison), 't', 0, 'json', 's', 'replace').error).toBeUndefined();
    expect(decodeMessage(message(poison), 't', 0, 'bytes', 's')).toMatchObject({ value: poison.toString('base64') });
  });

  it('defaults invalidUtf8 to error in the spec', () => {
    expect(kafkaSourceConfig.parse({ topic: 'a', groupId: 'g' }).invalidUtf8).toBe('error');
  });
});

describe('transform.parse with invalid UTF-8', () => {
  /** transform.parse does not use the batch scope: it only maps records to ports. */
  const scope = {} as BatchScope;
  const create = async (config: Record<string, unknown>): Promise<{ process: (batch: FlowRecord[]) => ReturnType<TransformRuntime['process']> }> => {
    const context = { nodeId: 'parse', spec: parseTransformSpec, preview: false } as unknown as NodeContext;
    const runtime = (await parseTransformRuntime.create(parseTransformSpec.config.parse(config), context as never)) as TransformRuntime;
    return { process: (batch) => runtime.process(batch, scope) };
  };
  const record = (value: unknown): FlowRecord => ({ key: 'k', value, headers: {}, timestamp: 1, meta: { source: 'in' } });

  it('sends byte values and base64 text of invalid bytes to error with E_DECODE', async () => {
    const json = await create({ format: 'json' });
    const fromBytes = await json.process([record(poison), record(Buffer.from('{"ok":1}'))]);
    expect(fromBytes.out?.map((r) => r.value)).toEqual([{ ok: 1 }]);
    expect(fromBytes.error).toHaveLength(1);
    expect(fromBytes.error?.[0]?.error).toMatchObject({ code: 'E_DECODE', message: expect.stringMatching(/not valid UTF-8.*offset 22/) as unknown });
    const base64 = await create({ format: 'json', encoding: 'base64' });
    expect((await base64.process([record(poison.toString('base64'))])).error?.[0]?.error?.code).toBe('E_DECODE');
  });

  it('decodes lossily with invalidUtf8: replace', async () => {
    const lossy = await create({ format: 'json', invalidUtf8: 'replace' });
    expect((await lossy.process([record(poison)])).out?.[0]?.value).toEqual({ id: 'u8-0', n: 'bad \ufffd\ufffd bytes' });
  });
});

// Record values nested deeper than MAX_JSON_DEPTH are refused at decoding (no sink could write them again); brackets
// inside strings do not count; everything else parses as JSON.parse does.
import { describe, expect, it } from 'vitest';
import { depthExceededAt, MAX_JSON_DEPTH, parseJson } from '../../runtime/common/json-parse';
import { decodeMessage } from '../../nodes/kafka-record-decode.runtime';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('parseJson', () => {
  it('parses values up to the limit as JSON.parse does', () => {
    expect(parseJson('{"a":[1,{"b":"c"}]}')).toEqual({ a: [1, { b: 'c' }] });
    expect(Array.isArray(parseJson(nested(MAX_JSON_DEPTH)))).toBe(true);
  });

  it('refuses one level more, naming the limit and the offset of the bracket', () => {
    expect(() => parseJson(nested(MAX_JSON_DEPTH + 1))).toThrow(`nested deeper than ${MAX_JSON_DEPTH} levels (at offset ${MAX_JSON_DEPTH})`);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: `\\"${'['.repeat(5000)}`, t: '{'.repeat(3000) });
    expect(depthExceededAt(text)).toBe(-1);
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('still reports text that is not JSON with JSON.parse\'s error', () => {
    expect(() => parseJson('not json {')).toThrow(SyntaxError);
  });
});

describe('source.kafka decoding of a value nested too deep', () => {
  it('sends it to the error port with E_DECODE and keeps its text', () => {
    const text = nested(10_000);
    const record = decodeMessage(
      { key: Buffer.from('k'), value: Buffer.from(text), timestamp: '0', offset: '7', attributes: 0, headers: {} } as never,
      'poison',
      0,
      'json',
      'in',
    );
    expect(record.error?.code).toBe('E_DECODE');
    expect(record.error?.message).toContain(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(record.value).toBe(text);
  });
});

// transform.parse through its spec: JSON, text and CSV (RFC 4180 quoting, columns, header lines, types), failures to
// error, and the config checks in the compiler.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema } from '../../runtime/common/flow';
import type { FlowRecord, TransformRuntime } from '../../runtime/engine/types';
import { noHold, testNodeContext } from '../../test/support/node-context';
import { specRegistry } from '../specs';
import { CsvSyntaxError, parseCsv, parseTransformRuntime } from './parse.runtime';
import { parseTransformSpec } from './parse.spec';

async function create(config: Record<string, unknown>): Promise<TransformRuntime> {
  if (parseTransformRuntime.kind !== 'transform') throw new Error('transform.parse is not a transform runtime');
  return parseTransformRuntime.create(parseTransformSpec.config.parse(config), testNodeContext('p', parseTransformSpec));
}

function record(value: unknown, offset = '0'): FlowRecord {
  return { key: 'k', value, headers: { h: '1' }, timestamp: 1_700_000_000_000, meta: { source: 'src', topic: 't', partition: 0, offset } };
}

const csv = (text: string, delimiter = ',', quote = '"') => parseCsv(text, { delimiter, quote }).map((row) => row.map((f) => f.text));

describe('parseCsv', () => {
  it('splits fields and lines (CRLF, LF, CR), skips empty lines, keeps empty fields', () => {
    expect(csv('a,b,c\r\n1,2,3\n\n4,,6\r7,8,')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['4', '', '6'],
      ['7', '8', ''],
    ]);
    expect(csv('a,b\n')).toEqual([['a', 'b']]);
    expect(csv('')).toEqual([]);
  });

  it('reads quoted fields with delimiters, line breaks and doubled quotes', () => {
    expect(csv('"a,1","say ""hi""","two\r\nlines",""\nx')).toEqual([['a,1', 'say "hi"', 'two\r\nlines', ''], ['x']]);
    expect(parseCsv('"",x', { delimiter: ',', quote: '"' })[0]).toEqual([
      { text: '', quoted: true },
      { text: 'x', quoted: false },
    ]);
  });

  it('takes other delimiters and quotes', () => {
    expect(csv("'a;b';c\t", ';', "'")).toEqual([['a;b', 'c\t']]);
    expect(csv('1\t2', '\t')).toEqual([['1', '2']]);
  });

  it('refuses a stray quote, text after a closing quote and an unclosed quote, with line and column', () => {
    expect(() => parseCsv('a,b"c', { delimiter: ',', quote: '"' })).toThrow(new CsvSyntaxError('quote inside an unquoted field (quote the whole field and double the quote)', 1, 4));
    expect(() => parseCsv('x\n"a"b', { delimiter: ',', quote: '"' })).toThrow(/^unexpected "b" after a closing quote .* at line 2, column 4$/);
    expect(() => parseCsv('x\ny,"abc\n', { delimiter: ',', quote: '"' })).toThrow('quoted field is not closed at line 2, column 3');
  });
});

describe('transform.parse: json and text', () => {
  it('json: parses strings and bytes, passes parsed values, keeps key/headers/meta; bad JSON to error', async () => {
    const parse = await create({ format: 'json' });
    const input = [
      record('{"a":1}', '1'),
      record(Buffer.from('[1,2]'), '2'),
      record({ already: true }, '3'),
      record('{"a":', '4'),
      record(42, '5'),
    ];
    const result = await parse.process(input, noHold);
    expect(result.out).toEqual([
      { ...input[0], value: { a: 1 } },
      { ...input[1], value: [1, 2] },
      input[2],
      input[4],
    ]);
    expect(result.error).toHaveLength(1);
    expect(result.error![0]).toMatchObject({ meta: { offset: '4' }, value: '{"a":', error: { nodeId: 'p', code: 'E_DECODE' } });
    expect(result.error![0]!.error!.message).toMatch(/^invalid JSON: /);
  });

  it('json with encoding base64 decodes first; text that is not base64 goes to error', async () => {
    const parse = await create({ format: 'json', encoding: 'base64' });
    const result = await parse.process([record(Buffer.from('{"n":7}').toString('base64')), record('not base64!')], noHold);
    expect(result.out!.map((r) => r.value)).toEqual([{ n: 7 }]);
    expect(result.error!.map((r) => r.error!.message)).toEqual(['value is not base64 text (encoding: base64)']);
  });

  it('text: strings as-is, bytes as UTF-8, numbers with String, objects as JSON, null to error', async () => {
    const parse = await create({ format: 'text' });
    const result = await parse.process([record('héllo'), record(Buffer.from('bytes ✓')), record(12.5), record({ a: [1] }), record(null)], noHold);
    expect(result.out!.map((r) => r.value)).toEqual(['héllo', 'bytes ✓', '12.5', '{"a":[1]}']);
    expect(result.error!.map((r) => [r.error!.code, r.error!.message])).toEqual([['E_DECODE', 'value is null; nothing to convert to text']]);
  });
});

describe('transform.parse: csv', () => {
  it('without columns: one record per line, each an array of strings', async () => {
    const parse = await create({ format: 'csv' });
    const input = [record('a,b\n"c,d",e\n', '1')];
    expect(await parse.process(input, noHold)).toEqual({
      out: [
        { ...input[0], value: ['a', 'b'] },
        { ...input[0], value: ['c,d', 'e'] },
      ],
      error: [],
    });
  });

  it('with columns, delimiter and inferTypes: objects with numbers, booleans and nulls; quoted fields stay strings', async () => {
    const parse = await create({ format: 'csv', columns: ['id', 'name', 'amount', 'vip'], delimiter: ';', inferTypes: true });
    const result = await parse.process([record('1;"Ann";12.50;true\n"007";Bob;;false\n3;x;-1e3;maybe')], noHold);
    expect(result.out!.map((r) => r.value)).toEqual([
      { id: 1, name: 'Ann', amount: 12.5, vip: true },
      { id: '007', name: 'Bob', amount: null, vip: false },
      { id: 3, name: 'x', amount: -1000, vip: 'maybe' },
    ]);
    expect(result.error).toEqual([]);
  });

  it('skipHeader drops header lines; a line with the wrong field count sends the whole record to error', async () => {
    const parse = await create({ format: 'csv', columns: ['id', 'name'], skipHeader: true });
    const input = [record('id,name\n1,a', '1'), record('id,name', '2'), record('2,b\n3', '3'), record('"4,x', '4'), record({ id: 5 }, '5')];
    const result = await parse.process(input, noHold);
    expect(result.out!.map((r) => [r.meta.offset, r.value])).toEqual([['1', { id: '1', name: 'a' }]]);
    expect(result.error!.map((r) => [r.meta.offset, r.error!.code, r.error!.message])).toEqual([
      ['3', 'E_DECODE', 'invalid CSV: line 2 has 1 field(s); columns lists 2'],
      ['4', 'E_DECODE', 'invalid CSV: quoted field is not closed at line 1, column 1'],
      ['5', 'E_DECODE', 'csv needs a string or bytes value, not object'],
    ]);
  });
});

describe('transform.parse config', () => {
  const issues = (config: unknown) => parseTransformSpec.config.safeParse(config).error?.issues.map((i) => i.path.join('.'));

  it('applies defaults and refuses csv-only fields elsewhere, equal delimiter and quote, bad characters', () => {
    expect(parseTransformSpec.config.parse({ format: 'csv' })).toEqual({
      format: 'csv',
      encoding: 'utf8',
      invalidUtf8: 'error',
      skipHeader: false,
      delimiter: ',',
      quote: '"',
      inferTypes: false,
    });
    expect(issues({ format: 'json', columns: ['a'] })).toEqual(['columns']);
    expect(issues({ format: 'csv', delimiter: '"' })).toEqual(['quote']);
    expect(issues({ format: 'csv', delimiter: ';;' })).toEqual(['delimiter']);
    expect(issues({ format: 'csv', quote: '\n' })).toEqual(['quote']);
    expect(issues({ format: 'csv', skipHeader: true })).toEqual(['skipHeader']);
    expect(issues({ format: 'csv', columns: ['a', 'a'] })).toEqual(['columns.1']);
    expect(issues({ format: 'xml' })).toEqual(['format']);
  });

  it('compiles in a flow, and reports a bad config at config.<field>', () => {
    const flow = (config: Record<string, unknown>) =>
      FlowSchema.parse({
        version: 1,
        name: 'parse-test',
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 1, value: "'1,2'" } },
          { id: 'p', type: 'transform.parse', config },
          { id: 'out', type: 'sink.console' },
        ],
        edges: [
          { from: 'gen', to: 'p' },
          { from: 'p', to: 'out' },
          { from: 'p:error', to: 'out' },
        ],
      });
    const ok = compileFlow(flow({ format: 'csv', columns: ['a', 'b'] }), specRegistry);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.plan.byId.get('p')!.config).toMatchObject({ format: 'csv', delimiter: ',', columns: ['a', 'b'] });
    const bad = compileFlow(flow({ format: 'csv', delimiter: '"' }), specRegistry);
    expect(bad.ok ? [] : bad.problems.map((p) => [p.code, p.nodeId, p.path])).toEqual([['E_CONFIG', 'p', 'config.quote']]);
  });
});

import { describe, expect, it } from 'vitest';
import { specRegistry } from '../../nodes/specs';
import { itemProblems, mapFromRows, mapRows, moveItem, newListItem, removeItem } from '../../renderer/form/list-model';
import { parseJsonText, parseYamlText, yamlOf } from '../../renderer/form/raw-text';
import { secretDisplay, specFormFields, valueFromInput, type FormField } from '../../renderer/form/schema-form';

function field(type: string, name: string): FormField {
  const spec = specRegistry.get(type);
  const f = spec === undefined ? undefined : specFormFields(spec).find((x) => x.name === name);
  if (f === undefined) throw new Error(`no field ${type} ${name}`);
  return f;
}

describe('structured field kinds', () => {
  it('edits routes as a list of objects whose condition stays an expression', () => {
    const routes = field('transform.route', 'routes');
    expect(routes).toMatchObject({ kind: 'object-list', required: true, minItems: 1, maxItems: 64 });
    expect(routes.itemFields?.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['port', 'string', true],
      ['expression', 'expression', true],
    ]);
    expect(routes.children).toBeUndefined();
  });

  it('edits window aggregates as rows whose op is an enum with its meanings', () => {
    const aggregates = field('transform.window', 'aggregates');
    expect(aggregates.kind).toBe('object-list');
    const [name, op, expression] = aggregates.itemFields ?? [];
    expect(name).toMatchObject({ name: 'name', kind: 'string', required: true });
    expect(op?.kind).toBe('enum');
    expect(op?.options?.map((o) => o.value)).toEqual(['count', 'sum', 'avg', 'min', 'max', 'distinctCount']);
    expect(expression).toMatchObject({ name: 'expression', kind: 'expression', required: false });
    // A new aggregate starts with its required op chosen; the name is left for the compiler to ask for.
    expect(newListItem(aggregates.itemFields ?? [])).toEqual({ op: 'count' });
    expect(newListItem(field('transform.route', 'routes').itemFields ?? [])).toEqual({});
  });

  it('edits HTTP headers as key/value rows, a JSON Schema with the schema check, brokers as a list of strings', () => {
    expect(field('sink.http', 'headers')).toMatchObject({ kind: 'string-map', default: {} });
    expect(field('transform.validate', 'schema')).toMatchObject({ kind: 'json', required: true });
    expect(field('source.kafka', 'brokers').kind).toBe('string-list');
    // Raw text of a structured field still parses as JSON.
    expect(valueFromInput(field('sink.http', 'headers'), '{"A":"b"}')).toEqual({ A: 'b' });
    // A literal credential header is masked in a headers map as it was as JSON.
    expect(secretDisplay(field('sink.http', 'headers'), { Authorization: 'Bearer abc' })).toEqual({ mode: 'masked', literal: true });
    expect(secretDisplay(field('sink.http', 'headers'), { Authorization: 'Bearer ${TOKEN}' })).toEqual({ mode: 'plain', literal: false });
  });
});

describe('list and map editing', () => {
  it('moves and removes items without changing the original', () => {
    const list = ['a', 'b', 'c'];
    expect(moveItem(list, 0, 2)).toEqual(['b', 'c', 'a']);
    expect(moveItem(list, 2, 1)).toEqual(['a', 'c', 'b']);
    expect(moveItem(list, 0, 3)).toEqual(['a', 'b', 'c']);
    expect(removeItem(list, 1)).toEqual(['a', 'c']);
    expect(list).toEqual(['a', 'b', 'c']);
  });

  it('splits a list field problems per item and item field', () => {
    const problems = itemProblems(['too small: expected at least 1 item', '[1].expression: unexpected token at column 7', '[0].port: duplicate port "high"', '[2]: unknown field "x"']);
    expect(problems.whole).toEqual(['too small: expected at least 1 item']);
    expect(problems.items.get(1)?.get('expression')).toEqual(['unexpected token at column 7']);
    expect(problems.items.get(0)?.get('port')).toEqual(['duplicate port "high"']);
    expect(problems.items.get(2)?.get('')).toEqual(['unknown field "x"']);
  });

  it('writes key/value rows as a map, leaving out blank keys and flagging duplicates', () => {
    const rows = mapRows({ 'X-Trace': 'on', Accept: 'application/json' });
    expect(rows).toEqual([
      { key: 'X-Trace', value: 'on' },
      { key: 'Accept', value: 'application/json' },
    ]);
    const result = mapFromRows([...rows, { key: '', value: 'half-written' }, { key: 'X-Trace', value: 'off' }]);
    expect(result.value).toEqual({ 'X-Trace': 'on', Accept: 'application/json' });
    expect([...result.duplicates]).toEqual([3]);
    expect([...mapFromRows([{ key: 'accept', value: 'a' }, { key: 'Accept', value: 'b' }], true).duplicates]).toEqual([1]);
    expect(mapRows(['not', 'a', 'map'])).toEqual([]);
  });
});

describe('raw text of structured fields', () => {
  it('round-trips routes through YAML and names the line and column of a YAML error', () => {
    const routes = [{ port: 'high', expression: 'value.amount > 1000' }];
    expect(yamlOf(routes)).toBe('- port: high\n  expression: value.amount > 1000\n');
    expect(parseYamlText(yamlOf(routes))).toEqual({ ok: true, value: routes });
    expect(parseYamlText('  ')).toEqual({ ok: true, value: undefined });
    const bad = parseYamlText('- port: high\n  expression: [value\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.line).toBeGreaterThanOrEqual(2);
  });

  it('names the line and column of a JSON syntax error', () => {
    expect(parseJsonText('{ "type": "object" }')).toEqual({ ok: true, value: { type: 'object' } });
    expect(parseJsonText('{\n  "type": ,\n}')).toEqual({ ok: false, line: 2, column: 11, message: "Unexpected token ','" });
    const unterminated = parseJsonText('{\n  "type": "object"');
    expect(unterminated).toMatchObject({ ok: false, line: 2 });
  });
});

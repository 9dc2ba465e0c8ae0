// The two formats of `tributary validate`: `file:line:col: node <id>: <field>: <message> [E_CODE]` lines (what editors
// and CI annotate) and the JSON records of `--format json`; warnings and unknown positions in both.
import { describe, expect, it } from 'vitest';
import { FlowProblemsError, formatProblems, isWarning, problemReports, type Problem } from '../../runtime/common/errors';

const problems: Problem[] = [
  { code: 'E_ENV', nodeId: 'orders', path: 'config.brokers[0]', message: 'environment variable KAFKA_BROKERS is not set and has no default', line: 9, column: 11 },
  { code: 'E_FLOW_SCHEMA', path: 'name', message: 'required field "name" is missing', line: 1, column: 1 },
  { code: 'E_GRAPH', nodeId: 'weird', path: '', message: 'node "weird" has no edges', line: 12 },
  { code: 'E_FLOW_PARSE', path: '', message: 'cannot read the flow file: ENOENT' },
  { code: 'E_CONFIG', nodeId: 'out', path: 'config.url', message: 'the URL holds a password', line: 20, column: 14, severity: 'warning' },
  { code: 'E_CONFIG', nodeId: 'out', path: 'config.db', message: 'explicitly an error', line: 21, column: 5, severity: 'error' },
];

describe('formatProblems', () => {
  it('prints file:line:col, the node or flow, the field, the message and the code', () => {
    expect(formatProblems(problems, 'orders.flow.yaml')).toEqual([
      'orders.flow.yaml:9:11: node orders: config.brokers[0]: environment variable KAFKA_BROKERS is not set and has no default [E_ENV]',
      'orders.flow.yaml:1:1: flow: name: required field "name" is missing [E_FLOW_SCHEMA]',
      'orders.flow.yaml:12: node weird: node "weird" has no edges [E_GRAPH]',
      'orders.flow.yaml: flow: cannot read the flow file: ENOENT [E_FLOW_PARSE]',
      'orders.flow.yaml:20:14: warning: node out: config.url: the URL holds a password [E_CONFIG]',
      'orders.flow.yaml:21:5: node out: config.db: explicitly an error [E_CONFIG]',
    ]);
  });

  it('names the file "flow" when none is given', () => {
    expect(formatProblems([problems[0]!])[0]).toMatch(/^flow:9:11: node orders: /);
  });
});

describe('problemReports (validate --format json)', () => {
  it('gives every key, null where a part is unknown, and the severity (error when absent)', () => {
    const reports = problemReports(problems, 'orders.flow.yaml');
    expect(reports[0]).toEqual({
      file: 'orders.flow.yaml',
      line: 9,
      column: 11,
      node: 'orders',
      field: 'config.brokers[0]',
      code: 'E_ENV',
      message: 'environment variable KAFKA_BROKERS is not set and has no default',
      severity: 'error',
    });
    expect(reports.map((r) => [r.line, r.column, r.node, r.field, r.severity])).toEqual([
      [9, 11, 'orders', 'config.brokers[0]', 'error'],
      [1, 1, null, 'name', 'error'],
      [12, null, 'weird', null, 'error'],
      [null, null, null, null, 'error'],
      [20, 14, 'out', 'config.url', 'warning'],
      [21, 5, 'out', 'config.db', 'error'],
    ]);
    // A column without a line is no place in the file (e.g. a column inside an expression only).
    expect(problemReports([{ code: 'E_EXPRESSION', path: 'config.expression', message: 'm', column: 4 }], 'f')[0]).toMatchObject({ line: null, column: null });
    for (const report of reports) expect(Object.keys(report).sort()).toEqual(['code', 'column', 'field', 'file', 'line', 'message', 'node', 'severity']);
  });
});

describe('severity', () => {
  it('is an error unless it says warning', () => {
    expect(problems.map(isWarning)).toEqual([false, false, false, false, true, false]);
  });

  it('gives a FlowProblemsError the code of its first error, not of a warning before it', () => {
    const error = new FlowProblemsError([problems[4]!, problems[0]!], 'orders.flow.yaml');
    expect(error.code).toBe('E_ENV');
    expect(error.message.split('\n')).toEqual(formatProblems([problems[4]!, problems[0]!], 'orders.flow.yaml'));
  });
});

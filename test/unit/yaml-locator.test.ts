// Lines and columns for problems that have none (the compiler's), found in the flow file text.
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../runtime/common/errors';
import { locateProblems } from '../../runtime/common/yaml-locator';

const MINIMAL = `version: 1
name: orders
nodes:
  - id: src
    type: source.kafka
    config:
      topic: orders
  - id: out
    type: sink.console
edges:
  - from: src
    to: out
`;

describe('locateProblems', () => {
  it('adds lines to node-relative and flow paths, keeping expression columns', () => {
    const problems: Problem[] = [
      { code: 'E_EXPRESSION', nodeId: 'out', path: 'config.target', message: 'm', column: 4 },
      { code: 'E_GRAPH', path: 'edges[0].to', message: 'm' },
      { code: 'E_CONFIG', nodeId: 'src', path: 'config.missing', message: 'm' },
      { code: 'E_GRAPH', nodeId: 'nope', path: '', message: 'm' },
      { code: 'E_GRAPH', path: '', message: 'm', line: 99 },
    ];
    const located = locateProblems(MINIMAL, problems);
    expect(located.map((p) => [p.line, p.column])).toEqual([
      [8, 4], // node "out" has no config: its entry's line, the expression's own column
      [12, 9],
      [6, 5], // config found, "missing" is not: the config key
      [undefined, undefined], // unknown node
      [99, undefined],
    ]);
    expect(problems[0]?.line).toBeUndefined(); // input untouched
  });
});

// Saving a flow: stable key order, defaults left out, `${VAR}` references kept; what is written reads back the same.
import { describe, expect, it } from 'vitest';
import { formatProblems } from '../../runtime/common/errors';
import type { Flow } from '../../runtime/common/flow';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { serializeFlow } from '../../runtime/common/flow-serializer';

/** Parses and expects success. */
function load(text: string, env: Record<string, string | undefined> = {}, fileName?: string): Flow {
  const result = parseFlowText(text, { env, ...(fileName === undefined ? {} : { fileName }) });
  if (!result.ok) throw new Error(`expected the flow to load:\n${formatProblems(result.problems).join('\n')}`);
  return result.flow;
}


describe('serializeFlow', () => {
  const text = `version: 1
name: orders
description: From Kafka to the console
settings:
  batchSize: 50
  telemetry: true
nodes:
  - id: src
    type: source.kafka
    title: Orders
    config:
      topic: orders
      brokers: [a, b]
    onError: drop
  - id: out
    type: sink.console
edges:
  - from: src
    to: out
layout:
  src: { x: 0, y: 10.5 }
`;

  it('writes YAML in a stable key order, leaving out defaults, and reads back the same flow', () => {
    const flow = load(text);
    const yaml = serializeFlow(flow, 'yaml');
    expect(yaml).toBe(`version: 1
name: orders
description: From Kafka to the console
settings:
  batchSize: 50
nodes:
  - id: src
    type: source.kafka
    title: Orders
    config:
      topic: orders
      brokers:
        - a
        - b
    onError: drop
  - id: out
    type: sink.console
    config: {}
edges:
  - from: src
    to: out
layout:
  src:
    x: 0
    y: 10.5
`);
    expect(load(yaml)).toEqual(flow);
  });

  it('writes JSON that reads back the same flow', () => {
    const flow = load(text);
    const json = serializeFlow(flow, 'json');
    expect(json.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(json) as object)).toEqual(['version', 'name', 'description', 'settings', 'nodes', 'edges', 'layout']);
    expect(load(json, {}, 'x.json')).toEqual(flow);
  });

  it('keeps ${VAR} references of a flow loaded without substitution', () => {
    const source = 'version: 1\nname: n\nnodes:\n  - id: a\n    type: source.kafka\n    config:\n      brokers: ${KAFKA_BROKERS:-localhost:9092}\nedges: []\n';
    const result = parseFlowText(source, { env: {}, substitute: false });
    expect(result.ok).toBe(true);
    if (result.ok) expect(serializeFlow(result.flow, 'yaml')).toBe(source);
  });
});

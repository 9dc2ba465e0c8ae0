// The studio checks the flow as written, `${VAR}` references kept (tributary validate substitutes them first): every
// example opens with no problems, and a topic name that is wrong after substitution is still refused by validate.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { specRegistry } from '../../nodes/specs';
import { flowToGraph } from '../../renderer/store/convert';
import { computeProblems, isWarningProblem } from '../../renderer/store/problems';

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

describe('problems the studio shows for the examples', () => {
  it.each(readdirSync(examples).filter((name) => /\.flow\.(yaml|json)$/.test(name)))('examples/%s has none', (name) => {
    const parsed = parseFlowText(readFileSync(join(examples, name), 'utf8'), { env: {}, substitute: false });
    if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
    expect(computeProblems(flowToGraph(parsed.flow)).filter((p) => !isWarningProblem(p))).toEqual([]);
  });

  it('a sink.kafka topic reference passes as written and is checked once substituted', () => {
    const text = (topic: string) =>
      `version: 1\nname: t\nnodes:\n  - { id: gen, type: source.generator, config: {} }\n  - { id: out, type: sink.kafka, config: { brokers: ["127.0.0.1:9092"], topic: "${topic}" } }\nedges:\n  - { from: gen, to: out }\n`;
    const kept = parseFlowText(text('${OUT_TOPIC:-orders.enriched}'), { env: {}, substitute: false });
    if (!kept.ok) throw new Error('does not parse');
    expect(compileFlow(kept.flow, specRegistry).ok).toBe(true);
    const substituted = parseFlowText(text('${OUT_TOPIC}'), { env: { OUT_TOPIC: 'not a topic!' } });
    if (!substituted.ok) throw new Error('does not parse');
    const compiled = compileFlow(substituted.flow, specRegistry);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.problems.map((p) => `${p.nodeId} ${p.path}: ${p.message}`)).toContain('out config.topic: topic names use only letters, digits, ".", "_" and "-"');
  });
});

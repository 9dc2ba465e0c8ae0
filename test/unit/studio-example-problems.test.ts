// The studio checks the flow as written, `${VAR}` references kept (tributary validate substitutes them first): every
// example opens with no problems, a config value holding a reference is not judged there, and a value that is wrong
// after substitution is still refused by validate.
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

  it('a ${VAR} value passes as written, whatever the field checks, and is checked once substituted', () => {
    const text = (topic: string, ttl: string) =>
      'version: 1\nname: t\nnodes:\n  - { id: gen, type: source.generator, config: {} }\n' +
      `  - { id: out, type: sink.kafka, config: { brokers: ["127.0.0.1:9092"], topic: "${topic}" } }\n` +
      `  - { id: cache, type: sink.redis, config: { command: set, key: value.id, ttlSeconds: "${ttl}" } }\n` +
      'edges:\n  - { from: gen, to: out }\n  - { from: gen, to: cache }\n';
    const kept = parseFlowText(text('${OUT_TOPIC:-orders.enriched}', '${TTL}'), { env: {}, substitute: false });
    if (!kept.ok) throw new Error('does not parse');
    // The compiler alone refuses both (a pattern, a number); the studio leaves values with references to validate.
    expect(compileFlow(kept.flow, specRegistry).ok).toBe(false);
    expect(computeProblems(flowToGraph(kept.flow)).filter((p) => !isWarningProblem(p))).toEqual([]);
    // Not every problem of such a node is dropped: a wrong field next to a reference is still shown.
    const wrong = parseFlowText(text('${OUT_TOPIC}', 'soon'), { env: {}, substitute: false });
    if (!wrong.ok) throw new Error('does not parse');
    expect(computeProblems(flowToGraph(wrong.flow)).filter((p) => !isWarningProblem(p)).map((p) => `${p.nodeId} ${p.path}`)).toEqual(['cache config.ttlSeconds']);
    const substituted = parseFlowText(text('${OUT_TOPIC}', '60'), { env: { OUT_TOPIC: 'not a topic!' } });
    if (!substituted.ok) throw new Error('does not parse');
    const compiled = compileFlow(substituted.flow, specRegistry);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.problems.map((p) => `${p.nodeId} ${p.path}: ${p.message}`)).toContain('out config.topic: topic names use only letters, digits, ".", "_" and "-"');
  });
});

// The Prometheus registry of a run, parsed with Prometheus' own text parser (prom2json, test/support/prometheus.ts): names per the naming guide, durations as
// histograms in seconds, flow and node labels, build info with the package version, standard process metrics.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema } from '../../runtime/common/flow';
import { Engine } from '../../runtime/engine/engine';
import { BATCH_DURATION_BUCKETS, DurationHistogram } from '../../runtime/engine/duration-histogram';
import { createMetricsRegistry } from '../../runtime/metrics-server';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';
import { namingProblems, parseMetrics, PARSER_BUILD_TIMEOUT_MS, preparePrometheusParser } from '../support/prometheus';

beforeAll(() => void preparePrometheusParser(), PARSER_BUILD_TIMEOUT_MS);

describe('DurationHistogram', () => {
  it('counts each observation in the first bucket whose bound it does not exceed, with sum and count', () => {
    const h = new DurationHistogram([0.01, 0.1, 1]);
    h.observe(0.01);
    h.observe(0.05, 2);
    h.observe(5);
    expect(h.snapshot()).toEqual({ bounds: [0.01, 0.1, 1], counts: [1, 2, 0, 1], sum: 0.01 + 0.1 + 5, count: 4 });
  });
});

describe('metrics registry', () => {
  it('exposes histograms in seconds, counters with _total, flow and node labels, build info and process metrics', async () => {
    const compiled = compileFlow(
      FlowSchema.parse({
        version: 1,
        name: 'orders-demo',
        nodes: [
          { id: 'gen', type: 'source.generator', config: { count: 50, value: '({ n: i })' } },
          { id: 'double', type: 'transform.map', config: { expression: '({ n: value.n * 2 })' } },
          { id: 'out', type: 'sink.file', config: { path: join(mkdtempSync(join(tmpdir(), 'tributary-metrics-')), 'out.jsonl') } },
        ],
        edges: [
          { from: 'gen', to: 'double' },
          { from: 'double', to: 'out' },
        ],
      }),
      specRegistry,
    );
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const engine = new Engine(compiled.plan, { runtimes: nodeRuntimes, logger: pino({ level: 'silent' }) });
    await engine.run();
    const families = parseMetrics(await createMetricsRegistry(engine).metrics());

    expect(namingProblems(families)).toEqual([]);
    for (const family of families.values()) {
      for (const sample of family.metrics) expect(sample.labels?.flow, family.name).toBe('orders-demo');
    }
    const version = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;
    expect(families.get('tributary_build_info')?.metrics).toEqual([{ value: '1', labels: { version, flow: 'orders-demo' } }]);
    expect(families.get('process_cpu_seconds_total')?.type).toBe('COUNTER');
    expect(families.has('process_resident_memory_bytes')).toBe(true);
    expect([...families.keys()].filter((name) => name.startsWith('tributary_process_'))).toEqual([]);

    const recordsIn = families.get('tributary_node_records_in_total')!;
    expect(recordsIn.metrics.find((m) => m.labels?.node === 'out')?.value).toBe('50');
    for (const name of ['tributary_node_batch_duration_seconds', 'tributary_sink_ack_duration_seconds', 'tributary_end_to_end_latency_seconds']) {
      const family = families.get(name);
      expect(family?.type, name).toBe('HISTOGRAM');
      const nodes = family!.metrics.map((m) => m.labels?.node);
      expect(nodes, name).toContain(name === 'tributary_node_batch_duration_seconds' ? 'double' : 'out');
      for (const m of family!.metrics) {
        expect(m.buckets?.['+Inf']).toBe(m.count);
        expect(Number(m.sum)).toBeGreaterThanOrEqual(0);
        const bound = (le: string): number => (le === '+Inf' ? Infinity : Number(le));
        const cumulative = Object.entries(m.buckets!).sort(([a], [b]) => bound(a) - bound(b)).map(([, n]) => Number(n));
        expect(cumulative).toEqual([...cumulative].sort((a, b) => a - b));
      }
    }
    const sinkBatches = families.get('tributary_node_batch_duration_seconds')!.metrics.find((m) => m.labels?.node === 'out')!;
    expect(Object.keys(sinkBatches.buckets!)).toHaveLength(BATCH_DURATION_BUCKETS.length + 1);
    expect(Number(sinkBatches.count)).toBeGreaterThan(0);
    // A batch of 50 in-memory records takes well under a second: the unit is seconds, not milliseconds.
    expect(Number(sinkBatches.sum) / Number(sinkBatches.count)).toBeLessThan(1);
    const endToEnd = families.get('tributary_end_to_end_latency_seconds')!.metrics.find((m) => m.labels?.node === 'out')!;
    expect(endToEnd.count).toBe('50');
  });
});

// The compiler's delivery guarantee of every sink type and command, the refusal of exactly-once where it cannot hold,
// and how `tributary validate` and `tributary nodes` print them (the real CLI).
import { describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import {
  DELIVERY_GUARANTEE_LABELS,
  deliveryCatalog,
  nondeterministicCall,
  sinkDelivery,
  type DeliveryGuarantee,
  type FlowDelivery,
} from '../../runtime/common/delivery-guarantee';
import { FlowSchema, type FlowInput } from '../../runtime/common/flow';
import { nodeSpecs, specRegistry } from '../../nodes/specs';
import { REDIS_SINK_COMMANDS } from '../../nodes/sink/redis.spec';
import { httpSinkConfigSchema } from '../../nodes/sink/http.spec';
import { runCli, tempDir, writeFlow } from '../support/runtime';

/** The guarantee of a sink as the compiler gives it: config parsed with the spec's defaults first. */
function guaranteeOf(type: string, config: Record<string, unknown>, delivery: FlowDelivery = 'at-least-once'): DeliveryGuarantee {
  const parsed = specRegistry.get(type)!.config.parse(config) as Record<string, unknown>;
  return sinkDelivery(type, parsed, delivery)!.guarantee;
}

const kafka = { brokers: ['127.0.0.1:9092'] };
const redisConfigs: Record<(typeof REDIS_SINK_COMMANDS)[number], Record<string, unknown>> = {
  set: { command: 'set', key: "'order:' + value.id" },
  hset: { command: 'hset', key: "'order:' + value.id" },
  xadd: { command: 'xadd', key: "'events:' + meta.partition" },
  publish: { command: 'publish', key: "'orders'" },
  incrby: { command: 'incrby', key: "'count:' + value.customer" },
  zadd: { command: 'zadd', key: "'board'", scoreExpression: 'value.score', memberExpression: 'value.player' },
};

describe('sink guarantees', () => {
  it('every registered sink type has a guarantee of its own (not the fallback for undeclared sinks)', () => {
    const sinks = nodeSpecs.filter((s) => s.kind === 'sink');
    expect(sinks.length).toBeGreaterThanOrEqual(5);
    for (const spec of sinks) {
      const rows = deliveryCatalog([spec.type]);
      expect(rows.length, spec.type).toBeGreaterThan(0);
      for (const row of rows) expect(row.guarantee.reason, spec.type).not.toMatch(/declares no guarantee/);
    }
    expect(sinkDelivery('sink.future', {}, 'at-least-once')).toEqual({
      guarantee: 'at-least-once',
      reason: 'sink.future declares no guarantee, so a replay may write its records again',
    });
    expect(sinkDelivery('transform.map', {}, 'at-least-once')).toBeUndefined();
  });

  it('sink.redis: every command', () => {
    const expected: Record<string, DeliveryGuarantee> = {
      set: 'idempotent',
      hset: 'idempotent',
      zadd: 'idempotent',
      xadd: 'at-least-once',
      publish: 'at-least-once',
      incrby: 'at-least-once',
    };
    expect(Object.keys(expected).sort()).toEqual([...REDIS_SINK_COMMANDS].sort());
    for (const command of REDIS_SINK_COMMANDS) expect(guaranteeOf('sink.redis', redisConfigs[command]), command).toBe(expected[command]);
    expect(guaranteeOf('sink.redis', { ...redisConfigs.xadd, id: 'auto' })).toBe('at-least-once');
    expect(guaranteeOf('sink.redis', { ...redisConfigs.xadd, id: 'from-offset' })).toBe('idempotent');
    const incrby = sinkDelivery('sink.redis', redisConfigs.incrby, 'at-least-once')!;
    expect(incrby.reason).toBe('INCRBY adds the increment again for every replayed record');
  });

  it('sink.redis: a key from a clock or random source moves a replay to another key; a value from one is still overwritten', () => {
    for (const key of ["'k:' + fn.now()", "'k:' + Date.now()", "'k:' + Math.random()", "'k:' + new Date().toISOString()", "crypto.randomUUID()"]) {
      for (const command of ['set', 'hset', 'zadd'] as const) {
        const delivery = sinkDelivery('sink.redis', { ...redisConfigs[command], key }, 'at-least-once')!;
        expect(delivery.guarantee, `${command} ${key}`).toBe('at-least-once');
        expect(delivery.reason).toMatch(/^the key calls .+\(\), so a replayed record writes another key$/);
      }
      expect(guaranteeOf('sink.redis', { ...redisConfigs.xadd, key, id: 'from-offset' })).toBe('at-least-once');
    }
    const value = sinkDelivery('sink.redis', { ...redisConfigs.set, valueExpression: '({ ...value, seenAt: fn.now() })' }, 'at-least-once')!;
    expect(value).toEqual({ guarantee: 'idempotent', reason: "SET overwrites the same key on replay; valueExpression calls fn.now(), so the replay's value wins" });
    // The record's own time is deterministic: it is read again with the record.
    expect(guaranteeOf('sink.redis', { ...redisConfigs.set, key: "'k:' + new Date(value.at).getHours()" })).toBe('idempotent');
  });

  it('sink.kafka: exactly-once in an exactly-once flow, at-least-once otherwise, none with acks 0', () => {
    expect(guaranteeOf('sink.kafka', { ...kafka, topic: 'out' }, 'exactly-once')).toBe('exactly-once');
    expect(guaranteeOf('sink.kafka', { ...kafka, topic: 'out' })).toBe('at-least-once');
    expect(guaranteeOf('sink.kafka', { ...kafka, topic: 'out', acks: 1, key: 'value.id' })).toBe('at-least-once');
    expect(guaranteeOf('sink.kafka', { ...kafka, topic: 'out', acks: 0 })).toBe('none');
  });

  it('sink.http: every method is at-least-once, each with its reason', () => {
    const methods = httpSinkConfigSchema.shape.method.unwrap().options;
    expect([...methods].sort()).toEqual(['POST', 'PUT']);
    for (const method of methods) expect(guaranteeOf('sink.http', { url: 'http://127.0.0.1:1/x', method }), method).toBe('at-least-once');
    expect(sinkDelivery('sink.http', { method: 'PUT' }, 'at-least-once')!.reason).toMatch(/upserts each record by its own id/);
    expect(sinkDelivery('sink.http', { method: 'POST' }, 'at-least-once')!.reason).toMatch(/POST is not idempotent/);
  });

  it('sink.file and sink.console repeat on replay', () => {
    expect(guaranteeOf('sink.file', { path: '/tmp/x.jsonl', fsync: true })).toBe('at-least-once');
    expect(guaranteeOf('sink.console', {})).toBe('at-least-once');
  });

  it('finds clock and random calls as written, and nothing in deterministic expressions', () => {
    expect(nondeterministicCall('fn.now() - value.at')).toBe('fn.now()');
    expect(nondeterministicCall("value.id + '-' + Math.random()")).toBe('Math.random()');
    expect(nondeterministicCall('performance.now()')).toBe('performance.now()');
    expect(nondeterministicCall("Math['random']()")).toBe("Math['random']()");
    expect(nondeterministicCall('Date()')).toBe('Date()');
    expect(nondeterministicCall('new Date()')).toBe('new Date()');
    expect(nondeterministicCall('new Date(value.at).toISOString()')).toBeUndefined();
    expect(nondeterministicCall("'order:' + value.id + ':' + meta.offset")).toBeUndefined();
    expect(nondeterministicCall('value.now')).toBeUndefined();
    expect(nondeterministicCall('(((')).toBeUndefined();
  });
});

/** A flow of one source through a map into the given sinks. */
function flowOf(delivery: FlowDelivery, source: { type: string; config: Record<string, unknown> }, sinks: { id: string; type: string; config: Record<string, unknown> }[]): FlowInput {
  return {
    version: 1,
    name: 'delivery',
    settings: { delivery },
    nodes: [{ id: 'in', ...source }, { id: 'shape', type: 'transform.map', config: { expression: 'value' } }, ...sinks],
    edges: [{ from: 'in', to: 'shape' }, ...sinks.map((s) => ({ from: 'shape', to: s.id }))],
  };
}

const kafkaSource = { type: 'source.kafka', config: { ...kafka, topic: 'orders', groupId: 'g' } };
const kafkaSink = { id: 'out', type: 'sink.kafka', config: { ...kafka, topic: 'enriched' } };

describe('the compiler refuses exactly-once where it cannot hold', () => {
  const problemsOf = (flow: FlowInput): { nodeId?: string; path: string; code: string; message: string }[] => {
    const result = compileFlow(FlowSchema.parse(flow), specRegistry);
    return result.ok ? [] : result.problems.map(({ nodeId, path, code, message }) => ({ nodeId, path, code, message }));
  };

  it('Kafka to Kafka compiles; each sink and source that prevents it is named with its field', () => {
    expect(problemsOf(flowOf('exactly-once', kafkaSource, [kafkaSink]))).toEqual([]);
    const problems = problemsOf(
      flowOf('exactly-once', { type: 'source.generator', config: { count: 10 } }, [
        kafkaSink,
        { id: 'store', type: 'sink.redis', config: redisConfigs.incrby },
        { id: 'hook', type: 'sink.http', config: { url: 'http://127.0.0.1:1/x' } },
        { id: 'fast', type: 'sink.kafka', config: { ...kafka, topic: 'fast', acks: 1 } },
      ]),
    );
    expect(problems).toEqual([
      {
        nodeId: 'in',
        path: 'type',
        code: 'E_CONFIG',
        message:
          'settings.delivery is exactly-once, but source.generator has no Kafka offsets to commit in the transaction; ' +
          'exactly-once needs every source to be source.kafka',
      },
      {
        nodeId: 'store',
        path: 'type',
        code: 'E_CONFIG',
        message:
          'settings.delivery is exactly-once, but sink.redis cannot write inside a Kafka transaction (exactly-once needs ' +
          'every sink to be sink.kafka); set settings.delivery to at-least-once, where this sink is at-least-once: ' +
          'duplicates after a crash, or write to Kafka',
      },
      expect.objectContaining({ nodeId: 'hook', path: 'type', message: expect.stringMatching(/^settings.delivery is exactly-once, but sink.http cannot write inside a Kafka transaction \(/) }),
      {
        nodeId: 'fast',
        path: 'config.acks',
        code: 'E_CONFIG',
        message: 'settings.delivery is exactly-once, but acks is 1; a transactional producer needs acks -1 (all in-sync replicas)',
      },
    ]);
  });

  it('a window in an exactly-once flow is refused (its checkpoints cannot ride in a transaction)', () => {
    const flow = flowOf('exactly-once', kafkaSource, [kafkaSink]);
    flow.nodes[1] = { id: 'shape', type: 'transform.window', config: { size: '1m', aggregate: 'count' } };
    const window = compileFlow(FlowSchema.parse(flow), specRegistry);
    expect(window.ok ? [] : window.problems.filter((p) => p.nodeId === 'shape' && p.path === 'type').map((p) => p.message)).toEqual([
      'settings.delivery is exactly-once, but transform.window keeps its state in the metadata of a plain offset commit, ' +
        'which a Kafka transaction does not carry (not supported yet); use at-least-once',
    ]);
  });

  it('an exactly-once source reading read_uncommitted is refused', () => {
    const source = { ...kafkaSource, config: { ...kafkaSource.config, isolationLevel: 'read_uncommitted' } };
    expect(problemsOf(flowOf('exactly-once', source, [kafkaSink]))).toEqual([
      expect.objectContaining({ nodeId: 'in', path: 'config.isolationLevel', message: expect.stringMatching(/aborted transactions; use read_committed$/) }),
    ]);
    expect(problemsOf(flowOf('at-least-once', source, [kafkaSink]))).toEqual([]);
  });

  it('xadd id from-offset needs Kafka sources; id applies to xadd only', () => {
    const xadd = { id: 'stream', type: 'sink.redis', config: { ...redisConfigs.xadd, id: 'from-offset' } };
    expect(problemsOf(flowOf('at-least-once', kafkaSource, [xadd]))).toEqual([]);
    expect(problemsOf(flowOf('at-least-once', { type: 'source.generator', config: { count: 1 } }, [xadd]))).toEqual([
      {
        nodeId: 'stream',
        path: 'config.id',
        code: 'E_CONFIG',
        message:
          'id from-offset derives stream ids from Kafka offsets, but source "in" (source.generator) reaches this sink and ' +
          'its records have none; use id auto, or read from source.kafka',
      },
    ]);
    const set = { id: 'kv', type: 'sink.redis', config: { ...redisConfigs.set, id: 'from-offset' } };
    expect(problemsOf(flowOf('at-least-once', kafkaSource, [set]))).toEqual([
      expect.objectContaining({ nodeId: 'kv', path: 'config.id', message: 'id applies to xadd only, not set; remove it' }),
    ]);
  });
});

// The real CLI: a child process each, which rebuilds the runtime first when a source changed (slow on a busy machine).
describe('tributary validate and tributary nodes', { timeout: 180_000 }, () => {
  const dir = tempDir('tributary-delivery-');

  it('validate prints a line per sink with its guarantee, and refuses exactly-once naming the node at its line', async () => {
    const good = writeFlow(dir, 'good.flow.yaml', flowOf('at-least-once', kafkaSource, [kafkaSink, { id: 'count', type: 'sink.redis', config: redisConfigs.incrby }]));
    const bad = writeFlow(dir, 'bad.flow.yaml', flowOf('exactly-once', kafkaSource, [kafkaSink, { id: 'count', type: 'sink.redis', config: redisConfigs.incrby }]));
    const ok = await runCli(['validate', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')).toEqual([
      `${good}: valid (4 nodes, 3 edges)`,
      '  delivery at-least-once, per sink:',
      `  out (sink.kafka): ${DELIVERY_GUARANTEE_LABELS['at-least-once']} (a replay appends the records again, and readers see both even on a compacted topic; settings.delivery exactly-once avoids it)`,
      `  count (sink.redis): ${DELIVERY_GUARANTEE_LABELS['at-least-once']} (INCRBY adds the increment again for every replayed record)`,
      '',
    ]);
    const refused = await runCli(['validate', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: node count: type: settings\\.delivery is exactly-once, but sink\\.redis cannot write inside a Kafka transaction \\(.+ \\[E_CONFIG\\]\\n$`),
    );
  });

  it('nodes lists the guarantee under each sink type, per command', async () => {
    const { code, stdout } = await runCli(['nodes']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  sink.redis '));
    expect(at).toBeGreaterThan(0);
    const redisLines = lines.slice(at + 1).filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('      ')));
    for (const command of REDIS_SINK_COMMANDS) expect(redisLines.some((l) => l.startsWith(`      command: ${command}`)), command).toBe(true);
    expect(redisLines).toContain('      command: incrby -> at-least-once: duplicates after a crash (INCRBY adds the increment again for every replayed record)');
    expect(lines).toContain(
      '      settings.delivery: exactly-once -> exactly-once (produced in the Kafka transaction that commits the consumed offsets; read_committed readers see each record once)',
    );
    const json = JSON.parse((await runCli(['nodes', '--json'])).stdout) as { type: string; delivery?: { when: string; guarantee: string }[] }[];
    expect(json.find((n) => n.type === 'sink.console')?.delivery).toEqual([
      { when: '', delivery: 'at-least-once', guarantee: 'at-least-once', reason: 'a replay prints the records again' },
    ]);
    expect(json.find((n) => n.type === 'transform.map')?.delivery).toBeUndefined();
  });
});

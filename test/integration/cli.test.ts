// `tributary validate` and `tributary preview` as a user runs them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createTopic, kafkaBrokers, redisUrl, testRedis, uniqueName } from '../support/services';
import { countKeys, runCli, seedTopic, tempDir, writeFlow, killAllCli } from '../support/runtime';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

describe('tributary validate', () => {
  afterEach(killAllCli);
  const dir = tempDir();

  it('accepts a valid flow with exit code 0', async () => {
    const result = await runCli(['validate', 'examples/demo.flow.yaml']);
    expect(result.stdout).toContain('examples/demo.flow.yaml: valid (4 nodes, 3 edges)');
    expect(result.code).toBe(0);
  });

  it('names every problem of a broken flow at once: cycle, unknown type, bad field, missing env var', async () => {
    const file = join(dir, 'broken.flow.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'name: broken',
        'nodes:',
        '  - id: gen',
        '    type: source.generator',
        '    config: { ratePerSecond: -5 }',
        '  - id: a',
        '    type: transform.map',
        '    config: { expression: "value.x +" }',
        '  - id: b',
        '    type: transform.filter',
        '    config: { expression: "true" }',
        '  - id: weird',
        '    type: transform.frobnicate',
        '  - id: out',
        '    type: sink.redis',
        '    config: { url: "${TRIBUTARY_TEST_UNSET_VAR}", command: set, key: "value.id" }',
        'edges:',
        '  - { from: gen, to: a }',
        '  - { from: a, to: b }',
        '  - { from: b, to: a }',
        '  - { from: b, to: out }',
        '',
      ].join('\n'),
    );
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(1);
    // The loader reports the missing variable first (substitution happens at load, before compiling).
    expect(result.stdout).toMatch(/node out: config\.url: .*TRIBUTARY_TEST_UNSET_VAR/);

    writeFileSync(file, (await import('node:fs')).readFileSync(file, 'utf8').replace('${TRIBUTARY_TEST_UNSET_VAR}', 'redis://127.0.0.1:6379'));
    const second = await runCli(['validate', file]);
    expect(second.code).toBe(1);
    const lines = second.stdout.trim().split('\n');
    expect(lines.some((l) => /node gen: config\.ratePerSecond: .*line 6/.test(l))).toBe(true);
    expect(lines.some((l) => /node a: config\.expression: .*column 10/.test(l))).toBe(true);
    expect(lines.some((l) => /node weird: .*transform\.frobnicate/.test(l))).toBe(true);
    expect(lines.some((l) => /cycle/.test(l) && /a -> b -> a|b -> a -> b/.test(l))).toBe(true);
    for (const line of lines) expect(line.startsWith(`${file}: `)).toBe(true);
  });
});

describe('tributary preview', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('prints every node\'s input and output for N records and writes nothing to Redis', async () => {
    const topic = uniqueName('preview');
    await createTopic(topic, 4);
    await seedTopic(topic, 100, (i) => ({ id: i, amount: i * 10 }));
    const flowFile = writeFlow(tempDir(), 'preview.flow.yaml', {
      version: 1,
      name: 'preview',
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId: `${topic}-group`, fromBeginning: true } },
        { id: 'euros', type: 'transform.map', config: { expression: '({ id: value.id, eur: value.amount / 100 })' } },
        { id: 'big', type: 'transform.filter', config: { expression: 'value.eur >= 0.5' } },
        { id: 'store', type: 'sink.redis', config: { url: redisUrl, command: 'set', key: `'${topic}:' + value.id` } },
      ],
      edges: [
        { from: 'orders', to: 'euros' },
        { from: 'euros', to: 'big' },
        { from: 'big', to: 'store' },
      ],
    });
    const result = await runCli(['preview', flowFile, '--records', '10', '--json']);
    expect(result.code).toBe(0);
    const preview = JSON.parse(result.stdout) as { nodes: { id: string; in: { value: { id: number } }[]; out: { port: string; value: { id: number; eur: number } }[] }[] };
    const byId = new Map(preview.nodes.map((n) => [n.id, n]));
    expect(byId.get('orders')!.out).toHaveLength(10);
    expect(byId.get('euros')!.in).toHaveLength(10);
    expect(byId.get('euros')!.out).toHaveLength(10);
    for (const r of byId.get('euros')!.out) expect(r.value.eur).toBe(r.value.id / 10);
    const kept = byId.get('euros')!.out.filter((r) => r.value.eur >= 0.5).length;
    expect(byId.get('big')!.out).toHaveLength(kept);
    expect(byId.get('store')!.in).toHaveLength(kept);
    expect(await countKeys(redis, `${topic}:*`)).toBe(0);

    const text = await runCli(['preview', flowFile, '--records', '5']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('== euros (transform.map): 5 in, 5 out');
    expect(text.stdout).toContain('Preview wrote nothing to any sink.');
    expect(await countKeys(redis, `${topic}:*`)).toBe(0);
  });
});

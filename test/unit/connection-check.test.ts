// Connection checks as a node capability: the spec flag and the runtime's check agree for every registered type, the
// studio backend's check goes through the registered runtime with `${VAR}` substituted, and a check against a closed
// port fails fast with one line (the real broker and Redis: test/integration/connection-check.test.ts).
import { closedPort } from '../support/ports';
import { describe, expect, it } from 'vitest';
import { checkKafkaConnection, listKafkaTopics } from '../../nodes/kafka-check.runtime';
import { checkDedupeConnection, checkRedisConnection } from '../../nodes/redis-check.runtime';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';
import type { NodeRuntime } from '../../runtime/engine/types';
import { StudioBackend } from '../../runtime/studio/backend';
import { checkNodeConnection, listTopicsOf, substituteConfig } from '../../runtime/studio/connection-check';

describe('connection check capability', () => {
  it('is declared by the spec exactly when the runtime has a check, for every registered type', () => {
    for (const [type, runtime] of nodeRuntimes) {
      const spec = specRegistry.get(type);
      expect(spec, type).toBeDefined();
      expect(spec!.connectionCheck, type).toBe(runtime.spec.connectionCheck);
      expect(typeof runtime.check === 'function', `${type}: runtime check vs spec connectionCheck`).toBe(spec!.connectionCheck !== undefined);
    }
  });

  it('is offered by every node type that talks to Kafka or Redis', () => {
    const offered = Object.fromEntries([...specRegistry].filter(([, spec]) => spec.connectionCheck !== undefined).map(([type, spec]) => [type, spec.connectionCheck]));
    expect(offered).toEqual({
      'source.kafka': 'kafka',
      'sink.kafka': 'kafka',
      'sink.redis': 'redis',
      'source.redis-stream': 'redis',
      'transform.enrich': 'redis',
      'transform.dedupe': 'redis',
    });
  });
});

describe('checkNodeConnection', () => {
  const recorded: unknown[] = [];
  const fake = (check: NodeRuntime['check']): ReadonlyMap<string, NodeRuntime> =>
    new Map([['sink.fake', { ...nodeRuntimes.get('sink.console')!, check }]]);

  it('runs the registered runtime check on the config with ${VAR} references substituted', async () => {
    const runtimes = fake((config) => {
      recorded.push(config);
      return Promise.resolve({ ok: true, message: 'fine' });
    });
    const result = await checkNodeConnection('sink.fake', { url: '${HOST}:${PORT:-9}', list: ['${HOST}'], n: 3, nested: { a: '${HOST}' } }, { HOST: 'h' }, runtimes);
    expect(result).toEqual({ ok: true, message: 'fine' });
    expect(recorded).toEqual([{ url: 'h:9', list: ['h'], n: 3, nested: { a: 'h' } }]);
  });

  it('names the variables that are not set instead of checking an emptied config', async () => {
    const checked: unknown[] = [];
    const runtimes = fake((config) => {
      checked.push(config);
      return Promise.resolve({ ok: true, message: 'fine' });
    });
    expect(await checkNodeConnection('sink.fake', { url: '${REDIS_URL}' }, {}, runtimes)).toEqual({
      ok: false,
      message: "REDIS_URL is not set in the studio's environment: set it before starting the studio, or write the value into the field",
    });
    const two = await checkNodeConnection('sink.fake', { a: '${A}', b: ['${B}', '${A}'] }, {}, runtimes);
    expect(two.message).toMatch(/^A, B are not set in the studio's environment: set them /);
    expect(checked).toEqual([]);
  });

  it('says in one line when the type is unknown, has no check, or its check throws', async () => {
    expect(await checkNodeConnection('sink.nope', {}, {})).toEqual({ ok: false, message: 'unknown node type "sink.nope"' });
    expect(await checkNodeConnection('sink.console', {}, {})).toEqual({ ok: false, message: 'sink.console has no connection to test' });
    const throwing = fake(() => Promise.reject(new Error('boom\n    at somewhere')));
    expect(await checkNodeConnection('sink.fake', {}, {}, throwing)).toEqual({ ok: false, message: 'cannot test the connection of sink.fake: boom' });
  });

  it('substitutes strings deep in arrays and objects and leaves other values as they are', () => {
    expect(substituteConfig({ a: ['${X}', 1, true, null], b: { c: '${Y:-d}' } }, { X: 'x' })).toEqual({ a: ['x', 1, true, null], b: { c: 'd' } });
  });
});

describe('Kafka check', () => {
  it('fails fast with one line against a closed port', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await checkKafkaConnection({ brokers: [`127.0.0.1:${port}`], topic: 'unfinished', groupId: '' });
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(new RegExp(`^cannot connect to Kafka: .*(ECONNREFUSED|${port})`));
    expect(result.message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(6_000);
    await expect(listKafkaTopics({ brokers: [`127.0.0.1:${port}`] })).rejects.toThrow();
    expect(await listTopicsOf({ brokers: [`127.0.0.1:${port}`] }, {})).toEqual([]);
  });

  it('names the field when the connection fields are invalid', async () => {
    expect(await checkKafkaConnection({ brokers: [] })).toEqual({ ok: false, message: 'cannot connect to Kafka: brokers: give at least one broker' });
    expect(await checkKafkaConnection({ brokers: [' , '] })).toEqual({ ok: false, message: 'cannot connect to Kafka: no brokers given' });
  });
});

describe('Redis check', () => {
  it('fails fast with one line against a closed port, the password hidden', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await checkRedisConnection({ url: `redis://app:s3cret@127.0.0.1:${port}`, command: 'set' });
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(new RegExp(`^cannot connect to Redis at redis://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(result.message).not.toContain('s3cret');
    expect(result.message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('refuses a URL that is not redis:// or rediss://', async () => {
    expect(await checkRedisConnection({ url: 'http://cache:6379' })).toEqual({
      ok: false,
      message: 'cannot connect to Redis: url: "http://cache:6379" is not a redis:// or rediss:// URL',
    });
  });

  it('has nothing to connect to for the memory store of transform.dedupe', async () => {
    const result = await checkDedupeConnection({ key: 'value.id' });
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/store: memory.*no connection/);
    const port = await closedPort();
    expect((await checkDedupeConnection({ store: 'redis', url: `redis://127.0.0.1:${port}` })).message).toMatch(/^cannot connect to Redis at/);
  });
});

describe('StudioBackend.testConnection', () => {
  it('checks a node type with the backend environment', async () => {
    const port = await closedPort();
    const backend = new StudioBackend({ stateDir: '/nonexistent-state-dir-unused', env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    const result = await backend.testConnection('transform.enrich', { url: '${REDIS_URL}', key: 'value.id' });
    expect(result.ok).toBe(false);
    expect(result.message).toContain(`redis://127.0.0.1:${port}`);
    expect(await backend.testConnection('transform.map', {})).toEqual({ ok: false, message: 'transform.map has no connection to test' });
  });
});

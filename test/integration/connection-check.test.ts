// "Test connection" against the real Kafka broker and Redis of scripts/services.sh: every node type that declares a
// connection check succeeds through the studio backend (its runtime's own check), and fails fast with one line against
// a closed port.
import { closedPort } from '../support/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeRuntimes } from '../../nodes/runtimes';
import { StudioBackend } from '../../runtime/studio/backend';
import { createTopic, kafkaBrokers, redisUrl, uniqueName } from '../support/services';

/** Node types with a check, by the service they reach. */
const checked = [...nodeRuntimes].filter(([, runtime]) => runtime.check !== undefined).map(([type, runtime]) => ({ type, service: runtime.spec.connectionCheck }));
const topic = uniqueName('connection-check');
let backend: StudioBackend;

beforeAll(async () => {
  await createTopic(topic, 1);
  // The configs below reference ${KAFKA_BROKERS} / ${REDIS_URL}, as flow files do: the backend substitutes them.
  backend = new StudioBackend({ stateDir: '/nonexistent-unused', env: { KAFKA_BROKERS: kafkaBrokers.join(','), REDIS_URL: redisUrl } });
});

afterAll(async () => {
  await backend.dispose();
});

/** A config of `service` pointing at the real services, extra fields as the inspector would hold them. */
function liveConfig(type: string, service: string | undefined): Record<string, unknown> {
  if (service === 'kafka') return { brokers: ['${KAFKA_BROKERS}'], topic, groupId: 'g' };
  return { url: '${REDIS_URL}', ...(type === 'transform.dedupe' ? { store: 'redis' } : {}) };
}

describe('connection checks against the real services', () => {
  it('covers the Kafka and Redis node types', () => {
    expect(checked.map((c) => c.type).sort()).toEqual(['sink.kafka', 'sink.redis', 'source.kafka', 'source.redis-stream', 'transform.dedupe', 'transform.enrich']);
  });

  it.each(checked)('$type connects to the real $service', async ({ type, service }) => {
    const result = await backend.testConnection(type, liveConfig(type, service));
    expect(result.ok, result.message).toBe(true);
    if (service === 'kafka') expect(result.message).toMatch(/^connected to \d+ broker\(s\), cluster \S+, \d+ topics$/);
    else expect(result.message).toBe(`connected to ${redisUrl.replace(/:[^:@/]*@/, ':***@')} (PING -> PONG)`);
  });

  it('lists the topics of the real broker', async () => {
    expect(await backend.listTopics({ brokers: ['${KAFKA_BROKERS}'] })).toContain(topic);
  });

  it.each(checked)('$type fails fast with one line against a closed port', async ({ type, service }) => {
    const port = await closedPort();
    const config = service === 'kafka' ? { brokers: [`127.0.0.1:${port}`] } : { url: `redis://127.0.0.1:${port}`, store: 'redis' };
    const started = Date.now();
    const result = await backend.testConnection(type, config);
    const elapsed = Date.now() - started;
    expect(result.ok).toBe(false);
    expect(result.message).not.toContain('\n');
    expect(result.message).toMatch(service === 'kafka' ? /^cannot connect to Kafka: .*ECONNREFUSED/ : new RegExp(`^cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(elapsed).toBeLessThan(3_000);
  });
});

// scripts/services.sh fails fast and clearly when it cannot start a service, and reports what runs.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function services(args: string[], env: Record<string, string>): { code: number | null; out: string; ms: number } {
  const started = Date.now();
  const result = spawnSync('bash', ['scripts/services.sh', ...args], {
    env: { ...process.env, KAFKA_BROKERS: '', REDIS_URL: '', ...env },
    encoding: 'utf8',
    timeout: 100_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}`, ms: Date.now() - started };
}

describe('scripts/services.sh', () => {
  let blocker: Server;
  const port = 19092;
  beforeAll(async () => {
    // Something that is not Kafka holds the port.
    blocker = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('fails in seconds with one clear line when the Kafka port is taken by something else', () => {
    const cache = mkdtempSync(join(tmpdir(), 'tributary-services-'));
    const result = services(['up'], {
      TRIBUTARY_CACHE: cache,
      TRIBUTARY_KAFKA_PORT: String(port),
      TRIBUTARY_CONTROLLER_PORT: '19093',
      // Redis is reachable already (the suite's), so only Kafka is attempted.
    });
    expect(result.code).not.toBe(0);
    expect(result.out).toContain(`port ${port} is in use by something that is not Kafka`);
    expect(result.out).toContain('KAFKA_BROKERS');
    expect(result.ms).toBeLessThan(100_000);
  });

  it('uses an external broker named by KAFKA_BROKERS and starts nothing', () => {
    const result = services(['status'], { KAFKA_BROKERS: 'broker.example:9092', REDIS_URL: 'redis://cache.example:6379' });
    expect(result.out).toContain('kafka: external, KAFKA_BROKERS=broker.example:9092');
    expect(result.out).toContain('redis: external, REDIS_URL=redis://cache.example:6379');
    expect(result.code).toBe(0);
  });
});

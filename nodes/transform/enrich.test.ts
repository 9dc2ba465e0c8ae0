// transform.enrich without a reachable Redis: records that never need a lookup (bad keys, non-object values), the GET
// reply decoding, defaults, and giving up with a retriable E_SINK error once the run stops while Redis is down.
import { describe, expect, it } from 'vitest';
import type { FlowRecord, NodeContext } from '../../runtime/engine/types';
import { noHold, testNodeContext } from '../../test/support/node-context';
import { createEnrichTransform, decodeGetReply } from './enrich.runtime';
import { enrichTransformSpec } from './enrich.spec';

const UNREACHABLE = 'redis://127.0.0.1:6390';

function rec(value: unknown, key: string | null = null): FlowRecord {
  return { key, value, headers: {}, timestamp: 0, meta: { source: 'src' } };
}

describe('transform.enrich (no Redis needed)', () => {
  it('sends records whose key is unusable or whose value is not an object to error without asking Redis', async () => {
    const e = createEnrichTransform(enrichTransformSpec.config.parse({ url: UNREACHABLE, key: 'value.id' }), testNodeContext('en', enrichTransformSpec));
    try {
      const out = await e.process([rec({}), rec({ id: '' }), rec(null), rec({ id: { a: 1 } }), rec([1])], noHold);
      expect(out.out).toEqual([]);
      expect(out.error!.map((r) => r.error!.message)).toEqual([
        'key expression gave undefined; it must give a non-empty string or a number',
        'key expression gave an empty string; it must give a non-empty string or a number',
        expect.stringMatching(/^key threw: /),
        'key expression gave object; it must give a non-empty string or a number',
        'key expression gave undefined; it must give a non-empty string or a number',
      ]);
      expect(e.stats()).toEqual({ cacheHits: 0, redisLookups: 0 });
    } finally {
      await e.close();
    }
  });

  it('retries while Redis is down and fails the batch with a retriable E_SINK error once the run stops', async () => {
    const abort = new AbortController();
    const ctx: NodeContext = { ...testNodeContext('en', enrichTransformSpec), signal: abort.signal };
    const e = createEnrichTransform(enrichTransformSpec.config.parse({ url: UNREACHABLE, key: "'k'" }), ctx);
    try {
      const started = Date.now();
      setTimeout(() => abort.abort(), 300);
      const error = await Promise.resolve(e.process([rec({ id: 1 })], noHold)).then(() => undefined, (x: unknown) => x);
      expect(error).toMatchObject({ code: 'E_SINK', retriable: true, nodeId: 'en' });
      expect((error as Error).message).toContain('redis://127.0.0.1:6390');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await e.close();
    }
  });

  it('decodes GET replies: JSON when it parses, else the string', () => {
    expect(decodeGetReply('{"a":1}')).toEqual({ a: 1 });
    expect(decodeGetReply('42')).toBe(42);
    expect(decodeGetReply('plain')).toBe('plain');
  });

  it('applies its defaults and needs a key', () => {
    expect(enrichTransformSpec.config.parse({ key: "'k'" })).toEqual({
      url: 'redis://127.0.0.1:6379',
      command: 'get',
      key: "'k'",
      field: 'lookup',
      onMiss: 'pass',
      cacheTtlMs: 60_000,
      cacheMaxEntries: 10_000,
    });
    expect(enrichTransformSpec.config.safeParse({}).success).toBe(false);
  });
});

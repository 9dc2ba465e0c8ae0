/**
 * Literal secrets (`runtime/common/secrets.ts`): the finder on every kind of secret, their references in YAML and
 * JSON, the `E_LITERAL_SECRET` warning in the studio's problems, the autosave that never stores one, and the
 * inspector's masking rule.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { specRegistry } from '../../nodes/specs';
import { withFieldMeta } from '../../runtime/common/field-meta';
import type { SpecRegistry } from '../../runtime/common/flow';
import type { NodeSpec } from '../../runtime/common/node-spec';
import {
  exportLines,
  findLiteralSecrets,
  findLiteralSecretsInText,
  hasReference,
  isSecretField,
  literalSecretProblems,
  referenceSecrets,
  secretVariableName,
  withSecretReferences,
} from '../../runtime/common/secrets';
import { StateStore } from '../../runtime/studio/state-store';
import { specFormFields, secretDisplay, type FormField } from '../../renderer/form/schema-form';
import { flowToGraph } from '../../renderer/store/convert';
import { computeProblems, problemCounts } from '../../renderer/store/problems';
import { parseFlowText } from '../../runtime/common/flow-loader';
import { checkFlowText } from '../../runtime/flow-file';

const FLOW = [
  'version: 1',
  'name: orders',
  'nodes:',
  '  - id: orders',
  '    type: source.kafka',
  '    # the broker of the team',
  '    config:',
  '      brokers: ["${KAFKA_BROKERS:-127.0.0.1:9092}"]',
  '      topic: orders',
  '      groupId: g',
  '      sasl: { mechanism: plain, username: app, password: hunter2 }',
  '  - id: store',
  '    type: sink.redis',
  '    config: { url: "redis://:s3cret@cache:6379", command: set, key: "key" }',
  '  - id: hook',
  '    type: sink.http',
  '    config:',
  '      url: https://hooks.example.com/in',
  '      headers: { Authorization: "Bearer abc123", X-Trace: "on", X-Api-Key: "${HOOK_KEY}" }',
  'edges:',
  '  - { from: orders, to: store }',
  '  - { from: orders, to: hook }',
  '',
].join('\n');

describe('findLiteralSecrets', () => {
  it('finds spec-marked secrets, credential-named fields and URL passwords, in flow order', () => {
    const secrets = findLiteralSecretsInText(FLOW, specRegistry);
    expect(secrets.map((s) => ({ nodeId: s.nodeId, path: s.path, part: s.part, literal: s.literal, variable: s.variable }))).toEqual([
      { nodeId: 'orders', path: ['sasl', 'password'], part: 'value', literal: 'hunter2', variable: 'ORDERS_SASL_PASSWORD' },
      { nodeId: 'store', path: ['url'], part: 'url-password', literal: 's3cret', variable: 'STORE_URL_PASSWORD' },
      { nodeId: 'hook', path: ['headers', 'Authorization'], part: 'value', literal: 'Bearer abc123', variable: 'HOOK_HEADERS_AUTHORIZATION' },
    ]);
  });

  it('leaves references alone: whole, in part, with a default, and in a URL', () => {
    const flow = {
      nodes: [
        { id: 'a', type: 'source.kafka', config: { sasl: { password: '${KAFKA_PASSWORD}' } } },
        { id: 'b', type: 'sink.http', config: { headers: { Authorization: 'Bearer ${TOKEN}' } } },
        { id: 'c', type: 'sink.redis', config: { url: 'redis://u:${REDIS_PASSWORD}@h:6379' } },
        { id: 'd', type: 'sink.redis', config: { url: '${REDIS_URL:-redis://127.0.0.1:6379}' } },
        { id: 'e', type: 'source.kafka', config: { sasl: { password: '' } } },
      ],
    };
    expect(findLiteralSecrets(flow, specRegistry)).toEqual([]);
    expect(hasReference('$${NOT_A_REFERENCE}')).toBe(false);
    expect(findLiteralSecrets({ nodes: [{ id: 'a', type: 'source.kafka', config: { sasl: { password: '$${X}' } } }] }, specRegistry)).toHaveLength(1);
  });

  it('reads the secret flag from the spec metadata, not only from field names', () => {
    const spec = { type: 'sink.vault', config: z.object({ pin: withFieldMeta(z.string().describe('PIN.'), { secret: true }), label: z.string() }) };
    const specs: SpecRegistry = new Map([['sink.vault', spec as unknown as NodeSpec]]);
    expect(isSecretField(spec as unknown as NodeSpec, ['pin'])).toBe(true);
    expect(isSecretField(spec as unknown as NodeSpec, ['label'])).toBe(false);
    expect(isSecretField(undefined, ['pin'])).toBe(false);
    const found = findLiteralSecrets({ nodes: [{ id: 'v', type: 'sink.vault', config: { pin: '1234', label: 'x' } }] }, specs);
    expect(found.map((s) => [s.path, s.variable])).toEqual([[['pin'], 'V_PIN']]);
  });

  it('marks the SASL password of both Kafka nodes secret in the inspector form', () => {
    for (const type of ['source.kafka', 'sink.kafka']) {
      const sasl = specFormFields(specRegistry.get(type)!).find((f) => f.name === 'sasl');
      expect(sasl?.children?.find((f) => f.name === 'password')?.secret).toBe(true);
    }
  });

  it('finds nothing in text that does not parse, and skips nodes without an id or config', () => {
    expect(findLiteralSecretsInText('nodes: [', specRegistry)).toEqual([]);
    expect(findLiteralSecretsInText('draft 1', specRegistry)).toEqual([]);
    expect(findLiteralSecrets({ nodes: [{ type: 'source.kafka', config: { password: 'x' } }, { id: 'n', config: 'password' }] }, specRegistry)).toEqual([]);
  });

  it('names variables like the headless export', () => {
    expect(secretVariableName('orders-in', ['sasl', 'password'])).toBe('ORDERS_IN_SASL_PASSWORD');
    expect(secretVariableName('1st', ['routes', 0, 'apiKey'])).toBe('_1ST_ROUTES_API_KEY');
  });
});

describe('referenceSecrets', () => {
  it('rewrites YAML to the chosen references, keeping comments and the rest of each value', () => {
    const secrets = findLiteralSecretsInText(FLOW, specRegistry);
    const out = referenceSecrets(FLOW, secrets.map((secret, i) => ({ secret, variable: i === 0 ? 'KAFKA_PASSWORD' : secret.variable })));
    expect(out).toContain('# the broker of the team');
    expect(out).not.toMatch(/hunter2|s3cret|abc123/);
    const doc = parse(out) as { nodes: { config: { sasl?: { password: string }; url?: string; headers?: Record<string, string> } }[] };
    expect(doc.nodes[0]!.config.sasl?.password).toBe('${KAFKA_PASSWORD}');
    expect(doc.nodes[1]!.config.url).toBe('redis://:${STORE_URL_PASSWORD}@cache:6379');
    expect(doc.nodes[2]!.config.headers).toEqual({ Authorization: '${HOOK_HEADERS_AUTHORIZATION}', 'X-Trace': 'on', 'X-Api-Key': '${HOOK_KEY}' });
    expect(findLiteralSecretsInText(out, specRegistry)).toEqual([]);
  });

  it('rewrites JSON as JSON', () => {
    const json = JSON.stringify({ version: 1, name: 'j', nodes: [{ id: 'k', type: 'sink.kafka', config: { sasl: { mechanism: 'plain', username: 'u', password: 'pw' } } }], edges: [] });
    const out = withSecretReferences(json, specRegistry);
    expect((JSON.parse(out) as { nodes: { config: { sasl: { password: string } } }[] }).nodes[0]!.config.sasl.password).toBe('${K_SASL_PASSWORD}');
    expect(out.endsWith('}\n')).toBe(true);
  });

  it('refuses a variable that is not an environment variable name', () => {
    const [secret] = findLiteralSecretsInText(FLOW, specRegistry);
    expect(() => referenceSecrets(FLOW, [{ secret: secret!, variable: '1-bad' }])).toThrow(/not an environment variable name/);
  });

  it('returns text with nothing to replace as it is', () => {
    expect(withSecretReferences('draft 1', specRegistry)).toBe('draft 1');
    const clean = 'version: 1\nname: x # keep\nnodes: []\nedges: []\n';
    expect(withSecretReferences(clean, specRegistry)).toBe(clean);
  });

  it('gives the export lines that set the chosen variables, quoted for the shell', () => {
    const secrets = findLiteralSecretsInText(FLOW, specRegistry);
    expect(exportLines(secrets.map((secret) => ({ secret, variable: secret.variable })))).toEqual([
      'export ORDERS_SASL_PASSWORD=hunter2',
      'export STORE_URL_PASSWORD=s3cret',
      "export HOOK_HEADERS_AUTHORIZATION='Bearer abc123'",
    ]);
  });
});

describe('E_LITERAL_SECRET warnings', () => {
  it('is a warning with the node id, the field path and the proposed reference', () => {
    const problems = literalSecretProblems(findLiteralSecretsInText(FLOW, specRegistry));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toEqual({
      code: 'E_LITERAL_SECRET',
      severity: 'warning',
      nodeId: 'orders',
      path: 'config.sasl.password',
      message: 'a secret is written literally in the flow file; write "${ORDERS_SASL_PASSWORD}" instead and set ORDERS_SASL_PASSWORD in the environment',
    });
    expect(problems[1]!.message).toContain('"redis://:${STORE_URL_PASSWORD}@cache:6379"');
  });

  it('is what `tributary validate` warns, read from the text as written: a substituted reference is no literal', () => {
    const check = checkFlowText(FLOW, { env: { HOOK_KEY: 'k' } });
    expect(check.errors).toEqual([]);
    const secrets = check.warnings.filter((p) => p.code === 'E_LITERAL_SECRET');
    expect(secrets.map((p) => [p.nodeId, p.path, p.line, p.severity])).toEqual([
      ['orders', 'config.sasl.password', 11, 'warning'],
      ['store', 'config.url', 14, 'warning'],
      ['hook', 'config.headers.Authorization', 19, 'warning'],
    ]);
    const referenced = FLOW.replace('password: hunter2', 'password: "${KAFKA_PASSWORD}"');
    const substituted = checkFlowText(referenced, { env: { HOOK_KEY: 'k', KAFKA_PASSWORD: 'hunter2' } });
    expect(substituted.errors).toEqual([]);
    expect(substituted.warnings.filter((p) => p.code === 'E_LITERAL_SECRET').map((p) => p.nodeId)).toEqual(['store', 'hook']);
  });

  it('shows in the studio problems with a line, after the errors, and counts no node as having problems', () => {
    const parsed = parseFlowText(FLOW, { env: {}, substitute: false });
    if (!parsed.ok) throw new Error('the test flow does not parse');
    const problems = computeProblems(flowToGraph(parsed.flow));
    const warnings = problems.filter((p) => p.severity === 'warning');
    expect(warnings.map((p) => [p.code, p.nodeId, p.path])).toEqual([
      ['E_LITERAL_SECRET', 'orders', 'config.sasl.password'],
      ['E_LITERAL_SECRET', 'store', 'config.url'],
      ['E_LITERAL_SECRET', 'hook', 'config.headers.Authorization'],
    ]);
    expect(warnings.every((p) => typeof p.line === 'number')).toBe(true);
    expect(problems.slice(0, problems.length - warnings.length).every((p) => p.severity !== 'warning')).toBe(true);
    expect(problemCounts(warnings)).toEqual({});
  });
});

describe('autosave', () => {
  it('stores every literal secret as its reference, and the rest of the text unchanged', async () => {
    const store = new StateStore(mkdtempSync(join(tmpdir(), 'tributary-secrets-')));
    await store.writeAutosave(FLOW, null);
    const raw = readFileSync(join(store.dir, 'autosave.json'), 'utf8');
    expect(raw).not.toMatch(/hunter2|s3cret|abc123/);
    const saved = await store.readAutosave();
    expect(saved?.text).toContain('password: "${ORDERS_SASL_PASSWORD}"');
    expect(saved?.text).toContain('redis://:${STORE_URL_PASSWORD}@cache:6379');
    expect(saved?.text).toContain('# the broker of the team');
    await store.writeAutosave('draft 1', null);
    expect((await store.readAutosave())?.text).toBe('draft 1');
  });
});

describe('secretDisplay', () => {
  const password: FormField = { name: 'password', kind: 'string', description: '', required: true, secret: true };
  const url: FormField = { name: 'url', kind: 'string', description: '', required: false };

  it('masks a secret field and a URL with a literal password, never a reference', () => {
    expect(secretDisplay(password, 'hunter2')).toEqual({ mode: 'masked', literal: true });
    expect(secretDisplay(password, undefined)).toEqual({ mode: 'masked', literal: false });
    expect(secretDisplay(password, '${KAFKA_PASSWORD}')).toEqual({ mode: 'plain', literal: false });
    expect(secretDisplay(url, 'redis://u:pw@h:6379')).toEqual({ mode: 'masked', literal: true });
    expect(secretDisplay(url, 'redis://u:${PW}@h:6379')).toEqual({ mode: 'plain', literal: false });
    expect(secretDisplay(url, 'redis://127.0.0.1:6379')).toEqual({ mode: 'plain', literal: false });
    const headers = specFormFields(specRegistry.get('sink.http')!).find((f) => f.name === 'headers')!;
    expect(headers.kind).toBe('string-map');
    expect(secretDisplay(headers, { Authorization: 'Bearer abc' })).toEqual({ mode: 'masked', literal: true });
    expect(secretDisplay(headers, { Authorization: 'Bearer ${TOKEN}', 'X-Trace': 'on' })).toEqual({ mode: 'plain', literal: false });
  });
});

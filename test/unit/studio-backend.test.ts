// The studio backend's files, state directory, validation and headless export (no runtime processes here: those are
// covered by test/integration/studio-server.test.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StudioBackend } from '../../runtime/studio/backend';
import { isFlowFileName } from '../../runtime/studio/flow-files';
import { exportHeadlessFlow, secretVariableName } from '../../runtime/studio/headless-export';
import { formatLogLine } from '../../runtime/studio/log-lines';
import { defaultStateDir, MAX_RECENT_FILES } from '../../runtime/studio/state-store';

const VALID = [
  'version: 1',
  'name: t',
  'nodes:',
  '  - id: gen',
  '    type: source.generator',
  '    config: { count: 3 }',
  '  - id: out',
  '    type: sink.console',
  'edges:',
  '  - { from: gen, to: out }',
  '',
].join('\n');

describe('StudioBackend files', () => {
  let dir: string;
  let backend: StudioBackend;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-backend-'));
    backend = new StudioBackend({ stateDir: join(dir, 'state') });
  });

  it('uses $TRIBUTARY_STATE_DIR, else ~/.config/tributary', () => {
    expect(defaultStateDir({ TRIBUTARY_STATE_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(defaultStateDir({})).toMatch(/\.config[/\\]tributary$/);
    expect(new StudioBackend({ env: { TRIBUTARY_STATE_DIR: dir } }).stateDir).toBe(dir);
  });

  it('saves and opens *.flow.yaml / *.flow.json only', async () => {
    expect(isFlowFileName('a.flow.yaml')).toBe(true);
    expect(isFlowFileName('a.flow.json')).toBe(true);
    expect(isFlowFileName('a.yaml')).toBe(false);
    await expect(backend.saveFlow(VALID, join(dir, 'a.yaml'))).rejects.toThrow(/\*\.flow\.yaml or \*\.flow\.json/);
    await expect(backend.openFlow(join(dir, 'notes.txt'))).rejects.toThrow(/\*\.flow\.yaml/);
    await expect(backend.openFlow(join(dir, 'missing.flow.yaml'))).rejects.toThrow(/cannot read .*missing\.flow\.yaml: ENOENT/);
    const file = join(dir, 'a.flow.yaml');
    expect(await backend.saveFlow(VALID, file)).toBe(file);
    // a new file gets the schema reference line editors read; the rest is the text as given
    const written = readFileSync(file, 'utf8');
    expect(written).toMatch(/^# yaml-language-server: \$schema=\S*schema\/flow\.schema\.json\n/);
    expect(written.endsWith(VALID)).toBe(true);
    expect(await backend.openFlow(file)).toEqual({ path: file, text: written, external: false });
  });

  it('refuses to open a flow file that is not valid UTF-8, naming the line and column of the first bad byte', async () => {
    const file = join(dir, 'latin1.flow.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('version: 1\nname: caf'), Buffer.from([0xe9]), Buffer.from('\nnodes: []\n')]));
    await expect(backend.openFlow(file)).rejects.toThrow(/latin1\.flow\.yaml:2:10: the flow file is not valid UTF-8 \(byte 20\)/);
  });

  it('marks files it did not create or save as external', async () => {
    const file = join(dir, 'foreign.flow.yaml');
    writeFileSync(file, VALID);
    expect((await backend.openFlow(file)).external).toBe(true);
    await backend.saveFlow(VALID, file);
    expect((await backend.openFlow(file)).external).toBe(false);
    // The list survives a restart (it lives in the state directory).
    expect((await new StudioBackend({ stateDir: join(dir, 'state') }).openFlow(file)).external).toBe(false);
  });

  it('keeps the 10 most recent files, newest first, without duplicates', async () => {
    const files = Array.from({ length: 12 }, (_, i) => join(dir, `f${i}.flow.yaml`));
    for (const file of files) await backend.saveFlow(VALID, file);
    await backend.openFlow(files[3]!);
    const recent = await backend.recentFiles();
    expect(recent).toHaveLength(MAX_RECENT_FILES);
    expect(recent[0]).toBe(files[3]);
    expect(recent[1]).toBe(files[11]);
    expect(new Set(recent).size).toBe(recent.length);
    expect(recent).not.toContain(files[0]);
  });

  it('writes, reads and clears the autosave', async () => {
    expect(await backend.readAutosave()).toBeNull();
    const before = Date.now();
    await backend.writeAutosave('draft 1', null);
    await backend.writeAutosave('draft 2', join(dir, 'x.flow.yaml'));
    const saved = await backend.readAutosave();
    expect(saved).toMatchObject({ text: 'draft 2', path: join(dir, 'x.flow.yaml') });
    expect(saved!.savedAt).toBeGreaterThanOrEqual(before);
    await backend.clearAutosave();
    expect(await backend.readAutosave()).toBeNull();
  });

  it('serves the demo flow', async () => {
    const demo = await backend.demoFlow();
    expect(demo.path).toMatch(/examples[/\\]demo\.flow\.yaml$/);
    expect(demo.external).toBe(false);
    expect(await backend.validate(demo.text)).toEqual([]);
  });
});

describe('StudioBackend.validate', () => {
  it('reports the problems of tributary validate, with lines', async () => {
    const backend = new StudioBackend({ stateDir: mkdtempSync(join(tmpdir(), 'tributary-backend-')), env: {} });
    expect(await backend.validate(VALID)).toEqual([]);
    const problems = await backend.validate(VALID.replace('{ count: 3 }', '{ count: 3, ratePerSecond: -5 }').replace('sink.console', 'sink.nope'));
    expect(problems.some((p) => p.nodeId === 'gen' && p.path === 'config.ratePerSecond' && p.line === 6)).toBe(true);
    expect(problems.some((p) => p.nodeId === 'out' && /sink\.nope/.test(p.message))).toBe(true);
    const env = await backend.validate(VALID.replace('sink.console', 'sink.redis\n    config: { url: "${UNSET_FOR_TEST}", command: set, key: "value.id" }'));
    expect(env.some((p) => p.code === 'E_ENV' && /UNSET_FOR_TEST/.test(p.message))).toBe(true);
    await expect(backend.validate('nodes: [')).resolves.toEqual([expect.objectContaining({ code: 'E_FLOW_PARSE' })]);
  });

  it('refuses to run an invalid flow with its problems', async () => {
    const backend = new StudioBackend({ stateDir: mkdtempSync(join(tmpdir(), 'tributary-backend-')), env: {} });
    await expect(backend.run(VALID.replace('sink.console', 'sink.nope'), null)).rejects.toThrow(/cannot run: the flow has \d+ problem\(s\):\nflow:\d+:\d+: node out: type: unknown node type "sink.nope"/);
    expect(await backend.runState()).toEqual({ status: 'idle' });
  });
});

describe('exportHeadlessFlow', () => {
  const flow = [
    '# comment kept',
    'version: 1',
    'name: orders',
    'nodes:',
    '  - id: orders',
    '    type: source.kafka',
    '    config:',
    '      brokers: ["${KAFKA_BROKERS}"]',
    '      topic: orders',
    '      groupId: g',
    '      sasl: { mechanism: plain, username: app, password: hunter2 }',
    '  - id: store',
    '    type: sink.redis',
    '    config:',
    '      url: "redis://user:s3cret@cache:6379"',
    '      command: set',
    '      key: "value.id"',
    '  - id: api',
    '    type: sink.console',
    '    config: { apiKey: abc, token: "${ALREADY_REF}", format: json }',
    'edges:',
    '  - { from: orders, to: store }',
    '  - { from: orders, to: api }',
    '',
  ].join('\n');

  it('replaces literal secrets by ${NODE_FIELD} references and lists the variables', () => {
    const out = exportHeadlessFlow(flow, '/home/me/orders.flow.yaml');
    expect(out.text).toContain('# comment kept');
    expect(out.text).not.toMatch(/hunter2|s3cret|apiKey: abc/);
    const doc = parse(out.text) as { nodes: { config: Record<string, unknown> }[] };
    expect((doc.nodes[0]!.config.sasl as { password: string }).password).toBe('${ORDERS_SASL_PASSWORD}');
    expect((doc.nodes[0]!.config.sasl as { username: string }).username).toBe('app');
    expect(doc.nodes[1]!.config.url).toBe('redis://user:${STORE_URL_PASSWORD}@cache:6379');
    expect(doc.nodes[2]!.config.apiKey).toBe('${API_API_KEY}');
    expect(doc.nodes[2]!.config.token).toBe('${ALREADY_REF}');
    expect(out.variables).toEqual(['KAFKA_BROKERS', 'ORDERS_SASL_PASSWORD', 'STORE_URL_PASSWORD', 'API_API_KEY', 'ALREADY_REF']);
    expect(out.command).toBe('KAFKA_BROKERS=... ORDERS_SASL_PASSWORD=... STORE_URL_PASSWORD=... API_API_KEY=... ALREADY_REF=... tributary run orders.flow.yaml');
  });

  it('keeps JSON as JSON, names unsaved flows after the flow and leaves defaulted references out of the command', () => {
    const json = JSON.stringify({
      version: 1,
      name: 'my flow',
      nodes: [{ id: 'k', type: 'source.kafka', config: { brokers: ['${KAFKA_BROKERS:-127.0.0.1:9092}'], topic: 't', groupId: 'g' } }],
      edges: [],
    });
    const out = exportHeadlessFlow(json, null);
    expect(JSON.parse(out.text)).toMatchObject({ name: 'my flow' });
    expect(out.variables).toEqual(['KAFKA_BROKERS']);
    expect(out.command).toBe('tributary run my-flow.flow.json');
    expect(() => exportHeadlessFlow('nodes: [', null)).toThrow(/does not parse/);
  });

  it('names variables in upper snake case', () => {
    expect(secretVariableName('orders-in', ['sasl', 'password'])).toBe('ORDERS_IN_SASL_PASSWORD');
    expect(secretVariableName('api', ['apiKey'])).toBe('API_API_KEY');
  });
});

describe('formatLogLine', () => {
  it('turns pino JSON lines into short readable lines', () => {
    const line = JSON.stringify({ level: 50, time: Date.UTC(2026, 0, 1, 12, 0, 0), msg: 'run failed', err: { message: 'boom' } });
    expect(formatLogLine(line)).toBe('12:00:00.000 ERROR run failed: boom');
    expect(formatLogLine('plain text')).toBe('plain text');
  });
});

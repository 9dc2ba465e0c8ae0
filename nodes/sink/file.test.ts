// sink.file against a real temporary directory: JSON Lines contents, rotation at maxBytes with maxFiles kept, encoding
// rejections, error classification, a retried batch that does not duplicate lines, and the compiler.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema } from '../../runtime/common/flow';
import type { FlowRecord, SinkRuntime } from '../../runtime/engine/types';
import { testNodeContext } from '../../test/support/node-context';
import { specRegistry } from '../specs';
import { fileSinkRuntime, isRetriableFsError, jsonLine } from './file.runtime';
import { fileSinkSpec } from './file.spec';

let dir: string;
const opened: SinkRuntime[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-file-sink-'));
});

afterAll(async () => {
  for (const sink of opened) await sink.close?.();
  await rm(dir, { recursive: true, force: true });
});

async function sink(config: Record<string, unknown>): Promise<SinkRuntime> {
  if (fileSinkRuntime.kind !== 'sink') throw new Error('sink.file is not a sink runtime');
  const runtime = await fileSinkRuntime.create(fileSinkSpec.config.parse(config), testNodeContext('file1', fileSinkSpec));
  opened.push(runtime);
  return runtime;
}

function record(value: unknown, key: string | null = null): FlowRecord {
  return { key, value, headers: { h: 'v' }, timestamp: 1_700_000_000_000, meta: { source: 'src' } };
}

const lines = async (path: string): Promise<unknown[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

describe('sink.file', () => {
  it('appends one JSON line per record, creating the directory; envelope writes key, value, headers, timestamp', async () => {
    const path = join(dir, 'nested', 'deeper', 'plain.jsonl');
    const plain = await sink({ path });
    await plain.open!();
    expect(await plain.write([record({ a: 1 }), record('text'), record(Buffer.from('hi'))])).toEqual([]);
    expect(await plain.write([record([1, 2])])).toEqual([]);
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n"text"\n"aGk="\n[1,2]\n');

    const envelopePath = join(dir, 'envelope.jsonl');
    const enveloped = await sink({ path: envelopePath, envelope: true, fsync: true });
    await enveloped.write([record({ n: 1 }, 'k1')]);
    expect(await lines(envelopePath)).toEqual([{ key: 'k1', value: { n: 1 }, headers: { h: 'v' }, timestamp: 1_700_000_000_000 }]);
  });

  it('appends to an existing file and counts its size towards maxBytes', async () => {
    const path = join(dir, 'existing.jsonl');
    await writeFile(path, `${'"x"\n'.repeat(250)}`); // 1000 bytes
    const s = await sink({ path, maxBytes: 1024 });
    await s.write([record('a'.repeat(30))]); // 33 bytes: 1033 > 1024, so the old file rotates first
    expect((await readFile(`${path}.1`, 'utf8')).length).toBe(1000);
    expect(await readFile(path, 'utf8')).toBe(`"${'a'.repeat(30)}"\n`);
  });

  it('rotates before a line would exceed maxBytes, shifting files up and keeping maxFiles of them', async () => {
    const path = join(dir, 'rotate', 'out.jsonl');
    const s = await sink({ path, maxBytes: 1024, maxFiles: 2 });
    // Each line is exactly 256 bytes, so 4 lines fill a file to 1024 bytes exactly.
    const value = (n: number) => ({ n, pad: 'x'.repeat(256 - JSON.stringify({ n, pad: '' }).length - 1) });
    expect(jsonLine(record(value(10)), false).length).toBe(256);
    const all = Array.from({ length: 18 }, (_, n) => record(value(n + 10)));
    await s.write(all.slice(0, 7));
    await s.write(all.slice(7, 18));
    // 18 lines = files of 4 lines: 10-13, 14-17, 18-21, 22-25 and a current file with 26-27; maxFiles 2 keeps .1 and .2.
    const ns = async (p: string) => (await lines(p)).map((v) => (v as { n: number }).n);
    expect((await readdir(join(dir, 'rotate'))).sort()).toEqual(['out.jsonl', 'out.jsonl.1', 'out.jsonl.2']);
    expect(await ns(`${path}.2`)).toEqual([18, 19, 20, 21]);
    expect(await ns(`${path}.1`)).toEqual([22, 23, 24, 25]);
    expect(await ns(path)).toEqual([26, 27]);
    expect((await readFile(`${path}.1`)).length).toBe(1024);
  });

  it('puts a line longer than maxBytes alone into a fresh file', async () => {
    const path = join(dir, 'long.jsonl');
    const s = await sink({ path, maxBytes: 1024 });
    await s.write([record('a'), record('b'.repeat(2000)), record('c')]);
    expect(await lines(`${path}.2`)).toEqual(['a']);
    expect(await lines(`${path}.1`)).toEqual(['b'.repeat(2000)]);
    expect(await lines(path)).toEqual(['c']);
  });

  it('rejects records that cannot be encoded, writes the rest, in batch order', async () => {
    const path = join(dir, 'reject.jsonl');
    const s = await sink({ path });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const result = await s.write([record(1), record(10n), record(undefined), record(cyclic), record(5)]);
    expect(result!.map((r) => [r.index, r.code])).toEqual([
      [1, 'E_SINK'],
      [2, 'E_SINK'],
      [3, 'E_SINK'],
    ]);
    expect(result![1]!.message).toBe('cannot encode the record as JSON: the value is undefined; nothing to write');
    expect(await readFile(path, 'utf8')).toBe('1\n5\n');
  });

  it('writes concurrent batches one after the other, in call order', async () => {
    const path = join(dir, 'concurrent.jsonl');
    const s = await sink({ path, maxBytes: 1024 });
    // 200 lines of 13 bytes (2,600 bytes): two rotations happen while batches queue up.
    const padded = (n: number) => String(n).padStart(10, '0');
    await Promise.all(Array.from({ length: 20 }, (_, b) => s.write(Array.from({ length: 10 }, (_, i) => record(padded(b * 10 + i))))));
    const files = [`${path}.2`, `${path}.1`, path];
    const values = (await Promise.all(files.map(lines))).flat();
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => padded(i)));
  });

  it('fails with a non-retriable E_SINK when the path is a directory', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    const s = await sink({ path });
    await expect(s.open!()).rejects.toMatchObject({ code: 'E_SINK', retriable: false, nodeId: 'file1', message: expect.stringContaining('(EISDIR)') });
    await expect(s.write([record(1)])).rejects.toMatchObject({ code: 'E_SINK', retriable: false });
  });

  it('on a retry of the same batch, skips the lines written before the failure', async () => {
    const path = join(dir, 'retry.jsonl');
    await mkdir(`${path}.1`); // a directory where the rotated file must go: rotation fails (EISDIR)
    await writeFile(join(`${path}.1`, 'keep'), 'x');
    const s = await sink({ path, maxBytes: 1024, maxFiles: 1 });
    const batch = [record('a'.repeat(600)), record('b'.repeat(600))];
    const failure = await s.write(batch).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_SINK', message: expect.stringContaining('cannot rotate') });
    expect(await lines(path)).toEqual(['a'.repeat(600)]);
    await rm(`${path}.1`, { recursive: true });
    expect(await s.write(batch)).toEqual([]); // the engine retries with the same array
    expect(await lines(`${path}.1`)).toEqual(['a'.repeat(600)]);
    expect(await lines(path)).toEqual(['b'.repeat(600)]);
  });

  it('classifies file system errors: full disk and I/O errors are retriable, permissions are not', () => {
    for (const code of ['ENOSPC', 'EIO', 'EDQUOT', 'EMFILE']) expect(isRetriableFsError(Object.assign(new Error(code), { code }))).toBe(true);
    for (const code of ['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR']) expect(isRetriableFsError(Object.assign(new Error(code), { code }))).toBe(false);
    expect(isRetriableFsError(new Error('no code'))).toBe(false);
  });

  it('config: defaults, bounds; compiles in a flow with the error port wired', () => {
    expect(fileSinkSpec.config.parse({ path: 'out.jsonl' })).toEqual({ path: 'out.jsonl', envelope: false, maxFiles: 5, fsync: false });
    expect(fileSinkSpec.config.safeParse({ path: 'x', maxBytes: 10 }).error?.issues.map((i) => i.path)).toEqual([['maxBytes']]);
    expect(fileSinkSpec.config.safeParse({ path: '' }).success).toBe(false);
    const flow = FlowSchema.parse({
      version: 1,
      name: 'file-test',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 1 } },
        { id: 'f', type: 'sink.file', config: { path: '/tmp/x.jsonl', maxBytes: 4096 } },
        { id: 'errors', type: 'sink.console' },
      ],
      edges: [
        { from: 'gen', to: 'f' },
        { from: 'f:error', to: 'errors' },
      ],
    });
    const result = compileFlow(flow, specRegistry);
    expect(result.ok && result.plan.byId.get('f')!.config).toEqual({ path: '/tmp/x.jsonl', envelope: false, maxBytes: 4096, maxFiles: 5, fsync: false });
    const bad = compileFlow({ ...flow, edges: [...flow.edges, { from: 'f:out', to: 'errors' }] }, specRegistry);
    expect(bad.ok ? [] : bad.problems.map((p) => p.message)).toEqual([
      'sink "f" has no output port "out"; a sink only has the "error" output',
    ]);
  });
});

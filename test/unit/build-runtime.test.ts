/**
 * The built runtime (scripts/build-runtime.ts, bin/runtime-build.js, bin/tributary.js): the real CLI starts without
 * tsx and its `--help` without the flow modules; a build is made when missing or stale, once when several processes
 * start together, keeps `import.meta.dirname` pointing at the sources, and its stack traces name .ts lines.
 * Builds of a small project of its own run in a temporary directory, so nothing here touches dist/runtime/ of the
 * checkout except through the real CLI's own freshness check.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRuntimeBuild, readRuntimeManifest, runtimeBuildReason } from '../../bin/runtime-build.js';
import { ExitCode, createProgram, loadNamedCommand } from '../../runtime/cli';
import { WATCHDOG_EXIT_CODE } from '../../runtime/engine/watchdog';
import { tempDir, writeFlow } from '../support/runtime';

const root = resolve(import.meta.dirname, '../..');
const CLI = join(root, 'bin', 'tributary.js');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes a module probe: `--import <probe>` records every module the process resolves through the ESM loader and
 * every CommonJS module in the require cache, one URL or path a line, in `$PROBE_OUT`. The loader hook appends each
 * URL itself as it resolves it: posted to the main thread instead, the URLs of the last imports before a quick
 * `process.exit` (as `--help` makes) never arrived on Node 24, whose main thread did not turn its event loop again.
 */
function writeProbe(dir: string): string {
  writeFileSync(
    join(dir, 'probe-hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\nlet out;\nexport function initialize(data) { out = data.out; }\n" +
      'export async function resolve(specifier, context, next) { const result = await next(specifier, context); appendFileSync(out, result.url + "\\n"); return result; }\n',
  );
  const probe = join(dir, 'probe.mjs');
  writeFileSync(
    probe,
    "import { appendFileSync } from 'node:fs';\nimport { createRequire, register } from 'node:module';\n" +
      "register(new URL('./probe-hooks.mjs', import.meta.url), { data: { out: process.env.PROBE_OUT } });\n" +
      'process.on("exit", () => appendFileSync(process.env.PROBE_OUT, Object.keys(createRequire(import.meta.url).cache).join("\\n")));\n',
  );
  return probe;
}

/** Runs `node [nodeArgs] <probe> args` to its end; returns its exit code, output and the modules it loaded. */
function probed(dir: string, nodeArgs: string[], args: string[]): { status: number | null; stdout: string; stderr: string; modules: string[] } {
  const out = join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const result = spawnSync(process.execPath, [...nodeArgs, '--import', writeProbe(dir), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PROBE_OUT: out, LOG_FORMAT: 'json' },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, modules: existsSync(out) ? readFileSync(out, 'utf8').split('\n') : [] };
}

const fromPackage = (modules: string[], name: string): string[] => modules.filter((m) => m.includes(`/node_modules/${name}/`));

describe('the real CLI runs the built JavaScript', () => {
  const dir = tempDir('tributary-build-probe-');
  dirs.push(dir);

  it('the module probe sees tsx when tsx is loaded (so its finding below can fail)', () => {
    const run = probed(dir, ['--import', 'tsx'], ['-e', '']);
    expect(run.status).toBe(0);
    expect(fromPackage(run.modules, 'tsx').length).toBeGreaterThan(0);
  });

  it('`tributary --help` loads no tsx, and none of the flow modules or Kafka/Redis clients', { timeout: 120_000 }, () => {
    const run = probed(dir, [], [CLI, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: tributary');
    expect(run.stdout).toMatch(/offsets\s+show or move the committed offsets/);
    expect(run.modules.some((m) => /\/dist\/runtime\/b-[^/]+\/cli\.js$/.test(m))).toBe(true);
    for (const name of ['tsx', 'kafkajs', 'ioredis', 'zod', 'yaml', 'ajv', 'acorn', 'prom-client']) expect(fromPackage(run.modules, name)).toEqual([]);
  });

  it('a run of a generator -> console flow loads no tsx, nor the packages of nodes it does not use, and prints its records', { timeout: 120_000 }, () => {
    const flow = writeFlow(dir, 'count.flow.yaml', {
      version: 1,
      name: 'count',
      nodes: [
        { id: 'gen', type: 'source.generator', config: { count: 3, ratePerSecond: 100, key: "'k' + i", value: '({ i })' } },
        { id: 'out', type: 'sink.console', config: { format: 'json' } },
      ],
      edges: [{ from: 'gen', to: 'out' }],
    });
    const run = probed(dir, [], [CLI, 'run', flow]);
    expect(run.stderr).not.toContain('"level":"error"');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(3);
    expect(run.modules.some((m) => m.includes('/dist/runtime/b-'))).toBe(true);
    expect(fromPackage(run.modules, 'tsx')).toEqual([]);
    // Only the runtimes of the flow's node types load (nodes/runtime-loaders.ts): no Redis client, no schema registry
    // codecs, no Kafka compression codecs (those load on their first batch), no ajv (transform.validate's spec loads
    // it on its first schema check).
    for (const name of ['ioredis', 'avsc', 'protobufjs', 'lz4js', 'kafkajs-snappy', 'fzstd', '@bokuweb/zstd-wasm', 'lru-cache', 'ajv']) {
      expect(fromPackage(run.modules, name), name).toEqual([]);
    }
  });
});

describe('the commands loaded on use', () => {
  it('each lazyCommand placeholder has its real command\'s description, and is replaced by it', async () => {
    const program = createProgram();
    const lazy = ['offsets', 'diff', 'test'];
    for (const name of lazy) {
      const placeholder = program.commands.find((c) => c.name() === name)!;
      expect(placeholder, name).toBeDefined();
      await loadNamedCommand(program, ['node', 'tributary', name]);
      const real = program.commands.find((c) => c.name() === name)!;
      expect(real, name).not.toBe(placeholder);
      expect(real.description(), name).toBe(placeholder.description());
      expect(real.parent).toBe(program);
    }
  });

  it('ExitCode.blocked is the watchdog\'s exit code', () => {
    expect(ExitCode.blocked).toBe(WATCHDOG_EXIT_CODE);
  });
});

/**
 * A project of its own: this repository's build script and bin, a small runtime/cli.ts, node_modules linked.
 * @param version printed by its `main`
 */
function makeProject(): string {
  const project = tempDir('tributary-build-project-');
  dirs.push(project);
  mkdirSync(join(project, 'scripts'));
  mkdirSync(join(project, 'runtime'));
  cpSync(join(root, 'scripts', 'build-runtime.ts'), join(project, 'scripts', 'build-runtime.ts'));
  cpSync(join(root, 'bin'), join(project, 'bin'), { recursive: true });
  writeFileSync(join(project, 'package.json'), '{ "name": "build-test", "type": "module" }\n');
  symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'));
  writeCli(project, 'v1');
  // Sources older than any build of the test: a build that starts in the same millisecond as a write is not at stake.
  const past = new Date(Date.now() - 60_000);
  for (const file of ['scripts/build-runtime.ts', 'package.json', 'runtime/cli.ts', 'runtime/where.ts']) utimesSync(join(project, file), past, past);
  return project;
}

/** Writes the project's runtime/cli.ts (with a helper module) printing `version`. */
function writeCli(project: string, version: string): void {
  writeFileSync(join(project, 'runtime', 'where.ts'), 'export const sourceDir: string = import.meta.dirname;\n');
  const cli = join(project, 'runtime', 'cli.ts');
  writeFileSync(
    cli,
    "import { sourceDir } from './where';\n\n" +
      'function fail(): never {\n  throw new Error("boom");\n}\n\n' +
      'export async function main(argv: string[]): Promise<void> {\n' +
      `  if (argv[2] === 'fail') fail();\n  process.stdout.write(\`${version} \${sourceDir}\\n\`);\n}\n`,
  );
}

const builds = (project: string): string[] => readdirSync(join(project, 'dist', 'runtime')).filter((name) => name.startsWith('b-'));

describe('a build of its own', () => {
  it('is made when missing, reused when fresh, remade when a source changed; import.meta.dirname is the source\'s', { timeout: 120_000 }, () => {
    const project = makeProject();
    expect(runtimeBuildReason(project)).toBe('dist/runtime/ has no build');
    const entry = ensureRuntimeBuild(project);
    expect(runtimeBuildReason(project)).toBeUndefined();
    const manifest = readRuntimeManifest(project)!;
    expect([...manifest.inputs].sort()).toEqual(['package.json', 'runtime/cli.ts', 'runtime/where.ts', 'scripts/build-runtime.ts']);
    expect(ensureRuntimeBuild(project)).toBe(entry);

    const first = spawnSync(process.execPath, [join(project, 'bin', 'tributary.js')], { encoding: 'utf8' });
    expect(first.stdout).toBe(`v1 ${join(project, 'runtime')}\n`);
    expect(first.stderr).toBe('');

    writeCli(project, 'v2');
    expect(runtimeBuildReason(project)).toBe('runtime/cli.ts changed since the last build');
    const second = spawnSync(process.execPath, [join(project, 'bin', 'tributary.js')], { encoding: 'utf8' });
    expect(second.stdout).toBe(`v2 ${join(project, 'runtime')}\n`);
    expect(builds(project)).toHaveLength(2); // the first build stays for processes still running from it
    expect(existsSync(entry)).toBe(true);
  });

  it('stack traces name the TypeScript source line', { timeout: 120_000 }, () => {
    const project = makeProject();
    const run = spawnSync(process.execPath, [join(project, 'bin', 'tributary.js'), 'fail'], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('boom');
    expect(run.stderr).toMatch(/runtime\/cli\.ts:4:\d+/);
  });

  it('is made once when four processes start together on a stale build', { timeout: 180_000 }, async () => {
    const project = makeProject();
    ensureRuntimeBuild(project);
    writeCli(project, 'v3');
    const runs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<{ code: number | null; stdout: string }>((done) => {
            const child = spawn(process.execPath, [join(project, 'bin', 'tributary.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
            let stdout = '';
            child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
            child.on('exit', (code) => done({ code, stdout }));
          }),
      ),
    );
    for (const run of runs) expect(run).toEqual({ code: 0, stdout: `v3 ${join(project, 'runtime')}\n` });
    expect(builds(project)).toHaveLength(2);
    expect(existsSync(join(project, 'dist', 'runtime', '.build-lock'))).toBe(false);
  });

  it('where there is no build script (a container image), the build there is used as it is', { timeout: 120_000 }, () => {
    const project = makeProject();
    const entry = ensureRuntimeBuild(project);
    rmSync(join(project, 'scripts'), { recursive: true });
    writeCli(project, 'v4');
    expect(ensureRuntimeBuild(project)).toBe(entry);
    const run = spawnSync(process.execPath, [join(project, 'bin', 'tributary.js')], { encoding: 'utf8' });
    expect(run.stdout).toBe(`v1 ${join(project, 'runtime')}\n`);
    rmSync(join(project, 'dist'), { recursive: true });
    const none = spawnSync(process.execPath, [join(project, 'bin', 'tributary.js')], { encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stderr).toBe('tributary: dist/runtime/ has no build and there is no scripts/build-runtime.ts to make one\n');
  });

  it('a source that does not build fails with esbuild\'s file:line:col and keeps the current build', { timeout: 120_000 }, () => {
    const project = makeProject();
    const entry = ensureRuntimeBuild(project);
    writeFileSync(join(project, 'runtime', 'where.ts'), 'export const sourceDir: string = (;\n');
    const run = spawnSync(process.execPath, [join(project, 'bin', 'tributary.js')], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/runtime\/where\.ts:1:\d+/);
    expect(run.stderr).toMatch(/^tributary: cannot build dist\/runtime\//m);
    expect(readRuntimeManifest(project)?.dir).toBe(entry.split('/').at(-2));
  });
});

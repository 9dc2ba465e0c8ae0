// The CLI's own handling of --env-file and of bad log settings, run in this process (process.exit and stderr stubbed):
// one line, exit 2. Through `node bin/tributary.js`, Node.js answers a missing --env-file itself (see cli.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../../runtime/cli';

class Exit extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

/** Runs `tributary <args>` in this process; resolves with the exit code and what went to stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
    throw new Exit(code === null || code === undefined ? undefined : Number(code));
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await createProgram().parseAsync(['node', 'tributary', ...args]);
    return { code: undefined, stdout, stderr };
  } catch (error) {
    if (error instanceof Exit) return { code: error.code, stdout, stderr };
    throw error;
  } finally {
    vi.restoreAllMocks();
  }
}

describe('tributary --env-file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-env-file-'));
  afterEach(() => {
    delete process.env.TRIBUTARY_ENV_FILE_TEST;
  });

  it('a missing file is one line naming it, exit 2, before anything is validated', async () => {
    const missing = join(dir, 'absent.env');
    for (const command of [['validate', 'examples/demo.flow.yaml'], ['run', 'examples/demo.flow.yaml'], ['preview', 'examples/demo.flow.yaml']]) {
      const result = await cli([...command, '--env-file', missing]);
      expect(result).toEqual({ code: 2, stdout: '', stderr: `tributary: --env-file ${missing}: no such file\n` });
    }
  });

  it('loads the variables (dotenv format) before substitution; a variable already set keeps its value', async () => {
    const flow = join(dir, 'env.flow.yaml');
    writeFileSync(flow, 'version: 1\nname: "${TRIBUTARY_ENV_FILE_TEST}"\nnodes:\n  - { id: gen, type: source.generator, config: { count: 1 } }\n  - { id: out, type: sink.console }\nedges:\n  - { from: gen, to: out }\n');
    const envFile = join(dir, 'good.env');
    writeFileSync(envFile, '# comment\nTRIBUTARY_ENV_FILE_TEST="from the file"\n');
    const without = await cli(['validate', '--format', 'json', flow]);
    expect(without.code).toBe(1);
    expect(JSON.parse(without.stdout)).toEqual([expect.objectContaining({ code: 'E_ENV', line: 2, column: 7, field: 'name' })]);
    const loaded = await cli(['validate', '--env-file', envFile, flow]);
    expect(loaded).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^${flow.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: valid \\(2 nodes, 1 edges\\)\n`)) });
    expect(process.env.TRIBUTARY_ENV_FILE_TEST).toBe('from the file');
    process.env.TRIBUTARY_ENV_FILE_TEST = 'already set';
    writeFileSync(envFile, 'TRIBUTARY_ENV_FILE_TEST=\n');
    await cli(['validate', '--env-file', envFile, flow]);
    expect(process.env.TRIBUTARY_ENV_FILE_TEST).toBe('already set');
  });
});

describe('tributary log settings', () => {
  afterEach(() => {
    delete process.env.LOG_LEVEL;
    delete process.env.LOG_FORMAT;
  });

  it('a wrong LOG_LEVEL or LOG_FORMAT on run and preview is one line with the allowed values, exit 2', async () => {
    process.env.LOG_LEVEL = 'verbos';
    for (const command of ['run', 'preview']) {
      expect(await cli([command, 'examples/demo.flow.yaml'])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'tributary: LOG_LEVEL=verbos is not a log level; use one of trace, debug, info, warn, error, fatal, silent\n',
      });
    }
    delete process.env.LOG_LEVEL;
    process.env.LOG_FORMAT = 'yaml';
    expect((await cli(['run', 'examples/demo.flow.yaml'])).stderr).toBe('tributary: LOG_FORMAT=yaml is not a log format; use one of json, pretty\n');
  });

  it('a wrong --log-level or --log-format is refused by the option parser in one line with the allowed values, exit 2', async () => {
    const level = await cli(['run', 'examples/demo.flow.yaml', '--log-level', 'verbos']);
    expect(level.code).toBe(2);
    expect(level.stderr).toBe("error: option '--log-level <level>' argument 'verbos' is invalid. Allowed choices are trace, debug, info, warn, error, fatal, silent.\n");
    const format = await cli(['preview', 'examples/demo.flow.yaml', '--log-format', 'text']);
    expect(format.code).toBe(2);
    expect(format.stderr).toBe("error: option '--log-format <format>' argument 'text' is invalid. Allowed choices are json, pretty.\n");
    const validate = await cli(['validate', '--format', 'xml', 'examples/demo.flow.yaml']);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('Allowed choices are text, json.');
  });
});

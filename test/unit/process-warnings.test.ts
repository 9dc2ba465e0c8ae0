// Process warnings (runtime/logger.ts logProcessWarnings): a library's MaxListenersExceededWarning or a deprecation
// comes out as one log line in the log's format, not as Node.js's bare `(node:PID) Warning:` line that breaks a JSON log.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHILD = resolve(import.meta.dirname, '../support/process-warning-child.ts');

/** The child's stderr lines (see test/support/process-warning-child.ts). */
function stderrLines(nodeArgs: string[], mode: 'logged' | 'bare'): string[] {
  const result = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', CHILD, mode], { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '' } });
  expect(result.status, result.stderr).toBe(0);
  return result.stderr.split('\n').filter((line) => line !== '');
}

describe('process warnings', () => {
  it('are log lines of the JSON log, with the warning, its code, and the stack only under --trace-warnings', () => {
    const lines = stderrLines([], 'logged');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.filter((e) => e.event === 'process-warning')).toEqual([
      {
        level: 'warn',
        time: expect.any(Number) as unknown,
        event: 'process-warning',
        warning: 'MaxListenersExceededWarning',
        msg: expect.stringMatching(/^MaxListenersExceededWarning: Possible EventEmitter memory leak detected\. 11 releaseLock listeners added to \[EventEmitter\]/) as unknown,
      },
      {
        level: 'warn',
        time: expect.any(Number) as unknown,
        event: 'process-warning',
        warning: 'DeprecationWarning',
        code: 'DEP_TRIBUTARY_TEST',
        msg: 'DeprecationWarning: the old way is deprecated',
      },
    ]);
    const traced = stderrLines(['--trace-warnings'], 'logged').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(traced.filter((e) => e.event === 'process-warning').map((e) => typeof e.stack)).toEqual(['string', 'string']);
  });

  it('are printed bare by Node.js without it, and not at all under --no-warnings', () => {
    expect(stderrLines([], 'bare').filter((line) => line.startsWith('(node:'))).toHaveLength(2);
    expect(stderrLines(['--no-warnings'], 'logged').map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['done']);
  });
});

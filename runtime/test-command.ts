/**
 * `tributary test [FLOW_OR_DIR...]`: runs flow test files (`<flow>.test.yaml`, docs/flow-tests.md) with no Kafka,
 * Redis or network, prints a line per case and a diff per failing sink or error port (or JUnit XML with
 * `--reporter junit`), and exits 0 when every case passed, 1 otherwise (2 for bad usage). The anchor is Redpanda
 * Connect's `test`.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { LOG_LEVELS, type LogSettings } from './logger';
import type { FileResult } from './flow-tests/run-tests';
import { isTestFileName, testFileFor } from './flow-tests/test-file-names';

/** Folders never searched for test files. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.cache', 'dist']);

async function testFilesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) found.push(...(await testFilesUnder(path)));
    else if (entry.isFile() && isTestFileName(entry.name)) found.push(path);
  }
  return found;
}

/**
 * The test files of the command's arguments: a test file as it is, a flow file's `<flow>.test.yaml`, every
 * `*.test.yaml` under a directory (recursively).
 * @returns the files, and one line per argument that named nothing to test
 */
export async function resolveTestFiles(targets: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  for (const target of targets) {
    const info = await stat(target).catch(() => undefined);
    if (info === undefined) missing.push(`${target}: no such file or directory`);
    else if (info.isDirectory()) {
      const under = await testFilesUnder(target);
      if (under.length === 0) missing.push(`${target}: no *.test.yaml files in this directory`);
      files.push(...under);
    } else if (isTestFileName(target)) files.push(target);
    else {
      const test = testFileFor(target);
      if ((await stat(test).catch(() => undefined)) === undefined) missing.push(`${target}: no test file ${test} next to it`);
      else files.push(test);
    }
  }
  return { files: [...new Set(files)], missing };
}

interface TestOptions {
  reporter: 'text' | 'junit';
  output?: string;
  logLevel: LogSettings['level'];
}

async function testAction(targets: string[], options: TestOptions): Promise<never> {
  // The engine and the nodes are imported here, not at the top, so that `tributary --help` does not load them.
  const [{ nodeRuntimes }, { createLogger }, { junitReport, textReport }, { allPassed, runTestFile }] = await Promise.all([
    import('../nodes/runtimes'),
    import('./logger'),
    import('./flow-tests/report'),
    import('./flow-tests/run-tests'),
  ]);
  const { files, missing } = await resolveTestFiles(targets.length === 0 ? ['.'] : targets);
  const logger = createLogger(options.logLevel, false);
  const results: FileResult[] = missing.map((line) => ({ file: line.slice(0, line.indexOf(':')), cases: [], problems: [line] }));
  for (const file of files) results.push(await runTestFile(file, nodeRuntimes, logger));
  const report = options.reporter === 'junit' ? junitReport(results) : textReport(results);
  if (options.output === undefined) process.stdout.write(report);
  else {
    await writeFile(options.output, report);
    // The summary on the terminal too, so CI logs show what failed.
    if (options.reporter === 'junit') process.stdout.write(textReport(results));
  }
  logger.flush();
  process.exit(allPassed(results) ? 0 : 1);
}

/** The `test` command, for `program.addCommand(...)` in runtime/cli.ts. */
export function createTestCommand(): Command {
  return new Command('test')
    .description('run flow test files (<flow>.test.yaml) with no Kafka, Redis or network: recorded inputs in, sinks captured, time pinned; exits 1 when a case fails')
    .argument('[flowOrDir...]', 'flow files (their <flow>.test.yaml), test files, or directories searched for *.test.yaml (default: .)')
    .addOption(new Option('--reporter <reporter>', 'text (a diff per failing sink) or junit (JUnit XML, for CI)').choices(['text', 'junit']).default('text'))
    .option('--output <file>', 'write the report to <file> instead of stdout (with junit, the text summary still goes to stdout)')
    .addOption(new Option('--log-level <level>', 'log level of the engine while cases run').choices(LOG_LEVELS).default('silent'))
    // Bad usage exits 2, like every tributary command (commander's own default is 1, which means "a case failed").
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action((targets: string[], options: TestOptions) => testAction(targets, options));
}

/**
 * Writes docs/RELIABILITY.md from the output of a fault-suite run: every `RELIABILITY {"test","promise","measured"}`
 * line the tests print (test/support/fault-pipeline.ts `reportReliability`) becomes one table row, with the vitest
 * file it came from and whether its test passed.
 *
 * Usage: `npm run test:faults 2>&1 | tee faults.log; npx tsx scripts/reliability-report.ts faults.log [rerun.log ...]
 * [--out out.md]` (default out: docs/RELIABILITY.md). A rerun log is the output of single files run again (e.g. one
 * that could not start in the full run): its figures replace those of the same files, and the doc says so. Exits 1
 * with one line when the logs hold no RELIABILITY line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** One figure line of the suite. */
export interface ReliabilityRow {
  test: string;
  promise: string;
  measured: Record<string, unknown>;
  /** Test file the line was printed by (from vitest's `stdout | <file> > ...` header), if known. */
  file: string | undefined;
  /** `passed`, `failed` or `unknown` (the vitest test line was not found). */
  result: 'passed' | 'failed' | 'unknown';
}

// eslint-disable-next-line no-control-regex -- ANSI colour sequences of the vitest reporter
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Reads the RELIABILITY lines of a vitest log. A line without `measured` has its other fields taken as the figures.
 * The result of each comes from vitest's `✓ <test name>` / `× <test name>` line.
 */
export function parseReliabilityLog(log: string): ReliabilityRow[] {
  const lines = log.replace(ANSI, '').split('\n');
  const rows: ReliabilityRow[] = [];
  let header: { file: string; name: string } | undefined;
  for (const line of lines) {
    const stdout = /^stdout \| (\S+)(?: > (.*))?$/.exec(line.trim());
    if (stdout !== null) {
      const parts = (stdout[2] ?? '').split(' > ');
      header = { file: stdout[1]!, name: parts[parts.length - 1] ?? '' };
      continue;
    }
    const at = line.indexOf('RELIABILITY {');
    if (at < 0) continue;
    let figures: Record<string, unknown>;
    try {
      figures = JSON.parse(line.slice(at + 'RELIABILITY '.length)) as Record<string, unknown>;
    } catch {
      continue;
    }
    const { test, promise, measured, ...rest } = figures;
    const name = header?.name ?? '';
    const passed = name !== '' && lines.some((l) => l.includes(`✓ ${name}`));
    const failed = name !== '' && lines.some((l) => l.includes(`× ${name}`));
    rows.push({
      test: String(test ?? name),
      promise: typeof promise === 'string' ? promise : '',
      measured: measured !== null && typeof measured === 'object' ? (measured as Record<string, unknown>) : rest,
      file: header?.file,
      result: failed ? 'failed' : passed ? 'passed' : 'unknown',
    });
  }
  return rows;
}

/** `key: value` pairs, objects and arrays as compact JSON, `|` escaped for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function figures(measured: Record<string, unknown>): string {
  return Object.entries(measured)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/** What vitest said about the run as a whole. */
export interface SuiteSummary {
  /** Its `Test Files` and `Tests` lines, e.g. `Test Files 1 failed | 7 passed (8)`. */
  totals: string[];
  /** Test files that failed, with vitest's counts, e.g. `test/faults/x.test.ts (2 tests | 2 skipped)`. */
  failedFiles: string[];
  /** Duration of the whole run (s), if printed. */
  durationS: number | undefined;
}

/** Reads the totals, the failed files and the duration from a vitest log. */
export function parseSuiteSummary(log: string): SuiteSummary {
  const lines = log.replace(ANSI, '').split('\n');
  const totals = lines.map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => /^(Test Files|Tests) \d/.test(l));
  const failedFiles = lines.flatMap((l) => {
    const m = /^\s*❯\s+\S+\s+(\S+\.test\.ts) \((.*)\)/.exec(l);
    return m === null ? [] : [`${m[1]} (${m[2]!.replace(/\s*\d+ms$/, '').trim()})`];
  });
  const duration = /Duration\s+([\d.]+)s/.exec(lines.join('\n'));
  return { totals, failedFiles, durationS: duration === null ? undefined : Number(duration[1]) };
}

/**
 * Merges the rows of rerun logs into those of the full run: a file that has rows in a rerun takes only the rerun's
 * rows, and leaves the full run's failed files. Returns the rows and the files taken from reruns.
 */
export function mergeReruns(full: { rows: ReliabilityRow[]; suite: SuiteSummary }, reruns: ReliabilityRow[][]): { rows: ReliabilityRow[]; suite: SuiteSummary; rerunFiles: string[] } {
  const rerunRows = reruns.flat();
  const rerunFiles = [...new Set(rerunRows.map((r) => r.file).filter((f): f is string => f !== undefined))];
  const rows = [...full.rows.filter((r) => r.file === undefined || !rerunFiles.includes(r.file)), ...rerunRows];
  const failedFiles = full.suite.failedFiles.filter((f) => !rerunFiles.some((file) => f.startsWith(`${file} `)));
  return { rows, suite: { ...full.suite, failedFiles }, rerunFiles };
}

/**
 * The Markdown of docs/RELIABILITY.md for `rows` measured on `date` (YYYY-MM-DD) in a run summed up by `suite`;
 * `rerunFiles` name the files whose figures come from a separate run of their own.
 */
export function renderReliability(rows: ReliabilityRow[], date: string, suite: SuiteSummary, rerunFiles: string[] = []): string {
  const durationS = suite.durationS;
  const out = [
    '# Reliability',
    '',
    'What the fault-injection suite (`npm run test:faults`, test/faults/) promises and what it measured, on the real',
    'Kafka broker and Redis: runtime processes killed and stopped, Redis killed and frozen, broker restarts and outages,',
    'rebalance churn, a poison corpus, hostile flow files and runaway expressions. Records are counted per id in Redis',
    '(0 = lost, 2+ = delivered again) or per key in the sink and dead-letter topics; duplicates stand next to the bound',
    'the test states from its settings.',
    '',
    'This file is generated: `npm run test:faults 2>&1 | tee faults.log && npx tsx scripts/reliability-report.ts faults.log`.',
    'CI runs the quick subset (`npx vitest run --project faults-quick`, from scripts/test.sh).',
    '',
    '## How the figures are measured',
    '',
    '- **Lost and duplicates**: the pipeline is kafka -> throttle -> map -> Redis `INCRBY <prefix><id> 1`',
    '  (test/support/fault-pipeline.ts); afterwards every id counter is read: 0 = lost, n > 1 = n - 1 duplicates.',
    '- **Duplicate bound after a kill -9**: what can be delivered but not committed at that moment:',
    '  PIPELINE_DEPTH (4) chunks of `batchSize` records per partition in the graph, plus one commit interval (1 s) of',
    '  records at the throttled rate. A rebalance costs at most the same for the whole group.',
    '- **Commits for partitions not owned** (rebalance churn): every instance runs at LOG_LEVEL=trace, so kafkajs logs',
    '  each assignment ("Received assignment") and each accepted OffsetCommit answer with its partitions; each accepted',
    '  partition is checked against the assignment the instance held when the answer arrived (test/support/commit-audit.ts).',
    '- **Memory with Redis frozen**: VmRSS of the runtime from /proc/<pid>/status every 500 ms for the 60 s of SIGSTOP;',
    '  the bound is growth over the RSS before the freeze. Paused partitions and in-flight records come from /metrics.',
    '- **Poison corpus**: every produced key is looked up in the sink topic and the dead-letter topic; sink + dead-letter',
    '  = produced, and each kind must be where it belongs (the undecodable ones with E_DECODE).',
    '- **Hostile flow files**: `validate` and `run` each spawned with a 120 s limit on a machine shared with other runs;',
    '  exit 1, every output line `file:line:col: ... [E_CODE]`, no `    at ` line.',
    '',
    '## Figures',
    '',
    `Run of ${date}${durationS === undefined ? '' : `, ${Math.round(durationS)} s for the whole suite`}: ${rows.filter((r) => r.result === 'passed').length} of ${rows.length} figures from passing tests${suite.totals.length === 0 ? '' : ` (vitest: ${suite.totals.join('; ')})`}.`,
    ...(suite.failedFiles.length === 0 ? [] : ['', 'Failed in this run, figures missing or failing:', '', ...suite.failedFiles.map((f) => `- \`${f}\``)]),
    ...(rerunFiles.length === 0
      ? []
      : ['', 'Figures from a separate run of the file alone (it could not run in the full run):', '', ...rerunFiles.map((f) => `- \`${f}\``)]),
    '',
    '| test | promise | measured | result | date |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const test = row.file === undefined ? row.test : `${row.test} (\`${row.file}\`)`;
    out.push(`| ${cell(test)} | ${cell(row.promise)} | ${cell(figures(row.measured))} | ${row.result} | ${date} |`);
  }
  return out.join('\n') + '\n';
}

function main(): void {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const outPath = outAt >= 0 ? args[outAt + 1] : join(root, 'docs', 'RELIABILITY.md');
  const logs = args.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1));
  if (logs.length === 0 || outPath === undefined) {
    console.error('usage: tsx scripts/reliability-report.ts <vitest output file> [rerun output file ...] [--out out.md]');
    process.exit(2);
  }
  const [fullLog, ...rerunLogs] = logs.map((path) => readFileSync(path, 'utf8'));
  const merged = mergeReruns(
    { rows: parseReliabilityLog(fullLog!), suite: parseSuiteSummary(fullLog!) },
    rerunLogs.map((log) => parseReliabilityLog(log)),
  );
  if (merged.rows.length === 0) {
    console.error(`${logs.join(', ')}: no RELIABILITY lines (run the suite without --silent)`);
    process.exit(1);
  }
  const date = new Date().toISOString().slice(0, 10);
  writeFileSync(outPath, renderReliability(merged.rows, date, merged.suite, merged.rerunFiles));
  console.log(`${outPath}: ${merged.rows.length} rows`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();

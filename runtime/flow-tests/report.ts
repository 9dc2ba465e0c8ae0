/**
 * Reports of `tributary test`: readable text (a line per case, and per failing sink or error port a unified diff of
 * expected vs actual records), and JUnit XML for CI (one `<testsuite>` per test file, one `<testcase>` per case, the
 * diff in `<failure>`; the format Jenkins, GitLab and GitHub test reporters read).
 */
import type { FileResult } from './run-tests';

/** The text report: `PASS`/`FAIL` per case with its place, diffs of failing ports, and a summary line. */
export function textReport(results: readonly FileResult[]): string {
  const out: string[] = [];
  let passed = 0;
  let failed = 0;
  for (const file of results) {
    for (const problem of file.problems) out.push(`ERROR ${problem}`);
    if (file.problems.length > 0) failed++;
    for (const c of file.cases) {
      if (c.ok) {
        passed++;
        out.push(`PASS ${file.file}: ${c.name}`);
        continue;
      }
      failed++;
      out.push(`FAIL ${file.file}: ${c.name} (${c.where})`);
      for (const problem of c.problems) out.push(`  ${problem}`);
      for (const port of c.ports.filter((p) => !p.ok)) {
        out.push(`  ${port.key}: ${port.expectedCount} record(s) expected, ${port.actualCount} received`);
        for (const line of (port.diff ?? '').split('\n')) out.push(`    ${line}`);
      }
    }
  }
  out.push('', `${passed} passed, ${failed} failed`);
  return `${out.join('\n')}\n`;
}

/** Escapes text for XML content and attribute values; drops characters XML 1.0 cannot hold. */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The JUnit XML report. A test file that could not run is one test case with an `<error>`. */
export function junitReport(results: readonly FileResult[]): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const file of results) {
    const cases: string[] = [];
    let suiteFailures = 0;
    let suiteErrors = 0;
    let time = 0;
    for (const problem of file.problems) {
      suiteErrors++;
      cases.push(`    <testcase classname="${xml(file.file)}" name="${xml(file.file)}" time="0.000">\n      <error message="${xml(problem)}">${xml(problem)}</error>\n    </testcase>`);
    }
    for (const c of file.cases) {
      time += c.durationMs;
      const open = `    <testcase classname="${xml(file.file)}" name="${xml(c.name)}" time="${seconds(c.durationMs)}"`;
      if (c.ok) {
        cases.push(`${open}/>`);
        continue;
      }
      suiteFailures++;
      const details = [
        ...c.problems,
        ...c.ports.filter((p) => !p.ok).flatMap((p) => [`${p.key}: ${p.expectedCount} record(s) expected, ${p.actualCount} received`, p.diff ?? '']),
      ].join('\n');
      const message = c.problems[0] ?? `${c.ports.filter((p) => !p.ok).map((p) => p.key).join(', ')} differ`;
      cases.push(`${open}>\n      <failure message="${xml(message)}">${xml(details)}</failure>\n    </testcase>`);
    }
    const count = file.cases.length + file.problems.length;
    tests += count;
    failures += suiteFailures;
    errors += suiteErrors;
    suites.push(
      `  <testsuite name="${xml(file.file)}" tests="${count}" failures="${suiteFailures}" errors="${suiteErrors}" time="${seconds(time)}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="tributary test" tests="${tests}" failures="${failures}" errors="${errors}">\n${suites.join('\n')}\n</testsuites>\n`;
}

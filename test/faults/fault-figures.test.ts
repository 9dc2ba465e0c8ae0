// The suite's own instruments, checked on made-up input: the commit audit of the rebalance-churn test flags a commit
// for a partition the instance does not own (and only that), and scripts/reliability-report.ts turns RELIABILITY lines
// of a vitest log into table rows with their test's result.
import { describe, expect, it } from 'vitest';
import { auditCommits } from '../support/commit-audit';
import { mergeReruns, parseReliabilityLog, parseSuiteSummary, renderReliability } from '../../scripts/reliability-report';

const line = (entry: object): string => JSON.stringify(entry);
const commitResponse = (topic: string, partitions: [number, number][]): string =>
  line({
    level: 'trace',
    kafkajs: 'Connection',
    msg: 'Response OffsetCommit(key: 8, version: 5)',
    data: { throttleTime: 0, responses: [{ topic, partitions: partitions.map(([partition, errorCode]) => ({ partition, errorCode })) }] },
  });

describe('commit audit', () => {
  it('checks each accepted commit against the assignment held when its answer arrived', () => {
    const log = [
      line({ level: 'info', msg: 'starting flow' }),
      line({ level: 'trace', msg: 'Received assignment', generationId: 1, memberAssignment: { t: [0, 1] } }),
      commitResponse('t', [
        [0, 0],
        [1, 0],
      ]),
      line({ level: 'trace', msg: 'Received assignment', generationId: 2, memberAssignment: { t: [1] } }),
      // Partition 0 is no longer owned: an accepted commit for it is a violation, a refused one (27) is not.
      commitResponse('t', [
        [0, 0],
        [1, 0],
      ]),
      commitResponse('t', [[0, 27]]),
      'not json',
    ].join('\n');
    expect(auditCommits(log)).toEqual({ committed: 4, violations: ['t:0'], assignments: 2 });
  });

  it('counts a commit before any assignment as a violation', () => {
    expect(auditCommits(commitResponse('t', [[3, 0]])).violations).toEqual(['t:3']);
  });
});

describe('reliability report', () => {
  it('reads RELIABILITY lines with their file and result and renders one row each', () => {
    const log = [
      ' \u001b[90mstdout\u001b[2m | test/faults/a.test.ts\u001b[2m > \u001b[22m\u001b[2msuite\u001b[2m > \u001b[22m\u001b[2mkills things',
      'RELIABILITY {"test":"kill","promise":"0 lost","measured":{"lost":0,"duplicates":12}}',
      'stdout | test/faults/b.test.ts > suite > breaks things',
      'RELIABILITY {"test":"break","lost":3}',
      '     ✓ kills things 1000ms',
      '     × breaks things 2000ms',
      ' \u001b[31m❯\u001b[39m \u001b[30m\u001b[42m faults \u001b[49m\u001b[39m test/faults/b.test.ts \u001b[2m(\u001b[22m\u001b[2m1 test\u001b[22m\u001b[2m | \u001b[22m\u001b[31m1 failed\u001b[39m\u001b[2m)\u001b[22m\u001b[33m 2000\u001b[2mms\u001b[22m\u001b[39m',
      ' Test Files  1 failed | 1 passed (2)',
      '      Tests  1 failed | 1 passed (2)',
      '   Duration  600.5s (transform 1s)',
    ].join('\n');
    const rows = parseReliabilityLog(log);
    expect(rows).toEqual([
      { test: 'kill', promise: '0 lost', measured: { lost: 0, duplicates: 12 }, file: 'test/faults/a.test.ts', result: 'passed' },
      { test: 'break', promise: '', measured: { lost: 3 }, file: 'test/faults/b.test.ts', result: 'failed' },
    ]);
    const suite = parseSuiteSummary(log);
    expect(suite).toEqual({
      totals: ['Test Files 1 failed | 1 passed (2)', 'Tests 1 failed | 1 passed (2)'],
      failedFiles: ['test/faults/b.test.ts (1 test | 1 failed)'],
      durationS: 600.5,
    });
    const doc = renderReliability(rows, '2026-12-01', suite);
    expect(doc).toContain('| kill (`test/faults/a.test.ts`) | 0 lost | lost: 0, duplicates: 12 | passed | 2026-12-01 |');
    expect(doc).toContain('Run of 2026-12-01, 601 s for the whole suite: 1 of 2 figures from passing tests');
    expect(doc).toContain('- `test/faults/b.test.ts (1 test | 1 failed)`');

    // b.test.ts run again on its own: its figures replace the full run's, and it is no longer listed as failed.
    const rerun = parseReliabilityLog(['stdout | test/faults/b.test.ts > suite > breaks things', 'RELIABILITY {"test":"break","lost":0}', '✓ breaks things'].join('\n'));
    const merged = mergeReruns({ rows, suite }, [rerun]);
    expect(merged.rows.map((r) => [r.test, r.measured, r.result])).toEqual([
      ['kill', { lost: 0, duplicates: 12 }, 'passed'],
      ['break', { lost: 0 }, 'passed'],
    ]);
    expect(merged.suite.failedFiles).toEqual([]);
    expect(renderReliability(merged.rows, '2026-12-01', merged.suite, merged.rerunFiles)).toContain(
      'Figures from a separate run of the file alone (it could not run in the full run):\n\n- `test/faults/b.test.ts`',
    );
  });
});

/**
 * Runs the cases of flow test files (`tributary test`): reads each test file and its flow, runs every case
 * (runtime/flow-tests/run-case.ts) and compares what reached each sink and error port with what the case expects
 * (compare.ts). Node-only.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { FlowProblemsError, formatProblems } from '../common/errors';
import type { NodeRuntime } from '../engine/types';
import { loadFlowFile } from '../flow-file';
import { comparePort, type PortComparison } from './compare';
import { caseProblems, runCase } from './run-case';
import { flowCandidates, parseTestFile, TestFileError } from './test-file';

/** The outcome of one case. */
export interface CaseResult {
  name: string;
  /** `file:line:col` of the case in the test file. */
  where: string;
  ok: boolean;
  /** Wall time of the case (ms), for reports. */
  durationMs: number;
  /** Per sink / error port the case expects. */
  ports: PortComparison[];
  /** Why the case could not run or failed besides the comparisons (flow run failed, unknown node ids). */
  problems: string[];
}

/** The outcome of one test file. */
export interface FileResult {
  file: string;
  /** The flow file tested, when found. */
  flow?: string;
  cases: CaseResult[];
  /** Problems that kept every case from running (bad test file, missing or invalid flow), as `file:line:col: ...`. */
  problems: string[];
}

/** True when every case of every file passed and no file had a problem. */
export function allPassed(results: readonly FileResult[]): boolean {
  return results.every((r) => r.problems.length === 0 && r.cases.every((c) => c.ok));
}

/**
 * Runs every case of a test file.
 * @param file path of a `*.test.yaml` file
 * @param runtimes the real node runtimes (for transforms)
 * @param logger logger of the engine (silent unless asked)
 */
export async function runTestFile(file: string, runtimes: ReadonlyMap<string, NodeRuntime>, logger: Logger): Promise<FileResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { file, cases: [], problems: [`${file}: cannot read the test file: ${(error as Error).message}`] };
  }
  let loaded;
  try {
    loaded = parseTestFile(text, file);
  } catch (error) {
    if (error instanceof TestFileError) return { file, cases: [], problems: error.lines };
    throw error;
  }
  const candidates = flowCandidates(file, loaded.test.flow);
  const flowFile = candidates.find((c) => existsSync(c));
  if (flowFile === undefined) {
    const where = loaded.test.flow === undefined ? `${file}:1:1` : loaded.where(['flow']);
    return { file, cases: [], problems: [`${where}: no flow file for these tests: ${candidates.join(' or ')} does not exist`] };
  }
  let plan;
  try {
    plan = (await loadFlowFile(flowFile, { env: loaded.test.env })).plan;
  } catch (error) {
    if (error instanceof FlowProblemsError) return { file, flow: flowFile, cases: [], problems: formatProblems(error.problems, flowFile) };
    return { file, flow: flowFile, cases: [], problems: [`${flowFile}: ${(error as Error).message}`] };
  }
  const cases: CaseResult[] = [];
  for (const [index, testCase] of loaded.test.cases.entries()) {
    const where = loaded.where(['cases', index]);
    const started = performance.now();
    const problems = caseProblems(plan, testCase).map((p) => `${where}: ${p}`);
    const ports: PortComparison[] = [];
    if (problems.length === 0) {
      const output = await runCase(plan, testCase, runtimes, logger);
      if (output.error !== undefined) problems.push(`${where}: the flow failed: ${output.error}`);
      for (const [key, expected] of Object.entries(testCase.expect)) ports.push(comparePort(key, expected, output.records.get(key) ?? []));
    }
    cases.push({
      name: testCase.name,
      where,
      ok: problems.length === 0 && ports.every((p) => p.ok),
      durationMs: performance.now() - started,
      ports,
      problems,
    });
  }
  return { file, flow: flowFile, cases, problems: [] };
}

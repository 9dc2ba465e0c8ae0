/**
 * The backend half of the studio's "Save as test case" (Node-only): takes the samples of every node of the running
 * flow at one moment, builds a case of the records that belong together (capture.ts) and appends it to the flow's
 * `<flow>.test.yaml` (test-file.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { SavedTestCase } from '../common/studio-api';
import type { NodeSamples } from '../common/telemetry';
import { SAMPLE_SIZE } from '../engine/telemetry';
import { checkFlowText } from '../flow-file';
import { captureCase } from './capture';
import { appendTestCase, TestFileError } from './test-file';
import { testFileFor } from './test-file-names';

/** How long to wait for the runtime to answer a sample request (ms). */
export const SAMPLE_ANSWER_TIMEOUT_MS = 3_000;

/** What {@link saveTestCase} needs from the backend. */
export interface CaptureSource {
  /** True while a run of the studio's own is running (not preview, not attached). */
  running: boolean;
  /** Subscribes to a node's samples (the backend's sample poller): asks the runtime at once. */
  subscribe(nodeId: string, listener: (samples: NodeSamples) => void): () => void;
  /** `${VAR}` substitution of the flow text. */
  env: Record<string, string | undefined>;
}

/** Asks for every node's samples at once and resolves with the first answer of each. */
function samplesOfAll(nodeIds: readonly string[], source: CaptureSource): Promise<Map<string, NodeSamples>> {
  return new Promise((resolve, reject) => {
    const answers = new Map<string, NodeSamples>();
    const offs: (() => void)[] = [];
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      for (const off of offs.splice(0)) off();
      if (error === undefined) resolve(answers);
      else reject(error);
    };
    const timer = setTimeout(() => {
      const missing = nodeIds.filter((id) => !answers.has(id));
      finish(new Error(`cannot save the test case: the runtime did not send the samples of ${missing.join(', ')} within ${SAMPLE_ANSWER_TIMEOUT_MS} ms`));
    }, SAMPLE_ANSWER_TIMEOUT_MS);
    for (const id of nodeIds) {
      offs.push(
        source.subscribe(id, (samples) => {
          if (answers.has(id)) return;
          answers.set(id, samples);
          if (answers.size === nodeIds.length) finish();
        }),
      );
    }
  });
}

/**
 * Saves the running flow's sampled records as a test case in `<flow>.test.yaml` next to the flow file.
 * @param text the flow text the run was started with
 * @param path the flow file's path (the test file goes next to it)
 * @param name the case name (unique in the file)
 * @throws Error for the user: no run, an unsaved or invalid flow, no sampled input, a taken case name, an unreadable
 *   or invalid test file
 */
export async function saveTestCase(text: string, path: string, name: string, source: CaptureSource): Promise<SavedTestCase> {
  if (!source.running) throw new Error('cannot save a test case: run the flow first (its samples are the case)');
  if (name.trim() === '') throw new Error('cannot save a test case: give it a name');
  const check = checkFlowText(text, { fileName: path, env: source.env });
  if (check.plan === undefined) throw new Error(`cannot save a test case: the flow has problems (${check.errors[0]?.message ?? 'invalid'})`);
  // A window's results, and all that nodes downstream of them emit, depend on window state the case does not hold
  // (aggregates; late records, which depend on the watermark): only a window's error port carries records as read.
  // Plan nodes are in topological order.
  const aggregated = new Set<string>();
  for (const n of check.plan.nodes) {
    const window = n.spec.type === 'transform.window';
    if (window) aggregated.add(n.id);
    if (!window && !aggregated.has(n.id)) continue;
    for (const [port, targets] of n.outputs) {
      if (window && port === 'error') continue;
      for (const t of targets) aggregated.add(t.nodeId);
    }
  }
  const nodes = check.plan.nodes.map((n) => ({ id: n.id, kind: n.spec.kind, aggregated: aggregated.has(n.id) }));
  const samples = await samplesOfAll(nodes.map((n) => n.id), source);
  const captured = captureCase(name.trim(), Date.now(), nodes, samples, SAMPLE_SIZE);
  if (captured.inputs === 0) throw new Error('cannot save a test case: no sampled source record has all of its outputs sampled yet; let the flow run a little longer');
  const file = testFileFor(path);
  let existing: string | undefined;
  try {
    existing = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let next: string;
  try {
    next = appendTestCase(existing, file, path, captured.testCase);
  } catch (error) {
    if (error instanceof TestFileError) throw new Error(error.lines[0], { cause: error });
    throw error;
  }
  await writeFile(file, next);
  return { file, name: captured.testCase.name, inputs: captured.inputs, outputs: captured.outputs, leftOut: captured.leftOut, unchecked: captured.unchecked };
}

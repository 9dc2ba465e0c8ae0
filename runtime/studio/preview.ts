/**
 * Preview for the studio (Node-only): `tributary preview --json` in a child process on the flow text, reading a few
 * records and nothing written to any sink; the child is killed after {@link PREVIEW_TIMEOUT_MS}.
 */
import { rm } from 'node:fs/promises';
import type { PreviewResult } from '../common/studio-api';
import { assertRunnable } from './flow-validation';
import { formatLogLine } from './log-lines';
import { forkRuntime, writeTempFlow, type RuntimeChildOptions } from './runtime-child';

/** A preview child process is killed after this long (ms). */
export const PREVIEW_TIMEOUT_MS = 60_000;
/** Records per source when none (or a value that is not a positive integer) is asked for. */
export const DEFAULT_PREVIEW_RECORDS = 20;
/** Most records per source a preview reads. */
export const MAX_PREVIEW_RECORDS = 10_000;

/**
 * Previews a flow: every node's input and output records.
 * @param text the flow text, validated first
 * @param records records per source (positive integer, at most {@link MAX_PREVIEW_RECORDS}; else 20)
 * @param options entry point, Node executable and environment of the child (it runs in `options.rootDir`)
 * @returns every node's records, with the run's error when it failed part-way
 * @throws Error when the flow is invalid, the child was killed or timed out, or it printed no result (with the last
 *   five log lines)
 */
export async function previewFlow(text: string, records: number, options: RuntimeChildOptions): Promise<PreviewResult> {
  assertRunnable(text, null, 'preview', options.env);
  const count = Number.isInteger(records) && records > 0 ? Math.min(records, MAX_PREVIEW_RECORDS) : DEFAULT_PREVIEW_RECORDS;
  const temp = await writeTempFlow(text, null);
  try {
    const child = forkRuntime(options, ['preview', '--json', '--records', String(count), temp.file], options.rootDir);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), PREVIEW_TIMEOUT_MS);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.on('error', fail);
      child.on('close', (c, s) => done([c, s]));
    }).finally(() => clearTimeout(timer));
    if (signal !== null) throw new Error(signal === 'SIGKILL' ? `preview did not finish within ${PREVIEW_TIMEOUT_MS / 1000} s` : `preview killed by ${signal}`);
    let parsed: { nodes?: PreviewResult['nodes']; error?: string } | undefined;
    try {
      parsed = JSON.parse(stdout) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    if (parsed?.nodes === undefined) {
      const lines = stderr.split('\n').filter((l) => l.trim() !== '').map(formatLogLine);
      throw new Error(`preview failed (exit code ${code}): ${lines.slice(-5).join('\n') || 'no output'}`);
    }
    return { nodes: parsed.nodes, ...(typeof parsed.error === 'string' ? { error: parsed.error } : {}) };
  } finally {
    await rm(temp.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

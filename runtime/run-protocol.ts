/**
 * The protocol between a runtime child process (`tributary run`, forked with an IPC channel) and its parent, the
 * studio's run supervisor (`runtime/studio/run-supervisor.ts`). Messages are plain objects sent with `process.send` /
 * `child.send` (Node's JSON serialization over the IPC channel). Types only: both ends import it, neither imports the
 * other.
 */
import type { NodeSamples, TelemetryFrame } from './common/telemetry';

/**
 * What the runtime sends its parent process over IPC when it was forked:
 * - `telemetry`: the latest telemetry frame (at most 10 per second, and one last frame after the run ended);
 * - `samples`: the answer to a {@link ParentMessage} `samples` request, `samples` undefined when the node has none;
 * - `ready`: every source is ready;
 * - `exit`: the run ended with this exit code, and the run's error when it failed.
 */
export type RuntimeMessage =
  | { type: 'telemetry'; frame: TelemetryFrame }
  | { type: 'samples'; nodeId: string; samples: NodeSamples | undefined }
  | { type: 'ready' }
  | { type: 'exit'; code: number; error?: string };

/**
 * What the parent process may send the runtime: `stop` (drain and stop, as SIGTERM does), or `samples` (answer with
 * the last records in and out of node `nodeId`).
 */
export type ParentMessage = { type: 'stop' } | { type: 'samples'; nodeId: string };

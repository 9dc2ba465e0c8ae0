/**
 * The live endpoint of a headless run, `tributary run --metrics-port N` with `TRIBUTARY_METRICS_TOKEN` set: what the
 * studio's Attach reads from each instance (runtime/studio/attach*.ts). Every path answers only a request carrying
 * `Authorization: Bearer <token>` (401 otherwise, and always 401 when the instance has no token):
 * - `GET /live`: {@link LiveSnapshot}, the instance's identity and its latest telemetry frame;
 * - `GET /live/flow`: {@link LiveFlow}, the flow file the instance runs (its text as on disk, `${VAR}` references kept);
 * - `GET /live/samples/<nodeId>`: the node's {@link NodeSamples} (404 for a node without samples).
 * Browser-safe: types and constants only.
 */
import type { NodeSamples, TelemetryFrame } from './telemetry';

/** The environment variable holding the bearer token of the live endpoint (and of `/samples/<node>` once set). */
export const METRICS_TOKEN_ENV = 'TRIBUTARY_METRICS_TOKEN';

/** Path of {@link LiveSnapshot}. */
export const LIVE_PATH = '/live';
/** Path of {@link LiveFlow}. */
export const LIVE_FLOW_PATH = '/live/flow';
/** Path prefix of a node's samples (`/live/samples/<nodeId>`, the node id URI-encoded). */
export const LIVE_SAMPLES_PATH = '/live/samples/';

/** Who an instance is: where it runs and what it owns. */
export interface InstanceIdentity {
  /** Host name of the machine (os.hostname()). */
  host: string;
  pid: number;
  /** The flow's `name`. */
  flow: string;
  /** Tributary version of the instance. */
  version: string;
  /** When the run started (ms since the epoch). */
  startedAt: number;
  /** Per consumer-group source node id: its group and this instance's member id (once joined). */
  members: Record<string, { groupId: string; memberId: string }>;
  /** Per Kafka source node id: the partitions assigned to this instance now. */
  partitions: Record<string, { topic: string; partition: number }[]>;
}

/** The answer of `GET /live`. `frame` is null when the run has telemetry switched off. */
export interface LiveSnapshot {
  identity: InstanceIdentity;
  frame: TelemetryFrame | null;
}

/** The answer of `GET /live/flow`. */
export interface LiveFlow {
  /** The flow's `name`. */
  name: string;
  /** The flow file's path on the instance's machine. */
  file: string;
  /** The file's text (YAML or JSON), as on disk. */
  text: string;
}

/** The answer of `GET /live/samples/<nodeId>`. */
export type LiveSamples = NodeSamples;

/** One instance the studio is attached to, as its run state shows it. */
export interface AttachedInstance {
  /** The instance URL, normalized (`http://host:port`). */
  url: string;
  /** False while its last poll failed (`error` says why). */
  reachable: boolean;
  error?: string;
  /** Its identity as of its last answer (undefined before it answered once). */
  identity?: InstanceIdentity;
}

/** What the studio's `attach` answers: the flow the instances run, to open read-only, and the instances. */
export interface AttachResult {
  flow: LiveFlow;
  instances: AttachedInstance[];
  /** Set when the instances do not all run the same flow text (e.g. a rolling deploy): the first one's is shown. */
  warning?: string;
}

/** How an attached instance is named to the user: `host:pid` once it answered, else its URL. */
export function instanceLabel(instance: AttachedInstance): string {
  return instance.identity === undefined ? instance.url : `${instance.identity.host}:${instance.identity.pid}`;
}

/** Orders partitions by topic, then partition number (for display, and so combined frames are stable). */
export function byTopicPartition(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}

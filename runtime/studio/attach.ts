/**
 * The studio's Attach (Node-only): a live, read-only view of headless `tributary run --metrics-port` instances of one
 * flow. It checks every instance once (reachable, token accepted, same flow), then polls each one's `/live` every
 * {@link ATTACH_POLL_INTERVAL_MS}, combines their frames (runtime/studio/attach-combine.ts) and hands the listeners the
 * same telemetry frames a run of the studio's own produces; samples subscribed for a node are asked of every reachable
 * instance and combined. Its state is the run state `attached` (the instances, their identity and reachability).
 */
import { instanceLabel, type AttachedInstance, type AttachResult, type LiveFlow } from '../common/attach-protocol';
import type { RunState, Unsubscribe } from '../common/studio-api';
import type { NodeSamples, TelemetryFrame } from '../common/telemetry';
import { combineFrames, combineSamples, type InstanceFrame } from './attach-combine';
import { InstanceClient, INSTANCE_REQUEST_TIMEOUT_MS, normalizeInstanceUrl, readInstanceList } from './attach-client';
import { errorMessage } from './error-message';
import { notify } from './notify';
import { SamplePoller } from './sample-poller';

/** Interval between two polls of every instance's `/live` (ms). */
export const ATTACH_POLL_INTERVAL_MS = 500;

/** Options of {@link AttachSession}. */
export interface AttachOptions {
  /** Poll interval (ms), default {@link ATTACH_POLL_INTERVAL_MS}. */
  intervalMs?: number;
  /** Deadline of one request (ms), default {@link INSTANCE_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
}

/** One attached instance: its client, last view and state. */
interface Attached extends InstanceFrame {
  client: InstanceClient;
  state: AttachedInstance;
}

/** An attachment to headless instances; at most one at a time. */
export class AttachSession {
  private instances: Attached[] = [];
  private flowName = '';
  private startedAt = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private lastStateKey = '';
  private readonly stateListeners = new Set<(state: RunState) => void>();
  private readonly telemetryListeners = new Set<(frame: TelemetryFrame) => void>();
  private readonly samples = new SamplePoller(
    (nodeId) => void this.pollSamples(nodeId),
    () => this.active,
  );
  private readonly intervalMs: number;
  private readonly requestTimeoutMs: number;

  /** @param options poll interval and request deadline */
  constructor(options: AttachOptions = {}) {
    this.intervalMs = options.intervalMs ?? ATTACH_POLL_INTERVAL_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? INSTANCE_REQUEST_TIMEOUT_MS;
  }

  /** True while attached. */
  get active(): boolean {
    return this.instances.length > 0;
  }

  /** The run state `attached`, or undefined while not attached. */
  get state(): RunState | undefined {
    if (!this.active) return undefined;
    return { status: 'attached', startedAt: this.startedAt, flow: this.flowName, instances: this.instances.map((i) => ({ ...i.state })) };
  }

  /** Subscribes to state changes (`attached` with the instances, `idle` after {@link detach}). */
  onState(listener: (state: RunState) => void): Unsubscribe {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Subscribes to the combined frames (one per poll). */
  onTelemetry(listener: (frame: TelemetryFrame) => void): Unsubscribe {
    this.telemetryListeners.add(listener);
    return () => this.telemetryListeners.delete(listener);
  }

  /**
   * Attaches to the instances of `urls` and of the list file: each must answer `/live` and `/live/flow` with `token`,
   * and all must run the flow of the same name.
   * @throws Error naming each instance that failed (unreachable, token refused, not a live endpoint), or the flows
   *   when they differ; also when already attached or no instance is given
   */
  async attach(urls: readonly string[], token: string, listFile?: string): Promise<AttachResult> {
    if (this.active) throw new Error(`already attached to ${this.instances.length} instance(s); detach first`);
    const listed = listFile === undefined || listFile.trim() === '' ? [] : await readInstanceList(listFile.trim());
    const all = [...new Set([...urls.filter((u) => u.trim() !== '').map(normalizeInstanceUrl), ...listed])];
    if (all.length === 0) throw new Error('give at least one instance URL (http://host:port of a run started with --metrics-port)');
    if (token === '') throw new Error(`give the instances' token (their TRIBUTARY_METRICS_TOKEN)`);
    const clients = all.map((url) => new InstanceClient(url, token, this.requestTimeoutMs));
    const answers = await Promise.allSettled(clients.map(async (c) => ({ snapshot: await c.snapshot(), flow: await c.flow() })));
    const failures = answers.flatMap((a) => (a.status === 'rejected' ? [errorMessage(a.reason)] : []));
    if (failures.length > 0) throw new Error(`cannot attach: ${failures.join('; ')}`);
    const ok = answers.map((a) => (a as PromiseFulfilledResult<{ snapshot: Awaited<ReturnType<InstanceClient['snapshot']>>; flow: LiveFlow }>).value);
    const names = [...new Set(ok.map((o) => o.flow.name))];
    if (names.length > 1) {
      const which = ok.map((o, i) => `${all[i]} runs "${o.flow.name}"`).join(', ');
      throw new Error(`cannot attach: the instances run different flows (${which}); attach to the instances of one flow`);
    }
    const flow = ok[0]!.flow;
    const differing = ok.filter((o) => o.flow.text !== flow.text).length;
    this.instances = ok.map((o, i) => {
      const state: AttachedInstance = { url: all[i]!, reachable: true, identity: o.snapshot.identity };
      return { client: clients[i]!, state, label: instanceLabel(state), frame: o.snapshot.frame, reachable: true };
    });
    this.flowName = flow.name;
    this.startedAt = Date.now();
    this.lastStateKey = '';
    this.emitState();
    this.emitFrame();
    this.pollTimer = setInterval(() => void this.poll(), this.intervalMs);
    this.pollTimer.unref();
    this.samples.resume();
    const result: AttachResult = { flow, instances: this.instances.map((i) => ({ ...i.state })) };
    if (differing > 0) result.warning = `${differing} of ${ok.length} instances run a different text of flow "${flow.name}"; the canvas shows ${all[0]}'s`;
    return result;
  }

  /** Ends the attachment: polling stops, the state turns `idle`; the instances run on. Does nothing when not attached. */
  detach(): void {
    if (!this.active) return;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.instances = [];
    this.samples.pauseIfIdle();
    notify(this.stateListeners, { status: 'idle' } satisfies RunState);
  }

  /** Polls every instance once (skipped while the previous poll runs), then emits the combined frame. */
  async poll(): Promise<void> {
    if (this.polling || !this.active) return;
    this.polling = true;
    const instances = this.instances;
    try {
      await Promise.all(
        instances.map(async (instance) => {
          try {
            const snapshot = await instance.client.snapshot();
            instance.frame = snapshot.frame;
            instance.reachable = true;
            instance.state = { url: instance.state.url, reachable: true, identity: snapshot.identity };
          } catch (error) {
            instance.reachable = false;
            instance.state = { ...instance.state, reachable: false, error: errorMessage(error) };
          }
          instance.label = instanceLabel(instance.state);
        }),
      );
    } finally {
      this.polling = false;
    }
    if (this.instances !== instances) return; // detached meanwhile
    this.emitState();
    this.emitFrame();
  }

  private emitFrame(): void {
    const frame = combineFrames(this.instances);
    if (frame !== undefined) notify(this.telemetryListeners, frame);
  }

  /** Emits the state when an instance's reachability, error or identity changed. */
  private emitState(): void {
    const state = this.state;
    if (state === undefined) return;
    const key = JSON.stringify(state.status === 'attached' ? state.instances : []);
    if (key === this.lastStateKey) return;
    this.lastStateKey = key;
    notify(this.stateListeners, state);
  }

  /**
   * Subscribes to a node's samples combined from every reachable instance: asked at once, then every
   * `SAMPLES_INTERVAL_MS` (runtime/studio/sample-poller.ts) while attached.
   */
  subscribeSamples(nodeId: string, listener: (samples: NodeSamples) => void): Unsubscribe {
    return this.samples.subscribe(nodeId, listener);
  }

  private async pollSamples(nodeId: string): Promise<void> {
    if (!this.active) return;
    const answers = await Promise.allSettled(this.instances.filter((i) => i.reachable).map((i) => i.client.samples(nodeId)));
    const samples = answers.flatMap((a) => (a.status === 'fulfilled' && a.value !== undefined ? [a.value] : []));
    if (samples.length === 0 || !this.active) return;
    this.samples.deliver(nodeId, combineSamples(nodeId, samples));
  }

  /** Detaches and drops every listener. */
  dispose(): void {
    this.detach();
    this.stateListeners.clear();
    this.telemetryListeners.clear();
    this.samples.dispose();
  }
}

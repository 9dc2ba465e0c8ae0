/**
 * Sample polling for the studio (Node-only): while a run is supervised and some node's samples are subscribed, every
 * subscribed node's last records are asked of the runtime every {@link SAMPLES_INTERVAL_MS}; answers go to that node's
 * listeners.
 */
import type { Unsubscribe } from '../common/studio-api';
import type { NodeSamples } from '../common/telemetry';
import { notify } from './notify';

/** Interval between sample requests to the runtime per subscribed node (ms). */
export const SAMPLES_INTERVAL_MS = 500;

/** Listeners of node samples, and the timer that asks the runtime for them. */
export class SamplePoller {
  private readonly listeners = new Map<string, Set<(samples: NodeSamples) => void>>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param request asks the runtime for a node's samples (does nothing when no runtime is connected)
   * @param active true while a run is supervised: the timer runs only then
   */
  constructor(
    private readonly request: (nodeId: string) => void,
    private readonly active: () => boolean,
  ) {}

  /**
   * Subscribes to a node's samples: asks for them at once, then every {@link SAMPLES_INTERVAL_MS} while a run is active.
   * @returns stops this listener; the node is no longer asked for once its last listener stopped
   */
  subscribe(nodeId: string, listener: (samples: NodeSamples) => void): Unsubscribe {
    let set = this.listeners.get(nodeId);
    if (set === undefined) this.listeners.set(nodeId, (set = new Set()));
    set.add(listener);
    this.resume();
    this.request(nodeId);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(nodeId) === set) this.listeners.delete(nodeId);
      this.pauseIfIdle();
    };
  }

  /** Hands the runtime's answer to the node's listeners; a listener that throws does not stop the others. */
  deliver(nodeId: string, samples: NodeSamples): void {
    notify(this.listeners.get(nodeId) ?? [], samples);
  }

  /** Starts the timer when a run is active and some node is subscribed (call it when a run starts running). */
  resume(): void {
    if (this.timer !== undefined || this.listeners.size === 0 || !this.active()) return;
    this.timer = setInterval(() => {
      for (const nodeId of this.listeners.keys()) this.request(nodeId);
    }, SAMPLES_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer when no run is active or no node is subscribed (call it when a run ends). */
  pauseIfIdle(): void {
    if (this.timer !== undefined && (this.listeners.size === 0 || !this.active())) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Stops the timer and drops every listener. */
  dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}

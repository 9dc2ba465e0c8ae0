// Sample polling: asked at once on subscribe, then every SAMPLES_INTERVAL_MS only while a run is active and a node is
// subscribed; answers reach only that node's listeners.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NodeSamples } from '../../runtime/common/telemetry';
import { SAMPLES_INTERVAL_MS, SamplePoller } from '../../runtime/studio/sample-poller';

const SAMPLES = { in: [], out: [] } as unknown as NodeSamples;

describe('SamplePoller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks for subscribed nodes on a timer only while a run is active', () => {
    const requests: string[] = [];
    let active = false;
    const poller = new SamplePoller((nodeId) => requests.push(nodeId), () => active);
    const off = poller.subscribe('a', () => undefined);
    expect(requests).toEqual(['a']);
    vi.advanceTimersByTime(SAMPLES_INTERVAL_MS * 3);
    expect(requests).toEqual(['a']);

    active = true;
    poller.resume();
    vi.advanceTimersByTime(SAMPLES_INTERVAL_MS * 2);
    expect(requests).toEqual(['a', 'a', 'a']);
    const offB = poller.subscribe('b', () => undefined);
    vi.advanceTimersByTime(SAMPLES_INTERVAL_MS);
    expect(requests.slice(3)).toEqual(['b', 'a', 'b']);

    active = false;
    poller.pauseIfIdle();
    vi.advanceTimersByTime(SAMPLES_INTERVAL_MS * 2);
    expect(requests).toHaveLength(6);

    active = true;
    poller.resume();
    off();
    offB();
    vi.advanceTimersByTime(SAMPLES_INTERVAL_MS * 2);
    expect(requests).toHaveLength(6);
  });

  it('hands answers to that node listeners only, past a listener that throws', () => {
    const poller = new SamplePoller(() => undefined, () => true);
    const got: string[] = [];
    poller.subscribe('a', () => {
      throw new Error('listener bug');
    });
    poller.subscribe('a', () => got.push('a2'));
    const offB = poller.subscribe('b', () => got.push('b'));
    poller.deliver('a', SAMPLES);
    offB();
    poller.deliver('b', SAMPLES);
    expect(got).toEqual(['a2']);
    poller.dispose();
    poller.deliver('a', SAMPLES);
    expect(got).toEqual(['a2']);
  });
});

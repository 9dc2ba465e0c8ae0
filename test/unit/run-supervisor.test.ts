// The run supervisor against a stand-in runtime: a small script in place of bin/tributary.js that speaks the child
// protocol (runtime/run-protocol.ts), so states, IPC frames, stop and crash reasons are checked without Kafka. The
// real runtime under the studio is covered by test/integration/studio-server.test.ts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../runtime/common/studio-api';
import type { NodeSamples, TelemetryFrame } from '../../runtime/common/telemetry';
import { previewFlow } from '../../runtime/studio/preview';
import { RunSupervisor } from '../../runtime/studio/run-supervisor';

const VALID = ['version: 1', 'name: t', 'nodes:', '  - { id: gen, type: source.generator }', '  - { id: out, type: sink.console }', 'edges:', '  - { from: gen, to: out }', ''].join('\n');

/** The stand-in runtime: its behaviour is chosen by `FAKE_MODE`; it answers samples requests with the node id. */
const FAKE_RUNTIME = String.raw`
const mode = process.env.FAKE_MODE;
const args = process.argv.slice(2);
const log = (level, msg, extra) => process.stderr.write(JSON.stringify({ level, time: Date.UTC(2026, 0, 1, 12, 0, 0), msg, ...extra }) + '\n');
if (args[0] === 'preview') {
  if (mode === 'preview-fail') { process.stderr.write('flow.yaml: node gen: config: bad\n'); process.exit(1); }
  process.stdout.write(JSON.stringify({ nodes: [{ id: 'gen', type: 'source.generator', in: [], out: [{ records: Number(args[3]), file: args[4] }] }] }));
  process.exit(0);
}
process.on('message', (m) => {
  if (m.type === 'samples') process.send({ type: 'samples', nodeId: m.nodeId, samples: { in: [], out: [{ key: m.nodeId }] } });
});
if (mode === 'crash') {
  log(30, 'starting flow');
  log(50, 'run failed', { err: { message: 'sink out failed for good' } });
  process.stderr.write('partial line without newline');
  setTimeout(() => process.exit(3), 50);
} else if (mode === 'hang') {
  process.on('SIGTERM', () => log(30, 'ignoring SIGTERM'));
  process.send({ type: 'ready' });
  setInterval(() => undefined, 1000);
} else {
  process.on('SIGTERM', () => { log(30, 'stopping: draining in-flight records'); setTimeout(() => process.exit(0), 20); });
  const timer = setInterval(() => process.send({ type: 'telemetry', frame: { at: Date.now(), nodes: [] } }), 50);
  timer.unref();
  setInterval(() => undefined, 1000);
}
`;

let rootDir: string;
beforeAll(() => {
  rootDir = mkdtempSync(join(tmpdir(), 'tributary-fake-root-'));
  mkdirSync(join(rootDir, 'bin'));
  writeFileSync(join(rootDir, 'bin', 'tributary.js'), FAKE_RUNTIME);
});

const supervisors: RunSupervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.dispose(100)));
});

function supervisor(mode: string, stopTimeoutMs?: number): RunSupervisor {
  const s = new RunSupervisor({ rootDir, nodePath: process.execPath, env: { ...process.env, FAKE_MODE: mode }, stopTimeoutMs });
  supervisors.push(s);
  return s;
}

/** Resolves with the first state `predicate` accepts (the current one included). */
function stateWhere(s: RunSupervisor, predicate: (state: RunState) => boolean): Promise<RunState> {
  if (predicate(s.state)) return Promise.resolve(s.state);
  return new Promise((resolve) => {
    const off = s.onRunState((state) => {
      if (predicate(state)) {
        off();
        resolve(state);
      }
    });
  });
}

describe('RunSupervisor', () => {
  it('goes starting -> running at the first telemetry frame, relays frames and samples, and stops on request', async () => {
    const s = supervisor('ok');
    const states: string[] = [];
    s.onRunState((state) => states.push(state.status));
    const frames: TelemetryFrame[] = [];
    s.onTelemetry((frame) => frames.push(frame));
    await s.run(VALID, null);
    expect(s.state.status).toBe('starting');
    await expect(s.run(VALID, null)).rejects.toThrow(/a flow is already running \(pid \d+\); stop it before starting another/);
    const running = await stateWhere(s, (state) => state.status === 'running');
    expect(running).toMatchObject({ status: 'running', mode: 'run', pid: expect.any(Number), flow: { text: VALID, path: null } });
    const samples = await new Promise<NodeSamples>((resolve) => {
      const off = s.samples.subscribe('gen', (got) => {
        off();
        resolve(got);
      });
    });
    expect(samples.out).toEqual([{ key: 'gen' }]);
    expect(frames.length).toBeGreaterThan(0);
    await s.stop();
    expect(s.state).toMatchObject({ status: 'exited', code: 0, signal: null, crashed: false, reason: 'stopped' });
    expect(states).toEqual(['starting', 'running', 'stopping', 'exited']);
    if (s.state.status === 'exited') expect(s.state.lastLogLines).toEqual(['12:00:00.000 INFO stopping: draining in-flight records']);
  });

  it('says why a run crashed: the last error-level log line, with every log line kept formatted', async () => {
    const s = supervisor('crash');
    await s.run(VALID, null);
    const exited = await stateWhere(s, (state) => state.status === 'exited');
    expect(exited).toMatchObject({ status: 'exited', code: 3, crashed: true, reason: 'run failed: sink out failed for good' });
    if (exited.status === 'exited') {
      expect(exited.lastLogLines).toEqual(['12:00:00.000 INFO starting flow', '12:00:00.000 ERROR run failed: sink out failed for good', 'partial line without newline']);
    }
  });

  it('kills a runtime that does not stop within the stop timeout', async () => {
    const s = supervisor('hang', 300);
    await s.run(VALID, null);
    await stateWhere(s, (state) => state.status === 'running');
    const started = Date.now();
    await s.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(s.state).toMatchObject({ status: 'exited', crashed: true, signal: 'SIGKILL', reason: 'did not stop within 300 ms: killed by SIGKILL' });
  });

  it('refuses an invalid flow with its problems and stays idle', async () => {
    const s = supervisor('ok');
    await expect(s.run(VALID.replace('sink.console', 'sink.nope'), '/x/orders.flow.yaml')).rejects.toThrow(/cannot run: the flow has 2 problem\(s\):\norders\.flow\.yaml:\d+:\d+: node out: type: unknown node type "sink\.nope"/);
    expect(s.state).toEqual({ status: 'idle' });
  });
});

describe('previewFlow', () => {
  it('returns what the preview child printed, with the records asked for on a temporary copy of the flow', async () => {
    const result = await previewFlow(VALID, 7, { rootDir, nodePath: process.execPath, env: { ...process.env, FAKE_MODE: 'ok' } });
    expect(result.nodes[0]!.out).toEqual([{ records: 7, file: expect.stringMatching(/tributary-studio-.*unsaved\.flow\.yaml$/) }]);
    const defaulted = await previewFlow(VALID, -1, { rootDir, nodePath: process.execPath, env: { ...process.env, FAKE_MODE: 'ok' } });
    expect(defaulted.nodes[0]!.out).toMatchObject([{ records: 20 }]);
  });

  it('fails with the last log lines when the child printed no result', async () => {
    await expect(previewFlow(VALID, 5, { rootDir, nodePath: process.execPath, env: { ...process.env, FAKE_MODE: 'preview-fail' } })).rejects.toThrow(
      'preview failed (exit code 1): flow.yaml: node gen: config: bad',
    );
  });
});

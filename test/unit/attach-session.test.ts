// The studio's Attach against stand-in instances (in-process HTTP servers answering the live paths): URLs as users
// type them and the list file, the checks at attach time (token, same flow), polling into combined frames, an
// instance that stops answering (its counts kept, its rates and partitions gone, the state says so), and detach.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveFlow, LiveSnapshot } from '../../runtime/common/attach-protocol';
import type { RunState } from '../../runtime/common/studio-api';
import type { TelemetryFrame } from '../../runtime/common/telemetry';
import { AttachSession } from '../../runtime/studio/attach';
import { normalizeInstanceUrl, readInstanceList } from '../../runtime/studio/attach-client';
import { closedPort } from '../support/ports';
import { tempDir, waitFor } from '../support/runtime';
import { nodeTelemetry } from '../support/telemetry';

const TOKEN = 'secret-token';

/** A stand-in instance: answers /live, /live/flow and /live/samples/src with the bearer token. */
async function instance(pid: number, inCount: number, flow: Partial<LiveFlow> = {}): Promise<{ url: string; server: Server }> {
  const frame: TelemetryFrame = {
    time: Date.now(),
    uptimeMs: 1_000,
    nodes: { src: nodeTelemetry({ in: inCount, out: { out: inCount }, rateIn1s: 10 }) },
    edges: {},
    partitions: { src: [{ topic: 't', partition: pid % 10, committed: 5, highWatermark: 7, lag: 2, paused: false }] },
    sinkAck: {},
    endToEnd: { p50: null, p99: null },
    totals: { in: inCount, delivered: inCount, errors: 0 },
    inFlight: 1,
  };
  const snapshot: LiveSnapshot = {
    identity: { host: 'h', pid, flow: 'f', version: '0.1.0', startedAt: 0, members: { src: { groupId: 'g', memberId: `m-${pid}` } }, partitions: { src: [{ topic: 't', partition: pid % 10 }] } },
    frame,
  };
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"give the token"}');
      return;
    }
    const body =
      req.url === '/live'
        ? snapshot
        : req.url === '/live/flow'
          ? { name: 'f', file: '/srv/f.flow.yaml', text: 'version: 1\nname: f\n', ...flow }
          : { nodeId: 'src', in: [], out: [{ key: String(pid), value: pid, headers: {}, timestamp: pid, meta: { source: 'src' }, port: 'out' }] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
const sessions: AttachSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.dispose();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function two(flowB: Partial<LiveFlow> = {}): Promise<[string, string]> {
  const a = await instance(11, 100);
  const b = await instance(22, 50, flowB);
  servers.push(a.server, b.server);
  return [a.url, b.url];
}

function session(): AttachSession {
  const s = new AttachSession({ intervalMs: 50, requestTimeoutMs: 500 });
  sessions.push(s);
  return s;
}

describe('instance URLs', () => {
  it('normalizes what users type and refuses what is not an http URL', () => {
    expect(normalizeInstanceUrl(' 10.0.0.5:9464 ')).toBe('http://10.0.0.5:9464');
    expect(normalizeInstanceUrl('https://metrics.example/')).toBe('https://metrics.example');
    expect(() => normalizeInstanceUrl('ftp://x:1')).toThrow('"ftp://x:1" is not an instance URL');
  });

  it('reads a list file (comments, blank lines) and names the line of a bad entry', async () => {
    const dir = tempDir('tributary-attach-list-');
    const good = join(dir, 'instances.txt');
    writeFileSync(good, '# prod\nhttp://a:1\n\n b:2  # second\n');
    expect(await readInstanceList(good)).toEqual(['http://a:1', 'http://b:2']);
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'http://a:1\nmailto://x\n');
    await expect(readInstanceList(bad)).rejects.toThrow(`${bad}:2: "mailto://x" is not an instance URL`);
    await expect(readInstanceList(join(dir, 'missing.txt'))).rejects.toThrow(/cannot read the instance list .*missing\.txt/);
  });
});

describe('AttachSession', () => {
  it('attaches, polls into combined frames, keeps the counts of an instance that stops answering, and detaches', async () => {
    const [a, b] = await two();
    const s = session();
    const states: RunState[] = [];
    const frames: TelemetryFrame[] = [];
    s.onState((state) => states.push(state));
    s.onTelemetry((f) => frames.push(f));
    const result = await s.attach([a, `${b}/`], TOKEN);
    expect(result.flow.name).toBe('f');
    expect(result.instances.map((i) => [i.url, i.identity?.members.src?.memberId])).toEqual([
      [a, 'm-11'],
      [b, 'm-22'],
    ]);
    expect(states.at(-1)).toMatchObject({ status: 'attached', flow: 'f' });
    await waitFor('a polled frame', () => frames.length >= 2, 5_000, 20);
    const combined = frames.at(-1)!;
    expect(combined.nodes.src!.in).toBe(150);
    expect(combined.nodes.src!.rateIn1s).toBe(20);
    expect(combined.partitions.src!.map((p) => p.owner)).toEqual(['h:11', 'h:22']);

    const samples = await new Promise<unknown[]>((resolve) => {
      const off = s.subscribeSamples('src', (x) => (off(), resolve(x.out.map((r) => r.key))));
    });
    expect(samples).toEqual(['11', '22']);

    await new Promise((resolve) => servers[1]!.close(resolve));
    servers[1]!.closeAllConnections();
    await waitFor('b reported unreachable', () => states.some((st) => st.status === 'attached' && st.instances[1]?.reachable === false), 5_000, 20);
    const down = states.findLast((st) => st.status === 'attached')!;
    expect(down.status === 'attached' && down.instances[1]!.error).toMatch(new RegExp(`^${b}: `));
    await waitFor('a frame without b', () => frames.at(-1)!.partitions.src!.length === 1, 5_000, 20);
    expect(frames.at(-1)!.nodes.src!.in).toBe(150);
    expect(frames.at(-1)!.nodes.src!.rateIn1s).toBe(10);

    s.detach();
    expect(states.at(-1)).toEqual({ status: 'idle' });
    expect(s.state).toBeUndefined();
    const count = frames.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(frames.length).toBe(count);
  });

  it('refuses a wrong token, no URL, and instances of different flows, naming each instance', async () => {
    const [a, b] = await two({ name: 'other' });
    await expect(session().attach([a], 'wrong')).rejects.toThrow(`cannot attach: ${a}: refused the token: give the token`);
    await expect(session().attach([' '], TOKEN)).rejects.toThrow('give at least one instance URL');
    await expect(session().attach([a, b], TOKEN)).rejects.toThrow(`the instances run different flows (${a} runs "f", ${b} runs "other")`);
    const closed = `http://127.0.0.1:${await closedPort()}`;
    await expect(session().attach([a, closed], TOKEN)).rejects.toThrow(`cannot attach: ${closed}: ECONNREFUSED`);
  });

  it('attaches with a warning when the instances run different texts of one flow', async () => {
    const [a, b] = await two({ text: 'version: 1\nname: f\n# edited\n' });
    const result = await session().attach([a, b], TOKEN);
    expect(result.warning).toBe(`1 of 2 instances run a different text of flow "f"; the canvas shows ${a}'s`);
  });
});

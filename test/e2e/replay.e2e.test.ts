/**
 * End-to-end test of "Replay from…" in the studio (browser mode), against the real Kafka broker. A flow
 * `source.kafka -> sink.file` is opened from a file and run until its group committed every record (two batches,
 * before and after a time T); while it runs the action is disabled with its reason. Stopped, the dialog shows the
 * group's committed offsets and lag as the admin API reports them, is given T, warns how many records will be
 * processed again, and moves the group; the next run processes exactly the records from T again.
 *
 * Screenshots (1440x900) go to test-results/replay-e2e/ (git-ignored).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminOffsets, idsWritten, produceAt, range } from '../support/replay';
import { waitFor, writeFlow } from '../support/runtime';
import { createTopic, kafkaBrokers, uniqueName } from '../support/services';
import { openStudio, type StudioSession } from './harness';

/** The time T, to the second (the dialog's time input has seconds): batch A is one minute before it, batch B from T on. */
const T = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
const BEFORE = range(0, 25);
const AFTER = range(25, 60);

const topic = uniqueName('replay-e2e');
const groupId = uniqueName('replay-e2e-group');

let session: StudioSession;
let page: Page;
let out: string;

/** `yyyy-MM-ddTHH:mm:ss` of a time in the local zone (the browser runs on this machine, in the same zone). */
function localInput(ms: number): string {
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

async function runStateText(): Promise<string> {
  return (await page.getByTestId('run-state-text').textContent()) ?? '';
}

/** Runs the open flow until the group committed every record, checks the action is disabled meanwhile, stops it. */
async function runToEnd(trust: boolean): Promise<void> {
  await page.getByTestId('run').click();
  if (trust) await page.getByTestId('external-confirm').click();
  await expect.poll(runStateText, { timeout: 60_000 }).toMatch(/^Running \(pid \d+\)/);
  await page.getByTestId('node-orders').locator('.flow-node-header').click();
  expect(await page.getByTestId('replay-open').isDisabled()).toBe(true);
  expect(await page.getByTestId('replay-open-reason').textContent()).toContain('Stop the flow to replay');
  await waitFor('every record committed', async () => (await adminOffsets(groupId, topic)).every((p) => p.committed === p.logEnd), 120_000);
  await page.getByTestId('stop').click();
  await expect.poll(runStateText, { timeout: 60_000 }).toMatch(/^Stopped/);
}

describe('studio "Replay from…" (browser mode, real Kafka)', () => {
  beforeAll(async () => {
    await createTopic(topic, 2);
    await produceAt(topic, BEFORE, (id) => T - 60_000 + id);
    await produceAt(topic, AFTER, (id) => T + id);
    session = await openStudio({ shots: 'replay-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-replay-e2e-' });
    page = session.page;
    out = join(session.work, 'out.jsonl');
    writeFlow(session.work, 'replay.flow.yaml', {
      version: 1,
      name: 'replay-e2e',
      settings: { batchSize: 10 },
      nodes: [
        { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, startFrom: 'earliest', format: 'json' } },
        { id: 'file', type: 'sink.file', config: { path: out } },
      ],
      edges: [{ from: 'orders', to: 'file' }],
    });
    await page.getByTestId('file-open').waitFor();
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('is disabled while the flow runs, shows offsets and lag, moves the group to a time, and the next run reprocesses exactly those records', async () => {
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(join(session.work, 'replay.flow.yaml'));
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-orders').waitFor();

    await runToEnd(true);
    expect(idsWritten(out)).toEqual([...BEFORE, ...AFTER]);

    await page.getByTestId('node-orders').locator('.flow-node-header').click();
    await page.getByTestId('replay-open').click();
    await page.getByTestId('replay-offsets').waitFor();
    const admin = await adminOffsets(groupId, topic);
    for (const p of admin) {
      expect(await page.getByTestId(`replay-committed-${p.partition}`).textContent()).toBe(String(p.committed));
      expect(await page.getByTestId(`replay-end-${p.partition}`).textContent()).toBe(String(p.logEnd));
      expect(await page.getByTestId(`replay-lag-${p.partition}`).textContent()).toBe('0');
    }

    await page.getByTestId('replay-choice-time').check();
    await page.getByTestId('replay-time').fill(localInput(T));
    await expect.poll(() => page.getByTestId('replay-warning').getAttribute('data-again'), { timeout: 30_000 }).toBe(String(AFTER.length));
    expect(await page.getByTestId('replay-warning').textContent()).toContain(`${AFTER.length} record(s) will be processed again`);
    await session.screenshot('replay-dialog');
    await page.getByTestId('replay-confirm').click();
    await page.getByTestId('replay-done').waitFor({ timeout: 30_000 });
    const moved = await adminOffsets(groupId, topic);
    expect(moved.reduce((n, p) => n + p.logEnd - p.committed, 0)).toBe(AFTER.length);
    // The table is read again: the lag is what will be processed again.
    await expect
      .poll(async () => {
        let lag = 0;
        for (const p of moved) lag += Number(await page.getByTestId(`replay-lag-${p.partition}`).textContent());
        return lag;
      })
      .toBe(AFTER.length);
    await session.screenshot('replay-done');
    await page.getByTestId('replay-close').click();

    await runToEnd(false);
    // The file holds the first run's records, then exactly the records from T once more.
    expect(idsWritten(out)).toEqual([...BEFORE, ...AFTER, ...AFTER].sort((a, b) => a - b));
  }, 420_000);
});

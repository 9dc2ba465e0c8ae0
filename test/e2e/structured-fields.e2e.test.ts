/**
 * End-to-end test of the inspector's structured editors (browser mode, Debian's Chromium through harness.ts): a
 * route's rows (add, edit the port and the condition, reorder with the buttons and by dragging the handle, remove),
 * an HTTP sink's header rows (add, duplicate key flagged and not saved, remove), the "Edit as YAML" view, and the
 * JSON Schema editor (a syntax error named by line:col, a schema that parses saved); the saved flow text is read back.
 * Screenshots at 1440x900 go to test-results/structured-fields-e2e/.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeFlow } from '../support/runtime';
import { openStudio, type StudioSession } from './harness';

let session: StudioSession;
let page: Page;
let file: string;

interface SavedFlow {
  nodes: { id: string; config: Record<string, unknown> }[];
}

/** Selects a node on the canvas and waits for its inspector. */
async function select(id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('.flow-node-header').click();
  await expect.poll(() => page.getByTestId('node-id').inputValue()).toBe(id);
}

/** Replaces the text of a CodeMirror editor (its editable content carries the test id), as one paste. */
async function typeCode(testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(text);
}

/** Saves with Ctrl+S and reads the file back. */
async function save(): Promise<{ text: string; flow: SavedFlow }> {
  await page.keyboard.press('Control+s');
  await expect.poll(() => page.getByTestId('dirty-indicator').count(), { timeout: 10_000 }).toBe(0);
  const text = await readFile(file, 'utf8');
  return { text, flow: parse(text) as SavedFlow };
}

/** Scrolls the inspector so that the field `name` starts at its top. */
async function scrollToTop(name: string): Promise<void> {
  await page
    .locator(`[data-testid="inspector-node"] [data-field="${name}"]`)
    .first()
    .evaluate((e) => (e as unknown as { scrollIntoView(options: { block: string }): void }).scrollIntoView({ block: 'start' }));
}

/** The port inputs of the route rows, in order. */
async function routePorts(): Promise<string[]> {
  const rows = await page.getByTestId('field-routes-rows').locator('.list-row').count();
  const ports: string[] = [];
  for (let i = 0; i < rows; i++) ports.push(await page.getByTestId(`field-routes-${i}-port`).inputValue());
  return ports;
}

describe('structured fields in the inspector (browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'structured-fields-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-structured-e2e-' });
    page = session.page;
    file = writeFlow(session.work, 'structured.flow.yaml', {
      version: 1,
      name: 'structured-e2e',
      nodes: [
        { id: 'orders', type: 'source.generator', config: { count: 10 } },
        { id: 'check', type: 'transform.validate', config: { schema: { type: 'object', required: ['id'] } } },
        { id: 'risk', type: 'transform.route', config: { routes: [{ port: 'high', expression: 'value.id > 5' }] } },
        { id: 'hook', type: 'sink.http', config: { url: 'http://127.0.0.1:19640/orders', headers: { Accept: 'application/json' } } },
        { id: 'rest', type: 'sink.console', config: {} },
      ],
      edges: [
        { from: 'orders', to: 'check' },
        { from: 'check', to: 'risk' },
        { from: 'risk:high', to: 'hook' },
        { from: 'risk:default', to: 'rest' },
      ],
    });
    await page.getByTestId('file-open').waitFor();
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(file);
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-risk').waitFor();
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('adds, edits, reorders and removes routes, and saves them in that order', { timeout: 120_000 }, async () => {
    await select('risk');
    await expect.poll(routePorts).toEqual(['high']);
    await expect(page.getByTestId('field-routes-0-expression').textContent()).resolves.toBe('value.id > 5');

    await page.getByTestId('field-routes-add').click();
    await page.getByTestId('field-routes-1-port').fill('vip');
    await typeCode('field-routes-1-expression', 'value.id > 8');
    await page.getByTestId('field-routes-add').click();
    await page.getByTestId('field-routes-2-port').fill('tmp');
    await typeCode('field-routes-2-expression', 'value.id > 1');
    await expect.poll(routePorts).toEqual(['high', 'vip', 'tmp']);

    // Up with the button, then down again by dragging the handle onto the row below.
    await page.getByTestId('field-routes-1-up').click();
    await expect.poll(routePorts).toEqual(['vip', 'high', 'tmp']);
    await page.dragAndDrop('[data-testid="field-routes-0-handle"]', '[data-testid="field-routes-row-1"]');
    await expect.poll(routePorts).toEqual(['high', 'vip', 'tmp']);
    await page.getByTestId('field-routes-1-up').click();
    await expect.poll(routePorts).toEqual(['vip', 'high', 'tmp']);

    await page.getByTestId('field-routes-2-remove').click();
    await typeCode('field-routes-1-expression', 'value.id > 6');
    // A port the compiler refuses shows on its row.
    await page.getByTestId('field-routes-0-port').fill('Vip');
    await expect.poll(() => page.getByTestId('field-routes-0-error-port').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await scrollToTop('routes');
    await session.screenshot('routes-row-error');
    await page.getByTestId('field-routes-0-port').fill('vip');
    await expect.poll(() => page.getByTestId('field-routes-0-error-port').count(), { timeout: 10_000 }).toBe(0);
    await session.screenshot('routes');

    const { text, flow } = await save();
    expect(flow.nodes.find((n) => n.id === 'risk')?.config.routes).toEqual([
      { port: 'vip', expression: 'value.id > 8' },
      { port: 'high', expression: 'value.id > 6' },
    ]);
    expect(text).not.toContain('tmp');
  });

  it('shows the routes as YAML one click away, and takes edits there', async () => {
    await page.getByTestId('field-routes-yaml-toggle').click();
    const yaml = page.getByTestId('field-routes-yaml');
    await expect(yaml.inputValue()).resolves.toBe('- port: vip\n  expression: value.id > 8\n- port: high\n  expression: value.id > 6\n');
    await yaml.fill('- port: vip\n  expression: [value\n');
    await expect(page.getByTestId('field-routes-yaml-problem').textContent()).resolves.toMatch(/^\d+:\d+: /);
    await session.screenshot('routes-yaml-error');
    await yaml.fill('- port: vip\n  expression: value.id > 9\n- port: high\n  expression: value.id > 6\n');
    await page.getByTestId('field-routes-yaml-toggle').click();
    await expect(page.getByTestId('field-routes-0-port').inputValue()).resolves.toBe('vip');
    const { flow } = await save();
    expect(flow.nodes.find((n) => n.id === 'risk')?.config.routes).toEqual([
      { port: 'vip', expression: 'value.id > 9' },
      { port: 'high', expression: 'value.id > 6' },
    ]);
  });

  it('adds a header, flags a duplicate key, removes a header, and saves the map', async () => {
    await select('hook');
    await expect(page.getByTestId('field-headers-0-key').inputValue()).resolves.toBe('Accept');
    await page.getByTestId('field-headers-add').click();
    await page.getByTestId('field-headers-1-key').fill('X-Trace');
    await page.getByTestId('field-headers-1-value').fill('on');
    await page.getByTestId('field-headers-add').click();
    await page.getByTestId('field-headers-2-key').fill('Accept');
    await page.getByTestId('field-headers-2-value').fill('text/plain');
    await expect(page.getByTestId('field-headers-2-duplicate').textContent()).resolves.toContain('duplicate key "Accept"');
    await page.getByTestId('field-headers-add').click();
    await page.getByTestId('field-headers-3-key').fill('Authorization');
    await page.getByTestId('field-headers-3-value').fill('Bearer ${HOOK_TOKEN}');
    await scrollToTop('headers');
    await session.screenshot('headers-duplicate');

    // The duplicate is not written while it is flagged.
    let saved = await save();
    expect(saved.flow.nodes.find((n) => n.id === 'hook')?.config.headers).toEqual({
      Accept: 'application/json',
      'X-Trace': 'on',
      Authorization: 'Bearer ${HOOK_TOKEN}',
    });

    await page.getByTestId('field-headers-2-remove').click();
    await page.getByTestId('field-headers-0-remove').click();
    await expect(page.getByTestId('field-headers-0-key').inputValue()).resolves.toBe('X-Trace');
    saved = await save();
    expect(saved.flow.nodes.find((n) => n.id === 'hook')?.config.headers).toEqual({ 'X-Trace': 'on', Authorization: 'Bearer ${HOOK_TOKEN}' });
    expect(saved.text).toContain('X-Trace: on');
    expect(saved.text).not.toContain('text/plain');
    await session.screenshot('headers');
  });

  it('edits the JSON Schema in a JSON editor that names syntax errors by line:col and saves what parses', { timeout: 120_000 }, async () => {
    await select('check');
    await expect(page.getByTestId('field-schema').textContent()).resolves.toContain('"required"');
    await typeCode('field-schema', '{\n  "type": ,\n}');
    await expect(page.getByTestId('field-schema-problem').textContent()).resolves.toMatch(/^2:\d+: Unexpected token/);
    await scrollToTop('schema');
    await session.screenshot('json-schema-syntax-error');

    await typeCode('field-schema', '{"type": "object", "required": ["orderId"]}');
    await expect.poll(() => page.getByTestId('field-schema-problem').count()).toBe(0);
    await expect.poll(() => page.getByTestId('field-error-schema').count(), { timeout: 10_000 }).toBe(0);
    const { flow } = await save();
    expect(flow.nodes.find((n) => n.id === 'check')?.config.schema).toEqual({ type: 'object', required: ['orderId'] });
  });
});

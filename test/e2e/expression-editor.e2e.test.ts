/**
 * End-to-end test of the CodeMirror expression editor (browser mode, Debian's Chromium through harness.ts): an
 * expression with an error typed into the map node's editor is underlined with the message and column that
 * `tributary validate` (run here, on the same flow with the same expression) prints; after a Preview, typing `value.`
 * and `value.customer.` completes the previewed records' fields, and the result of the completed expression on the
 * latest previewed input record shows under the editor (evaluated by the studio backend with the runtime's compiler).
 * The demo's long map expression shows whole. Screenshots at 1440x900 go to test-results/expression-editor-e2e/.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFlow } from '../support/runtime';
import { completionOption, openStudio, ROOT, typeInEditor, type StudioSession } from './harness';

const run = promisify(execFile);

const GOOD = "({ ...value, eur: value.amountCents / 100 })";
const BAD = "({ ...value, eur: value.amountCents / })";
const LONG = "({ ...value, amountEur: value.amountCents / 100, risk: value.amountCents > 40000 ? 'high' : 'low', label: fn.upper(value.customer.name) + ' / ' + value.customer.tier })";

/** The flow of the test, with `expression` on its map node `price`. */
function flowWith(expression: string): unknown {
  return {
    version: 1,
    name: 'expression-e2e',
    nodes: [
      {
        id: 'orders',
        type: 'source.generator',
        config: { count: 0, ratePerSecond: 50, key: "'order-' + i", value: "({ id: i, customer: { name: 'c' + (i % 7), tier: i % 2 === 0 ? 'gold' : 'std' }, amountCents: (i * 7919) % 50000 })" },
      },
      { id: 'price', type: 'transform.map', config: { expression } },
      { id: 'print', type: 'sink.console', config: { format: 'json' } },
    ],
    edges: [
      { from: 'orders', to: 'price' },
      { from: 'price', to: 'print' },
    ],
  };
}

let session: StudioSession;

let page: Page;

/** Sets the whole text of the expression editor at once (as a paste would). */
async function fillExpression(text: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.getByTestId('field-expression').fill(text);
}

/** Replaces the whole text of the expression editor by typing `text` (keystrokes, as a user would). */
function typeExpression(text: string): Promise<void> {
  return typeInEditor(page, 'field-expression', text);
}

describe('expression editor (CodeMirror, browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'expression-editor-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-expression-e2e-' });
    page = session.page;
    await page.getByTestId('file-open').waitFor();
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('shows the message and column tributary validate prints for a broken expression', async () => {
    const broken = writeFlow(session.work, 'broken.flow.yaml', flowWith(BAD));
    const cli = await run(process.execPath, [join(ROOT, 'bin/tributary.js'), 'validate', broken], { cwd: ROOT }).then(
      () => ({ stdout: '', stderr: '' }),
      (error: { stdout: string; stderr: string }) => error,
    );
    const printed = /node price: config\.expression: (expression error at column (\d+): [^[\n]+?) \[E_EXPRESSION\]/.exec(cli.stdout + cli.stderr);
    expect(printed, cli.stdout + cli.stderr).not.toBeNull();
    const [, message, column] = printed as unknown as [string, string, string];

    const file = writeFlow(session.work, 'expression.flow.yaml', flowWith(GOOD));
    await page.getByTestId('file-open').click();
    await page.getByTestId('open-path').fill(file);
    await page.getByTestId('open-confirm').click();
    await page.getByTestId('node-price').waitFor();
    await page.getByTestId('node-price').locator('.flow-node-header').click();
    await page.getByTestId('field-expression').waitFor();

    await typeExpression(BAD);
    const underline = page.locator('[data-field="expression"] .cm-lintRange-error');
    await underline.waitFor();
    // The underline starts at the column validate names (1-based, counted in the expression's one line).
    const start = await underline.evaluate((range) => {
      const r = range as unknown as { closest(s: string): { textContent: string; ownerDocument: { createRange(): { setStart(n: unknown, o: number): void; setEndBefore(n: unknown): void; toString(): string } } } | null };
      const line = r.closest('.cm-line');
      if (line === null) return -1;
      const before = line.ownerDocument.createRange();
      before.setStart(line, 0);
      before.setEndBefore(range);
      return before.toString().length + 1;
    });
    expect(start).toBe(Number(column));
    await underline.hover();
    const tooltip = page.locator('.cm-tooltip-lint .cm-diagnosticText');
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toBe(message);
    await expect.poll(() => page.getByTestId('field-expression-result').textContent()).toContain(message);
    await session.screenshot('lint-error');
  }, 120_000);

  it('completes value. and value.customer. from previewed records and shows the result', async () => {
    await fillExpression(GOOD);
    await expect.poll(() => page.getByTestId('problem-count').textContent()).toBe('0');
    await page.getByTestId('preview').click();
    // A file this studio did not write asks once before it runs (its expressions are code).
    await page.getByTestId('external-confirm').click();
    await page.getByTestId('node-price').locator('.flow-node-header').click();
    await expect.poll(() => page.getByTestId('field-expression-result').textContent(), { timeout: 60_000 }).toMatch(/^= \{"id":\d+,"customer":\{.*"eur":/);

    await typeExpression('value.');
    await completionOption(page, 'value.amountCents').waitFor();
    expect(await completionOption(page, 'value.customer').count()).toBe(1);
    await completionOption(page, 'value.customer').click();
    await page.keyboard.type('.');
    await completionOption(page, 'value.customer.tier').waitFor();
    await session.screenshot('completion');
    await completionOption(page, 'value.customer.name').click();
    await expect.poll(() => page.getByTestId('field-expression').textContent()).toBe('value.customer.name');
    await expect.poll(() => page.getByTestId('field-expression-result').textContent()).toMatch(/^= "c\d"$/);

    await typeExpression('fn.');
    await completionOption(page, 'fn.upper').waitFor();
    await page.keyboard.press('Escape');
  }, 120_000);

  it('shows a long expression whole, with its result', async () => {
    await fillExpression(LONG);
    await expect.poll(() => page.getByTestId('field-expression-result').textContent(), { timeout: 10_000 }).toMatch(/"label":"C\d \/ (gold|std)"/);
    const fits = await page.locator('[data-field="expression"] .cm-scroller').evaluate((e) => {
      const s = e as unknown as { scrollHeight: number; clientHeight: number };
      return s.scrollHeight <= s.clientHeight + 1;
    });
    expect(fits).toBe(true);
    await page.mouse.click(5, 890);
    await session.screenshot('long-expression');
  }, 60_000);
});

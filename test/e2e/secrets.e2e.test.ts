/**
 * End-to-end test of secrets in the studio (browser mode, Debian's Chromium through the harness of harness.ts): a SASL
 * password typed into a Kafka source is masked in the inspector (with a show/hide toggle) and warned about in the
 * problems panel, the autosave holds its `${VAR}` reference and never the password, and Save asks in one dialog to
 * store it as a reference: with the proposed variable renamed, the saved file and the open flow hold `${...}` and the
 * studio shows the `export` line that sets it. Screenshots at 1440x900 go to test-results/secrets-e2e/.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudio, type StudioSession } from './harness';

/** The password typed into the inspector; it must reach neither the autosave nor the saved file. */
const PASSWORD = 'hunter2-e2e';

let session: StudioSession;
let page: Page;

/** The autosave file's text, or '' while there is none. */
async function autosaveText(): Promise<string> {
  try {
    return await readFile(join(session.work, 'state', 'autosave.json'), 'utf8');
  } catch {
    return '';
  }
}

describe('secrets in the studio (browser mode)', () => {
  beforeAll(async () => {
    session = await openStudio({ shots: 'secrets-e2e', viewport: { width: 1440, height: 900 }, prefix: 'tributary-secrets-e2e-' });
    page = session.page;
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('masks a SASL password typed into a Kafka source, warns about it, and autosaves only its reference', async () => {
    await page.getByTestId('node-orders').waitFor();
    await page.getByTestId('file-new').click();
    await page.getByTestId('empty-hint').waitFor();
    await session.dropNode('source.kafka', 120, 240);
    await session.dropNode('sink.console', 460, 240);
    await session.connect('kafka', 'console');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);

    await page.getByTestId('node-kafka').click();
    await page.getByTestId('field-sasl-enabled').check();
    await page.getByTestId('field-sasl-mechanism').selectOption('plain');
    await page.getByTestId('field-sasl-username').fill('app');
    const password = page.getByTestId('field-sasl-password');
    await expect(password.getAttribute('type')).resolves.toBe('password');
    await password.fill(PASSWORD);
    await expect(password.getAttribute('type')).resolves.toBe('password');
    await page.getByTestId('field-sasl-password-literal-secret').waitFor();
    await expect.poll(() => page.getByTestId('problem-count').textContent()).toBe('0');
    await expect.poll(() => page.getByTestId('warning-count').textContent()).toBe('1');
    const warning = page.getByTestId('problem-0');
    await expect(warning.getAttribute('data-severity')).resolves.toBe('warning');
    expect(await warning.textContent()).toContain('E_LITERAL_SECRET');
    expect(await warning.textContent()).toContain('node kafka: config.sasl.password');
    await page.getByTestId('field-sasl-password-literal-secret').scrollIntoViewIfNeeded();
    await session.screenshot('masked-password');

    await page.getByTestId('field-sasl-password-toggle').click();
    await expect(password.getAttribute('type')).resolves.toBe('text');
    await expect(password.inputValue()).resolves.toBe(PASSWORD);
    await session.screenshot('password-shown');
    await page.getByTestId('field-sasl-password-toggle').click();
    await expect(password.getAttribute('type')).resolves.toBe('password');

    // The studio autosaves about a second after the last edit; the backend writes the reference, not the password.
    await expect.poll(autosaveText, { timeout: 10_000 }).toContain('KAFKA_SASL_PASSWORD');
    const autosave = await autosaveText();
    expect(autosave).toContain('${KAFKA_SASL_PASSWORD}');
    expect(autosave).not.toContain(PASSWORD);
  });

  it('asks on Save, stores the password as a renamed ${VAR} reference and shows its export line', async () => {
    await page.keyboard.press('Control+s');
    const dialog = page.getByTestId('secrets-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('secret-0').textContent()).toContain('sasl.password');
    const variable = page.getByTestId('secret-variable-0');
    await expect(variable.inputValue()).resolves.toBe('KAFKA_SASL_PASSWORD');
    await variable.fill('1 bad');
    await expect(page.getByTestId('secrets-reference').isDisabled()).resolves.toBe(true);
    await variable.fill('ORDERS_KAFKA_PASSWORD');
    await expect(page.getByTestId('secrets-reference').isDisabled()).resolves.toBe(false);
    await session.screenshot('secrets-dialog');
    await page.getByTestId('secrets-reference').click();

    const file = join(session.work, 'secrets.flow.yaml');
    await page.getByTestId('save-as-dialog').waitFor();
    await page.getByTestId('save-as-path').fill(file);
    await page.getByTestId('save-as-confirm').click();
    const exports = page.getByTestId('secret-exports');
    await exports.waitFor();
    await expect(exports.textContent()).resolves.toBe('export ORDERS_KAFKA_PASSWORD=********');
    await page.getByTestId('secret-exports-toggle').click();
    await expect(exports.textContent()).resolves.toBe(`export ORDERS_KAFKA_PASSWORD=${PASSWORD}`);
    await session.screenshot('export-lines');
    await page.getByTestId('secret-exports-close').click();

    const saved = await readFile(file, 'utf8');
    expect(saved).toContain('password: ${ORDERS_KAFKA_PASSWORD}');
    expect(saved).not.toContain(PASSWORD);
    // The open flow holds the reference too, shown as it is (a reference is not a secret).
    const password = page.getByTestId('field-sasl-password');
    await expect(password.inputValue()).resolves.toBe('${ORDERS_KAFKA_PASSWORD}');
    await expect(password.getAttribute('type')).resolves.toBe('text');
    await expect.poll(() => page.getByTestId('warning-count').count()).toBe(0);
    await expect.poll(() => page.getByTestId('dirty-indicator').count()).toBe(0);
    await session.screenshot('saved-with-reference');
  });

  it('keeps a literal when asked, with a warning, and the problems panel shows it in the warning style', async () => {
    const file = join(session.work, 'secrets.flow.yaml');
    await page.getByTestId('field-sasl-password').fill('kept-literal');
    await expect.poll(() => page.getByTestId('warning-count').textContent()).toBe('1');
    await page.getByTestId('problem-0').scrollIntoViewIfNeeded();
    await session.screenshot('warning-in-problems');
    await page.keyboard.press('Control+s');
    await page.getByTestId('secrets-dialog').waitFor();
    await page.getByTestId('secrets-keep').click();
    await page.getByTestId('secrets-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('dirty-indicator').count()).toBe(0);
    expect(await readFile(file, 'utf8')).toContain('password: kept-literal');
    expect(await page.getByTestId('notice').textContent()).toContain('written literally (kafka: sasl.password)');
  });
});

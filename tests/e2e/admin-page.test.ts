/**
 * The admin page in a real browser (Debian's chromium driven by playwright-core; scripts/install-browser.sh
 * installs it) against the sandbox: sign in, set the sync methods, approve, Test & Enable, see success and
 * the initial sync's progress — and a failure with its reason — then save a screenshot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../../shared/app-info';
import { adminApi } from '../support/admin-api';
import { sandboxFixture } from '../support/sandbox-fixture';

jest.setTimeout(180_000);

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(packageRoot(), 'test-results', 'admin-page.png');

let f: Awaited<ReturnType<typeof sandboxFixture>>;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const problems: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-browser.sh`);
  f = await sandboxFixture();
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-page-chromium-'));
  // launchPersistentContext: playwright refuses --user-data-dir in args and takes the folder here instead.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 1500, height: 820 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--ignore-certificate-errors'],
  });
  page = context.pages()[0] ?? await context.newPage();
  // A CSP violation or a script error shows up here: the page must run clean.
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  await f?.stop();
});

const row = (name: string) => page.locator('tr.mailbox', { hasText: name });

test('an administrator signs in, approves a mailbox, tests and enables it, and sees success', async () => {
  const adele = f.user('adele');
  const megan = f.user('megan');
  await page.goto(`${f.sandbox.manifest.urls.functions}/console`);
  await expect(page.title()).resolves.toContain('Mailboxes');

  // Not signed in: the sign-in dialog is open, with the sandbox's sign-in.
  const dialog = page.getByRole('dialog', { name: 'Sign in to the admin API' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Sandbox sign-in' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('#who-name', { hasText: 'Signed in as' }).waitFor();

  // Every CRM user is listed, pending, with no sync method.
  await page.locator('tr.mailbox').nth(2).waitFor();
  expect(await page.locator('tr.mailbox').count()).toBe(3);
  await row('Adele Vance').getByText('Pending').waitFor();

  // Sync methods, as in the mailbox form of Dynamics.
  for (const type of ['appointments', 'contacts', 'tasks']) {
    const select = row('Adele Vance').locator(`select[data-type="${type}"]`);
    await select.selectOption('serverSideSync');
    await row('Adele Vance').locator(`select.is-on[data-type="${type}"]`).waitFor();
  }
  await row('Adele Vance').getByRole('button', { name: 'Approve' }).click();
  await row('Adele Vance').getByText('Approved').waitFor();

  await row('Adele Vance').getByRole('button', { name: 'Test & Enable' }).click();
  await row('Adele Vance').locator('[data-role="status"]', { hasText: 'Success' }).waitFor({ timeout: 60_000 });
  // The page refreshes itself until the initial sync is done.
  await row('Adele Vance').locator('.progress.is-done').waitFor({ timeout: 60_000 });
  const progressText = await row('Adele Vance').locator('.progress-text').innerText();
  const [done, total] = progressText.split('·')[0]!.split('/').map((s) => Number(s.trim()));
  expect(total).toBeGreaterThan(0);
  expect(done).toBe(total);
  await row('Adele Vance').getByRole('button', { name: 'Disable' }).waitFor();

  // The API agrees with what the page shows.
  const api = adminApi(f.sandbox.manifest);
  expect(await api.getMailbox(adele.systemUserId)).toMatchObject({ approval: 'approved', actStatus: 'success', enabled: true, initialSync: { total, done: total, failed: 0 } });

  // A mailbox outside the app's scope fails with its reason, visible in the list and in the details.
  await row('Megan Bowen').locator('select[data-type="contacts"]').selectOption('serverSideSync');
  await row('Megan Bowen').locator('select.is-on[data-type="contacts"]').waitFor();
  await row('Megan Bowen').getByRole('button', { name: 'Approve' }).click();
  await row('Megan Bowen').getByRole('button', { name: 'Test & Enable' }).click();
  await row('Megan Bowen').locator('[data-role="status"]', { hasText: 'Failure' }).waitFor({ timeout: 60_000 });
  await row('Megan Bowen').locator('.status-sub.is-error', { hasText: 'denied access' }).waitFor();
  await row('Megan Bowen').getByRole('button', { name: /1 error/ }).click();
  await page.locator(`tr.details[data-details-for="${megan.systemUserId}"] .last-error`, { hasText: 'RBAC for Applications' }).waitFor();

  // The status filter.
  await page.getByRole('button', { name: /^Success/ }).click();
  expect(await page.locator('tr.mailbox').count()).toBe(1);
  await page.getByRole('button', { name: /^All/ }).click();
  expect(await page.locator('tr.mailbox').count()).toBe(3);

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.mouse.move(0, 0);
  await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 15_000 });
  await page.locator('.toast').last().waitFor({ state: 'detached', timeout: 15_000 });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  expect(problems).toEqual([]);
});

test('a pasted token without the Sync.Admin role is refused with a clear message', async () => {
  const api = adminApi(f.sandbox.manifest);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Sign in to the admin API' });
  await dialog.getByLabel('Bearer token').fill(await api.noRoleToken());
  await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#banner', { hasText: 'Sync.Admin' }).waitFor();
  expect(await page.locator('tr.mailbox').count()).toBe(0);
});

/**
 * `npm run mailbox` as an administrator runs it: the built CLI (dist/tools/mailbox-cli/cli.js) as a child
 * process against the sandbox's admin API, with its settings from --sandbox (the manifest) or from the
 * environment; its output is a pipe here, so the progress bar prints one line per update.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../shared/app-info';
import type { Mailbox } from '../../shared/mailboxes/mailbox';
import { freePorts } from '../../tools/azurite';
import { adminApi } from '../support/admin-api';
import { sandboxFixture } from '../support/sandbox-fixture';

jest.setTimeout(180_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
const CLI = path.join(packageRoot(), 'dist', 'tools', 'mailbox-cli', 'cli.js');

beforeAll(async () => { f = await sandboxFixture(); });
afterAll(() => f?.stop());

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the CLI; connection settings cleared from the environment unless given. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SYNC_'))) as Record<string, string>;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: packageRoot(), env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const sandbox = () => ['--sandbox', '--sandbox-manifest', `${f.sandbox.manifest.urls.identity}/sandbox/manifest`];

test('list shows every CRM user\'s mailbox; status finds a user by display name, UPN or id', async () => {
  const list = await cli(['list', ...sandbox()]);
  expect(list).toMatchObject({ code: 0, stderr: '' });
  const lines = list.stdout.split('\n');
  expect(lines[0]).toMatch(/^USER\s+ADDRESS\s+APPOINTMENTS\s+CONTACTS\s+TASKS\s+APPROVAL\s+STATUS\s+LAST SYNC\s+INITIAL SYNC\s+ALERTS$/);
  for (const u of f.sandbox.manifest.users) {
    expect(lines.find((l) => l.startsWith(u.displayName))).toMatch(new RegExp(`${u.userPrincipalName}\\s+none\\s+none\\s+none\\s+pending\\s+notRun`));
  }
  expect(list.stdout).toContain('3 mailboxes: 0 success, 0 running, 0 failure, 3 notRun');

  const alex = f.user('alex');
  for (const who of ['Alex Wilber', 'ALEXW@contoso.example', alex.systemUserId, 'wilber']) {
    const status = await cli(['status', who, ...sandbox()]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Alex Wilber <${alex.userPrincipalName}>`);
    expect(status.stdout).toMatch(/Approval\s+pending/);
  }
});

test('set, approve, test-and-enable --wait: the test, then the initial sync\'s progress, line by line', async () => {
  const adele = f.user('adele');
  const set = await cli(['set', 'adelev@contoso.example', '--contacts', 'serverSideSync', '--tasks', 'serverSideSync', ...sandbox()]);
  expect(set).toMatchObject({ code: 0, stdout: expect.stringContaining('contacts serverSideSync, tasks serverSideSync') });

  const notApproved = await cli(['test-and-enable', 'Adele Vance', ...sandbox()]);
  expect(notApproved.code).toBe(1);
  expect(notApproved.stderr).toMatch(/^Error: POST \/mailboxes\/\S+\/test-and-enable → 409 NotApproved: The mailbox of Adele Vance is not approved/);

  expect(await cli(['approve', 'adele', ...sandbox()])).toMatchObject({ code: 0, stdout: expect.stringContaining('Adele Vance: approved') });

  const run = await cli(['test-and-enable', 'adele', '--wait', ...sandbox()]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines[0]).toBe('Test & Enable of Adele Vance <adelev@contoso.example> started.');
  const bars = lines.filter((l) => l.startsWith('Initial sync  ['));
  const { initialSync } = await adminApi(f.sandbox.manifest).getMailbox(adele.systemUserId);
  expect(initialSync.total).toBeGreaterThan(0);
  expect(bars.at(-1)).toBe(`Initial sync  [${'#'.repeat(30)}] ${initialSync.total}/${initialSync.total} 100%`);
  // No control characters in a pipe: one plain line per change.
  expect(run.stdout).not.toMatch(/\r|\x1b/);
  expect(lines.at(-1)).toBe(`Test & Enable succeeded: Adele Vance is syncing; initial sync ${initialSync.total} created.`);

  const json = await cli(['status', 'adele', '--json', ...sandbox()]);
  expect(JSON.parse(json.stdout) as Mailbox).toMatchObject({ actStatus: 'success', enabled: true, initialSync: { done: initialSync.total } });
});

test('a failing Test & Enable exits 1 with the reason; disable; settings from the environment', async () => {
  const manifest = f.sandbox.manifest;
  const env = {
    SYNC_ADMIN_URL: manifest.urls.functions, SYNC_AUTHORITY: manifest.authority, SYNC_ADMIN_CLIENT_ID: manifest.clients.admin.clientId,
    SYNC_ADMIN_CLIENT_SECRET: manifest.clients.admin.clientSecret, SYNC_ADMIN_SCOPE: manifest.clients.admin.scope,
  };
  await cli(['set', 'Megan Bowen', '--contacts', 'serverSideSync'], env);
  await cli(['approve', 'Megan Bowen'], env);
  const failed = await cli(['test-and-enable', 'Megan Bowen', '--wait'], env);
  expect(failed.code).toBe(1);
  expect(failed.stdout).toMatch(/Test & Enable FAILED: Microsoft Graph denied access to the mailbox meganb@contoso\.example .*add it to the scope/);

  const failures = await cli(['list', '--status', 'failure'], env);
  expect(failures.stdout.split('\n').filter((l) => l.startsWith('Megan Bowen ') || l.startsWith('Adele') || l.startsWith('Alex'))).toHaveLength(1);
  expect(failures.stdout).toContain('Failures:\n  Megan Bowen: Microsoft Graph denied access');

  const disabled = await cli(['disable', 'adele'], env);
  expect(disabled).toMatchObject({ code: 0, stdout: expect.stringContaining('Adele Vance: sync disabled. Items already in the mailbox stay there') });
});

test('clear errors: usage (exit 2), unknown or ambiguous user, wrong secret, nothing listening', async () => {
  const usage = await cli(['frobnicate', ...sandbox()]);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("Unknown command 'frobnicate'");
  expect(usage.stderr).toContain('Usage: npm run mailbox');
  expect((await cli(['set', 'adele', '--contacts', 'always', ...sandbox()])).stderr).toContain("--contacts must be serverSideSync or none, got 'always'");
  expect((await cli(['set', 'adele', ...sandbox()])).stderr).toContain('set needs at least one of --appointments, --contacts, --tasks');
  expect(await cli(['list'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Where is the admin API? Give --url (or SYNC_ADMIN_URL), or --sandbox') });

  const nobody = await cli(['status', 'Nestor Wilke', ...sandbox()]);
  expect(nobody).toMatchObject({ code: 1, stderr: expect.stringContaining("No CRM user matches 'Nestor Wilke'") });
  const ambiguous = await cli(['approve', 'contoso', ...sandbox()]);
  expect(ambiguous).toMatchObject({ code: 1, stderr: expect.stringContaining("'contoso' matches 3 users; be more specific") });

  const wrongSecret = await cli(['list', ...sandbox(), '--client-secret', 'not-the-secret']);
  expect(wrongSecret.code).toBe(1);
  expect(wrongSecret.stderr).toMatch(/invalid_client.*AADSTS7000215[\s\S]*Check the tenant \(--authority\), --client-id and --client-secret/);

  const noRole = await cli(['list', '--url', f.sandbox.manifest.urls.functions, '--token', await adminApi(f.sandbox.manifest).noRoleToken()]);
  expect(noRole).toMatchObject({ code: 1, stderr: expect.stringContaining('403 Forbidden: The token lacks the Sync.Admin app role. Assign the Sync.Admin app role') });

  const [closed] = await freePorts(1);
  const nothing = await cli(['list', '--sandbox', '--sandbox-manifest', `https://127.0.0.1:${closed}/sandbox/manifest`]);
  expect(nothing).toMatchObject({ code: 1, stderr: expect.stringContaining(`Cannot read the sandbox manifest at https://127.0.0.1:${closed}/sandbox/manifest (ECONNREFUSED): is the sandbox running (npm start)?`) });
  const noApp = await cli(['list', '--url', `https://127.0.0.1:${closed}/api`, '--token', 'x.y.z']);
  expect(noApp).toMatchObject({ code: 1, stderr: expect.stringContaining(`Cannot reach the admin API at https://127.0.0.1:${closed}/api: ECONNREFUSED`) });
});

/**
 * `npm run register` against the sandbox, as an operator runs it after `azd up`: the real CLI
 * (node dist/tools/register/cli.js, with the sync app's credentials in the environment) against the identity
 * and Dataverse emulators. The first run creates the webhook endpoint and the steps, the second changes
 * nothing, and then Dataverse delivers a webhook for every registered message and table to a local HTTPS
 * receiver standing for the Function App. `--graph` and `--mailbox` run against the Graph emulator.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamicsWebApi } from 'dynamics-web-api';
import { MESSAGES, postImageAlias, postImageAttributes } from '../../shared/registration/dataverse-registration';
import { runRegister, type RegisterResult } from '../../tools/register/cli';
import { columnsByTable } from '../../tools/register/columns';
import { ensureSandboxCertificate } from '../emulators/common/tls';
import { startDataverseSandbox, type DataverseSandbox } from '../emulators/dataverse/harness';
import { WebhookTestReceiver } from '../emulators/dataverse/webhook-test-receiver';
import { WebhookRegistrar } from '../emulators/dataverse/webhook-test-registration';
import { createGraphEmulator, type GraphEmulator } from '../emulators/graph/server';
import { GRAPH_RESOURCE } from '../emulators/seed';

const CLI = path.resolve(__dirname, '../../dist/tools/register/cli.js');
const COLUMNS = columnsByTable();
const TABLES = Object.keys(COLUMNS).sort();
const tls = ensureSandboxCertificate();
const receiver = new WebhookTestReceiver(tls);
let sandbox: DataverseSandbox;
let graph: GraphEmulator;
let graphUrl: string;
let env: Record<string, string>;
let functionUrl: string;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The CLI as a child process, as `npm run register -- <args>` runs it. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The CLI in-process (same code path; cheaper for the Graph checks). */
async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runRegister(args, env, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

beforeAll(async () => {
  sandbox = await startDataverseSandbox();
  const identityUrl = sandbox.authority.slice(0, -(sandbox.seed.tenantId.length + 1));
  graph = createGraphEmulator({ seed: sandbox.seed, tls, identityUrl });
  graphUrl = `${await graph.listen(0)}/v1.0`;
  await receiver.listen();
  functionUrl = `${receiver.url}/api/webhooks/dataverse`;
  // What `eval "$(azd env get-values)"` and the operator's shell would hold.
  env = {
    SYNC_TENANT_ID: sandbox.seed.tenantId,
    SYNC_CLIENT_ID: sandbox.seed.clients.sync.clientId,
    SYNC_CLIENT_SECRET: sandbox.seed.clients.sync.clientSecret,
    SYNC_AUTHORITY_HOST: identityUrl,
    SYNC_GRAPH_BASE_URL: graphUrl,
  };
  await new WebhookRegistrar(sandbox, () => receiver.url).reset();
});

afterAll(async () => {
  await receiver.close();
  await graph.close();
  await sandbox.close();
});

test('the first run creates the endpoint and the steps; a second run reports no change', async () => {
  const first = await cli(['--dataverse', sandbox.orgUrl, '--function-url', functionUrl, '--function-key', 'key-1', '--json']);
  expect(first).toMatchObject({ code: 0, stderr: '' });
  const report = (JSON.parse(first.stdout) as RegisterResult).registration as Json;
  const steps = TABLES.flatMap((t) => MESSAGES.map((m) => `step crm-exchange-sync: ${m} of ${t}`));
  expect(report.created).toEqual(expect.arrayContaining(['service endpoint crm-exchange-sync', ...steps]));
  expect(report).toMatchObject({ updated: [], deleted: [], unchanged: 0, noChange: false });

  // What Dataverse now holds, read back through the Web API.
  const api = sandbox.webApi(sandbox.seed.clients.sync);
  const endpoints = await api.retrieveMultiple<Json>({ collection: 'serviceendpoints', filter: "name eq 'crm-exchange-sync'", select: ['serviceendpointid', 'contract', 'authtype', 'url'] });
  expect(endpoints.value).toEqual([expect.objectContaining({ contract: 8, authtype: 4, url: functionUrl, serviceendpointid: report.serviceEndpointId })]);
  const stored = (await api.retrieveMultiple<Json>({
    collection: 'sdkmessageprocessingsteps', filter: `_eventhandler_value eq ${String(report.serviceEndpointId)}`,
    select: ['name', 'mode', 'stage', 'filteringattributes'],
  })).value;
  expect(stored.map((s) => `step ${String(s.name)}`).sort()).toEqual([...steps].sort());
  for (const s of stored) {
    expect(s).toMatchObject({ mode: 1, stage: 40 });
    const table = TABLES.find((t) => String(s.name).endsWith(` of ${t}`))!;
    // Update fires only for the mapped columns (and the owner and state); the other messages for any change.
    const expected = String(s.name).includes(': Update of ')
      ? [...new Set([...COLUMNS[table]!, 'ownerid', 'statecode', 'statuscode'])].sort().join(',')
      : null;
    expect({ step: s.name, filteringattributes: s.filteringattributes ?? null }).toEqual({ step: s.name, filteringattributes: expected });
  }

  const second = await cli(['--dataverse', sandbox.orgUrl, '--function-url', functionUrl, '--function-key', 'key-1']);
  expect(second).toMatchObject({ code: 0, stderr: '' });
  const items = 1 + steps.length + report.created.filter((c: string) => c.startsWith('image ')).length;
  expect(second.stdout).toContain('(no change)');
  expect(second.stdout).toContain(`0 created, 0 updated, 0 deleted, ${items} unchanged`);
});

test('Dataverse then delivers a webhook for each registered message and table, only for mapped columns', async () => {
  receiver.clear();
  const api: DynamicsWebApi = sandbox.webApi(sandbox.seed.clients.sync);
  const newOwner = `/systemusers(${sandbox.seed.users[0]!.systemUserId})`;
  const rows: Record<string, { set: string; create: Json; update: Json }> = {
    appointment: { set: 'appointments', create: { subject: 'Kick-off', scheduledstart: '2026-12-02T09:00:00Z', scheduledend: '2026-12-02T10:00:00Z' }, update: { location: 'Room 1' } },
    task: { set: 'tasks', create: { subject: 'Call back', scheduledend: '2026-12-01T09:00:00Z' }, update: { percentcomplete: 50 } },
    contact: { set: 'contacts', create: { firstname: 'James', lastname: 'Glynn' }, update: { jobtitle: 'Buyer' } },
  };
  expect(TABLES).toEqual(['appointment', 'contact', 'task']);
  for (const table of TABLES) {
    const r = rows[table]!;
    // The update touches a mapped column, so the Update step must fire for it.
    expect(COLUMNS[table]).toEqual(expect.arrayContaining(Object.keys(r.update)));
    const id = await api.create({ collection: r.set, data: r.create }) as string;
    await api.update({ collection: r.set, key: id, data: r.update });
    await api.update({ collection: r.set, key: id, data: { 'ownerid@odata.bind': newOwner } });
    await api.deleteRecord({ collection: r.set, key: id });
  }
  // A column no mapping reads: the Update step's filtering attributes keep it from firing.
  expect(COLUMNS.task).not.toContain('category');
  const quiet = await api.create({ collection: 'tasks', data: { subject: 'Quiet' } }) as string;
  const beforeQuietUpdate = receiver.received.length;
  await api.update({ collection: 'tasks', key: quiet, data: { category: 'internal' } });

  expect(await new WebhookRegistrar(sandbox, () => receiver.url).drain()).toEqual({ idle: true, pending: 0 });
  const received = receiver.received;
  const pairs = new Set(received.map((r) => `${String(r.headers['x-ms-dynamics-request-name'])} ${String(r.headers['x-ms-dynamics-entity-name'])}`));
  for (const table of TABLES) for (const message of MESSAGES) expect(pairs).toContain(`${message} ${table}`);
  for (const r of received) {
    expect(r.path).toBe('/api/webhooks/dataverse');
    expect(r.query.get('code')).toBe('key-1');
  }
  // The post image carries the mapped columns, so the worker need not read the row back.
  const contactUpdate = received.find((r) => r.headers['x-ms-dynamics-request-name'] === 'Update' && r.headers['x-ms-dynamics-entity-name'] === 'contact')!;
  // ...under its versioned alias (a hash of the registered columns), which the worker checks before trusting absent attributes as null.
  const postImage = (contactUpdate.body.PostEntityImages as Json[]).find((i) => i.key === postImageAlias(postImageAttributes(COLUMNS.contact!)))!;
  expect((postImage.value.Attributes as Json[]).map((a) => a.key)).toEqual(expect.arrayContaining(['jobtitle', 'firstname', 'lastname']));
  // The row's Create did arrive, so the absent Update is the filter at work, not a lost delivery.
  expect(received.some((r) => r.headers['x-ms-dynamics-request-name'] === 'Create' && String(r.body.PrimaryEntityId).toLowerCase() === quiet.toLowerCase())).toBe(true);
  const quietUpdates = received.slice(beforeQuietUpdate).filter((r) => r.headers['x-ms-dynamics-request-name'] === 'Update' && String(r.body.PrimaryEntityId).toLowerCase() === quiet.toLowerCase());
  expect(quietUpdates).toEqual([]);
});

test('a rotated function key updates the endpoint and nothing else', async () => {
  const run = await cli(['--dataverse', sandbox.orgUrl, '--function-url', functionUrl, '--function-key', 'key-2', '--json']);
  expect(run.code).toBe(0);
  expect((JSON.parse(run.stdout) as RegisterResult).registration).toMatchObject({ created: [], updated: ['service endpoint crm-exchange-sync'], deleted: [] });
  receiver.clear();
  const api = sandbox.webApi(sandbox.seed.clients.sync);
  await api.create({ collection: 'tasks', data: { subject: 'After rotation' } });
  await new WebhookRegistrar(sandbox, () => receiver.url).drain();
  expect((await receiver.waitFor(1)).map((r) => r.query.get('code'))).toEqual(['key-2']);
});

test('--mailbox tells, per mailbox and workload, whether the app reaches it and what to do when not', async () => {
  const [inScope, outOfScope] = [sandbox.seed.users.find((u) => u.inSyncAppMailboxScope)!, sandbox.seed.users.find((u) => !u.inSyncAppMailboxScope)!];
  const run = await inProcess(['--mailbox', inScope.userPrincipalName, '--mailbox', outOfScope.userPrincipalName, '--json']);
  const [a, b] = (JSON.parse(run.out) as RegisterResult).mailboxes!;
  const status = (check: typeof a) => Object.fromEntries(check!.steps.map((s) => [s.check, s.ok]));
  // Reading mailboxSettings (the time zone) needs MailboxSettings.Read; the expectation follows the seed.
  const settingsGranted = sandbox.seed.clients.sync.roles[GRAPH_RESOURCE]!.includes('MailboxSettings.Read');
  expect(status(a)).toEqual({ user: true, mailboxSettings: settingsGranted, calendar: true, contacts: true, todo: true });
  // Outside the Exchange scope: calendar and contacts are denied; To Do is not an Exchange role (tenant-wide).
  expect(status(b)).toEqual({ user: true, mailboxSettings: false, calendar: false, contacts: false, todo: true });
  const calendar = b!.steps.find((s) => s.check === 'calendar')!;
  expect(calendar.detail).toMatch(/^403 ErrorAccessDenied/);
  expect(calendar.action).toMatch(/outside the app.s Exchange scope.*Test-ServicePrincipalAuthorization/);
  expect(run.code).toBe(1);

  const unknown = await inProcess(['--mailbox', 'nobody@contoso.example']);
  expect(unknown.code).toBe(1);
  expect(unknown.out).toMatch(/FAIL {2}user .*404/);
  expect(unknown.out).toContain('No user nobody@contoso.example in the tenant');
});

test('--graph prints what to grant where, the Exchange commands, and what the token holds today', async () => {
  const run = await inProcess(['--graph', '--mailbox', sandbox.seed.users[0]!.userPrincipalName, '--scope-group', 'CRM sync users']);
  expect(run.out).toMatch(/A\. Grant in Entra ID[^]*Tasks\.ReadWrite\.All[^]*User\.Read\.All[^]*B\. Grant through Exchange Online RBAC for Applications/);
  expect(run.out).toContain(`$sp = Get-MgServicePrincipal -Filter 'appId eq ''${env.SYNC_CLIENT_ID}'''`);
  expect(run.out).toContain('New-ServicePrincipal -AppId $sp.AppId -ObjectId $sp.Id');
  expect(run.out).toContain("$group = Get-DistributionGroup -Identity 'CRM sync users'");
  expect(run.out).toContain(`New-ManagementScope -Name 'crm-exchange-sync mailboxes' -RecipientRestrictionFilter "MemberOfGroup -eq '$($group.DistinguishedName)'"`);
  for (const role of ['Application Calendars.ReadWrite', 'Application Contacts.ReadWrite', 'Application MailboxSettings.Read']) {
    expect(run.out).toContain(`-App $sp.AppId -Role '${role}' -CustomResourceScope 'crm-exchange-sync mailboxes'`);
  }
  expect(run.out).toContain(`Test-ServicePrincipalAuthorization -Identity $sp.AppId -Resource '${sandbox.seed.users[0]!.userPrincipalName}'`);
  // The seeded app has Calendars/Contacts consented in Entra ID: the check says that reaches every mailbox.
  expect(run.out).toMatch(/Roles in the app's Graph token now[^\n]*Calendars\.ReadWrite/);
  expect(run.out).toMatch(/warning: Calendars\.ReadWrite is consented in Entra ID/);
});

test('usage errors name what is missing and exit 2', async () => {
  const bare = await inProcess([]);
  expect(bare).toMatchObject({ code: 2 });
  expect(bare.err).toContain('--dataverse (or SYNC_DATAVERSE_URL) is required');
  const withQuery = await inProcess(['--dataverse', sandbox.orgUrl, '--function-url', `${functionUrl}?code=x`, '--function-key', 'k']);
  expect(withQuery.err).toContain('must not carry a query string');
  const noSecret = await runRegister(['--mailbox', 'a@b.c'], { ...env, SYNC_CLIENT_SECRET: '' }, { out: () => {}, err: (t) => expect(t).toContain('--client-secret (or SYNC_CLIENT_SECRET)') });
  expect(noSecret).toBe(2);
});

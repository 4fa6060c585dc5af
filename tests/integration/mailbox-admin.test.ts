/**
 * The mailbox flow of issue 6 through the real admin API (HTTP to the Functions host, Entra tokens from the
 * identity emulator), as an administrator runs it in Dynamics: set the sync methods, approve, Test & Enable
 * (asynchronous, from the queue) → success with subscriptions and an initial sync of every existing row, or
 * failure with a reason an administrator can act on; disable stops the sync and leaves the items in place.
 */
import type { Mailbox } from '../../shared/mailboxes/mailbox';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { installUserControls } from '../emulators/dataverse/user-controls';
import { defaultSeed } from '../emulators/seed';
import { adminApi } from '../support/admin-api';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture, type SeedUserName } from '../support/sandbox-fixture';

jest.setTimeout(180_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let api: ReturnType<typeof adminApi>;

beforeAll(async () => {
  f = await sandboxFixture();
  api = adminApi(f.sandbox.manifest);
  installUserControls(f.sandbox.dataverse);
});
afterAll(() => f?.stop());

const ALL_TYPES = { appointments: 'serverSideSync', contacts: 'serverSideSync', tasks: 'serverSideSync' } as const;
const graphOrigin = () => new URL(f.sandbox.manifest.urls.graph).origin;
const dataverseOrigin = () => f.sandbox.manifest.urls.dataverse;

/** The Graph emulator's subscriptions for a user (its test control: every app's subscriptions). */
async function graphSubscriptionsOf(name: SeedUserName): Promise<Array<{ resource: string; kind: string }>> {
  const res = await fetch(`${graphOrigin()}/_emulator/subscriptions`);
  const all = (await res.json() as { value: Array<{ userId: string; resource: string; kind: string }> }).value;
  return all.filter((s) => s.userId.toLowerCase() === f.user(name).entraObjectId.toLowerCase());
}

/** CRM ids of the items in a user's mailbox that the sync created (each listed once per item). */
async function syncedItems(name: SeedUserName): Promise<{ appointments: string[]; contacts: string[]; tasks: string[] }> {
  const u = f.user(name);
  const crmIdsOf = async (collection: 'events' | 'contacts') => {
    const page = await f.people.graph.api(`/users/${u.entraObjectId}/${collection}`).top(200)
      .expand(`singleValueExtendedProperties($filter=id eq '${CRM_ID_PROPERTY_ID}')`).get() as { value: Array<{ singleValueExtendedProperties?: Array<{ value: string }> }>; '@odata.nextLink'?: string };
    expect(page['@odata.nextLink']).toBeUndefined();
    return page.value.flatMap((i) => i.singleValueExtendedProperties?.map((p) => p.value.toLowerCase()) ?? []);
  };
  const tasks = (await f.todoTasks(name)).flatMap((t) => (t.linkedResources ?? []).map((r: { externalId: string }) => r.externalId.toLowerCase()));
  return { appointments: await crmIdsOf('events'), contacts: await crmIdsOf('contacts'), tasks };
}

/** What the initial sync must bring: every contact the user owns, their open tasks, their appointments not
 *  completed or canceled (Open 0 or Scheduled 3). */
async function crmRowsOwnedBy(name: SeedUserName): Promise<{ appointments: string[]; contacts: string[]; tasks: string[] }> {
  const id = f.user(name).systemUserId;
  const crm = f.people.crmAs(id);
  const ids = async (collection: string, key: string, state: string) => (await crm.retrieveAll({
    collection, select: [key], filter: `_ownerid_value eq ${id}${state}`,
  })).value.map((r: Record<string, string>) => r[key]!.toLowerCase());
  return {
    appointments: await ids('appointments', 'activityid', ' and statecode ne 1 and statecode ne 2'),
    contacts: await ids('contacts', 'contactid', ''),
    tasks: await ids('tasks', 'activityid', ' and statecode eq 0'),
  };
}

const sorted = (ids: string[]) => [...ids].sort();

describe('every endpoint refuses callers without a valid admin token', () => {
  // Test names are built before the sandbox starts: the seed's ids are stable.
  const someone = defaultSeed('https://unused.example').users[1]!.systemUserId;
  const endpoints: Array<[method: string, path: string, body?: unknown]> = [
    ['GET', '/mailboxes'],
    ['GET', '/mailboxes?actStatus=failure'],
    ['GET', `/mailboxes/${someone}`],
    ['PATCH', `/mailboxes/${someone}`, { syncMethods: { contacts: 'serverSideSync' } }],
    ['POST', `/mailboxes/${someone}/approve`],
    ['POST', `/mailboxes/${someone}/reject`],
    ['POST', `/mailboxes/${someone}/test-and-enable`],
    ['POST', `/mailboxes/${someone}/disable`],
  ];
  const callers: Array<[name: string, authorization: () => Promise<string | null>, status: number, code: string]> = [
    ['no Authorization header', async () => null, 401, 'Unauthorized'],
    ['a Basic header', async () => 'Basic YWRtaW46YWRtaW4=', 401, 'Unauthorized'],
    ['a malformed token', async () => 'Bearer not.a.jwt', 401, 'InvalidToken'],
    ['a token for another audience (Graph)', async () => `Bearer ${await api.otherAudienceToken()}`, 401, 'InvalidToken'],
    ['a valid token without the Sync.Admin role', async () => `Bearer ${await api.noRoleToken()}`, 403, 'Forbidden'],
  ];
  const table = endpoints.flatMap(([method, path, body]) => callers.map(([who, auth, status, code]) => ({ method, path, body, who, auth, status, code })));

  test.each(table)('$method $path with $who → $status', async ({ method, path, body, auth, status, code }) => {
    const res = await api.call(method, path, { body, authorization: await auth() });
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: { code, message: expect.any(String) } });
  });

  test('none of those calls changed anything', async () => {
    expect(await api.getMailbox(someone)).toMatchObject({ approval: 'pending', actStatus: 'notRun', enabled: false, syncMethods: { appointments: 'none', contacts: 'none', tasks: 'none' } });
  });
});

test('the list shows every CRM user as pending with no sync methods, without registration; filters and unknown ids behave', async () => {
  const res = await api.call<{ value: Mailbox[] }>('GET', '/mailboxes');
  expect(res.status).toBe(200);
  const byId = new Map(res.body.value.map((m) => [m.systemUserId, m]));
  for (const name of ['adele', 'alex', 'megan'] as const) {
    const u = f.user(name);
    expect(byId.get(u.systemUserId)).toMatchObject({
      displayName: u.displayName, emailAddress: u.userPrincipalName, entraObjectId: u.entraObjectId,
      syncMethods: { appointments: 'none', contacts: 'none', tasks: 'none' }, approval: 'pending', actStatus: 'notRun', enabled: false,
      initialSync: { total: 0, done: 0, failed: 0 }, alerts: [],
    });
  }
  // Application users (the sync app's and the people app's) have no mailbox.
  expect(res.body.value).toHaveLength(3);

  expect((await api.call<{ value: Mailbox[] }>('GET', '/mailboxes?actStatus=notRun')).body.value).toHaveLength(3);
  expect((await api.call<{ value: Mailbox[] }>('GET', '/mailboxes?actStatus=success')).body.value).toHaveLength(0);
  expect(await api.call('GET', '/mailboxes?actStatus=great')).toMatchObject({ status: 400, body: { error: { code: 'InvalidFilter' } } });
  expect(await api.call('GET', '/mailboxes/0a1b2c3d-0009-4e5f-8a9b-000000000009')).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
  expect(await api.call('PATCH', `/mailboxes/${f.user('alex').systemUserId}`, { body: { syncMethods: { tasks: 'sometimes' } } }))
    .toMatchObject({ status: 400, body: { error: { code: 'InvalidSyncMethods', message: expect.stringContaining('sometimes') } } });
  expect(await api.call('PATCH', `/mailboxes/${f.user('alex').systemUserId}`, { body: '{not json' }))
    .toMatchObject({ status: 400, body: { error: { code: 'InvalidJson' } } });
});

test('Test & Enable of a mailbox that is not approved → 409 with the reason, nothing starts', async () => {
  const alex = f.user('alex');
  expect((await api.call('PATCH', `/mailboxes/${alex.systemUserId}`, { body: { syncMethods: { contacts: 'serverSideSync' } } })).status).toBe(200);
  const res = await api.call('POST', `/mailboxes/${alex.systemUserId}/test-and-enable`);
  expect(res).toMatchObject({ status: 409, body: { error: { code: 'NotApproved', message: expect.stringMatching(/not approved.*approve it first/) } } });
  expect(await api.getMailbox(alex.systemUserId)).toMatchObject({ approval: 'pending', actStatus: 'notRun', enabled: false });

  // Rejected is not approved either.
  expect((await api.call('POST', `/mailboxes/${alex.systemUserId}/reject`)).body).toMatchObject({ approval: 'rejected' });
  expect(await api.call('POST', `/mailboxes/${alex.systemUserId}/test-and-enable`)).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('rejected') } } });
});

test('the seed\'s flow: methods → approve → Test & Enable → running → success, subscriptions, and an initial sync of exactly the rows Adele owns', async () => {
  const adele = f.user('adele');
  // The seed has contacts and open tasks per user but no appointments: add one (not synced yet: not enabled).
  await f.people.crmAs(adele.systemUserId).create({ collection: 'appointments', data: {
    subject: 'Kick-off with Fourth Coffee', scheduledstart: '2026-12-07T09:00:00Z', scheduledend: '2026-12-07T10:00:00Z',
    'ownerid@odata.bind': `/systemusers(${adele.systemUserId})`,
  } });
  const expected = await crmRowsOwnedBy('adele');
  const total = expected.appointments.length + expected.contacts.length + expected.tasks.length;
  expect(expected.contacts.length).toBeGreaterThan(0);
  expect(expected.tasks.length).toBeGreaterThan(0);
  expect(expected.appointments).toHaveLength(1);

  const patched = await api.call<Mailbox>('PATCH', `/mailboxes/${adele.systemUserId}`, { body: { syncMethods: ALL_TYPES } });
  expect(patched).toMatchObject({ status: 200, body: { syncMethods: ALL_TYPES, approval: 'pending' } });
  expect(await api.call('POST', `/mailboxes/${adele.systemUserId}/approve`)).toMatchObject({ status: 200, body: { approval: 'approved', actStatus: 'notRun' } });

  const dataverse = f.sandbox.manifest.urls.dataverse;
  expect((await fetch(`${dataverse}/_emulator/counters`, { method: 'DELETE' })).status).toBe(204);
  const started = await api.call<Mailbox>('POST', `/mailboxes/${adele.systemUserId}/test-and-enable`);
  expect(started).toMatchObject({ status: 202, body: { actStatus: 'running', lastError: null } });

  const enabled = await eventually(async () => {
    const m = await api.getMailbox(adele.systemUserId);
    expect(m.actStatus).toBe('success');
    return m;
  }, { timeoutMs: 60_000 });
  expect(enabled).toMatchObject({ enabled: true, lastError: null, timeZone: adele.timeZone, todoListId: await f.defaultListId('adele') });
  expect(Date.parse(enabled.lastTestedOn!)).toBeGreaterThan(Date.now() - 120_000);
  expect(enabled.alerts[0]).toMatchObject({ severity: 'information', message: expect.stringContaining('Test & Enable succeeded') });

  // Subscriptions for what Graph lets apps subscribe to (events, contacts; To Do is polled).
  expect((await graphSubscriptionsOf('adele')).map((s) => s.kind).sort()).toEqual(['contact', 'event']);

  const done = await eventually(async () => {
    const m = await api.getMailbox(adele.systemUserId);
    expect(m.initialSync).toEqual({ total, done: total, failed: 0 });
    return m;
  }, { timeoutMs: 90_000 });
  expect(done.lastSyncOn).not.toBeNull();
  // The initial sync lists the rows with their columns and carries them in the work items: no row is read
  // again (counted by the emulator) — except appointments, whose parties need an $expand.
  const calls = await (await fetch(`${dataverse}/_emulator/counters`)).json() as Record<string, number>;
  expect(calls['GET /api/data/v9.2/tasks({key})'] ?? 0).toBe(0);
  expect(calls['GET /api/data/v9.2/contacts({key})'] ?? 0).toBe(0);
  expect(calls['GET /api/data/v9.2/appointments({key})']).toBe(expected.appointments.length);
  const items = await syncedItems('adele');
  expect(sorted(items.appointments)).toEqual(sorted(expected.appointments));
  expect(sorted(items.contacts)).toEqual(sorted(expected.contacts));
  expect(sorted(items.tasks)).toEqual(sorted(expected.tasks));

  const successes = await api.call<{ value: Mailbox[] }>('GET', '/mailboxes?actStatus=success');
  expect(successes.body.value.map((m) => m.systemUserId)).toEqual([adele.systemUserId]);
});

test('a mailbox outside the sync app\'s mailbox scope → failure with an actionable reason and an alert', async () => {
  const megan = f.user('megan');
  await api.call('PATCH', `/mailboxes/${megan.systemUserId}`, { body: { syncMethods: { contacts: 'serverSideSync', tasks: 'serverSideSync' } } });
  await api.call('POST', `/mailboxes/${megan.systemUserId}/approve`);
  expect((await api.call('POST', `/mailboxes/${megan.systemUserId}/test-and-enable`)).status).toBe(202);
  const failed = await eventually(async () => {
    const m = await api.getMailbox(megan.systemUserId);
    expect(m.actStatus).toBe('failure');
    return m;
  }, { timeoutMs: 60_000 });
  expect(failed.enabled).toBe(false);
  expect(failed.lastError).toContain(megan.userPrincipalName);
  expect(failed.lastError).toMatch(/denied/i);
  expect(failed.lastError).toMatch(/scope/i);
  expect(failed.lastError).toMatch(/test again/i);
  expect(failed.alerts[0]).toMatchObject({ severity: 'error', message: expect.stringContaining(failed.lastError!) });
  expect(failed.initialSync).toEqual({ total: 0, done: 0, failed: 0 });
  expect(await graphSubscriptionsOf('megan')).toEqual([]);
  expect((await api.call<{ value: Mailbox[] }>('GET', '/mailboxes?actStatus=failure')).body.value.map((m) => m.systemUserId)).toEqual([megan.systemUserId]);
});

test('a user disabled in CRM → failure saying so', async () => {
  const alex = f.user('alex');
  await api.call('PATCH', `/mailboxes/${alex.systemUserId}`, { body: { syncMethods: ALL_TYPES } });
  expect((await api.call('POST', `/mailboxes/${alex.systemUserId}/approve`)).body).toMatchObject({ approval: 'approved' });
  // The administrator disables Alex in the Power Platform admin center (the emulator's test control).
  const disabled = await fetch(`${dataverseOrigin()}/_emulator/systemusers/${alex.systemUserId}`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ isdisabled: true }),
  });
  expect(disabled.status).toBe(204);
  try {
    expect((await api.call('POST', `/mailboxes/${alex.systemUserId}/test-and-enable`)).status).toBe(202);
    const failed = await eventually(async () => {
      const m = await api.getMailbox(alex.systemUserId);
      expect(m.actStatus).toBe('failure');
      return m;
    }, { timeoutMs: 60_000 });
    expect(failed).toMatchObject({ enabled: false, lastError: expect.stringMatching(/Alex Wilber is disabled in Dynamics 365; enable the user/) });
    expect(failed.alerts[0]).toMatchObject({ severity: 'error' });
    expect(await graphSubscriptionsOf('alex')).toEqual([]);
  } finally {
    await fetch(`${dataverseOrigin()}/_emulator/systemusers/${alex.systemUserId}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ isdisabled: false }),
    });
  }
});

test('disable: subscriptions removed, the items stay in the mailbox, and later CRM changes no longer reach it', async () => {
  const adele = f.user('adele');
  const before = await syncedItems('adele');
  const res = await api.call<Mailbox>('POST', `/mailboxes/${adele.systemUserId}/disable`);
  expect(res).toMatchObject({ status: 200, body: { enabled: false } });
  expect(res.body.alerts[0]).toMatchObject({ severity: 'information', message: expect.stringContaining('disabled') });
  expect(await graphSubscriptionsOf('adele')).toEqual([]);
  expect(await syncedItems('adele')).toEqual(before);

  const crm = f.people.crmAs(adele.systemUserId);
  const contactId = before.contacts[0]!;
  await crm.update({ collection: 'contacts', key: contactId, data: { jobtitle: 'Changed after disable' } });
  const newTask = await crm.create({ collection: 'tasks', data: { subject: 'Created after disable', 'ownerid@odata.bind': `/systemusers(${adele.systemUserId})` } }) as string;
  // The webhooks are delivered to the app (it receives them and ignores them)...
  const drained = await fetch(`${dataverseOrigin()}/_emulator/webhooks/drain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeoutMs: 20_000 }) });
  expect(await drained.json()).toMatchObject({ idle: true });
  // ...and the mailbox does not change.
  await stays(async () => {
    const items = await syncedItems('adele');
    expect(items.tasks).not.toContain(newTask.toLowerCase());
    expect(items.tasks).toHaveLength(before.tasks.length);
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${contactId}')`;
    const [contact] = (await f.people.graph.api(`/users/${adele.entraObjectId}/contacts`).filter(filter).get()).value;
    expect(contact.jobTitle).not.toBe('Changed after disable');
  }, 3000, 500);
  expect(await api.getMailbox(adele.systemUserId)).toMatchObject({ enabled: false, actStatus: 'notRun', counters: { failed: 0 } });
});

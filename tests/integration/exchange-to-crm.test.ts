/**
 * Exchange → CRM through the whole sandbox: edits made in the mailbox (as Outlook would, with the people
 * app) reach the CRM row through Graph change notifications (events, contacts) or the To Do delta poll
 * (tasks), and our own writes never echo back.
 */
import { loadConfig } from '../../shared/config';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { EmulatorControls } from '../emulators/common/controls-client';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';
import { ownerBind } from '../support/crm';

jest.setTimeout(180_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_TODO_POLL_SCHEDULE: '*/2 * * * * *' } });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  for (const name of ['adele', 'alex'] as const) {
    const mailbox = await f.enable(name);
    await rt.subscriptions.ensureForMailbox(mailbox);
  }
});
afterAll(() => f?.stop());

const byCrmId = (crmId: string) => `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${crmId}')`;

async function graphItemFor(userObjectId: string, collection: 'events' | 'contacts', crmId: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return eventually(async () => {
    const page = await f.people.graph.api(`/users/${userObjectId}/${collection}`).filter(byCrmId(crmId)).get();
    expect(page.value).toHaveLength(1);
    return page.value[0];
  });
}

test('completing a To Do task in the mailbox completes the CRM task', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Send the contract', ...ownerBind(adele.systemUserId) } }) as string;
  const task = await f.syncedTodoTask('adele', id);
  const listId = await f.defaultListId('adele');
  await f.people.graph.api(`/users/${adele.entraObjectId}/todo/lists/${listId}/tasks/${task.id}`).patch({ status: 'completed' });
  const row = await eventually(async () => {
    const r = await crm.retrieve({ collection: 'tasks', key: id, select: ['statecode', 'statuscode', 'actualend', 'percentcomplete'] });
    expect(r).toMatchObject({ statecode: 1, statuscode: 5 });
    return r;
  }, { timeoutMs: 30_000 });
  expect(row.actualend).toBeTruthy();
});

test('a contact\'s business phone changed in the mailbox changes telephone1 in CRM', async () => {
  const alex = f.user('alex');
  const crm = f.people.crmAs(alex.systemUserId);
  const id = await crm.create({ collection: 'contacts', data: { firstname: 'Pradeep', lastname: 'Gupta', telephone1: '+1 206 555 0100', ...ownerBind(alex.systemUserId) } }) as string;
  const contact = await graphItemFor(alex.entraObjectId, 'contacts', id);
  await f.people.graph.api(`/users/${alex.entraObjectId}/contacts/${contact.id}`).patch({ businessPhones: ['+1 206 555 0199'] });
  await eventually(async () => {
    const r = await crm.retrieve({ collection: 'contacts', key: id, select: ['telephone1', 'firstname'] });
    expect(r).toMatchObject({ telephone1: '+1 206 555 0199', firstname: 'Pradeep' });
  });
});

test('an event moved to another day in the mailbox moves the CRM appointment', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'appointments', data: { subject: 'Site visit', scheduledstart: '2027-01-12T01:00:00Z', scheduledend: '2027-01-12T02:30:00Z', ...ownerBind(adele.systemUserId) } }) as string;
  const event = await graphItemFor(adele.entraObjectId, 'events', id);
  // Outlook moves it two days later, expressed in the user's own zone (Tokyo, UTC+9).
  await f.people.graph.api(`/users/${adele.entraObjectId}/events/${event.id}`).patch({
    start: { dateTime: '2027-01-14T10:00:00', timeZone: 'Tokyo Standard Time' }, end: { dateTime: '2027-01-14T11:30:00', timeZone: 'Tokyo Standard Time' },
  });
  await eventually(async () => {
    const r = await crm.retrieve({ collection: 'appointments', key: id, select: ['scheduledstart', 'scheduledend'] });
    expect(new Date(r.scheduledstart).toISOString()).toBe('2027-01-14T01:00:00.000Z');
    expect(new Date(r.scheduledend).toISOString()).toBe('2027-01-14T02:30:00.000Z');
  });
});

test('items created only in the mailbox create nothing in CRM', async () => {
  const alex = f.user('alex');
  const dataverse = new EmulatorControls(f.sandbox.manifest.urls.dataverse);
  await dataverse.resetCounters();
  await f.people.graph.api(`/users/${alex.entraObjectId}/contacts`).post({ givenName: 'Only', surname: 'InOutlook' });
  await f.people.graph.api(`/users/${alex.entraObjectId}/events`).post({ subject: 'Only in Outlook', start: { dateTime: '2027-02-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-02-01T11:00:00', timeZone: 'UTC' } });
  const listId = await f.defaultListId('alex');
  await f.people.graph.api(`/users/${alex.entraObjectId}/todo/lists/${listId}/tasks`).post({ title: 'Only in To Do' });
  await stays(async () => {
    expect(await dataverse.countMatching(/^(POST|PATCH|DELETE) /)).toBe(0);
  }, 5000, 500);
});

test('a CRM edit propagated to Exchange causes no CRM write back, and the reverse', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const dataverse = new EmulatorControls(f.sandbox.manifest.urls.dataverse);
  const graph = new EmulatorControls(f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, ''));
  const id = await crm.create({ collection: 'contacts', data: { firstname: 'Echo', lastname: 'Test', jobtitle: 'Analyst', ...ownerBind(adele.systemUserId) } }) as string;
  const contact = await graphItemFor(adele.entraObjectId, 'contacts', id);
  // Let the create settle (the created+updated notification pair), then count from a quiet state.
  await new Promise((r) => setTimeout(r, 1500));
  await dataverse.resetCounters();
  await graph.resetCounters();
  await crm.update({ collection: 'contacts', key: id, data: { jobtitle: 'Senior Analyst' } });
  await eventually(async () => expect((await f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.id}`).get()).jobTitle).toBe('Senior Analyst'));
  await stays(async () => expect(await dataverse.countMatching(/^(POST|PATCH|DELETE) .*contacts/)).toBe(1), 3000, 500);

  await graph.resetCounters();
  await f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.id}`).patch({ jobTitle: 'Lead Analyst' });
  await eventually(async () => expect((await crm.retrieve({ collection: 'contacts', key: id, select: ['jobtitle'] })).jobtitle).toBe('Lead Analyst'));
  // Only the people app's own PATCH: the sync wrote nothing back to Exchange.
  await stays(async () => expect(await graph.countMatching(/^PATCH .*contacts/)).toBe(1), 3000, 500);
});

test('deletes in the mailbox follow the per-type rules: a To Do task deleted → the CRM task is deleted; a past event deleted → the CRM appointment stays', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const taskId = await crm.create({ collection: 'tasks', data: { subject: 'Delete me in To Do', ...ownerBind(adele.systemUserId) } }) as string;
  const task = await f.syncedTodoTask('adele', taskId);
  const listId = await f.defaultListId('adele');
  await f.people.graph.api(`/users/${adele.entraObjectId}/todo/lists/${listId}/tasks/${task.id}`).delete();
  await eventually(async () => {
    await expect(crm.retrieve({ collection: 'tasks', key: taskId, select: ['subject'] })).rejects.toMatchObject({ status: 404 });
  }, { timeoutMs: 30_000 });

  const pastId = await crm.create({ collection: 'appointments', data: { subject: 'Last year\'s visit', scheduledstart: '2025-05-01T01:00:00Z', scheduledend: '2025-05-01T02:00:00Z', ...ownerBind(adele.systemUserId) } }) as string;
  const event = await graphItemFor(adele.entraObjectId, 'events', pastId);
  await f.people.graph.api(`/users/${adele.entraObjectId}/events/${event.id}`).delete();
  await stays(async () => {
    expect((await crm.retrieve({ collection: 'appointments', key: pastId, select: ['subject'] })).subject).toBe('Last year\'s visit');
  }, 2500);
});

test('the mailbox shows what was synced each way, the echoes skipped, and the sync lag', async () => {
  const adele = f.user('adele');
  const mailbox = await eventually(async () => {
    const m = (await f.registry.get(adele.systemUserId))!;
    expect(m.counters.toExchange).toBeGreaterThan(0);
    expect(m.counters.toCrm).toBeGreaterThan(0);
    expect(m.counters.skippedEcho).toBeGreaterThan(0);
    return m;
  });
  expect(Date.parse(mailbox.lastSyncOn!)).toBeGreaterThan(Date.now() - 120_000);
  expect(mailbox.lastSyncLagMs).toEqual(expect.any(Number));
  expect(mailbox.lastSyncLagMs!).toBeGreaterThanOrEqual(0);
});

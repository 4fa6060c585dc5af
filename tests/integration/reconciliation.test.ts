/**
 * Reconciliation, the safety net: changes whose Graph notification or Dataverse webhook never arrived, and
 * delta tokens that expired, all converge after one pass; a pass over a converged mailbox writes nothing.
 * The pass is driven directly through shared/ (the app's timer would run the same function); the sandbox
 * app's worker takes the enqueued items off the queue.
 */
import { loadConfig } from '../../shared/config';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { queueClient } from '../../shared/storage';
import { DATAVERSE_CURSOR_SCOPE, reconcile } from '../../shared/sync/reconciliation';
import { EmulatorControls } from '../emulators/common/controls-client';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';
import { ownerBind } from '../support/crm';

jest.setTimeout(240_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;
let graph: EmulatorControls;
let dataverse: EmulatorControls;
const NEVER = '0 0 0 1 1 *'; // the tests run every pass and poll themselves

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_RECONCILIATION_SCHEDULE: NEVER, SYNC_TODO_POLL_SCHEDULE: NEVER } });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  graph = new EmulatorControls(f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, ''));
  dataverse = new EmulatorControls(f.sandbox.manifest.urls.dataverse);
  await rt.subscriptions.ensureForMailbox(await f.enable('adele'));
});
afterAll(() => f?.stop());

const adele = () => f.user('adele');
const crm = () => f.people.crmAs(adele().systemUserId);
const byCrmId = (crmId: string) => `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${crmId}')`;
const inDays = (days: number, hour: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + days, hour)).toISOString();

async function control(baseUrl: string, method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${baseUrl}/_emulator/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
}
const graphControl = (method: 'POST' | 'DELETE', path: string, body?: unknown) => control(f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, ''), method, path, body);
const dataverseControl = (method: 'POST' | 'DELETE', path: string, body?: unknown) => control(f.sandbox.manifest.urls.dataverse, method, path, body);

/** Runs `edit` while every notification (Graph) or webhook delivery (Dataverse) is dropped. */
async function withNotificationsDropped(edit: () => Promise<void>): Promise<void> {
  await graphControl('POST', 'notifications/faults', { action: 'drop', count: 1000 });
  try { await edit(); await new Promise((r) => setTimeout(r, 1500)); } finally { await graphControl('DELETE', 'notifications/faults'); }
}
async function withWebhooksDropped(edit: () => Promise<void>): Promise<void> {
  await dataverseControl('POST', 'webhooks/faults', { action: 'drop', count: 1000 });
  // Deliveries are asynchronous: let them all be attempted (and dropped) before the fault ends.
  try { await edit(); await dataverseControl('POST', 'webhooks/drain', { timeoutMs: 10_000 }); } finally { await dataverseControl('DELETE', 'webhooks/faults'); }
}

/** Waits until the work queue is empty (in-flight messages count until the worker deletes them). */
async function drained(): Promise<void> {
  const queue = queueClient(f.sandbox.appSettings.AzureWebJobsStorage!, f.sandbox.appSettings.SYNC_WORK_QUEUE!);
  await eventually(async () => expect((await queue.getProperties()).approximateMessagesCount).toBe(0), { timeoutMs: 60_000, intervalMs: 300 });
}

/** One reconciliation pass, with nothing failing in it. */
async function pass() {
  const report = await reconcile(rt);
  expect(report.failures).toEqual([]);
  return report;
}

async function outlookItem(collection: 'contacts' | 'events', crmId: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return eventually(async () => {
    const page = await f.people.graph.api(`/users/${adele().entraObjectId}/${collection}`).filter(byCrmId(crmId)).get();
    expect(page.value).toHaveLength(1);
    return page.value[0];
  });
}
const outlook = (collection: 'contacts' | 'events', id: string) => f.people.graph.api(`/users/${adele().entraObjectId}/${collection}/${id}`);

/** A CRM contact and appointment of Adele's, synced to her mailbox, and everything quiet afterwards. */
async function linkedPair(name: string) {
  const contactId = await crm().create({ collection: 'contacts', data: { firstname: name, lastname: 'Reconciled', jobtitle: 'Buyer', ...ownerBind(adele().systemUserId) } }) as string;
  const appointmentId = await crm().create({ collection: 'appointments', data: { subject: `${name} review`, scheduledstart: inDays(5, 9), scheduledend: inDays(5, 10), ...ownerBind(adele().systemUserId) } }) as string;
  const contact = await outlookItem('contacts', contactId);
  const event = await outlookItem('events', appointmentId);
  await new Promise((r) => setTimeout(r, 1000)); // the create's own notifications
  await drained();
  return { contactId, appointmentId, contact, event };
}

const crmRow = (collection: string, key: string, select: string[]) => crm().retrieve({ collection, key, select });

test('Outlook edits whose notifications were dropped reach the CRM after one pass', async () => {
  const { contactId, appointmentId, contact, event } = await linkedPair('Dropped');
  await pass(); // delta links now stand after the pair
  await drained();
  await withNotificationsDropped(async () => {
    await outlook('contacts', contact.id).patch({ jobTitle: 'Head of purchasing' });
    await outlook('events', event.id).patch({ subject: 'Dropped review (moved room)' });
  });
  expect((await crmRow('contacts', contactId, ['jobtitle'])).jobtitle).toBe('Buyer');

  const report = await pass();
  expect(report.graphItems).toBeGreaterThanOrEqual(2);
  await eventually(async () => {
    expect((await crmRow('contacts', contactId, ['jobtitle'])).jobtitle).toBe('Head of purchasing');
    expect((await crmRow('appointments', appointmentId, ['subject'])).subject).toBe('Dropped review (moved room)');
  });
});

test('CRM changes whose webhooks were dropped — update, create, delete, owner change — reach the mailbox after one pass', async () => {
  const { contactId, appointmentId, contact, event } = await linkedPair('Webhookless');
  const movedId = await crm().create({ collection: 'tasks', data: { subject: 'Moves to Megan', ...ownerBind(adele().systemUserId) } }) as string;
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(movedId))).toHaveLength(1));
  await drained();
  await pass();
  await drained();

  let createdId = '';
  await withWebhooksDropped(async () => {
    await crm().update({ collection: 'contacts', key: contactId, data: { jobtitle: 'Chief buyer' } });
    createdId = await crm().create({ collection: 'tasks', data: { subject: 'Created while webhooks were down', ...ownerBind(adele().systemUserId) } }) as string;
    await crm().deleteRecord({ collection: 'appointments', key: appointmentId });
    await crm().update({ collection: 'tasks', key: movedId, data: ownerBind(f.user('megan').systemUserId) });
  });
  await stays(async () => {
    expect((await outlook('contacts', contact.id).get()).jobTitle).toBe('Buyer');
    expect((await f.todoTasks('adele')).filter(f.linkedTo(createdId))).toHaveLength(0);
  }, 1000);

  const report = await pass();
  expect(report.crmItems).toBeGreaterThanOrEqual(4);
  await eventually(async () => {
    expect((await outlook('contacts', contact.id).get()).jobTitle).toBe('Chief buyer');
    const tasks = await f.todoTasks('adele');
    expect(tasks.filter(f.linkedTo(createdId)).map((t) => t.title)).toEqual(['Created while webhooks were down']);
    // Megan's mailbox is not synced: the task leaves Adele's list (Dynamics' logical delete).
    expect(tasks.filter(f.linkedTo(movedId))).toHaveLength(0);
    const events = await f.people.graph.api(`/users/${adele().entraObjectId}/events`).filter(byCrmId(appointmentId)).get();
    expect(events.value).toHaveLength(0);
  });
  await expect(outlook('events', event.id).get()).rejects.toMatchObject({ statusCode: 404 });
});

test('expired delta tokens on both sides fall back to full rounds that converge after one pass', async () => {
  const { contactId, appointmentId, contact } = await linkedPair('Expired');
  await pass();
  await drained();
  expect(await rt.deltaCursors.get(adele().entraObjectId, 'contact')).toBeDefined();
  expect(await rt.deltaCursors.get(DATAVERSE_CURSOR_SCOPE, 'appointment')).toBeDefined();

  await withNotificationsDropped(() => outlook('contacts', contact.id).patch({ jobTitle: 'Edited before the token expired' }).then(() => undefined));
  await withWebhooksDropped(() => crm().update({ collection: 'appointments', key: appointmentId, data: { location: 'Room 7' } }).then(() => undefined));
  await graphControl('POST', `mailboxes/${adele().entraObjectId}/expire-delta-tokens`);
  await dataverseControl('POST', 'delta/expire');

  const report = await pass();
  expect(report.fullRounds).toEqual(expect.arrayContaining([`graph:${adele().entraObjectId}:contact`, `graph:${adele().entraObjectId}:appointment`, 'dataverse:appointment', 'dataverse:contact']));
  await eventually(async () => {
    expect((await crmRow('contacts', contactId, ['jobtitle'])).jobtitle).toBe('Edited before the token expired');
    expect((await outlookItem('events', appointmentId)).location.displayName).toBe('Room 7');
  });
  // The full rounds re-listed every item; nothing was duplicated on either side.
  await drained();
  const contacts = await f.people.graph.api(`/users/${adele().entraObjectId}/contacts`).filter(byCrmId(contactId)).get();
  expect(contacts.value).toHaveLength(1);
});

test('a pass over a converged mailbox — even a full one after expired tokens — writes nothing to either side', async () => {
  await linkedPair('Converged');
  await pass(); // takes up whatever the sync itself changed since the last pass
  await drained();
  await graph.resetCounters();
  await dataverse.resetCounters();

  const report = await pass();
  expect(report).toMatchObject({ graphItems: 0, crmItems: 0, fullRounds: [] });
  await drained();
  await stays(async () => {
    expect(await graph.countMatching(/^(POST|PATCH|DELETE) \/v1\.0\/users/)).toBe(0);
    expect(await dataverse.countMatching(/^(POST|PATCH|DELETE) \/api/)).toBe(0);
  }, 1500, 500);
  // The whole cost of the pass: one delta call per synced record type of the mailbox, one change-tracking call per table.
  expect(await graph.counters()).toEqual({
    'GET /v1.0/users/{userId}/calendarView/delta': 1, 'GET /v1.0/users/{userId}/contacts/delta': 1, 'GET /v1.0/users/{userId}/todo/lists/{listId}/tasks/delta': 1,
  });
  expect(await dataverse.counters()).toEqual({ 'GET /api/data/v9.2/appointments': 1, 'GET /api/data/v9.2/contacts': 1, 'GET /api/data/v9.2/tasks': 1 });

  // A full resync (every token expired) re-lists everything: the worker still skips it all by version and
  // etag, so nothing is written either.
  await graphControl('POST', `mailboxes/${adele().entraObjectId}/expire-delta-tokens`);
  await dataverseControl('POST', 'delta/expire');
  await graph.resetCounters();
  await dataverse.resetCounters();
  const full = await pass();
  expect(full.fullRounds).toHaveLength(6);
  expect(full.graphItems + full.crmItems).toBeGreaterThan(0);
  await drained();
  await stays(async () => {
    expect(await graph.countMatching(/^(POST|PATCH|DELETE) \/v1\.0\/users/)).toBe(0);
    expect(await dataverse.countMatching(/^(POST|PATCH|DELETE) \/api/)).toBe(0);
  }, 1500, 500);
  // …nor read anything: the only calls were the rounds' own (the refused token, then the full read).
  const calls = async (c: EmulatorControls) => Object.values(await c.counters()).reduce((a, b) => a + b, 0);
  expect(await graph.countMatching(/^GET \S+\/delta$/)).toBe(await calls(graph));
  expect(await dataverse.countMatching(/^GET \/api\/data\/v9\.2\/(appointments|contacts|tasks)$/)).toBe(await calls(dataverse));
});

test('a mailbox that passes Test & Enable gets a pass of its own at once', async () => {
  const alex = f.user('alex');
  await f.enable('alex');
  for (const type of ['appointment', 'contact', 'task'] as const) expect(await rt.deltaCursors.get(alex.entraObjectId, type)).toBeUndefined();
  const { item } = await rt.mailboxService.requestTestAndEnable(alex.systemUserId);
  await rt.workQueue.send([item]);
  // The worker ran the test, then the pass: every synced record type of the mailbox has its delta link.
  await eventually(async () => {
    expect((await rt.services.mailboxes.get(alex.systemUserId))?.actStatus).toBe('success');
    for (const type of ['appointment', 'contact', 'task'] as const) expect(await rt.deltaCursors.get(alex.entraObjectId, type)).toBeDefined();
  });
});

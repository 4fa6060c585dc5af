/**
 * Keeping Graph subscriptions alive and catching up when notifications were lost: renewal, recreation after
 * `subscriptionRemoved`, a delta catch-up after `missed`, and a full resync after a 410 on a delta token.
 */
import { loadConfig } from '../../shared/config';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';

jest.setTimeout(180_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;
const graphBase = () => f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, '');
const control = async (path: string, body: unknown = {}) => {
  const res = await fetch(`${graphBase()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return res;
};

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_TODO_POLL_SCHEDULE: '*/2 * * * * *' } });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  await rt.subscriptions.ensureForMailbox(await f.enable('adele'));
});
afterAll(() => f?.stop());

async function contactSubscription() {
  const all = await rt.subscriptionStore.list();
  return all.find((s) => s.recordType === 'contact')!;
}

async function linkedContact(firstname: string) {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'contacts', data: { firstname, lastname: 'Test', 'ownerid@odata.bind': `/systemusers(${adele.systemUserId})` } }) as string;
  const contact = await eventually(async () => {
    const page = await f.people.graph.api(`/users/${adele.entraObjectId}/contacts`).filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${id}')`).get();
    expect(page.value).toHaveLength(1);
    return page.value[0] as { id: string };
  });
  await new Promise((r) => setTimeout(r, 800));
  return {
    id,
    outlook: (body: Record<string, unknown>) => f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.id}`).patch(body),
    crmJobTitle: async () => (await crm.retrieve({ collection: 'contacts', key: id, select: ['jobtitle'] })).jobtitle as string | null,
  };
}

test('subscriptions are created per enabled record type and renewed before they expire', async () => {
  const before = await rt.subscriptionStore.list();
  expect(before.map((s) => s.recordType).sort()).toEqual(['appointment', 'contact']);
  // Pretend 2.5 days have passed: less than a day is left on the 3-day subscriptions.
  const counts = await rt.subscriptions.renewDue((id) => rt.services.mailboxes.get(id), Date.now() + 2.5 * 86_400_000);
  expect(counts).toEqual({ renewed: 2, recreated: 0, removed: 0 });
  const after = await rt.subscriptionStore.list();
  for (const s of after) {
    const previous = before.find((b) => b.subscriptionId === s.subscriptionId)!;
    expect(Date.parse(s.expirationDateTime)).toBeGreaterThan(Date.parse(previous.expirationDateTime));
  }
  const graphView = await (await fetch(`${graphBase()}/_emulator/subscriptions`)).json() as { value?: Array<{ id: string; expirationDateTime: string }> } | Array<{ id: string; expirationDateTime: string }>;
  const listed = Array.isArray(graphView) ? graphView : graphView.value ?? [];
  for (const s of after) expect(listed.find((g) => g.id === s.subscriptionId)).toBeDefined();
});

test('after subscriptionRemoved the subscription is recreated and changes flow again', async () => {
  const removed = await contactSubscription();
  await control(`/_emulator/subscriptions/${removed.subscriptionId}/lifecycle`, { lifecycleEvent: 'subscriptionRemoved' });
  const recreated = await eventually(async () => {
    const s = await contactSubscription();
    expect(s.subscriptionId).not.toBe(removed.subscriptionId);
    return s;
  });
  expect(recreated.clientStates[0]).not.toBe(removed.clientStates[0]);
  const c = await linkedContact('Recreated');
  await c.outlook({ jobTitle: 'After recreation' });
  await eventually(async () => expect(await c.crmJobTitle()).toBe('After recreation'));
});

test('lost notifications are caught up by a delta round after a missed lifecycle event', async () => {
  const c = await linkedContact('Missed');
  await control('/_emulator/notifications/faults', { action: 'drop', count: 5 });
  await c.outlook({ jobTitle: 'Edited while notifications were lost' });
  await stays(async () => expect(await c.crmJobTitle()).toBeNull(), 1500);
  await fetch(`${graphBase()}/_emulator/notifications/faults`, { method: 'DELETE' });
  const s = await contactSubscription();
  await control(`/_emulator/subscriptions/${s.subscriptionId}/lifecycle`, { lifecycleEvent: 'missed' });
  await eventually(async () => expect(await c.crmJobTitle()).toBe('Edited while notifications were lost'));
});

test('a 410 on the To Do delta token falls back to a full resync that still converges', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Resync me', 'ownerid@odata.bind': `/systemusers(${adele.systemUserId})` } }) as string;
  const task = await f.syncedTodoTask('adele', id);
  // A poll has stored a delta link by now; expire it, then complete the task in Outlook.
  await eventually(async () => expect(await rt.deltaCursors.get(adele.entraObjectId, 'task')).toBeDefined());
  await control(`/_emulator/mailboxes/${adele.entraObjectId}/expire-delta-tokens`);
  const listId = await f.defaultListId('adele');
  await f.people.graph.api(`/users/${adele.entraObjectId}/todo/lists/${listId}/tasks/${task.id}`).patch({ status: 'completed' });
  await eventually(async () => {
    expect(await crm.retrieve({ collection: 'tasks', key: id, select: ['statecode', 'statuscode'] })).toMatchObject({ statecode: 1, statuscode: 5 });
  }, { timeoutMs: 30_000 });
});

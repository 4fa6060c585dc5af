/**
 * Exchange → CRM at the minimum number of calls (issue 9), counted by the emulators: an Outlook edit of an
 * open appointment costs one Graph GET and one Dataverse PATCH — the link knows the row is open, so the row
 * is not read —, an edit of a completed one still does not reach the CRM, and a To Do task completed in
 * Outlook reaches the CRM from the delta page's copy, with no Graph GET of the task.
 *
 * The waits read the correlation table (storage is not counted by the emulators), so that the people app's
 * own polling does not mix with the sync's calls in the counters.
 */
import { loadConfig } from '../../shared/config';
import type { SyncLink } from '../../shared/correlation/link';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { EmulatorControls } from '../emulators/common/controls-client';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';
import { ownerBind } from '../support/crm';

jest.setTimeout(180_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;
let graph: EmulatorControls;
let dataverse: EmulatorControls;

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_TODO_POLL_SCHEDULE: '*/2 * * * * *' } });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  const mailbox = await f.enable('adele');
  await rt.subscriptions.ensureForMailbox(mailbox);
  graph = new EmulatorControls(f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, ''));
  dataverse = new EmulatorControls(f.sandbox.manifest.urls.dataverse);
});
afterAll(() => f?.stop());

const byCrmId = (crmId: string) => `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${crmId}')`;
const EVENT_GET = 'GET /v1.0/users/{userId}/events/{eventId}';
const TASK_GET = 'GET /v1.0/users/{userId}/todo/lists/{listId}/tasks/{taskId}';

/** The link once it satisfies `check` (read from the correlation table: no emulator call). */
function linkWhen(recordType: SyncLink['recordType'], crmId: string, check: (l: SyncLink) => boolean, timeoutMs = 30_000): Promise<SyncLink> {
  return eventually(async () => {
    const link = await rt.services.links.getByCrmId(recordType, crmId);
    expect(link && check(link) ? 'yes' : JSON.stringify(link)).toBe('yes');
    return link!;
  }, { timeoutMs });
}

async function syncedAppointment(subject: string): Promise<{ id: string; eventId: string }> {
  const adele = f.user('adele');
  const id = await f.people.crmAs(adele.systemUserId).create({
    collection: 'appointments', data: { subject, location: 'Room 1', scheduledstart: '2027-03-02T01:00:00Z', scheduledend: '2027-03-02T02:00:00Z', ...ownerBind(adele.systemUserId) },
  }) as string;
  const event = await eventually(async () => {
    const page = await f.people.graph.api(`/users/${adele.entraObjectId}/events`).filter(byCrmId(id)).get();
    expect(page.value).toHaveLength(1);
    return page.value[0] as { id: string };
  });
  await linkWhen('appointment', id, (l) => l.state === 'linked' && !!l.crmState);
  // Let the create's notifications (created + updated, our own echoes) settle before counting.
  await new Promise((r) => setTimeout(r, 1500));
  return { id, eventId: event.id };
}

/** Quiet for a while: the echoes of our write (Dataverse webhook, Graph notification) come and go. */
const settle = () => new Promise((r) => setTimeout(r, 2500));

test('an Outlook edit of an open appointment costs one Graph GET and one Dataverse PATCH, no Dataverse read', async () => {
  const adele = f.user('adele');
  const { id, eventId } = await syncedAppointment('Quarterly review');
  await graph.resetCounters();
  await dataverse.resetCounters();
  const edited = await f.people.graph.api(`/users/${adele.entraObjectId}/events/${eventId}`).patch({ location: { displayName: 'Room 2' } }) as { '@odata.etag': string };
  await linkWhen('appointment', id, (l) => l.graphEtag === edited['@odata.etag']);
  await settle();
  const [g, d] = [await graph.counters(), await dataverse.counters()];
  expect(g[EVENT_GET]).toBe(1);
  expect(g['PATCH /v1.0/users/{userId}/events/{eventId}']).toBe(1); // the people app's edit; the sync wrote nothing back
  expect(d['PATCH /api/data/v9.2/appointments({key})']).toBe(1);
  expect(Object.keys(d).filter((k) => k.startsWith('GET '))).toEqual([]);
  expect(await f.people.crmAs(adele.systemUserId).retrieve({ collection: 'appointments', key: id, select: ['location'] })).toMatchObject({ location: 'Room 2' });
});

test('an Outlook edit of a completed appointment still does not reach the CRM', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const { id, eventId } = await syncedAppointment('Site visit');
  await crm.update({ collection: 'appointments', key: id, data: { statecode: 1, statuscode: 3 } });
  // The close reaches the mailbox (Completed shows as free) and the link records the state.
  await linkWhen('appointment', id, (l) => l.crmState?.statecode === 1 && l.crmState.version === l.crmVersion);
  await settle();
  await dataverse.resetCounters();
  await f.people.graph.api(`/users/${adele.entraObjectId}/events/${eventId}`).patch({ location: { displayName: 'Room 9' } });
  await stays(async () => {
    expect(await dataverse.countMatching(/^(POST|PATCH|DELETE) /)).toBe(0);
  }, 4000, 500);
  // Judged from the link: not even read.
  expect(await dataverse.countMatching(/^GET /)).toBe(0);
  expect(await crm.retrieve({ collection: 'appointments', key: id, select: ['location', 'statecode'] })).toMatchObject({ location: 'Room 1', statecode: 1 });
});

test('a To Do task completed in Outlook is completed in CRM without a Graph GET of the task', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Send the contract', ...ownerBind(adele.systemUserId) } }) as string;
  const task = await f.syncedTodoTask('adele', id);
  await linkWhen('task', id, (l) => l.state === 'linked' && l.graphModified?.etag === l.graphEtag);
  const listId = await f.defaultListId('adele');
  // Our create comes back in the next delta round (an echo): let it pass before counting.
  await settle();
  await graph.resetCounters();
  await f.people.graph.api(`/users/${adele.entraObjectId}/todo/lists/${listId}/tasks/${task.id}`).patch({ status: 'completed' });
  await eventually(async () => {
    expect(await crm.retrieve({ collection: 'tasks', key: id, select: ['statecode', 'statuscode'] })).toMatchObject({ statecode: 1, statuscode: 5 });
  }, { timeoutMs: 30_000 });
  await settle();
  const counters = await graph.counters();
  expect(counters[TASK_GET] ?? 0).toBe(0);
  expect(counters['GET /v1.0/users/{userId}/todo/lists/{listId}/tasks/delta']).toBeGreaterThan(0);
});

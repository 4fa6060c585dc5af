/**
 * Versioned post images through the whole sandbox (registration by the sandbox, as `npm run register`): a CRM
 * task update whose row has null columns — Dataverse leaves them out of the image — reaches To Do with no
 * Dataverse read by the worker (the image's alias says it was registered with every mapped column, so what it
 * lacks is null), and a value cleared in CRM is cleared in To Do. The counterpart: with the image's alias of an
 * older registration, the same change costs one read. Reads are counted by the Dataverse emulator
 * (`/_emulator/counters`), not by our code.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { TASK_MAPPING } from '../../shared/mappings';
import { registeredPostImage } from '../../shared/registration/dataverse-registration';
import { workerLines } from '../property/support/worker-log';
import { eventually } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';
import { untilWorkerQuiet } from '../support/crm';

jest.setTimeout(180_000);
const NEVER = '0 0 0 1 1 *';
let f: Awaited<ReturnType<typeof sandboxFixture>>;

beforeAll(async () => {
  // Nothing else talks to Dataverse meanwhile: no To Do poll (its echoes), no reconciliation.
  f = await sandboxFixture({ appSettings: { SYNC_LOG_LEVEL: 'debug', SYNC_TODO_POLL_SCHEDULE: NEVER, SYNC_RECONCILIATION_SCHEDULE: NEVER, SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: NEVER } });
  await f.enable('adele', { tasks: 'serverSideSync' });
});
afterAll(() => f?.stop());

const dv = () => f.sandbox.manifest.urls.dataverse;
async function counters(): Promise<Record<string, number>> {
  return await (await fetch(`${dv()}/_emulator/counters`)).json() as Record<string, number>;
}
const resetCounters = async () => expect((await fetch(`${dv()}/_emulator/counters`, { method: 'DELETE' })).status).toBe(204);
const reads = (c: Record<string, number>) => Object.entries(c).filter(([k]) => k.startsWith('GET ')).reduce((n, [, v]) => n + v, 0);

/** Every delivery out, and the worker idle. */
async function settle(): Promise<void> {
  expect((await fetch(`${dv()}/_emulator/webhooks/drain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).ok).toBe(true);
  await untilWorkerQuiet(f.sandbox.hostOutput);
}

const todoTask = async (crmId: string) => (await f.todoTasks('adele')).find(f.linkedTo(crmId));

/** Creates a task in CRM and waits until it is in To Do; the Dataverse calls it cost are in `createCalls`. */
let createCalls: Record<string, number> = {};
async function createTask(subject: string): Promise<string> {
  const adele = f.user('adele');
  await resetCounters();
  const id = await f.people.crmAs(adele.systemUserId).create({ collection: 'tasks', data: {
    subject, description: 'Bring the Q3 figures', scheduledstart: '2026-11-30T06:00:00Z', scheduledend: '2026-12-01T06:00:00Z', 'ownerid@odata.bind': `/systemusers(${adele.systemUserId})`,
  } }) as string;
  await eventually(async () => expect((await todoTask(id))?.body?.content).toContain('Bring the Q3 figures'));
  await settle();
  createCalls = await counters();
  return id;
}

/** Clears the description and the start date in CRM; answers the Dataverse calls made until To Do shows it. */
async function clearInCrm(id: string, subject: string): Promise<Record<string, number>> {
  const adele = f.user('adele');
  await resetCounters();
  await f.people.crmAs(adele.systemUserId).update({ collection: 'tasks', key: id, data: { subject, description: null, scheduledstart: null } });
  await eventually(async () => {
    const task = await todoTask(id);
    expect(task?.title).toBe(subject);
    expect(task?.body?.content ?? '').toBe('');
    expect(task?.startDateTime ?? null).toBeNull();
  });
  await settle();
  return counters();
}

test('a CRM task update with null columns reaches To Do with no Dataverse read by the worker; cleared values are cleared', async () => {
  const id = await createTask('Call Contoso');
  // A create is read-free too: a late delivery for a deleted row finds the row's tombstone (decide.ts).
  expect(createCalls).toEqual({ 'POST /api/data/v9.2/tasks': 1 });
  const calls = await clearInCrm(id, 'Call Contoso (no notes)');
  // The writer's own PATCH, and nothing else: the worker took the row from the image.
  expect(calls).toEqual({ 'PATCH /api/data/v9.2/tasks({key})': 1 });
  expect(reads(calls)).toBe(0);
  const updated = workerLines(f.sandbox.hostOutput).filter((l) => l.kind === 'crmChange' && l.message === 'work item updated');
  expect(updated.length).toBeGreaterThan(0);
});

test('with the alias of an older registration the image is not trusted: the same change costs one read', async () => {
  const id = await createTask('Call Fabrikam');
  // Give the task Update step's post image the unversioned alias an older `npm run register` wrote.
  const sync = f.sandbox.manifest.clients.sync;
  const msal = new ConfidentialClientApplication({ auth: { clientId: sync.clientId, clientSecret: sync.clientSecret, authority: f.sandbox.manifest.authority, knownAuthorities: [new URL(f.sandbox.manifest.authority).host] } });
  const token = (await msal.acquireTokenByClientCredential({ scopes: [`${dv()}/.default`] }))!.accessToken;
  const api = (path: string, init: RequestInit = {}) => fetch(`${dv()}/api/data/v9.2/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  const steps = (await (await api("sdkmessageprocessingsteps?$select=sdkmessageprocessingstepid&$filter=name eq 'crm-exchange-sync: Update of task'")).json() as { value: Array<{ sdkmessageprocessingstepid: string }> }).value;
  const images = (await (await api(`sdkmessageprocessingstepimages?$select=sdkmessageprocessingstepimageid,entityalias&$filter=_sdkmessageprocessingstepid_value eq ${steps[0]!.sdkmessageprocessingstepid}`)).json() as { value: Array<{ sdkmessageprocessingstepimageid: string; entityalias: string }> }).value;
  const post = images.find((i) => i.entityalias === registeredPostImage(TASK_MAPPING).alias)!;
  expect(post).toBeDefined();
  expect((await api(`sdkmessageprocessingstepimages(${post.sdkmessageprocessingstepimageid})`, { method: 'PATCH', body: JSON.stringify({ name: 'postimage', entityalias: 'postimage' }) })).status).toBe(204);

  const calls = await clearInCrm(id, 'Call Fabrikam (no notes)');
  expect(calls['PATCH /api/data/v9.2/tasks({key})']).toBe(1);
  expect(reads(calls)).toBe(1);
});

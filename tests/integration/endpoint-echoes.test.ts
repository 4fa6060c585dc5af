/**
 * Echoes recognised where they arrive (shared/sync/echoes.ts), through the whole sandbox: Graph's
 * `created` + `updated` notifications of our own create, the `updated` of our own update, and the Dataverse
 * webhook of our own CRM write enqueue nothing once the link records the write — one work item per synced
 * change — while real edits on either side still sync. The skipped echoes are still counted on the mailbox.
 *
 * Deliveries are held (the emulators' pause) until the link records our write, so that the test does not
 * depend on who wins the race between a notification and the worker's link write; in that race the
 * notification is enqueued as before and the worker skips it.
 */
import { loadConfig } from '../../shared/config';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { workerLines, workerRuns } from '../property/support/worker-log';
import { eventually } from '../support/eventually';
import { fixture } from '../support/fixtures';
import { sandboxFixture } from '../support/sandbox-fixture';
import { untilWorkerQuiet } from '../support/crm';

jest.setTimeout(180_000);
const NEVER = '0 0 0 1 1 *';
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;

beforeAll(async () => {
  f = await sandboxFixture({
    appSettings: { SYNC_LOG_LEVEL: 'debug', SYNC_TODO_POLL_SCHEDULE: NEVER, SYNC_RECONCILIATION_SCHEDULE: NEVER, SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: NEVER },
  });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  await rt.subscriptions.ensureForMailbox(await f.enable('adele', { contacts: 'serverSideSync' }));
});
afterAll(() => f?.stop());

const graphBase = () => f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, '');
const control = async (base: string, path: string) => {
  const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(r.ok).toBe(true);
};
const notifications = (what: 'pause' | 'resume') => control(graphBase(), `/_emulator/notifications/${what}`);
const webhooks = (what: 'pause' | 'resume') => control(f.sandbox.manifest.urls.dataverse, `/_emulator/webhooks/${what}`);
const drainWebhooks = () => control(f.sandbox.manifest.urls.dataverse, '/_emulator/webhooks/drain');

type Line = ReturnType<typeof workerLines>[number] & { crmId?: string };
const lines = () => workerLines(f.sandbox.hostOutput) as Line[];
const crmItems = (crmId: string) => lines().filter((l) => l.kind === 'crmChange' && l.crmId === crmId).length;
const graphItems = () => lines().filter((l) => l.kind === 'graphChange').length;
/** The structured lines our endpoints logged about echoes. */
function endpointLines(message: string): Array<Record<string, unknown>> {
  return f.sandbox.hostOutput.join('').split('\n').flatMap((line) => {
    const start = line.indexOf('{"time"');
    if (start < 0) return [];
    try {
      const entry = JSON.parse(line.slice(start)) as Record<string, unknown>;
      return entry.message === message ? [entry] : [];
    } catch { return []; }
  });
}
const graphEchoesSkipped = () => endpointLines('graph notification echoes').reduce((n, l) => n + Number(l.skipped ?? 0), 0);
const skippedEchoCounter = async () => (await f.registry.get(f.user('adele').systemUserId))!.counters.skippedEcho;

/** Settles: every delivery held by the emulators is out, and the worker has nothing left to run. */
async function settle(): Promise<void> {
  await drainWebhooks();
  await untilWorkerQuiet(f.sandbox.hostOutput);
}

let contact: { crmId: string; outlookId: string };

test('a CRM contact created: one work item overall; the created and updated notifications of our own POST enqueue nothing', async () => {
  const adele = f.user('adele');
  await settle();
  const runsBefore = workerRuns(f.sandbox.hostOutput);
  const graphBefore = graphItems();
  const echoesBefore = graphEchoesSkipped();
  const counterBefore = await skippedEchoCounter();
  await notifications('pause');
  let crmId: string;
  try {
    crmId = await f.people.crmAs(adele.systemUserId).create({
      collection: 'contacts', data: { firstname: 'Nestor', lastname: 'Wilke', jobtitle: 'Director', 'ownerid@odata.bind': `/systemusers(${adele.systemUserId})` },
    }) as string;
    // Held until the link records the item and its etag.
    await eventually(async () => expect(await rt.services.links.getByCrmId('contact', crmId)).toMatchObject({ state: 'linked', graphEtag: expect.any(String) }));
  } finally {
    await notifications('resume');
  }
  const page = await f.people.graph.api(`/users/${adele.entraObjectId}/contacts`).filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${crmId}')`).get();
  expect(page.value).toHaveLength(1);
  // Both notifications reached the endpoint and were recognised there.
  await eventually(() => expect(graphEchoesSkipped() - echoesBefore).toBe(2), { timeoutMs: 15_000 });
  await settle();
  expect(crmItems(crmId)).toBe(1);
  expect(graphItems() - graphBefore).toBe(0);
  expect(workerRuns(f.sandbox.hostOutput) - runsBefore).toBe(1);
  // Still counted on the mailbox, as the worker counts them (batched: written within a few seconds).
  await eventually(async () => expect(await skippedEchoCounter() - counterBefore).toBe(2), { timeoutMs: 15_000 });
  contact = { crmId, outlookId: page.value[0].id }; // Outlook's id (the link holds the immutable one)
});

test('a real Outlook edit (another etag) is synced; the webhook of our CRM write enqueues nothing', async () => {
  expect(contact).toBeDefined();
  const adele = f.user('adele');
  await settle();
  const crmBefore = crmItems(contact.crmId);
  const graphBefore = graphItems();
  const before = (await rt.services.links.getByCrmId('contact', contact.crmId))!;
  await webhooks('pause');
  try {
    await f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.outlookId}`).patch({ jobTitle: 'Managing Director (Outlook)' });
    await eventually(async () => {
      const row = await f.people.crmAs(adele.systemUserId).retrieve({ collection: 'contacts', key: contact.crmId, select: ['jobtitle'] });
      expect(row.jobtitle).toBe('Managing Director (Outlook)');
      // The link records the CRM version we wrote before the webhook is let through.
      const link = (await rt.services.links.getByCrmId('contact', contact.crmId))!;
      expect(BigInt(link.crmVersion!)).toBeGreaterThan(BigInt(before.crmVersion!));
      expect(link.intent?.crm).toBeUndefined();
    });
  } finally {
    await webhooks('resume');
  }
  await eventually(() => expect(endpointLines('dataverse webhook echo skipped').filter((l) => l.crmId === contact.crmId).length).toBeGreaterThanOrEqual(1), { timeoutMs: 15_000 });
  await settle();
  expect(graphItems() - graphBefore).toBeGreaterThanOrEqual(1); // the edit itself went through the queue
  expect(crmItems(contact.crmId) - crmBefore).toBe(0); // its echo did not
});

test('a real CRM edit (a newer version) is synced; the notification of our Graph write enqueues nothing', async () => {
  expect(contact).toBeDefined();
  const adele = f.user('adele');
  await settle();
  const crmBefore = crmItems(contact.crmId);
  const graphBefore = graphItems();
  const echoesBefore = graphEchoesSkipped();
  const before = (await rt.services.links.getByCrmId('contact', contact.crmId))!;
  await notifications('pause');
  try {
    await f.people.crmAs(adele.systemUserId).update({ collection: 'contacts', key: contact.crmId, data: { jobtitle: 'Chief Executive (CRM)' } });
    await eventually(async () => {
      const item = await f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.outlookId}`).get();
      expect(item.jobTitle).toBe('Chief Executive (CRM)');
      const link = (await rt.services.links.getByCrmId('contact', contact.crmId))!;
      expect(link.graphEtag).not.toBe(before.graphEtag);
      expect(link.graphEtag).toBe(item['@odata.etag']);
    });
  } finally {
    await notifications('resume');
  }
  await eventually(() => expect(graphEchoesSkipped() - echoesBefore).toBeGreaterThanOrEqual(1), { timeoutMs: 15_000 });
  await settle();
  expect(crmItems(contact.crmId) - crmBefore).toBe(1);
  expect(graphItems() - graphBefore).toBe(0);
});

test('a replayed old delivery is answered 202 with skipped: echo and enqueues nothing', async () => {
  expect(contact).toBeDefined();
  const adele = f.user('adele');
  await settle();
  const runsBefore = workerRuns(f.sandbox.hostOutput);
  const link = (await rt.services.links.getByCrmId('contact', contact.crmId))!;
  const delivery = (version: bigint) => ({
    ...fixture<Record<string, unknown>>('dataverse/webhook-update-contact-async-postoperation.json'),
    MessageName: 'Update', PrimaryEntityName: 'contact', PrimaryEntityId: contact.crmId,
    PostEntityImages: [{ key: 'postimage', value: { Id: contact.crmId, LogicalName: 'contact', Attributes: [
      { key: 'jobtitle', value: 'An old title' }, { key: 'versionnumber', value: Number(version) },
      { key: 'ownerid', value: { __type: 'EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts', Id: adele.systemUserId, LogicalName: 'systemuser', Name: adele.displayName } }],
    } }],
  });
  const post = (body: unknown) => fetch(`${f.sandbox.manifest.urls.functions}/webhooks/dataverse?code=${f.sandbox.manifest.functionKey}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  for (const version of [BigInt(link.crmVersion!), BigInt(link.crmVersion!) - 1n]) {
    const answer = await post(delivery(version));
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ recordType: 'contact', crmId: contact.crmId, skipped: 'echo' });
  }
  await settle();
  expect(workerRuns(f.sandbox.hostOutput) - runsBefore).toBe(0);
  const item = await f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.outlookId}`).get();
  expect(item.jobTitle).toBe('Chief Executive (CRM)');
});

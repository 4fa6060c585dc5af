/**
 * Both directions at once: edits of different fields on both sides both survive, the same field follows the
 * conflict policy (CRM wins by default), and a long run of alternating edits ends equal with no write loop.
 */
import { loadConfig } from '../../shared/config';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { EmulatorControls } from '../emulators/common/controls-client';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';

jest.setTimeout(240_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;
let dataverse: EmulatorControls;
let graph: EmulatorControls;

beforeAll(async () => {
  f = await sandboxFixture();
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  await rt.subscriptions.ensureForMailbox(await f.enable('adele'));
  dataverse = new EmulatorControls(f.sandbox.manifest.urls.dataverse);
  graph = new EmulatorControls(f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, ''));
});
afterAll(() => f?.stop());

const post = (base: string, path: string, body: unknown = {}) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  .then((r) => expect(r.ok).toBe(true));
const graphBase = () => f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, '');

async function newLinkedContact(data: Record<string, unknown>) {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'contacts', data: { ...data, 'ownerid@odata.bind': `/systemusers(${adele.systemUserId})` } }) as string;
  const contact = await eventually(async () => {
    const page = await f.people.graph.api(`/users/${adele.entraObjectId}/contacts`).filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${id}')`).get();
    expect(page.value).toHaveLength(1);
    return page.value[0] as { id: string };
  });
  // Let the create's own notifications (Outlook sends created + updated) settle.
  await new Promise((r) => setTimeout(r, 1000));
  const outlook = (body: Record<string, unknown>) => f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.id}`).patch(body);
  const readOutlook = () => f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.id}`).get();
  const readCrm = (select: string[]) => crm.retrieve({ collection: 'contacts', key: id, select });
  return { id, crm, outlook, readOutlook, readCrm };
}

/** Holds Dataverse webhooks and Graph notifications, runs `edits`, then lets both flow at once. */
async function concurrently(edits: () => Promise<void>): Promise<void> {
  await post(f.sandbox.manifest.urls.dataverse, '/_emulator/webhooks/pause');
  await post(graphBase(), '/_emulator/notifications/pause');
  try {
    await edits();
  } finally {
    await post(f.sandbox.manifest.urls.dataverse, '/_emulator/webhooks/resume');
    await post(graphBase(), '/_emulator/notifications/resume');
  }
}

test('different fields edited on both sides both survive', async () => {
  const c = await newLinkedContact({ firstname: 'Lidia', lastname: 'Holloway', jobtitle: 'Engineer', telephone1: '+1 555 0100' });
  await concurrently(async () => {
    await c.crm.update({ collection: 'contacts', key: c.id, data: { jobtitle: 'Senior Engineer' } });
    await c.outlook({ businessPhones: ['+1 555 0177'] });
  });
  await eventually(async () => {
    expect(await c.readCrm(['jobtitle', 'telephone1'])).toMatchObject({ jobtitle: 'Senior Engineer', telephone1: '+1 555 0177' });
    expect(await c.readOutlook()).toMatchObject({ jobTitle: 'Senior Engineer', businessPhones: ['+1 555 0177'] });
  });
});

test('the same field edited on both sides follows the policy: CRM wins', async () => {
  const c = await newLinkedContact({ firstname: 'Joni', lastname: 'Sherman', jobtitle: 'Buyer' });
  await concurrently(async () => {
    await c.outlook({ jobTitle: 'Chief Buyer (Outlook)' });
    await c.crm.update({ collection: 'contacts', key: c.id, data: { jobtitle: 'Head Buyer (CRM)' } });
  });
  await eventually(async () => {
    expect((await c.readCrm(['jobtitle'])).jobtitle).toBe('Head Buyer (CRM)');
    expect((await c.readOutlook()).jobTitle).toBe('Head Buyer (CRM)');
  });
  await stays(async () => expect((await c.readOutlook()).jobTitle).toBe('Head Buyer (CRM)'), 1500);
});

test('100 alternating edits on both sides end with equal values and no write loop', async () => {
  const c = await newLinkedContact({ firstname: 'Grady', lastname: 'Archie', jobtitle: 'v-start' });
  for (let i = 0; i < 100; i++) {
    if (i % 2 === 0) await c.crm.update({ collection: 'contacts', key: c.id, data: { jobtitle: `crm-${i}` } });
    else await c.outlook({ jobTitle: `outlook-${i}` });
    await new Promise((r) => setTimeout(r, 30));
  }
  const settled = await eventually(async () => {
    const crmValue = (await c.readCrm(['jobtitle'])).jobtitle;
    const outlookValue = (await c.readOutlook()).jobTitle;
    expect(outlookValue).toBe(crmValue);
    return crmValue as string;
  }, { timeoutMs: 90_000, intervalMs: 500 });
  expect(settled).toMatch(/^(crm-98|outlook-99)$/);
  // Quiet now: no write keeps bouncing between the two sides.
  await new Promise((r) => setTimeout(r, 3000));
  await dataverse.resetCounters();
  await graph.resetCounters();
  await stays(async () => {
    expect(await dataverse.countMatching(/^(POST|PATCH|DELETE) /)).toBe(0);
    expect(await graph.countMatching(/^(POST|PATCH|DELETE) \/v1\.0\/users/)).toBe(0);
  }, 4000, 500);
  expect((await c.readOutlook()).jobTitle).toBe(settled);
});

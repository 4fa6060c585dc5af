/**
 * Rows deleted in CRM leave a tombstone on their link, so that CRM → Exchange creates can be applied from the
 * webhook's image without reading the row: a Create delivery that arrives after the row's Delete (Dataverse
 * retries asynchronous webhooks with no ordering) must not bring an item back for a row that is gone.
 */
import { loadConfig } from '../../shared/config';
import { IMAGE_ALIAS_ANNOTATION } from '../../shared/dataverse/data-contract';
import { registeredPostImage } from '../../shared/registration/dataverse-registration';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { applyCrmChange } from '../../shared/sync/crm-to-exchange';
import { eventually, stays } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';
import { ownerBind, webhookFault as armWebhookFault } from '../support/crm';

jest.setTimeout(120_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;

beforeAll(async () => {
  f = await sandboxFixture();
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  await f.enable('adele');
});
afterAll(() => f?.stop());

const webhookFault = (fault: Record<string, unknown>) => armWebhookFault(f.sandbox.manifest.urls.dataverse, fault);

test('a Create delivered after the row\'s Delete creates no item; the row\'s link is its tombstone', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  await webhookFault({ action: 'delay', count: 1, delayMs: 3000 });
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Gone before it synced', ...ownerBind(adele.systemUserId) } }) as string;
  await crm.deleteRecord({ collection: 'tasks', key: id });
  // The Delete is processed first (no link yet: a tombstone is written), then the late Create with its image.
  await eventually(async () => expect(await rt.services.links.getByCrmId('task', id)).toMatchObject({ state: 'unlinked', crmDeleted: true }));
  await stays(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(0), 5000);
});

test('a synced row deleted in CRM: its item goes, its link stays as a tombstone, a replayed Update brings nothing back', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Delete me', ...ownerBind(adele.systemUserId) } }) as string;
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(1));
  const linked = await rt.services.links.getByCrmId('task', id);
  await crm.deleteRecord({ collection: 'tasks', key: id });
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(0));
  await eventually(async () => expect(await rt.services.links.getByCrmId('task', id)).toMatchObject({ state: 'unlinked', crmDeleted: true }));
  // The Graph-side index is gone with the item: a notification about the old item finds no link.
  expect(await rt.services.links.getByGraphId(adele.entraObjectId, linked!.graphId!)).toBeUndefined();
  // A late Update about the row, newer than anything synced, with an image the worker trusts (no read): the
  // tombstone stops it.
  const outcome = await applyCrmChange(rt.services, {
    kind: 'crmChange', recordType: 'task', crmId: id, message: 'Update', versionNumber: '999999999',
    postImage: {
      [IMAGE_ALIAS_ANNOTATION]: registeredPostImage(rt.services.mappings.task).alias,
      activityid: id, subject: 'Delete me (late)', _ownerid_value: adele.systemUserId, versionnumber: 999999999, statecode: 0, statuscode: 2,
    },
    correlationId: 'late-update', receivedAt: new Date().toISOString(),
  });
  expect(outcome).toMatchObject({ action: 'skipped', reason: 'deletedInCrm' });
  expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(0);
});

test('deleting a row whose owner does not sync writes no tombstone; tombstones are pruned after their retention', async () => {
  const megan = f.user('megan');
  const id = await f.people.crmAs(megan.systemUserId).create({ collection: 'contacts', data: { firstname: 'Never', lastname: 'Synced', ...ownerBind(megan.systemUserId) } }) as string;
  await f.people.crmAs(megan.systemUserId).deleteRecord({ collection: 'contacts', key: id });
  await stays(async () => expect(await rt.services.links.getByCrmId('contact', id)).toBeUndefined(), 2000);

  const young = await rt.services.links.recordCrmDeletion('contact', '6d1f0c2e-0000-4000-8000-000000000001');
  await rt.services.links.pruneTombstones(new Date(Date.parse(young.updatedAt) - 1000));
  expect(await rt.services.links.getByCrmId('contact', young.crmId)).toMatchObject({ crmDeleted: true });
  expect(await rt.services.links.pruneTombstones(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1);
  expect(await rt.services.links.getByCrmId('contact', young.crmId)).toBeUndefined();
});

/**
 * A CRM → Exchange change applied from a webhook image that is older than the row (the row was completed
 * since, its own delivery still to come) while the To Do task was edited too: the merge that would write the
 * Outlook edit back to the CRM reads the row first, finds it completed, and keeps the edit in To Do — rather
 * than writing to a read-only row (Dataverse 400 0x8004022e, which parked the change in the poison queue).
 */
import { loadConfig } from '../../shared/config';
import { IMAGE_ALIAS_ANNOTATION } from '../../shared/dataverse/data-contract';
import { registeredPostImage } from '../../shared/registration/dataverse-registration';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { applyCrmChange } from '../../shared/sync/crm-to-exchange';
import { ownerBind, webhookFault } from '../support/crm';
import { eventually } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';

jest.setTimeout(120_000);
const NEVER = '0 0 0 1 1 *';
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_TODO_POLL_SCHEDULE: NEVER, SYNC_RECONCILIATION_SCHEDULE: NEVER } });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  await f.enable('adele', { tasks: 'serverSideSync' });
});
afterAll(() => f?.stop());

test('an Outlook edit met through a stale image is kept in To Do when the row was completed since', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const dataverse = f.sandbox.manifest.urls.dataverse;
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Prepare the offer', prioritycode: 1, ...ownerBind(adele.systemUserId) } }) as string;
  await eventually(async () => expect(await rt.services.links.getByCrmId('task', id)).toMatchObject({ state: 'linked' }));
  const link = (await rt.services.links.getByCrmId('task', id))!;

  // The CRM user renames the task (v2), then completes it (v3); both deliveries are lost for now.
  await webhookFault(dataverse, { action: 'drop', count: 2 });
  await crm.update({ collection: 'tasks', key: id, data: { subject: 'Prepare the offer (v2)' } });
  const v2 = await crm.retrieve({ collection: 'tasks', key: id, select: ['subject', 'prioritycode', 'statecode', 'statuscode', 'scheduledend', 'scheduledstart', 'description', '_ownerid_value', 'versionnumber', 'modifiedon'] }) as Record<string, unknown>;
  await crm.update({ collection: 'tasks', key: id, data: { statecode: 1, statuscode: 5 } });
  // Meanwhile Adele raises the importance in To Do (not polled here).
  await f.people.graph.api(`/users/${adele.entraObjectId}/todo/lists/${link.graphContainerId}/tasks/${link.graphId}`).patch({ importance: 'high' });

  // The rename's delivery arrives now, with its image (version 2, still open).
  const image: Record<string, unknown> = { ...v2, [IMAGE_ALIAS_ANNOTATION]: registeredPostImage(rt.services.mappings.task).alias };
  delete image['@odata.etag'];
  delete image['@odata.context'];
  const outcome = await applyCrmChange(rt.services, {
    kind: 'crmChange', recordType: 'task', crmId: id, message: 'Update', versionNumber: String(v2.versionnumber), postImage: image,
    correlationId: 'stale-image', receivedAt: new Date().toISOString(),
  });
  expect(outcome.action).toBe('updated');
  // The row stays completed with its priority; To Do keeps the importance and shows the CRM's state.
  expect(await crm.retrieve({ collection: 'tasks', key: id, select: ['statecode', 'prioritycode', 'subject'] })).toMatchObject({ statecode: 1, prioritycode: 1, subject: 'Prepare the offer (v2)' });
  const [task] = (await f.todoTasks('adele')).filter(f.linkedTo(id));
  expect(task).toMatchObject({ title: 'Prepare the offer (v2)', status: 'completed', importance: 'high' });
});

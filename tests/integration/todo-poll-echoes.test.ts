/**
 * To Do tasks echo through the poll: the delta page after our own create or update lists the task. Its etag is
 * the one the link recorded, so the round enqueues nothing for it (shared/sync/reconciliation.ts graphRound,
 * with the endpoints' echo check) — while an edit made in To Do is still enqueued and synced.
 */
import { loadConfig } from '../../shared/config';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { graphRound } from '../../shared/sync/reconciliation';
import { eventually } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';

jest.setTimeout(120_000);
const NEVER = '0 0 0 1 1 *';
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;
let listId: string;

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_TODO_POLL_SCHEDULE: NEVER, SYNC_RECONCILIATION_SCHEDULE: NEVER } });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  listId = (await f.enable('adele', { tasks: 'serverSideSync' })).todoListId!;
});
afterAll(() => f?.stop());

test('the poll enqueues nothing for our own To Do writes, and the To Do user\'s edit as before', async () => {
  const adele = f.user('adele');
  const round = () => graphRound(rt, adele.entraObjectId, 'task', listId);
  await round(); // the delta link a running deployment has
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Echo through the poll', 'ownerid@odata.bind': `/systemusers(${adele.systemUserId})` } }) as string;
  await eventually(async () => expect(await rt.services.links.getByCrmId('task', id)).toMatchObject({ state: 'linked' }));
  const skippedBefore = (await f.registry.get(adele.systemUserId))!.counters.skippedEcho;
  expect(await round()).toEqual({ items: 0, full: false });

  const link = await rt.services.links.getByCrmId('task', id);
  await f.people.graph.api(`/users/${adele.entraObjectId}/todo/lists/${listId}/tasks/${link!.graphId}`).patch({ status: 'completed' });
  expect(await round()).toEqual({ items: 1, full: false });
  await eventually(async () => expect(await crm.retrieve({ collection: 'tasks', key: id, select: ['statecode'] })).toMatchObject({ statecode: 1 }));
  await eventually(async () => expect((await f.registry.get(adele.systemUserId))!.counters.skippedEcho).toBeGreaterThan(skippedBefore));
});

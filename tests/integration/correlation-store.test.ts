import { startAzurite, type RunningAzurite } from '../../tools/azurite';
import { CorrelationStore, LinkConflictError } from '../../shared/correlation/correlation-store';
import type { SyncLink } from '../../shared/correlation/link';

let azurite: RunningAzurite;
let store: CorrelationStore;
beforeAll(async () => {
  azurite = await startAzurite();
  store = CorrelationStore.fromConnectionString(azurite.connectionString);
});
afterAll(() => azurite.stop());

const mailbox = '3F6E2A90-1B7C-4D5E-8F21-0A9B8C7D6E51';
// Regular Graph ids contain '/', '+' and '=' which Table keys forbid or mangle.
const graphId = 'AAMkAGI2THVSAAA/+b=';

function newLink(crmId: string, overrides: Partial<SyncLink> = {}): Omit<SyncLink, 'etag'> {
  const now = new Date().toISOString();
  return {
    recordType: 'task', crmId, mailboxUserId: mailbox, ownerSystemUserId: '0a1b2c3d-0001-4e5f-8a9b-000000000001',
    state: 'linked', graphId, graphContainerId: 'list-1', transactionId: `tx-${crmId}`, crmVersion: '1001',
    graphEtag: 'ck1', snapshot: { subject: 'Call Contoso', dueDate: '2026-12-01', done: false }, createdAt: now, updatedAt: now,
    ...overrides,
  };
}

test('a link is found by CRM id and by Graph id, each with point reads, keys case-insensitive', async () => {
  const crmId = 'C0FFEE00-0000-4000-8000-000000000001';
  await store.create(newLink(crmId));
  const byCrm = await store.getByCrmId('task', crmId.toLowerCase());
  expect(byCrm).toMatchObject({ crmId: crmId.toLowerCase(), graphId, snapshot: { subject: 'Call Contoso', dueDate: '2026-12-01', done: false } });
  expect(byCrm?.etag).toBeTruthy();
  const byGraph = await store.getByGraphId(mailbox, graphId);
  expect(byGraph?.crmId).toBe(crmId.toLowerCase());
  expect(await store.getByGraphId('00000000-0000-0000-0000-000000000000', graphId)).toBeUndefined();
  expect(await store.getByCrmId('contact', crmId)).toBeUndefined();
});

test('two workers cannot both create, and a stale update loses (optimistic concurrency)', async () => {
  const crmId = 'c0ffee00-0000-4000-8000-000000000002';
  const results = await Promise.allSettled([store.create(newLink(crmId, { graphId: 'g-a' })), store.create(newLink(crmId, { graphId: 'g-b' }))]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(rejected.reason).toBeInstanceOf(LinkConflictError);

  const read = (await store.getByCrmId('task', crmId))!;
  const first = await store.update({ ...read, crmVersion: '2000' });
  expect(first.crmVersion).toBe('2000');
  await expect(store.update({ ...read, crmVersion: '1999' })).rejects.toBeInstanceOf(LinkConflictError);
  expect((await store.getByCrmId('task', crmId))?.crmVersion).toBe('2000');
});

test('moving a link to another mailbox retires the old Graph index; delete removes both rows', async () => {
  const crmId = 'c0ffee00-0000-4000-8000-000000000003';
  const created = await store.create(newLink(crmId, { graphId: 'old-item' }));
  const other = '5b2c9d14-7e3f-4a61-b0c8-9d2e1f3a4b62';
  const moved = await store.update({ ...created, mailboxUserId: other, graphId: 'new-item' });
  await store.deleteIndex(mailbox, 'old-item');
  expect(await store.getByGraphId(mailbox, 'old-item')).toBeUndefined();
  expect((await store.getByGraphId(other, 'new-item'))?.crmId).toBe(crmId);
  const listed: string[] = [];
  for await (const link of store.listByMailbox(other)) listed.push(link.crmId);
  expect(listed).toEqual([crmId]);
  await store.delete(moved);
  expect(await store.getByCrmId('task', crmId)).toBeUndefined();
  expect(await store.getByGraphId(other, 'new-item')).toBeUndefined();
});

test('a pending link (create in flight) has no Graph index yet', async () => {
  const crmId = 'c0ffee00-0000-4000-8000-000000000004';
  const pending = await store.create(newLink(crmId, { state: 'pending', graphId: undefined }));
  expect(pending.state).toBe('pending');
  const linked = await store.update({ ...pending, state: 'linked', graphId: 'made-now' });
  expect((await store.getByGraphId(mailbox, 'made-now'))?.etag).toBe(linked.etag);
});

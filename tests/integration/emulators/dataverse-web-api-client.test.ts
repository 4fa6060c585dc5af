/**
 * The real dynamics-web-api client (tokens from msal-node against the identity emulator) against the Dataverse
 * emulator: create, retrieve, retrieveMultiple/retrieveAll, update (with and without If-Match), delete,
 * WhoAmI and executeBatch — the calls our DataverseGateway makes.
 */
import type { DynamicsWebApi } from 'dynamics-web-api';
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';

let sandbox: DataverseSandbox;
let api: DynamicsWebApi;

beforeAll(async () => {
  sandbox = await startDataverseSandbox();
  api = sandbox.webApi(sandbox.seed.clients.sync, { propagateErrors: true });
});
afterAll(() => sandbox.close());

const adele = () => sandbox.seed.users[0]!;
/** create() without returnRepresentation resolves to the new id. */
const createId = async (request: { collection: string; data: Record<string, unknown> }): Promise<string> =>
  String(await api.create<Record<string, unknown>, string>(request));

test('create returns the new id; retrieve reads it back with etag, owner annotations and UTC dates as Date', async () => {
  const id = await createId({
    collection: 'tasks',
    data: {
      subject: 'Call Yvonne about the renewal',
      scheduledend: '2030-04-18T21:00:00Z',
      'ownerid@odata.bind': `/systemusers(${adele().systemUserId})`,
    },
  });
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const row = await api.retrieve<Record<string, unknown>>({
    collection: 'tasks', key: id, select: ['subject', 'scheduledend', '_ownerid_value', 'statecode', 'statuscode', 'versionnumber'],
    includeAnnotations: '*',
  });
  expect(row).toMatchObject({
    subject: 'Call Yvonne about the renewal',
    _ownerid_value: adele().systemUserId,
    _ownerid_value_LogicalName: 'systemuser',
    _ownerid_value_Formatted: adele().displayName,
    statecode: 0,
    statuscode: 2,
    statuscode_Formatted: 'Not Started',
    activityid: id,
  });
  expect(row['@odata.etag']).toBe(`W/"${row.versionnumber as number}"`);
  // dynamics-web-api turns ISO instants into Date objects.
  expect((row.scheduledend as Date).toISOString()).toBe('2030-04-18T21:00:00.000Z');
});

test('create with returnRepresentation gets the row; update with the etag succeeds, a stale etag returns false without propagateErrors', async () => {
  const created = await api.create<Record<string, unknown>>({
    collection: 'contacts', data: { firstname: 'Rafel', lastname: 'Shillo', jobtitle: 'Junior Developer' }, returnRepresentation: true,
    select: ['fullname', 'jobtitle', 'contactid'],
  });
  expect(created).toMatchObject({ fullname: 'Rafel Shillo', jobtitle: 'Junior Developer' });
  const etag = created['@odata.etag'] as string;
  const updated = await api.update<Record<string, unknown>>({
    collection: 'contacts', key: created.contactid as string, data: { jobtitle: 'Developer' }, ifmatch: etag,
    returnRepresentation: true, select: ['jobtitle'],
  });
  expect(updated).toMatchObject({ jobtitle: 'Developer' });
  expect(updated['@odata.etag']).not.toBe(etag);

  const lenient = sandbox.webApi(sandbox.seed.clients.sync);
  const stale = await lenient.update({ collection: 'contacts', key: created.contactid as string, data: { jobtitle: 'Lead' }, ifmatch: etag });
  expect(stale).toBe(false);
  await expect(api.update({ collection: 'contacts', key: created.contactid as string, data: { jobtitle: 'Lead' }, ifmatch: etag }))
    .rejects.toMatchObject({ status: 412, code: '0x80060882', message: "The version of the existing record doesn't match the RowVersion property provided." });
});

test('update defaults to If-Match: * so a missing row is a 404, not an upsert', async () => {
  const missing = '00000000-0000-0000-0000-000000000001';
  await expect(api.update({ collection: 'tasks', key: missing, data: { subject: 'x' } }))
    .rejects.toMatchObject({ status: 404, message: `task With Id = ${missing} Does Not Exist` });
  const rows = sandbox.dataverse.context.rows('task').filter((r) => r.activityid === missing);
  expect(rows).toHaveLength(0);
});

test('retrieveMultiple filters by owner and modifiedon; retrieveAll follows nextLink pages', async () => {
  const mine = await api.retrieveMultiple<Record<string, unknown>>({
    collection: 'tasks', select: ['subject', '_ownerid_value'], filter: `_ownerid_value eq ${adele().systemUserId} and statecode eq 0`,
  });
  expect(mine.value.length).toBeGreaterThanOrEqual(4);
  expect(mine.value.every((t) => t._ownerid_value === adele().systemUserId)).toBe(true);

  const all = await api.retrieveAll<Record<string, unknown>>({ collection: 'contacts', select: ['fullname'], maxPageSize: 5 });
  const total = sandbox.dataverse.context.rows('contact').length;
  expect(all.value).toHaveLength(total);
  expect(new Set(all.value.map((c) => c.contactid)).size).toBe(total);

  const recent = await api.retrieveMultiple({ collection: 'contacts', select: ['fullname'], filter: 'modifiedon gt 2100-01-01T00:00:00Z' });
  expect(recent.value).toHaveLength(0);
});

test('deleteRecord removes the row; a second delete is a 404', async () => {
  const id = await createId({ collection: 'tasks', data: { subject: 'Temporary' } });
  await api.deleteRecord({ collection: 'tasks', key: id });
  expect(sandbox.dataverse.context.rows('task').some((r) => r.activityid === id)).toBe(false);
  await expect(api.deleteRecord({ collection: 'tasks', key: id })).rejects.toMatchObject({ status: 404 });
});

test('WhoAmI answers the application user, or the impersonated user', async () => {
  const me = await api.callFunction<{ UserId: string; BusinessUnitId: string; OrganizationId: string }>({ functionName: 'WhoAmI' });
  expect(me.UserId).toBe(sandbox.seed.clients.sync.dataverseApplicationUserId);
  expect(me.OrganizationId).toBe(sandbox.dataverse.context.organizationId);
  const people = sandbox.webApi(sandbox.seed.clients.people, { impersonateAAD: adele().entraObjectId });
  const asAdele = await people.callFunction<{ UserId: string }>({ functionName: 'WhoAmI' });
  expect(asAdele.UserId).toBe(adele().systemUserId);
});

test('executeBatch: creates in a change set plus a query; the batch response parses into ids and rows', async () => {
  api.startBatch();
  api.create({ collection: 'tasks', data: { subject: 'Task 1 in batch' } });
  api.create({ collection: 'tasks', data: { subject: 'Task 2 in batch' } });
  api.retrieveMultiple({ collection: 'tasks', select: ['subject'], filter: "startswith(subject,'Task ') and contains(subject,'in batch')" });
  const [first, second, query] = await api.executeBatch() as [string, string, { value: Array<Record<string, unknown>> }];
  expect(first).toMatch(/^[0-9a-f-]{36}$/);
  expect(second).toMatch(/^[0-9a-f-]{36}$/);
  expect(query.value.map((t) => t.activityid)).toEqual(expect.arrayContaining([first, second]));
});

test('executeBatch: a failing request in the change set rolls back the others and rejects with the error', async () => {
  api.startBatch();
  api.create({ collection: 'tasks', data: { subject: 'Should be rolled back' } });
  api.create({ collection: 'tasks', data: { subject: 'x'.repeat(201) } });
  const error = await api.executeBatch().then(() => undefined, (e: unknown) => e);
  expect(Array.isArray(error)).toBe(true);
  // dynamics-web-api keeps a batch part's error envelope as it is (`error.error.code`).
  expect((error as Array<Record<string, unknown>>)[0]).toMatchObject({ status: 400, error: { code: '0x80044331' } });
  expect(sandbox.dataverse.context.rows('task').some((r) => r.subject === 'Should be rolled back')).toBe(false);
});

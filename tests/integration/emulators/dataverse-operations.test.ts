/**
 * What the event pipeline hands to plug-in steps (DataverseContext.onOperation / onOperationInTransaction):
 * whole before/after rows, the Target, initiating and effective user; an Update with owner or state columns runs
 * as Update + Assign / Update + SetState (special-update-operation-behavior.md); a synchronous step that throws
 * rolls the request back (fixture error-400-plugin-with-annotations.json for the error's annotations).
 */
import type { DataverseOperation } from '../../emulators/dataverse/context';
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { fixture } from '../../support/fixtures';

let sandbox: DataverseSandbox;
let operations: DataverseOperation[];
let unsubscribe: () => void;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());
beforeEach(() => {
  operations = [];
  unsubscribe = sandbox.dataverse.context.onOperation((op) => operations.push(op));
});
afterEach(() => unsubscribe());

const adele = () => sandbox.seed.users[0]!;
const alex = () => sandbox.seed.users[1]!;
const entityId = (res: Response) => /\(([^)]+)\)$/.exec(res.headers.get('odata-entityid')!)![1]!;

test('Create: after row and Target, initiating user = application user, user = the impersonated user', async () => {
  const people = sandbox.seed.clients.people;
  const res = await sandbox.call('tasks', {
    method: 'POST', client: people, headers: { CallerObjectId: adele().entraObjectId, 'x-ms-correlation-request-id': 'c0ffee00-0000-4000-8000-000000000001' },
    body: { subject: 'Observed create', prioritycode: 2 },
  });
  const id = entityId(res);
  expect(operations).toHaveLength(1);
  const [op] = operations;
  expect(op).toMatchObject({
    messageName: 'Create', id, initiatingUserId: people.dataverseApplicationUserId, userId: adele().systemUserId,
    correlationId: 'c0ffee00-0000-4000-8000-000000000001', depth: 1,
  });
  expect(op!.table.logicalName).toBe('task');
  expect(op!.before).toBeUndefined();
  expect(op!.after).toMatchObject({ activityid: id, subject: 'Observed create', prioritycode: 2, statecode: 0, statuscode: 2, ownerid: { id: adele().systemUserId, logicalName: 'systemuser' } });
  expect(op!.target).toMatchObject({ subject: 'Observed create', activityid: id });
  expect(op!.target).not.toHaveProperty('description'); // null columns are not part of a Create's Target
});

test('PATCH of other columns + state: Update (columns), then Update + SetState (state), with before/after rows', async () => {
  const id = entityId(await sandbox.call('tasks', { method: 'POST', body: { subject: 'To complete' } }));
  operations.length = 0;
  await sandbox.call(`tasks(${id})?tag=sync-run-7`, { method: 'PATCH', body: { description: 'done', statecode: 1, statuscode: 5 } });
  expect(operations.map((o) => o.messageName)).toEqual(['Update', 'Update', 'SetState']);
  const [columns, state, setState] = operations;
  expect(columns!.target).toMatchObject({ activityid: id, description: 'done' });
  expect(columns!.target).not.toHaveProperty('statecode');
  expect(columns!.target).toHaveProperty('modifiedon');
  expect(columns!.before).toMatchObject({ description: null, statecode: 0 });
  expect(columns!.after).toMatchObject({ description: 'done', statecode: 0 });
  expect(state!.target).toMatchObject({ activityid: id, statecode: 1, statuscode: 5 });
  expect(state!.before).toMatchObject({ description: 'done', statecode: 0 });
  expect(state!.after).toMatchObject({ statecode: 1, statuscode: 5 });
  expect(setState!.target).toEqual({ activityid: id, statecode: 1, statuscode: 5 });
  expect(operations.every((o) => o.tag === 'sync-run-7')).toBe(true);
  expect((state!.after!.versionnumber as number)).toBeGreaterThan(columns!.after!.versionnumber as number);
});

test('PATCH ownerid: Update + Assign; the same owner again is a plain Update', async () => {
  const id = entityId(await sandbox.call('contacts', { method: 'POST', body: { firstname: 'Owner', lastname: 'Change' } }));
  operations.length = 0;
  await sandbox.call(`contacts(${id})`, { method: 'PATCH', body: { 'ownerid@odata.bind': `/systemusers(${alex().systemUserId})` } });
  expect(operations.map((o) => o.messageName)).toEqual(['Update', 'Assign']);
  expect(operations[1]!.target).toEqual({ contactid: id, ownerid: { id: alex().systemUserId, logicalName: 'systemuser' } });
  expect(operations[1]!.after).toMatchObject({ ownerid: { id: alex().systemUserId, logicalName: 'systemuser' }, owninguser: { id: alex().systemUserId, logicalName: 'systemuser' } });
  operations.length = 0;
  await sandbox.call(`contacts(${id})`, { method: 'PATCH', body: { 'ownerid@odata.bind': `/systemusers(${alex().systemUserId})`, jobtitle: 'CTO' } });
  expect(operations.map((o) => o.messageName)).toEqual(['Update']);
});

test('Delete: whole before row, empty Target', async () => {
  const id = entityId(await sandbox.call('contacts', { method: 'POST', body: { firstname: 'Gone', lastname: 'Soon' } }));
  operations.length = 0;
  await sandbox.call(`contacts(${id})`, { method: 'DELETE' });
  expect(operations).toHaveLength(1);
  expect(operations[0]).toMatchObject({ messageName: 'Delete', id, target: {}, before: { contactid: id, fullname: 'Gone Soon' } });
  expect(operations[0]!.after).toBeUndefined();
});

test('a synchronous step that throws rolls the request back; its error carries the annotations when asked', async () => {
  const documented = fixture('dataverse/error-400-plugin-with-annotations.json') as { error: Record<string, string> };
  const stop = sandbox.dataverse.context.onOperationInTransaction!(async (op) => {
    if (op.table.logicalName === 'contact' && op.after?.lastname === 'Rejected') {
      throw sandbox.dataverse.context.dataverseError(400, '0x80040265', 'Example Error Message.');
    }
  });
  try {
    const plain = await sandbox.call('contacts', { method: 'POST', body: { firstname: 'Plug-in', lastname: 'Rejected' } });
    expect(plain.status).toBe(400);
    expect(await plain.json()).toEqual({ error: { code: '0x80040265', message: 'Example Error Message.' } });
    const annotated = await sandbox.call('contacts', {
      method: 'POST', headers: { Prefer: 'odata.include-annotations="*"' }, body: { firstname: 'Plug-in', lastname: 'Rejected' },
    });
    const body = await annotated.json() as { error: Record<string, string> };
    expect(body.error).toMatchObject({
      code: documented.error.code, message: documented.error.message,
      '@Microsoft.PowerApps.CDS.HelpLink': documented.error['@Microsoft.PowerApps.CDS.HelpLink'],
      '@Microsoft.PowerApps.CDS.InnerError.Message': documented.error['@Microsoft.PowerApps.CDS.InnerError.Message'],
    });
    expect(sandbox.dataverse.context.rows('contact').some((c) => c.lastname === 'Rejected')).toBe(false);
    expect(operations).toHaveLength(0);
  } finally {
    stop();
  }
});

test('rows() and /_emulator/tables dump stored rows with lookups as { id, logicalName }', async () => {
  const res = await fetch(`${sandbox.orgUrl}/_emulator/tables/task`);
  const tasks = await res.json() as Array<Record<string, unknown>>;
  const mine = tasks.filter((t) => (t.ownerid as { id: string } | null)?.id === adele().systemUserId);
  expect(mine.length).toBeGreaterThanOrEqual(4);
  expect(mine[0]).toMatchObject({ statecode: 0, regardingobjectid: { logicalName: 'contact' } });
  expect((await fetch(`${sandbox.orgUrl}/_emulator/tables/nosuchtable`)).status).toBe(404);
});

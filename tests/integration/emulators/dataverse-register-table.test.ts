/**
 * DataverseContext.registerTable makes any table definition a Web API entity set — also after start-up — with
 * the same validation, conditional operations and operations as the built-in tables; seed rows and putRow rows
 * may carry bare GUID lookups; write-only columns never read back.
 */
import type { TableDefinition } from '../../emulators/dataverse/context';
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());

const WIDGET: TableDefinition = {
  logicalName: 'new_widget',
  entitySetName: 'new_widgets',
  primaryIdAttribute: 'new_widgetid',
  primaryNameAttribute: 'new_name',
  ownership: 'OrganizationOwned',
  changeTrackingEnabled: true,
  columns: {
    new_widgetid: { type: 'uniqueidentifier' },
    new_name: { type: 'string', maxLength: 20, required: true },
    new_secret: { type: 'memo', maxLength: 100, writeOnly: true },
    new_kind: { type: 'picklist', options: [1, 2], labels: { 1: 'Small', 2: 'Large' } },
    new_userid: { type: 'lookup', targets: ['systemuser'] },
    createdon: { type: 'datetime', readOnly: true },
    modifiedon: { type: 'datetime', readOnly: true },
    versionnumber: { type: 'bigint', readOnly: true },
  },
  seedRows: [{ new_widgetid: '11111111-0000-4000-8000-000000000001', new_name: 'Seeded', new_kind: 1, new_userid: '0A1B2C3D-0001-4E5F-8A9B-000000000001' }],
};

test('a table registered after start-up is served: create, read (write-only column null), filter, update, delete', async () => {
  sandbox.dataverse.context.registerTable(WIDGET);
  const seeded = await (await sandbox.call('new_widgets(11111111-0000-4000-8000-000000000001)?$select=new_name,_new_userid_value', {
    headers: { Prefer: 'odata.include-annotations="*"' },
  })).json() as Record<string, unknown>;
  expect(seeded).toMatchObject({
    new_name: 'Seeded', _new_userid_value: '0a1b2c3d-0001-4e5f-8a9b-000000000001',
    '_new_userid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser', '_new_userid_value@OData.Community.Display.V1.FormattedValue': 'Adele Vance',
  });

  const created = await sandbox.call('new_widgets', {
    method: 'POST', headers: { Prefer: 'return=representation' },
    body: { new_name: 'Gear', new_secret: 'hunter2', new_kind: 2, 'new_userid@odata.bind': `/systemusers(${sandbox.seed.users[1]!.systemUserId})` },
  });
  expect(created.status).toBe(201);
  const row = await created.json() as Record<string, unknown>;
  expect(row).toMatchObject({ new_name: 'Gear', new_secret: null, new_kind: 2 });
  expect(sandbox.dataverse.context.rows('new_widget').find((w) => w.new_widgetid === row.new_widgetid)!.new_secret).toBe('hunter2');

  const large = await (await sandbox.call('new_widgets?$select=new_name&$filter=new_kind eq 2')).json() as { value: unknown[] };
  expect(large.value).toHaveLength(1);
  expect((await sandbox.call(`new_widgets(${row.new_widgetid as string})`, { method: 'PATCH', headers: { 'If-Match': row['@odata.etag'] as string }, body: { new_name: 'Gear 2' } })).status).toBe(204);
  expect((await sandbox.call(`new_widgets(${row.new_widgetid as string})`, { method: 'PATCH', body: { new_name: 'x'.repeat(21) } })).status).toBe(400);
  expect((await sandbox.call('new_widgets', { method: 'POST', body: { new_kind: 1 } })).status).toBe(400);
  expect((await sandbox.call('new_widgets', { method: 'POST', body: { new_name: 'x', new_color: 'red' } })).status).toBe(400);
  expect((await sandbox.call(`new_widgets(${row.new_widgetid as string})`, { method: 'DELETE' })).status).toBe(204);
  expect((await sandbox.call('new_widgets/$count')).status).toBe(200);
});

test('putRow and deleteRow write platform rows without the Web API', async () => {
  const { context } = sandbox.dataverse;
  context.putRow!('new_widget', { new_widgetid: '11111111-0000-4000-8000-000000000002', new_name: 'Platform row', new_userid: sandbox.seed.users[0]!.systemUserId });
  expect(context.rows('new_widget').find((w) => w.new_widgetid === '11111111-0000-4000-8000-000000000002')).toMatchObject({
    new_name: 'Platform row', new_userid: { id: sandbox.seed.users[0]!.systemUserId, logicalName: 'systemuser' }, versionnumber: expect.any(Number),
  });
  context.deleteRow!('new_widget', '11111111-0000-4000-8000-000000000002');
  expect((await sandbox.call('new_widgets(11111111-0000-4000-8000-000000000002)')).status).toBe(404);
});

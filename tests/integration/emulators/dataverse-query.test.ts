/**
 * Reading through the Web API (fixtures contact.json, contact-with-tasks-expanded.json, tasks-query-response.json):
 * $select/$filter/$orderby/$top/$count/$expand, paging with odata.maxpagesize, annotations — and the 400s for
 * unknown properties and mistyped literals, which the emulator never ignores.
 */
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { fixture } from '../../support/fixtures';

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());

const adele = () => sandbox.seed.users[0]!;
const json = async (res: Response) => res.json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
const annotations = { Prefer: 'odata.include-annotations="*"' };
const firstContactOf = (systemUserId: string) =>
  sandbox.dataverse.context.rows('contact').find((c) => (c.ownerid as { id: string }).id === systemUserId)!;

test('a single row with annotations has the shape of contact.json', async () => {
  const documented = fixture('dataverse/contact.json') as Record<string, unknown>;
  const contact = firstContactOf(adele().systemUserId);
  const res = await sandbox.call(`contacts(${contact.contactid as string})?$select=fullname,jobtitle,description,_parentcustomerid_value`, { headers: annotations });
  expect(res.status).toBe(200);
  expect(res.headers.get('preference-applied')).toBe('odata.include-annotations="*"');
  const body = await json(res);
  expect(body['@odata.context']).toBe(`${sandbox.apiUrl}/$metadata#contacts(fullname,jobtitle,description,_parentcustomerid_value)/$entity`);
  expect(body['@odata.etag']).toMatch(/^W\/"\d+"$/);
  expect(res.headers.get('etag')).toBe(body['@odata.etag']);
  expect(body).toMatchObject({ fullname: contact.fullname, jobtitle: contact.jobtitle, description: null, contactid: contact.contactid });
  // Lookup annotations in the documented order and form (as _transactioncurrencyid_value in the fixture).
  const lookupKeys = Object.keys(documented).filter((k) => k.startsWith('_transactioncurrencyid_value')).map((k) => k.replace('_transactioncurrencyid_value', '_parentcustomerid_value'));
  expect(Object.keys(body).filter((k) => k.startsWith('_parentcustomerid_value'))).toEqual(lookupKeys);
  expect(body['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('account');
  expect(body['_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty']).toBe('parentcustomerid_account');
  expect(typeof body['_parentcustomerid_value@OData.Community.Display.V1.FormattedValue']).toBe('string');
  expect(Object.keys(body).at(-1)).toBe('contactid');
});

test('$expand of a collection has the shape of contact-with-tasks-expanded.json, with formatted local times', async () => {
  const documented = fixture('dataverse/contact-with-tasks-expanded.json') as { Contact_Tasks: Array<Record<string, unknown>> };
  const contact = firstContactOf(adele().systemUserId);
  const res = await sandbox.call(
    `contacts(${contact.contactid as string})?$select=fullname&$expand=Contact_Tasks($select=subject,description,scheduledstart,scheduledend)`,
    { headers: { ...annotations, CallerObjectId: adele().entraObjectId }, client: sandbox.seed.clients.people },
  );
  const body = await json(res);
  expect(body['@odata.context']).toBe(`${sandbox.apiUrl}/$metadata#contacts(fullname,Contact_Tasks(subject,description,scheduledstart,scheduledend))/$entity`);
  expect(body.Contact_Tasks.length).toBeGreaterThanOrEqual(1);
  const task = body.Contact_Tasks[0] as Record<string, unknown>;
  // The sample task regarding this contact has a start and a due date, like the documented ones.
  expect(Object.keys(task)).toEqual(Object.keys(documented.Contact_Tasks[0]!));
  expect(task.scheduledend).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  // Formatted values are in the (effective) user's time zone: Adele is on Tokyo time, 17:00Z is 2:00 AM there.
  expect(task['scheduledend@OData.Community.Display.V1.FormattedValue']).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} 2:00 AM$/);
  // The application user has no personal zone: UTC.
  const asApp = await json(await sandbox.call(`tasks(${task.activityid as string})?$select=scheduledend`, { headers: annotations }));
  expect(asApp['scheduledend@OData.Community.Display.V1.FormattedValue']).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} 5:00 PM$/);
});

test('a collection query with $select has the shape of tasks-query-response.json', async () => {
  const documented = fixture('dataverse/tasks-query-response.json') as { value: Array<Record<string, unknown>> };
  const body = await json(await sandbox.call('tasks?$select=subject&$top=3'));
  expect(body['@odata.context']).toBe(`${sandbox.apiUrl}/$metadata#tasks(subject)`);
  expect(body.value).toHaveLength(3);
  for (const row of body.value) expect(Object.keys(row)).toEqual(Object.keys(documented.value[0]!));
});

test('$filter: owner, dates, text functions (case-insensitive), null, and/or/not; $orderby, $top, $count', async () => {
  const mine = await json(await sandbox.call(`tasks?$select=subject,scheduledend&$filter=_ownerid_value eq ${adele().systemUserId} and statecode eq 0&$orderby=scheduledend desc&$count=true`));
  expect(mine['@odata.count']).toBe(mine.value.length);
  expect(mine.value.length).toBeGreaterThanOrEqual(4);
  const dues = mine.value.map((t: Record<string, string>) => Date.parse(t.scheduledend!));
  expect(dues).toEqual([...dues].sort((a, b) => b - a));

  const overdue = await json(await sandbox.call(`tasks?$select=subject&$filter=scheduledend lt ${new Date().toISOString()} and statecode eq 0`));
  expect(overdue.value.length).toBeGreaterThanOrEqual(3);
  const text = await json(await sandbox.call("contacts?$select=fullname&$filter=contains(fullname,'MCKAY') or startswith(lastname,'stub')"));
  expect(text.value.map((c: Record<string, string>) => c.fullname).sort()).toEqual(['Susanna Stubberod', 'Yvonne McKay']);
  const noFax = await json(await sandbox.call('contacts?$select=fullname&$filter=fax eq null and not (statecode eq 1)'));
  const withFax = await json(await sandbox.call('contacts?$select=fullname&$filter=fax ne null'));
  expect(noFax.value.length + withFax.value.length).toBe(sandbox.dataverse.context.rows('contact').length);
  const top = await json(await sandbox.call('contacts?$select=lastname&$orderby=lastname asc&$top=2'));
  expect(top.value.map((c: Record<string, string>) => c.lastname)).toEqual(
    sandbox.dataverse.context.rows('contact').map((c) => String(c.lastname)).sort((a, b) => a.localeCompare(b)).slice(0, 2));
  const count = await sandbox.call("contacts/$count?$filter=address1_stateorprovince eq 'WA'");
  expect(Number(await count.text())).toBe(sandbox.dataverse.context.rows('contact').filter((c) => c.address1_stateorprovince === 'WA').length);
});

test('paging: Prefer odata.maxpagesize gives pages with @odata.nextLink until the end', async () => {
  const total = sandbox.dataverse.context.rows('contact').length;
  let url: string | undefined = `${sandbox.apiUrl}/contacts?$select=fullname`;
  const seen: string[] = [];
  let pages = 0;
  while (url) {
    const res = await sandbox.call(url, { headers: { Prefer: 'odata.maxpagesize=5' } });
    expect(res.headers.get('preference-applied')).toBe('odata.maxpagesize=5');
    const body = await json(res);
    expect(body.value.length).toBeLessThanOrEqual(5);
    seen.push(...body.value.map((c: Record<string, string>) => c.contactid));
    url = body['@odata.nextLink'];
    if (url) expect(url).toContain('$select=fullname&$skiptoken=');
    pages += 1;
  }
  expect(pages).toBe(Math.ceil(total / 5));
  expect(new Set(seen).size).toBe(total);
});

test('unknown properties and mistyped literals in the URL are 400s, never ignored', async () => {
  const select = await sandbox.call('tasks?$select=subjekt');
  expect(select.status).toBe(400);
  expect(await json(select)).toEqual({ error: { code: '0x80060888', message: "Could not find a property named 'subjekt' on type 'Microsoft.Dynamics.CRM.task'." } });
  const filter = await json(await sandbox.call('tasks?$filter=owner eq null'));
  expect(filter.error.message).toBe("Could not find a property named 'owner' on type 'Microsoft.Dynamics.CRM.task'.");
  const quotedGuid = await json(await sandbox.call(`tasks?$filter=_ownerid_value eq '${adele().systemUserId}'`));
  expect(quotedGuid.error.message).toBe("A binary operator with incompatible types was detected. Found operand types 'Edm.Guid' and 'Edm.String' for operator kind 'Equal'.");
  const lookupByName = await sandbox.call('tasks?$select=ownerid');
  expect(lookupByName.status).toBe(400);
  expect((await sandbox.call('tasks?$skip=10')).status).toBe(400);
  expect((await sandbox.call('tasks?$filter=subject eq')).status).toBe(400);
  expect((await sandbox.call('tasks(not-a-guid)')).status).toBe(400);
  const unknownSet = await sandbox.call('taskz');
  expect(unknownSet.status).toBe(404);
  expect((await json(unknownSet)).error.message).toBe("Resource not found for the segment 'taskz'.");
});

test('payload errors: unknown column, wrong type, too long (as documented), lookups without @odata.bind, platform columns', async () => {
  const post = (body: unknown, set = 'tasks') => sandbox.call(set, { method: 'POST', body });
  const unknown = await json(await post({ subject: 'x', subjekt: 'y' }));
  expect(unknown.error.code).toBe('0x80048d19');
  expect(unknown.error.message).toContain("The property 'subjekt' does not exist on type 'Microsoft.Dynamics.CRM.task'.");
  const wrongType = await json(await post({ subject: 'x', percentcomplete: '5' }));
  expect(wrongType.error.message).toContain("Cannot convert the literal '5' to the expected type 'Edm.Int32'.");
  const badDate = await json(await post({ subject: 'x', scheduledend: 'tomorrow' }));
  expect(badDate.error.message).toContain("to the expected type 'Edm.DateTimeOffset'");
  const tooLong = await post({ subject: 'x'.repeat(201) });
  expect(tooLong.status).toBe(400);
  expect(await tooLong.json()).toEqual(fixture('dataverse/error-400-validation-subject-too-long.json'));
  expect((await post({ subject: 'x', ownerid: adele().systemUserId })).status).toBe(400);
  expect((await post({ subject: 'x', _ownerid_value: adele().systemUserId })).status).toBe(400);
  expect((await post({ subject: 'x', createdon: '2020-01-01T00:00:00Z' })).status).toBe(400);
  expect((await post({ subject: 'x', 'regardingobjectid_contact_task@odata.bind': '/accounts(00000000-0000-0000-0000-00000000abcd)' })).status).toBe(400);
  const missingTarget = await post({ subject: 'x', 'ownerid@odata.bind': '/systemusers(00000000-0000-0000-0000-00000000abcd)' });
  expect(missingTarget.status).toBe(404);
  expect((await json(missingTarget)).error.message).toBe('systemuser With Id = 00000000-0000-0000-0000-00000000abcd Does Not Exist');
  expect(sandbox.dataverse.context.rows('task').some((t) => t.subject === 'x')).toBe(false);
});

test('contact columns: fullname computed, date-only birthdate, addresses and phones round-trip', async () => {
  const res = await sandbox.call('contacts?$select=fullname,birthdate,telephone1,telephone2,mobilephone,address1_city,spousesname,department', {
    method: 'POST', headers: { Prefer: 'return=representation' },
    body: {
      firstname: 'Susie', lastname: 'Curtis', birthdate: '1990-07-14', telephone1: '+1 425 555 0100', telephone2: '+1 425 555 0101',
      mobilephone: '+1 425 555 0102', address1_city: 'Redmond', spousesname: 'Sam', department: 'Finance',
    },
  });
  expect(res.status).toBe(201);
  expect(await json(res)).toMatchObject({
    fullname: 'Susie Curtis', birthdate: '1990-07-14', telephone1: '+1 425 555 0100', telephone2: '+1 425 555 0101',
    mobilephone: '+1 425 555 0102', address1_city: 'Redmond', spousesname: 'Sam', department: 'Finance',
  });
  const badDate = await json(await sandbox.call('contacts', { method: 'POST', body: { lastname: 'x', birthdate: '1990-07-14T00:00:00Z' } }));
  expect(badDate.error.message).toContain("to the expected type 'Edm.Date'");
});

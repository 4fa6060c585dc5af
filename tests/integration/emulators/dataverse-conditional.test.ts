/**
 * Conditional operations and row versions (perform-conditional-operations-using-web-api.md; fixtures
 * error-412-etag-mismatch.json, error-412-upsert-prevent-update.json, error-404-upsert-prevent-create.json,
 * error-412-duplicate-detection.json): etags are W/"<versionnumber>", the version rises on every write across the
 * org, a stale If-Match gets 412, If-Match: * forbids the upsert-create, If-None-Match: * forbids the update,
 * PATCH without conditions upserts, and If-None-Match on GET gives 304.
 */
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { fixture as readFixture } from '../../support/fixtures';

const fixture = (name: string): { error: { code: string; message: string } } => readFixture(`dataverse/${name}`);

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());

async function createTask(subject: string): Promise<{ id: string; etag: string; version: number }> {
  const res = await sandbox.call('tasks?$select=versionnumber', { method: 'POST', headers: { Prefer: 'return=representation' }, body: { subject } });
  expect(res.status).toBe(201);
  const row = await res.json() as Record<string, unknown>;
  return { id: row.activityid as string, etag: row['@odata.etag'] as string, version: row.versionnumber as number };
}

test('etag is W/"versionnumber" and versions rise on every write, across tables', async () => {
  const a = await createTask('Version A');
  expect(a.etag).toBe(`W/"${a.version}"`);
  const contact = await sandbox.call('contacts?$select=versionnumber', { method: 'POST', headers: { Prefer: 'return=representation' }, body: { lastname: 'Versioned' } });
  const contactVersion = (await contact.json() as { versionnumber: number }).versionnumber;
  expect(contactVersion).toBeGreaterThan(a.version);
  const patch = await sandbox.call(`tasks(${a.id})?$select=versionnumber`, { method: 'PATCH', headers: { Prefer: 'return=representation' }, body: { subject: 'Version A2' } });
  expect(patch.status).toBe(200);
  const after = await patch.json() as Record<string, unknown>;
  expect(after.versionnumber as number).toBeGreaterThan(contactVersion);
  expect(patch.headers.get('etag')).toBe(`W/"${after.versionnumber as number}"`);
  const get = await sandbox.call(`tasks(${a.id})?$select=subject`);
  expect(get.headers.get('etag')).toBe(after['@odata.etag']);
});

test('a stale If-Match on PATCH and DELETE gets the documented 412 and changes nothing', async () => {
  const documented = fixture('error-412-etag-mismatch.json');
  const task = await createTask('Concurrency');
  expect((await sandbox.call(`tasks(${task.id})`, { method: 'PATCH', headers: { 'If-Match': task.etag }, body: { subject: 'First writer' } })).status).toBe(204);
  for (const method of ['PATCH', 'DELETE']) {
    const stale = await sandbox.call(`tasks(${task.id})`, { method, headers: { 'If-Match': task.etag }, body: method === 'PATCH' ? { subject: 'Second writer' } : undefined });
    expect(stale.status).toBe(412);
    const body = await stale.json() as { error: { code: string; message: string } };
    // The doc's 2022 sample prints an empty code; the service's ConcurrencyVersionMismatch code is 0x80060882.
    expect(body.error.message).toBe(documented.error.message);
    expect(body.error.code).toBe('0x80060882');
  }
  expect(sandbox.dataverse.context.rows('task').find((t) => t.activityid === task.id)?.subject).toBe('First writer');
});

test('If-Match: * on a missing row is the documented 404 (no upsert); without it PATCH creates the row', async () => {
  const documented = fixture('error-404-upsert-prevent-create.json');
  const id = '00000000-0000-0000-0000-000000000001';
  const prevented = await sandbox.call(`tasks(${id})`, { method: 'PATCH', headers: { 'If-Match': '*' }, body: { subject: 'Upsert' } });
  expect(prevented.status).toBe(404);
  const body = await prevented.json() as { error: { code: string; message: string } };
  expect(body.error.message).toBe(documented.error.message.replace(/^account /, 'task '));
  expect(body.error.code).toBe('0x80040217');

  const upsert = await sandbox.call(`tasks(${id})`, { method: 'PATCH', body: { subject: 'Upsert' } });
  expect(upsert.status).toBe(204);
  expect(upsert.headers.get('odata-entityid')).toBe(`${sandbox.apiUrl}/tasks(${id})`);
  expect(sandbox.dataverse.context.rows('task').find((t) => t.activityid === id)).toMatchObject({ subject: 'Upsert', statecode: 0, statuscode: 2 });
});

test('If-None-Match: * on an existing row is the documented 412 (no update); on a missing row it creates', async () => {
  const documented = fixture('error-412-upsert-prevent-update.json');
  const task = await createTask('Insert only');
  const prevented = await sandbox.call(`tasks(${task.id})`, { method: 'PATCH', headers: { 'If-None-Match': '*' }, body: { subject: 'Overwritten' } });
  expect(prevented.status).toBe(412);
  const body = await prevented.json() as { error: { code: string; message: string } };
  expect(body.error.message).toBe(documented.error.message);
  expect(body.error.code).toBe('0x80040237');
  const id = '00000000-0000-0000-0000-000000000002';
  expect((await sandbox.call(`tasks(${id})`, { method: 'PATCH', headers: { 'If-None-Match': '*' }, body: { subject: 'Inserted' } })).status).toBe(204);
});

test('GET with If-None-Match of the current etag is 304, except with annotations', async () => {
  const task = await createTask('Cached');
  const notModified = await sandbox.call(`tasks(${task.id})?$select=subject`, { headers: { 'If-None-Match': task.etag } });
  expect(notModified.status).toBe(304);
  const annotated = await sandbox.call(`tasks(${task.id})?$select=subject`, { headers: { 'If-None-Match': task.etag, Prefer: 'odata.include-annotations="*"' } });
  expect(annotated.status).toBe(200);
  await sandbox.call(`tasks(${task.id})`, { method: 'PATCH', body: { subject: 'Changed' } });
  expect((await sandbox.call(`tasks(${task.id})?$select=subject`, { headers: { 'If-None-Match': task.etag } })).status).toBe(200);
});

test('duplicate detection runs only when asked (MSCRM.SuppressDuplicateDetection: false) and answers the documented 412', async () => {
  const documented = fixture('error-412-duplicate-detection.json');
  const existing = sandbox.dataverse.context.rows('contact')[0]!;
  const body = { firstname: 'Copy', lastname: 'Contact', emailaddress1: (existing.emailaddress1 as string).toUpperCase() };
  const checked = await sandbox.call('contacts', { method: 'POST', headers: { 'MSCRM.SuppressDuplicateDetection': 'false' }, body });
  expect(checked.status).toBe(412);
  expect(await checked.json()).toEqual(documented);
  const unchecked = await sandbox.call('contacts', { method: 'POST', body });
  expect(unchecked.status).toBe(204);
});

test('POST with the id of an existing row is refused; DELETE then GET is 404 "Does Not Exist"', async () => {
  const task = await createTask('Unique');
  const again = await sandbox.call('tasks', { method: 'POST', body: { activityid: task.id, subject: 'Again' } });
  expect(again.status).toBe(412);
  expect((await sandbox.call(`tasks(${task.id})`, { method: 'DELETE', headers: { 'If-Match': task.etag } })).status).toBe(204);
  const gone = await sandbox.call(`tasks(${task.id})`);
  expect(gone.status).toBe(404);
  expect(await gone.json()).toEqual({ error: { code: '0x80040217', message: `task With Id = ${task.id} Does Not Exist` } });
});

/**
 * Change tracking (fixtures delta-initial-response.json, delta-changes-response.json): the initial
 * `Prefer: odata.track-changes` query, the delta link with new/changed rows then `$deletedEntity` entries,
 * the refused query options, and the ExpiredVersionStamp error once tokens expire.
 */
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { fixture } from '../../support/fixtures';

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());

type Body = { '@odata.context': string; '@odata.deltaLink'?: string; '@odata.nextLink'?: string; value: Array<Record<string, unknown>> };
const track = { Prefer: 'odata.track-changes' };
const get = async (url: string, headers: Record<string, string> = {}): Promise<Body> => (await sandbox.call(url, { headers })).json() as Promise<Body>;
const select = 'accounts?$select=name,accountnumber,telephone1,fax';

async function createAccount(name: string): Promise<string> {
  const res = await sandbox.call('accounts', { method: 'POST', body: { name, telephone1: '555000', fax: '10101' } });
  return /\(([^)]+)\)$/.exec(res.headers.get('odata-entityid')!)![1]!;
}

test('the initial tracked query answers every row and a delta link shaped like delta-initial-response.json', async () => {
  const documented = fixture('dataverse/delta-initial-response.json') as Body;
  const res = await sandbox.call(select, { headers: track });
  expect(res.headers.get('preference-applied')).toBe('odata.track-changes');
  const body = await res.json() as Body;
  expect(Object.keys(body)).toEqual(Object.keys(documented));
  expect(body['@odata.context']).toBe(`${sandbox.apiUrl}/$metadata#accounts(name,accountnumber,telephone1,fax)`);
  expect(body['@odata.deltaLink']).toMatch(new RegExp(
    `^${sandbox.apiUrl.replace(/[.]/g, '\\.')}/accounts\\?\\$select=name,accountnumber,telephone1,fax&\\$deltatoken=\\d+%21\\d{2}%2f\\d{2}%2f\\d{4}%20\\d{2}%3a\\d{2}%3a\\d{2}$`));
  expect(body.value).toHaveLength(sandbox.dataverse.context.rows('account').length);
  for (const row of body.value) expect(Object.keys(row)).toEqual(Object.keys(documented.value[0]!));
});

test('the delta link answers created/updated rows by version, then $deletedEntity entries (delta-changes-response.json)', async () => {
  const documented = fixture('dataverse/delta-changes-response.json') as Body;
  const keep = await createAccount('Existing before tracking');
  const doomed = await createAccount('Deleted after tracking');
  // The documented delta response selects name,telephone1,fax.
  const initial = await get('accounts?$select=name,telephone1,fax', track);

  await sandbox.call(`accounts(${keep})`, { method: 'PATCH', body: { telephone1: '555111' } });
  const created = await createAccount('Monte Orton');
  await sandbox.call(`accounts(${doomed})`, { method: 'DELETE' });
  const transient = await createAccount('Created and deleted between polls');
  await sandbox.call(`accounts(${transient})`, { method: 'DELETE' });

  const delta = await get(initial['@odata.deltaLink']!);
  expect(Object.keys(delta)).toEqual(Object.keys(documented));
  expect(delta['@odata.context']).toBe(`${sandbox.apiUrl}/$metadata#accounts(name,telephone1,fax)/$delta`);
  expect(delta['@odata.deltaLink']).toContain('/accounts?$select=name,telephone1,fax&$deltatoken=');
  expect(delta.value.slice(0, 2).map((r) => r.accountid)).toEqual([keep, created]);
  expect(delta.value[0]).toMatchObject({ telephone1: '555111' });
  expect(Object.keys(delta.value[1]!)).toEqual(Object.keys(documented.value[0]!));
  const deletedShape = documented.value[1]!;
  expect(delta.value.slice(2)).toEqual([
    { '@odata.context': `${sandbox.apiUrl}/$metadata#accounts/$deletedEntity`, id: doomed, reason: 'deleted' },
    { '@odata.context': `${sandbox.apiUrl}/$metadata#accounts/$deletedEntity`, id: transient, reason: 'deleted' },
  ]);
  expect(Object.keys(delta.value[2]!)).toEqual(Object.keys(deletedShape));

  const quiet = await get(delta['@odata.deltaLink']!);
  expect(quiet.value).toEqual([]);
});

test('$filter, $orderby, $expand and $top are refused with change tracking; untracked tables too', async () => {
  const filtered = await sandbox.call(`${select}&$filter=name ne null`, { headers: track });
  expect(filtered.status).toBe(400);
  expect((await filtered.json() as { error: { message: string } }).error.message).toBe('The "$filter" query parameter isn\'t supported when Change Tracking is enabled.');
  expect((await sandbox.call(`${select}&$top=1`, { headers: track })).status).toBe(400);
  expect((await sandbox.call('systemusers?$select=fullname', { headers: track })).status).toBe(400);
});

test('paged tracked query: the delta link comes with the last page only', async () => {
  let body = await get('tasks?$select=subject', { ...track, Prefer: 'odata.track-changes,odata.maxpagesize=4' });
  let pages = 1;
  while (body['@odata.nextLink']) {
    expect(body['@odata.deltaLink']).toBeUndefined();
    body = await get(body['@odata.nextLink'], { Prefer: 'odata.maxpagesize=4' });
    pages += 1;
  }
  expect(pages).toBeGreaterThan(1);
  expect(body['@odata.deltaLink']).toContain('$deltatoken=');
});

test('expired tokens answer ExpiredVersionStamp; a malformed token is a 400; a new full query starts over', async () => {
  const initial = await get(select, track);
  expect((await fetch(`${sandbox.orgUrl}/_emulator/delta/expire`, { method: 'POST' })).status).toBe(204);
  const expired = await sandbox.call(initial['@odata.deltaLink']!);
  expect(expired.status).toBe(400);
  expect(await expired.json()).toEqual({ error: { code: '0x80044352', message: 'Version stamp associated with the client has expired. Please perform a full sync.' } });
  expect((await sandbox.call(`${select}&$deltatoken=garbage`)).status).toBe(400);
  const again = await get(select, track);
  expect((await get(again['@odata.deltaLink']!)).value).toEqual([]);
});

test('dynamics-web-api: trackChanges gives oDataDeltaLink, and the link gives the changes', async () => {
  const api = sandbox.webApi(sandbox.seed.clients.sync, { propagateErrors: true });
  const first = await api.retrieveMultiple({ collection: 'contacts', select: ['fullname'], trackChanges: true });
  expect(first.oDataDeltaLink).toContain('$deltatoken=');
  await sandbox.call('contacts', { method: 'POST', body: { firstname: 'Delta', lastname: 'Person' } });
  const changes = await api.retrieveMultiple<Record<string, unknown>>({ collection: 'contacts' }, first.oDataDeltaLink);
  expect(changes.value.map((c) => c.fullname)).toEqual(['Delta Person']);
});

/**
 * Contacts: the documented contact accepted and answered in its documented shape, contact folders as Graph
 * lists them, both delta functions with @removed and 410, and extended properties on contacts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { schemaReport, startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8'));
let sb: GraphSandbox;
let contacts: string;
let user: string;

beforeAll(async () => {
  sb = await startGraphSandbox();
  user = sb.seed.users[1]!.userPrincipalName;
  contacts = `/users/${user}/contacts`;
});
afterAll(() => sb.close());

type Page = { '@odata.nextLink'?: string; '@odata.deltaLink'?: string; value: Array<Record<string, any>> };
async function round(first: string, headers: Record<string, string> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  let url: string | undefined = first;
  while (url) {
    const res: { status: number; body: Page } = await sb.call<Page>('GET', url, { headers });
    expect(res.status).toBe(200);
    pages.push(res.body);
    url = res.body['@odata.nextLink'];
  }
  return pages;
}
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

test('the documented contact (contact.json) is accepted and answered with the documented properties and types', async () => {
  const documented = fixture('contact.json');
  const res = await sb.call('POST', contacts, { body: documented });
  expect(res.status).toBe(201);
  for (const [key, value] of Object.entries(documented)) {
    expect([key, key in res.body]).toEqual([key, true]);
    if (value !== null) expect([key, kind(res.body[key])]).toEqual([key, kind(value)]);
  }
  expect(res.body).toMatchObject({
    displayName: 'Alex Wilber', givenName: 'Alex', surname: 'Wilber', emailAddresses: [{ name: 'Alex@FineArtSchool.net', address: 'Alex@FineArtSchool.net' }],
    homeAddress: {}, businessPhones: [], personalNotes: '', '@odata.context': `${sb.v1}/$metadata#users('${encodeURIComponent(user)}')/contacts/$entity`,
  });
  expect(res.body.id).not.toBe(documented.id);
  // The contact lives in the default Contacts folder, reachable by its id.
  const folder = await sb.call('GET', `/users/${user}/contactFolders/${res.body.parentFolderId}`);
  expect(folder.body).toMatchObject({ displayName: 'Contacts', id: res.body.parentFolderId });
});

test('Exchange composes displayName from the name parts; writes validate nested types', async () => {
  const res = await sb.call('POST', contacts, { body: { givenName: 'Pat', middleName: 'Q', surname: 'Doe', businessPhones: ['+1 555 0100'], businessAddress: { city: 'Lyon', countryOrRegion: 'France' } } });
  expect(res.body).toMatchObject({ displayName: 'Pat Q Doe', businessPhones: ['+1 555 0100'], businessAddress: { city: 'Lyon', countryOrRegion: 'France' } });
  const bad = await sb.call('POST', contacts, { body: { givenName: 'X', emailAddresses: [{ address: 'x@y.z', type: 'work' }] } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toContain("'Microsoft.OutlookServices.EmailAddress'");
  expect((await sb.call('POST', contacts, { body: { givenName: 'X', businessPhones: '+1 555' } })).status).toBe(400);
  expect((await sb.call('POST', contacts, { body: { firstName: 'X' } })).body.error.code).toBe('RequestBodyRead');
  const patched = await sb.call('PATCH', `${contacts}/${res.body.id}`, { body: { jobTitle: 'Buyer' }, headers: { 'if-match': res.body['@odata.etag'] } });
  expect(patched.body).toMatchObject({ jobTitle: 'Buyer', displayName: 'Pat Q Doe' });
  expect((await sb.call('PATCH', `${contacts}/${res.body.id}`, { body: { jobTitle: 'x' }, headers: { 'if-match': res.body['@odata.etag'] } })).status).toBe(412);
});

test('/contactFolders lists the folders inside the default folder; contacts in them are not in /contacts', async () => {
  expect((await sb.call('GET', `/users/${user}/contactFolders`)).body.value).toEqual([]);
  const folder = await sb.call('POST', `/users/${user}/contactFolders`, { body: { displayName: 'CRM' } });
  expect(folder.status).toBe(201);
  expect((await sb.call('POST', `/users/${user}/contactFolders`, { body: { displayName: 'crm' } })).status).toBe(409);
  const listed = await sb.call('GET', `/users/${user}/contactFolders`);
  expect(listed.body.value).toEqual([expect.objectContaining({ displayName: 'CRM', id: folder.body.id })]);
  const inFolder = await sb.call('POST', `/users/${user}/contactFolders/${folder.body.id}/contacts`, { body: { givenName: 'Folder', surname: 'Person' } });
  expect(inFolder.body.parentFolderId).toBe(folder.body.id);
  const all = await sb.call('GET', `${contacts}?$select=displayName&$top=100`);
  expect(all.body.value.map((c: { displayName: string }) => c.displayName)).not.toContain('Folder Person');
  expect((await sb.call('GET', `/users/${user}/contactFolders/${folder.body.id}/contacts`)).body.value).toHaveLength(1);
});

test('contacts delta: $select carried in the links, later rounds with changes and @removed, $top refused, 410 after expiry', async () => {
  const pages = await round(`${contacts}/delta?$select=displayName,givenName`, { prefer: 'odata.maxpagesize=1' });
  expect(pages.length).toBeGreaterThan(1);
  const documented = fixture('contacts-delta.json');
  expect(Object.keys(pages[0]!).filter((k) => k !== '@odata.context').sort()).toEqual(Object.keys(documented).sort());
  for (const page of pages) for (const c of page.value) expect(Object.keys(c).sort()).toEqual(['@odata.etag', 'displayName', 'givenName', 'id']);
  const deltaLink = pages[pages.length - 1]!['@odata.deltaLink']!;

  const created = await sb.call('POST', contacts, { body: { givenName: 'Late', surname: 'Comer' } });
  const doomed = (await sb.call('GET', `${contacts}?$filter=displayName eq 'Alex Wilber'`)).body.value[0];
  await sb.call('DELETE', `${contacts}/${doomed.id}`);
  const next = (await round(deltaLink)).flatMap((p) => p.value);
  expect(next).toEqual(expect.arrayContaining([
    { '@odata.etag': created.body['@odata.etag'], id: created.body.id, displayName: 'Late Comer', givenName: 'Late' },
    { id: doomed.id, '@removed': { reason: 'deleted' } },
  ]));
  expect(next).toHaveLength(2);

  const top = await sb.call('GET', `${contacts}/delta?$top=5`);
  expect(top.status).toBe(400);
  expect(top.body.error.code).toBe('ErrorInvalidUrlQuery');
  await sb.controls.expireDeltaTokens(user);
  const gone = await sb.call('GET', deltaLink);
  expect(gone.status).toBe(410);
  expect(gone.body.error.code).toBe('SyncStateNotFound');
});

test('per-folder contacts delta tracks only that folder', async () => {
  const folder = (await sb.call('GET', `/users/${user}/contactFolders`)).body.value[0];
  const pages = await round(`/users/${user}/contactFolders/${folder.id}/contacts/delta`);
  expect(pages.flatMap((p) => p.value).map((c) => c.displayName)).toEqual(['Folder Person']);
  await sb.call('POST', contacts, { body: { givenName: 'Default', surname: 'Folder' } });
  const next = await round(pages[pages.length - 1]!['@odata.deltaLink']!);
  expect(next.flatMap((p) => p.value)).toEqual([]);
});

test('extended properties on contacts, and immutable ids', async () => {
  const propId = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name CrmContactId';
  const created = await sb.call('POST', contacts, { body: { givenName: 'Stamped', singleValueExtendedProperties: [{ id: propId, value: 'c-1' }] }, headers: { prefer: 'IdType="ImmutableId"' } });
  expect(created.body.id.startsWith('AAkALg')).toBe(true);
  const found = await sb.call('GET', `${contacts}?$filter=singleValueExtendedProperties/any(ep: ep/id eq '${propId}' and ep/value eq 'c-1')&$select=givenName`);
  expect(found.body.value).toEqual([expect.objectContaining({ givenName: 'Stamped' })]);
  expect(found.body.value[0].id.startsWith('AAMkA')).toBe(true);
});

test('every contact response conforms to the v1.0 schema', () => {
  expect(schemaReport(sb.responses)).toEqual([]);
});

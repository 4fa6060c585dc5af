/**
 * Who may call the Graph emulator: a Bearer token for https://graph.microsoft.com signed by the identity
 * emulator, the application role of each workload, and the sync app's Exchange mailbox scope.
 */
import { GRAPH_RESOURCE, defaultSeed } from '../../emulators/seed';
import { startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

const seed = defaultSeed('https://127.0.0.1:7399');
// The seeded apps hold MailboxSettings.Read (the sync reads mailbox time zones); this sandbox takes it
// from the people app so that both cases can be shown.
seed.clients.people.roles[GRAPH_RESOURCE] = seed.clients.people.roles[GRAPH_RESOURCE]!.filter((r) => r !== 'MailboxSettings.Read');
const [adele, , megan] = seed.users as [typeof seed.users[0], typeof seed.users[0], typeof seed.users[0]];
let sb: GraphSandbox;

beforeAll(async () => { sb = await startGraphSandbox({ seed }); });
afterAll(() => sb.close());

const event = { subject: 'x', start: { dateTime: '2024-05-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2024-05-01T11:00:00', timeZone: 'UTC' } };

test('no token, a token for another audience, or garbage → 401 InvalidAuthenticationToken in Graph\'s shape', async () => {
  const none = await sb.call('GET', `/users/${adele.entraObjectId}/events`, { anonymous: true });
  expect(none.status).toBe(401);
  expect(none.body.error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
  expect(none.body.error.innerError).toEqual({ date: expect.any(String), 'request-id': expect.any(String), 'client-request-id': expect.any(String) });
  expect(none.headers.get('www-authenticate')).toContain('Bearer');

  const dataverseToken = await sb.identity.issueToken(seed.clients.sync, 'https://127.0.0.1:7399');
  const wrongAudience = await sb.call('GET', `/users/${adele.entraObjectId}/events`, { token: dataverseToken });
  expect(wrongAudience.status).toBe(401);
  expect(wrongAudience.body.error.message).toBe('Access token validation failure. Invalid audience.');

  const garbage = await sb.call('GET', '/users', { token: 'not-a-jwt' });
  expect(garbage.status).toBe(401);
  expect(garbage.body.error.code).toBe('InvalidAuthenticationToken');
});

test('a token without the workload\'s application role → 403 (ErrorAccessDenied for mail items, Authorization_RequestDenied for the directory)', async () => {
  // The admin app has no Graph roles at all.
  const calendar = await sb.call('GET', `/users/${adele.entraObjectId}/events`, { app: 'admin' });
  expect(calendar.status).toBe(403);
  expect(calendar.body.error).toMatchObject({ code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' });
  for (const path of [`/users/${adele.entraObjectId}/contacts`, `/users/${adele.entraObjectId}/todo/lists`]) {
    expect((await sb.call('GET', path, { app: 'admin' })).status).toBe(403);
  }
  const users = await sb.call('GET', '/users', { app: 'admin' });
  expect(users.status).toBe(403);
  expect(users.body.error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
});

test('the sync app cannot reach a mailbox outside its RBAC scope; an app without a scope can', async () => {
  for (const path of [`/users/${megan.entraObjectId}/events`, `/users/${megan.userPrincipalName}/contacts`, `/users/${megan.entraObjectId}/calendarView/delta?startDateTime=2024-01-01T00:00:00Z&endDateTime=2024-02-01T00:00:00Z`]) {
    const res = await sb.call('GET', path);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' });
  }
  expect((await sb.call('POST', `/users/${megan.entraObjectId}/events`, { body: event })).status).toBe(403);
  expect((await sb.call('GET', `/users/${megan.entraObjectId}/events`, { app: 'people' })).status).toBe(200);
  expect((await sb.call('GET', `/users/${adele.entraObjectId}/events`)).status).toBe(200);
  // Directory reads are not mailbox access.
  expect((await sb.call('GET', `/users/${megan.entraObjectId}`)).status).toBe(200);
});

test('To Do is not an Exchange RBAC application role: Tasks.ReadWrite.All reaches every mailbox', async () => {
  const res = await sb.call('GET', `/users/${megan.entraObjectId}/todo/lists`);
  expect(res.status).toBe(200);
  expect(res.body.value).toEqual([expect.objectContaining({ wellknownListName: 'defaultList', displayName: 'Tasks' })]);
});

test('unknown users: 404 ErrorInvalidUser on mailbox paths, Request_ResourceNotFound in the directory', async () => {
  const mailbox = await sb.call('GET', '/users/nobody@contoso.example/events');
  expect(mailbox.status).toBe(404);
  expect(mailbox.body.error.code).toBe('ErrorInvalidUser');
  const directory = await sb.call('GET', '/users/nobody@contoso.example');
  expect(directory.status).toBe(404);
  expect(directory.body.error.code).toBe('Request_ResourceNotFound');
});

test('/users lists the directory by id or UPN with the default property set and the documented $filter', async () => {
  const all = await sb.call('GET', '/users');
  expect(all.status).toBe(200);
  expect(all.body.value).toHaveLength(3);
  expect(Object.keys(all.body.value[0]).sort()).toEqual(['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName']);
  const byUpn = await sb.call('GET', `/users/${adele.userPrincipalName.toUpperCase()}?$select=id,displayName`);
  expect(byUpn.body).toMatchObject({ id: adele.entraObjectId, displayName: 'Adele Vance' });
  expect(byUpn.body.userPrincipalName).toBeUndefined();
  const filtered = await sb.call('GET', `/users?$filter=userPrincipalName eq '${adele.userPrincipalName}'`);
  expect(filtered.body.value.map((u: { id: string }) => u.id)).toEqual([adele.entraObjectId]);
  const unknown = await sb.call('GET', '/users?$select=shoeSize');
  expect(unknown.status).toBe(400);
  // The directory pages with an opaque $skiptoken (and has no $skip).
  const page1 = await sb.call('GET', '/users?$top=2&$select=id');
  expect(page1.body['@odata.nextLink']).toMatch(/\$skiptoken=/);
  const page2 = await sb.call('GET', page1.body['@odata.nextLink']);
  expect([...page1.body.value, ...page2.body.value].map((u: { id: string }) => u.id).sort()).toEqual(seed.users.map((u) => u.entraObjectId).sort());
  expect((await sb.call('GET', '/users?$skip=1')).status).toBe(400);
});

test('mailboxSettings need MailboxSettings.Read and answer the mailbox time zone', async () => {
  const denied = await sb.call('GET', `/users/${adele.entraObjectId}/mailboxSettings`, { app: 'people' });
  expect(denied.status).toBe(403);
  const settings = await sb.call('GET', `/users/${adele.entraObjectId}/mailboxSettings`);
  expect(settings.status).toBe(200);
  expect(settings.body).toMatchObject({ timeZone: 'Tokyo Standard Time', workingHours: { timeZone: { name: 'Tokyo Standard Time' } } });
  const zone = await sb.call('GET', `/users/${adele.userPrincipalName}/mailboxSettings/timeZone`);
  expect(zone.body.value).toBe('Tokyo Standard Time');
});

test('/me is rejected for app-only tokens', async () => {
  const res = await sb.call('GET', '/me/events');
  expect(res.status).toBe(400);
  expect(res.body.error.message).toBe('/me request is only valid with delegated authentication flow.');
});

/**
 * Who may call the Dataverse emulator and as whom: Bearer tokens for the org's audience only (401 with
 * Dataverse's WWW-Authenticate challenge), application users (403 "not a member of the organization"),
 * impersonation with CallerObjectId / MSCRMCallerID only with prvActOnBehalfOfAnotherUser, and the audit
 * columns impersonation leaves (createdby = the user, createdonbehalfby = the app user).
 */
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { GRAPH_RESOURCE } from '../../emulators/seed';

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());

const adele = () => sandbox.seed.users[0]!;
const alex = () => sandbox.seed.users[1]!;

test('no token, or a token for another resource, gets 401 with the authorization_uri/resource_id challenge and no body', async () => {
  const anonymous = await sandbox.call('tasks?$select=subject', { client: null });
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toBe(
    `Bearer authorization_uri=${sandbox.authority}/oauth2/authorize, resource_id=${sandbox.orgUrl}/`);
  expect(await anonymous.text()).toBe('');

  const graphToken = await sandbox.identity.issueToken(sandbox.seed.clients.sync, GRAPH_RESOURCE);
  const wrongAudience = await fetch(`${sandbox.apiUrl}/tasks`, { headers: { Authorization: `Bearer ${graphToken}` } });
  expect(wrongAudience.status).toBe(401);
  const garbage = await fetch(`${sandbox.apiUrl}/tasks`, { headers: { Authorization: 'Bearer not-a-jwt' } });
  expect(garbage.status).toBe(401);
});

test('an app without an application user in the org gets 403 "The user is not a member of the organization."', async () => {
  const res = await sandbox.call('WhoAmI', { client: sandbox.seed.clients.admin });
  expect(res.status).toBe(403);
  expect(await res.json()).toEqual({ error: { code: '0x80072560', message: 'The user is not a member of the organization.' } });
});

test('impersonation without prvActOnBehalfOfAnotherUser is refused with 403 0x80040220', async () => {
  const attempts: Array<Record<string, string>> = [{ CallerObjectId: adele().entraObjectId }, { MSCRMCallerID: adele().systemUserId }];
  for (const headers of attempts) {
    const res = await sandbox.call('tasks', { method: 'POST', headers, body: { subject: 'As Adele' } });
    expect(res.status).toBe(403);
    const body = await res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('0x80040220');
    expect(body.error.message).toContain('is missing prvActOnBehalfOfAnotherUser privilege');
    expect(body.error.message).toContain(sandbox.seed.clients.sync.dataverseApplicationUserId);
  }
  expect(sandbox.dataverse.context.rows('task').some((t) => t.subject === 'As Adele')).toBe(false);
});

test('CallerObjectId: the row is created by and owned by the user, createdonbehalfby the application user', async () => {
  const people = sandbox.seed.clients.people;
  const res = await sandbox.call('tasks?$select=_createdby_value,_createdonbehalfby_value,_ownerid_value,_modifiedby_value', {
    method: 'POST', client: people, headers: { CallerObjectId: adele().entraObjectId, Prefer: 'return=representation' }, body: { subject: 'Impersonated create' },
  });
  expect(res.status).toBe(201);
  const row = await res.json() as Record<string, unknown>;
  expect(row).toMatchObject({
    _createdby_value: adele().systemUserId,
    _modifiedby_value: adele().systemUserId,
    _ownerid_value: adele().systemUserId,
    _createdonbehalfby_value: people.dataverseApplicationUserId,
  });

  // MSCRMCallerID (systemuserid) works the same way, and marks the update.
  const update = await sandbox.call(`tasks(${row.activityid as string})`, {
    method: 'PATCH', client: people, headers: { MSCRMCallerID: alex().systemUserId }, body: { description: 'Edited by Alex' },
  });
  expect(update.status).toBe(204);
  const stored = sandbox.dataverse.context.rows('task').find((t) => t.activityid === row.activityid)!;
  expect(stored.modifiedby).toEqual({ id: alex().systemUserId, logicalName: 'systemuser' });
  expect(stored.modifiedonbehalfby).toEqual({ id: people.dataverseApplicationUserId, logicalName: 'systemuser' });
  expect(stored.createdonbehalfby).toEqual({ id: people.dataverseApplicationUserId, logicalName: 'systemuser' });
});

test('without impersonation the application user is createdby and createdonbehalfby stays empty', async () => {
  const res = await sandbox.call('tasks', { method: 'POST', body: { subject: 'Own create' } });
  expect(res.status).toBe(204);
  const id = /\(([^)]+)\)$/.exec(res.headers.get('odata-entityid')!)![1]!;
  const stored = sandbox.dataverse.context.rows('task').find((t) => t.activityid === id)!;
  const app = { id: sandbox.seed.clients.sync.dataverseApplicationUserId, logicalName: 'systemuser' };
  expect(stored).toMatchObject({ createdby: app, ownerid: app, owninguser: app, createdonbehalfby: null });
});

test('impersonating an unknown user fails: unknown Entra object id 403, unknown systemuserid 404', async () => {
  const people = sandbox.seed.clients.people;
  const unknownObject = await sandbox.call('WhoAmI', { client: people, headers: { CallerObjectId: '11111111-2222-3333-4444-555555555555' } });
  expect(unknownObject.status).toBe(403);
  expect((await unknownObject.json() as { error: { code: string } }).error.code).toBe('0x80072560');
  const unknownUser = await sandbox.call('WhoAmI', { client: people, headers: { MSCRMCallerID: '11111111-2222-3333-4444-555555555555' } });
  expect(unknownUser.status).toBe(404);
});

test('a user disabled by an administrator cannot be impersonated; a disabled application user is not a member', async () => {
  const disable = (id: string, isdisabled: boolean) => fetch(`${sandbox.orgUrl}/_emulator/systemusers/${id}`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ isdisabled }),
  });
  const people = sandbox.seed.clients.people;
  expect((await disable(alex().systemUserId, true)).status).toBe(204);
  try {
    const res = await sandbox.call('WhoAmI', { client: people, headers: { CallerObjectId: alex().entraObjectId } });
    expect(res.status).toBe(403);
    const body = await res.json() as { error: { message: string } };
    expect(body.error.message).toContain(`The user with SystemUserId=${alex().systemUserId}`);
    expect(body.error.message).toContain('is disabled. Disabled users cannot access the system.');
    const read = await (await sandbox.call(`systemusers(${alex().systemUserId})?$select=isdisabled`)).json() as { isdisabled: boolean };
    expect(read.isdisabled).toBe(true);
  } finally {
    await disable(alex().systemUserId, false);
  }
  expect((await disable(people.dataverseApplicationUserId!, true)).status).toBe(204);
  try {
    const res = await sandbox.call('WhoAmI', { client: people });
    expect(res.status).toBe(403);
    expect((await res.json() as { error: { code: string } }).error.code).toBe('0x80072560');
  } finally {
    await disable(people.dataverseApplicationUserId!, false);
  }
});

test('bypassing plug-ins needs a privilege the application users do not have', async () => {
  const custom = await sandbox.call('tasks', { method: 'POST', headers: { 'MSCRM.BypassCustomPluginExecution': 'true' }, body: { subject: 'Bypass' } });
  expect(custom.status).toBe(403);
  expect((await custom.json() as { error: { message: string } }).error.message).toContain('prvBypassCustomPlugins');
  const logic = await sandbox.call('tasks', { method: 'POST', headers: { 'MSCRM.BypassBusinessLogicExecution': 'CustomSync,CustomAsync' }, body: { subject: 'Bypass' } });
  expect(logic.status).toBe(403);
  expect(sandbox.dataverse.context.rows('task').some((t) => t.subject === 'Bypass')).toBe(false);
});

test('systemusers are found by Entra object id or UPN and are read-only through the API', async () => {
  const byObjectId = await sandbox.call(`systemusers?$select=fullname,internalemailaddress,isdisabled&$filter=azureactivedirectoryobjectid eq ${adele().entraObjectId}`);
  const found = await byObjectId.json() as { value: Array<Record<string, unknown>> };
  expect(found.value).toEqual([expect.objectContaining({
    systemuserid: adele().systemUserId, fullname: adele().displayName, internalemailaddress: adele().userPrincipalName, isdisabled: false,
  })]);
  const byUpn = await (await sandbox.call(`systemusers?$select=systemuserid&$filter=internalemailaddress eq '${alex().userPrincipalName}'`)).json() as { value: unknown[] };
  expect(byUpn.value).toEqual([expect.objectContaining({ systemuserid: alex().systemUserId })]);
  const appUsers = await (await sandbox.call('systemusers?$select=applicationid,fullname&$filter=applicationid ne null')).json() as { value: Array<Record<string, unknown>> };
  expect(appUsers.value.map((u) => u.applicationid).sort()).toEqual([sandbox.seed.clients.sync.clientId, sandbox.seed.clients.people.clientId].sort());

  const create = await sandbox.call('systemusers', { method: 'POST', body: { firstname: 'New' } });
  expect(create.status).toBe(403);
  expect((await create.json() as { error: { message: string } }).error.message).toContain('prvCreateUser');
  const patch = await sandbox.call(`systemusers(${adele().systemUserId})`, { method: 'PATCH', body: { title: 'x' } });
  expect(patch.status).toBe(403);
});

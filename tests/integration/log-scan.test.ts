/**
 * No secret, token or personal data value in the logs. A full sandbox scenario runs — mailboxes enabled (one
 * through the shared API, one through the admin API with Test & Enable and its initial sync), rows created,
 * updated, reassigned and deleted in CRM, items edited in Outlook, Graph failing for a while (retries) and
 * for good (poison), and requests refused (wrong keys, wrong clientState, tokens without the role, garbage) —
 * with the most verbose log level. Then every line the app printed is searched for: the client secrets of
 * the seed, the function key, the storage account key, every clientState, every bearer token anyone used or
 * was issued (and anything shaped like a JWT), and the personal values the scenario and the initial sync
 * moved (names, phone numbers, e-mail addresses, subjects, notes).
 */
import { loadConfig } from '../../shared/config';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { queueClient } from '../../shared/storage';
import { EmulatorControls } from '../emulators/common/controls-client';
import { adminApi } from '../support/admin-api';
import { eventually } from '../support/eventually';
import { fixture } from '../support/fixtures';
import { captureBearerTokens, findJwtLike, findLeaks, type Needle } from '../support/log-scan';
import { sandboxFixture } from '../support/sandbox-fixture';
import { ownerBind } from '../support/crm';

jest.setTimeout(240_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;
let api: ReturnType<typeof adminApi>;
const bearers = new Set<string>();

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_LOG_LEVEL: 'debug', SYNC_TODO_POLL_SCHEDULE: '*/2 * * * * *' } });
  for (const server of [f.sandbox.identity.server, f.sandbox.graph.server, f.sandbox.dataverse.server]) captureBearerTokens(server, bearers);
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  api = adminApi(f.sandbox.manifest);
});
afterAll(() => f?.stop());

const byCrmId = (crmId: string) => `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${crmId}')`;

/** The personal values the scenario writes (distinct enough that a hit is never a coincidence). */
const PERSON = {
  firstname: 'Quintessa', lastname: 'Zyxwabcq', email: 'quintessa.zyxwabcq@fabrikam.example', phone: '+1 206 555 0142', phone2: '+1 206 555 0177',
  outlookPhone: '+1 206 555 0188', jobtitle: 'Chief Orchard Keeper', taskSubject: 'Renew the Zyxwabcq orchard lease', taskSubject2: 'Renewed: Zyxwabcq lease',
  taskNote: 'Her private number is 0170 5550199', meetingSubject: 'Lunch with Quintessa at Café Ombra', location: 'Café Ombra, Seattle',
  outlookSubject: 'Moved: lunch with Quintessa', outlookJob: 'Keeper of the Zyxwabcq plums', retriedSubject: 'Dentist appointment of Quintessa',
  poisonedFirst: 'Orlando', poisonedLast: "O'Poisonberry",
};

async function graphItem(userObjectId: string, collection: 'events' | 'contacts', crmId: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return eventually(async () => {
    const page = await f.people.graph.api(`/users/${userObjectId}/${collection}`).filter(byCrmId(crmId)).get();
    expect(page.value).toHaveLength(1);
    return page.value[0];
  }, { timeoutMs: 30_000 });
}

async function runScenario(): Promise<{ personal: Needle[]; tokens: string[] }> {
  const adele = f.user('adele');
  const alex = f.user('alex');
  const tokens: string[] = [];

  // Mailboxes: Adele through the shared API (as the other tests), Alex as an administrator does it.
  await rt.subscriptions.ensureForMailbox(await f.enable('adele'));
  const adminToken = await api.adminToken();
  tokens.push(adminToken, await api.noRoleToken(), await api.otherAudienceToken());
  expect((await api.call('PATCH', `/mailboxes/${alex.systemUserId}`, { body: { syncMethods: { appointments: 'serverSideSync', contacts: 'serverSideSync', tasks: 'serverSideSync' } } })).status).toBe(200);
  expect((await api.call('POST', `/mailboxes/${alex.systemUserId}/approve`)).status).toBe(200);
  expect((await api.call('POST', `/mailboxes/${alex.systemUserId}/test-and-enable`)).status).toBe(202);
  await eventually(async () => expect((await api.getMailbox(alex.systemUserId)).actStatus).toBe('success'), { timeoutMs: 60_000 });
  const sandboxToken = await fetch(`${f.sandbox.manifest.urls.functions}/console/sandbox-token`, { method: 'POST' });
  tokens.push(((await sandboxToken.json()) as { accessToken: string }).accessToken);

  // CRM: create, update, reassign, delete.
  const crm = f.people.crmAs(adele.systemUserId);
  const contactId = await crm.create({ collection: 'contacts', data: { firstname: PERSON.firstname, lastname: PERSON.lastname, emailaddress1: PERSON.email, telephone1: PERSON.phone, jobtitle: PERSON.jobtitle, ...ownerBind(adele.systemUserId) } }) as string;
  const taskId = await crm.create({ collection: 'tasks', data: { subject: PERSON.taskSubject, description: PERSON.taskNote, ...ownerBind(adele.systemUserId) } }) as string;
  const meetingId = await crm.create({ collection: 'appointments', data: { subject: PERSON.meetingSubject, location: PERSON.location, scheduledstart: '2027-05-03T10:00:00Z', scheduledend: '2027-05-03T11:00:00Z', ...ownerBind(adele.systemUserId) } }) as string;
  const contact = await graphItem(adele.entraObjectId, 'contacts', contactId);
  const meeting = await graphItem(adele.entraObjectId, 'events', meetingId);
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(taskId))).toHaveLength(1), { timeoutMs: 30_000 });
  await crm.update({ collection: 'contacts', key: contactId, data: { telephone1: PERSON.phone2 } });
  await crm.update({ collection: 'tasks', key: taskId, data: { subject: PERSON.taskSubject2, ...ownerBind(alex.systemUserId) } });
  await eventually(async () => expect((await f.todoTasks('alex')).filter(f.linkedTo(taskId))).toHaveLength(1), { timeoutMs: 30_000 });

  // Outlook: the user edits the event and the contact; the changes come back to CRM.
  await f.people.graph.api(`/users/${adele.entraObjectId}/events/${meeting.id}`).patch({ subject: PERSON.outlookSubject });
  await f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.id}`).patch({ businessPhones: [PERSON.outlookPhone] });
  await eventually(async () => {
    expect(await crm.retrieve({ collection: 'appointments', key: meetingId, select: ['subject'] })).toMatchObject({ subject: PERSON.outlookSubject });
    expect(await crm.retrieve({ collection: 'contacts', key: contactId, select: ['telephone1'] })).toMatchObject({ telephone1: PERSON.outlookPhone });
  }, { timeoutMs: 30_000 });
  await crm.deleteRecord({ collection: 'appointments', key: meetingId });

  // Failures: Graph fails twice (retried), then refuses a contact for good (poisoned, with its reason), and
  // Dataverse refuses an Outlook edit. Both services quote the value they refuse in their messages, as
  // OData does ("Cannot convert the literal '…'"): those values are personal data too.
  const graphControls = new EmulatorControls(new URL(f.sandbox.manifest.urls.graph).origin);
  await graphControls.injectFault({ status: 503, count: 2, retryAfter: 1, match: '^POST .*/events$' });
  const retriedId = await crm.create({ collection: 'appointments', data: { subject: PERSON.retriedSubject, scheduledstart: '2027-05-04T10:00:00Z', scheduledend: '2027-05-04T11:00:00Z', ...ownerBind(adele.systemUserId) } }) as string;
  await graphItem(adele.entraObjectId, 'events', retriedId);
  await graphControls.injectFault({ status: 400, count: 1, match: '^POST .*/contacts$',
    body: { error: { code: 'RequestBodyRead', message: `Cannot convert the literal '${PERSON.poisonedFirst} ${PERSON.poisonedLast}' to the expected type 'Edm.Int32'.` } } });
  const poisonedId = await crm.create({ collection: 'contacts', data: { firstname: PERSON.poisonedFirst, lastname: PERSON.poisonedLast, ...ownerBind(adele.systemUserId) } }) as string;
  await new EmulatorControls(f.sandbox.manifest.urls.dataverse).injectFault({ status: 400, count: 1, match: '^PATCH .*/contacts\\(', body: { error: { code: '0x80048d19',
    message: `Error identified in Payload provided by the user for Entity :'contacts'  ---->  InnerException : Microsoft.OData.ODataException: Cannot convert the literal '${PERSON.outlookJob}' to the expected type 'Edm.Int32'.` } } });
  await f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.id}`).patch({ jobTitle: PERSON.outlookJob });
  const poison = queueClient(f.sandbox.manifest.storage.connectionString, 'sync-work-poison');
  await eventually(async () => {
    const peeked = await poison.peekMessages({ numberOfMessages: 32 });
    const entries = peeked.peekedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString('utf8')).join('');
    expect(entries).toContain(poisonedId);
    expect(entries).toContain(`contacts(${contactId})`);
  }, { timeoutMs: 30_000 });

  // A Test & Enable that fails: Megan's mailbox is outside the app's Exchange scope (the reason names her).
  const megan = f.user('megan');
  await api.call('PATCH', `/mailboxes/${megan.systemUserId}`, { body: { syncMethods: { appointments: 'serverSideSync' } } });
  await api.call('POST', `/mailboxes/${megan.systemUserId}/approve`);
  expect((await api.call('POST', `/mailboxes/${megan.systemUserId}/test-and-enable`)).status).toBe(202);
  await eventually(async () => expect((await api.getMailbox(megan.systemUserId)).actStatus).toBe('failure'), { timeoutMs: 30_000 });

  // Refused requests: wrong or missing keys, a wrong clientState, tokens without the role, garbage.
  const functions = f.sandbox.manifest.urls.functions;
  const delivery = JSON.stringify({ ...fixture('dataverse/webhook-update-contact-async-postoperation.json'), PrimaryEntityName: 'lead' });
  for (const query of ['?code=wrong', '', `?code=${f.sandbox.manifest.functionKey}`]) {
    expect((await fetch(`${functions}/webhooks/dataverse${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: delivery })).status).toBeGreaterThanOrEqual(400);
  }
  const [subscription] = await rt.subscriptionStore.list();
  const wrongState = { value: [{ subscriptionId: subscription!.subscriptionId, clientState: `${subscription!.clientStates[0]}x`, changeType: 'updated', resource: 'x', resourceData: { id: 'x' } }] };
  expect((await fetch(`${functions}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(wrongState) })).status).toBe(202);
  for (const authorization of [`Bearer ${tokens[1]}`, `Bearer ${tokens[2]}`, `Bearer ${adminToken.slice(0, -3)}`, 'Bearer garbage', `Basic ${Buffer.from(`x:${f.sandbox.seed.clients.admin.clientSecret}`).toString('base64')}`]) {
    expect((await api.call('GET', '/mailboxes', { authorization })).status).toBeGreaterThanOrEqual(401);
  }

  // Let the queue drain, so that every line the scenario causes is printed.
  const work = queueClient(f.sandbox.manifest.storage.connectionString, 'sync-work');
  await eventually(async () => expect((await work.getProperties()).approximateMessagesCount).toBe(0), { timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 2000));

  // Personal data: the scenario's values, the users', and what the initial sync moved (the seed's rows).
  const personal: Needle[] = Object.entries(PERSON).map(([what, value]) => ({ what: `personal value (${what})`, value }));
  for (const u of f.sandbox.seed.users) personal.push({ what: 'user name', value: u.displayName }, { what: 'user e-mail', value: u.userPrincipalName });
  for (const u of [adele, alex]) {
    const rows = async (collection: string, select: string[]) => (await f.people.crmAs(u.systemUserId).retrieveMultiple({ collection, select, filter: `_ownerid_value eq ${u.systemUserId}` })).value as Array<Record<string, unknown>>;
    for (const r of await rows('contacts', ['fullname', 'telephone1', 'mobilephone', 'emailaddress1', 'lastname'])) {
      for (const v of Object.values(r)) if (typeof v === 'string' && v.length >= 5 && !/^[0-9a-f-]{36}$|^W\/"/.test(v)) personal.push({ what: 'seed contact value', value: v });
    }
    for (const r of [...await rows('tasks', ['subject']), ...await rows('appointments', ['subject'])]) {
      if (typeof r.subject === 'string' && r.subject.length >= 8) personal.push({ what: 'seed activity subject', value: r.subject });
    }
  }
  return { personal, tokens };
}

test('a full scenario prints no secret, token or personal value', async () => {
  const { personal, tokens } = await runScenario();
  const lines = f.sandbox.hostOutput.join('').split('\n');
  // The scenario did reach the logs: the worker applied changes, retried, poisoned; requests were refused.
  const text = lines.join('\n');
  for (const expected of ['work item created', 'work item updated', 'work item failed, will retry', 'work item failed for good', 'dataverse webhook refused', 'graph notifications dropped']) {
    expect(text).toContain(expected);
  }
  const { seed, manifest } = f.sandbox;
  const accountKey = /AccountKey=([^;]+)/.exec(manifest.storage.connectionString)?.[1];
  const secrets: Needle[] = [
    ...Object.entries(seed.clients).map(([name, c]) => ({ what: `client secret of ${name}`, value: c.clientSecret })),
    { what: 'function key', value: manifest.functionKey },
    ...(accountKey ? [{ what: 'storage account key', value: accountKey }] : []),
    ...(await rt.subscriptionStore.list()).flatMap((s) => s.clientStates.map((value) => ({ what: 'clientState', value }))),
    ...[...bearers, ...tokens].map((value) => ({ what: 'bearer token', value })),
    // A token's signature alone is as telling as the token.
    ...[...bearers, ...tokens].map((value) => ({ what: 'token signature', value: value.split('.')[2] ?? value })).filter((n) => n.value.length > 20),
  ];
  expect(bearers.size).toBeGreaterThan(3); // the app's Graph and Dataverse tokens, the people's, the admin's
  expect(personal.length).toBeGreaterThan(20);
  expect([...findLeaks(lines, secrets), ...findJwtLike(lines), ...findLeaks(lines, personal)]).toEqual([]);
});

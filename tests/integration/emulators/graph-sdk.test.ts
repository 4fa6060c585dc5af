/**
 * The real @microsoft/microsoft-graph-client, authenticated with msal-node against the identity emulator,
 * works against the Graph emulator: writes, paging with PageIterator, delta links, batches and errors.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { BatchRequestContent, BatchResponseContent, Client, GraphError, PageIterator } from '@microsoft/microsoft-graph-client';
import type { Event, TodoTask } from '@microsoft/microsoft-graph-types';
import { GRAPH_RESOURCE } from '../../emulators/seed';
import { startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

let sb: GraphSandbox;
let client: Client;
let user: string;

beforeAll(async () => {
  sb = await startGraphSandbox();
  user = sb.seed.users[0]!.entraObjectId;
  const { clientId, clientSecret } = sb.seed.clients.sync;
  const msal = new ConfidentialClientApplication({ auth: { clientId, clientSecret, authority: sb.authority, knownAuthorities: [new URL(sb.authority).host] } });
  client = Client.init({
    baseUrl: sb.baseUrl,
    defaultVersion: 'v1.0',
    customHosts: new Set(['127.0.0.1']),
    authProvider: (done) => {
      msal.acquireTokenByClientCredential({ scopes: [`${GRAPH_RESOURCE}/.default`] })
        .then((r) => done(null, r?.accessToken ?? null))
        .catch((e: Error) => done(e, null));
    },
  });
});
afterAll(() => sb.close());

const event = (subject: string, day: number): Event => ({
  subject,
  start: { dateTime: `2024-09-${String(day).padStart(2, '0')}T09:00:00`, timeZone: 'W. Europe Standard Time' },
  end: { dateTime: `2024-09-${String(day).padStart(2, '0')}T10:00:00`, timeZone: 'W. Europe Standard Time' },
});

test('creates and reads events with headers and query options', async () => {
  const created: Event = await client.api(`/users/${user}/events`).header('Prefer', 'outlook.timezone="W. Europe Standard Time"').post(event('sdk', 2));
  expect(created.start).toEqual({ dateTime: '2024-09-02T09:00:00.0000000', timeZone: 'W. Europe Standard Time' });
  const read: Event = await client.api(`/users/${user}/events/${created.id}`).select(['subject', 'start']).get();
  expect(read).toMatchObject({ subject: 'sdk', start: { dateTime: '2024-09-02T07:00:00.0000000', timeZone: 'UTC' } });
  expect(read.end).toBeUndefined();
});

test('PageIterator follows @odata.nextLink to the end', async () => {
  for (let day = 3; day <= 9; day += 1) await client.api(`/users/${user}/events`).post(event(`page ${day}`, day));
  const first = await client.api(`/users/${user}/events`).top(3).select('subject').get();
  const subjects: string[] = [];
  const iterator = new PageIterator(client, first, (e: Event) => { subjects.push(e.subject!); return true; });
  await iterator.iterate();
  expect(subjects).toHaveLength(8);
  expect(new Set(subjects).size).toBe(8);
});

test('calendarView delta: nextLinks then a deltaLink, and the deltaLink later yields only changes', async () => {
  const pages: Array<{ value: Event[] }> = [];
  let response = await client.api(`/users/${user}/calendarView/delta`)
    .query({ startDateTime: '2024-09-01T00:00:00Z', endDateTime: '2024-10-01T00:00:00Z' })
    .header('Prefer', 'odata.maxpagesize=3').get();
  pages.push(response);
  while (response['@odata.nextLink']) {
    response = await client.api(response['@odata.nextLink']).header('Prefer', 'odata.maxpagesize=3').get();
    pages.push(response);
  }
  expect(pages.flatMap((p) => p.value)).toHaveLength(8);
  const deltaLink: string = response['@odata.deltaLink'];
  expect(deltaLink).toContain('$deltatoken=');
  const victim = pages[0]!.value[0]!;
  await client.api(`/users/${user}/events/${victim.id}`).delete();
  const changes = await client.api(deltaLink).get();
  expect(changes.value).toEqual([{ '@odata.type': '#microsoft.graph.event', id: victim.id, '@removed': { reason: 'deleted' } }]);
});

test('To Do through the client: a task with a linked resource', async () => {
  const lists = await client.api(`/users/${user}/todo/lists`).get();
  const list = lists.value.find((l: { wellknownListName: string }) => l.wellknownListName === 'defaultList');
  const task: TodoTask = await client.api(`/users/${user}/todo/lists/${list.id}/tasks`).post({
    title: 'Call back', importance: 'high', linkedResources: [{ applicationName: 'crm-exchange-sync', externalId: 'act-9', webUrl: 'https://crm.example/act-9', displayName: 'Phone call' }],
  });
  expect(task.linkedResources?.[0]?.externalId).toBe('act-9');
  const expanded: TodoTask = await client.api(`/users/${user}/todo/lists/${list.id}/tasks/${task.id}`).expand('linkedResources').get();
  expect(expanded.linkedResources).toHaveLength(1);
});

test('batches built with BatchRequestContent, answers read with BatchResponseContent', async () => {
  const batch = new BatchRequestContent([
    { id: '1', request: new Request(`${sb.baseUrl}/users/${user}/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event('batched', 20)) }) },
    { id: '2', request: new Request(`${sb.baseUrl}/users/${user}/events?$filter=subject eq 'batched'&$select=subject`, { method: 'GET' }), dependsOn: ['1'] },
  ]);
  const raw = await client.api('/$batch').post(await batch.getContent());
  const answers = new BatchResponseContent(raw);
  expect(answers.getResponseById('1').status).toBe(201);
  const listed = (await answers.getResponseById('2').json()) as { value: Event[] };
  expect(listed.value).toEqual([expect.objectContaining({ subject: 'batched' })]);
});

test('service errors surface as GraphError with the status and Graph code', async () => {
  const created: Event = await client.api(`/users/${user}/events`).post(event('conflict', 21));
  await client.api(`/users/${user}/events/${created.id}`).patch({ subject: 'changed' });
  const stale = await client.api(`/users/${user}/events/${created.id}`).header('If-Match', `W/"${created.changeKey}"`).patch({ subject: 'again' }).catch((e: unknown) => e);
  expect(stale).toBeInstanceOf(GraphError);
  expect(stale).toMatchObject({ statusCode: 412, code: 'ErrorIrresolvableConflict' });
  const outOfScope = await client.api(`/users/${sb.seed.users[2]!.entraObjectId}/events`).get().catch((e: unknown) => e);
  expect(outOfScope).toMatchObject({ statusCode: 403, code: 'ErrorAccessDenied' });
});

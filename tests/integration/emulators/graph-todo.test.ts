/**
 * To Do: the seeded "Tasks" list, the documented list and task accepted, due dates kept as dates in the
 * mailbox's zone, completion stamps, linked resources (one inline on create, more through their endpoint),
 * tasks delta with @removed and 410, and To Do's own error wrapping.
 */
import fs from 'node:fs';
import path from 'node:path';
import { schemaReport, startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8'));
let sb: GraphSandbox;
let alex: string; // Eastern Standard Time
let adele: string; // Tokyo Standard Time
let tasks: string;

beforeAll(async () => {
  sb = await startGraphSandbox();
  adele = sb.seed.users[0]!.entraObjectId;
  alex = sb.seed.users[1]!.entraObjectId;
  const lists = await sb.call('GET', `/users/${alex}/todo/lists`);
  tasks = `/users/${alex}/todo/lists/${lists.body.value[0].id}/tasks`;
});
afterAll(() => sb.close());

type Page = { '@odata.nextLink'?: string; '@odata.deltaLink'?: string; value: Array<Record<string, any>> };
async function round(first: string): Promise<Page[]> {
  const pages: Page[] = [];
  let url: string | undefined = first;
  while (url) {
    const res: { status: number; body: Page } = await sb.call<Page>('GET', url);
    expect(res.status).toBe(200);
    pages.push(res.body);
    url = res.body['@odata.nextLink'];
  }
  return pages;
}
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

test('every mailbox has the built-in "Tasks" list; the documented list is accepted as a new list', async () => {
  const lists = await sb.call('GET', `/users/${alex}/todo/lists`);
  expect(lists.body.value).toEqual([expect.objectContaining({ displayName: 'Tasks', wellknownListName: 'defaultList', isOwner: true, isShared: false })]);
  const documented = fixture('todo-task-list.json');
  for (const key of Object.keys(documented).filter((k) => !k.startsWith('@'))) expect(key in lists.body.value[0]).toBe(true);
  const created = await sb.call('POST', `/users/${alex}/todo/lists`, { body: documented });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ displayName: 'Monthly tasks', wellknownListName: 'none', isOwner: true });
  expect((await sb.call('DELETE', `/users/${alex}/todo/lists/${lists.body.value[0].id}`)).status).toBe(400);
  expect((await sb.call('DELETE', `/users/${alex}/todo/lists/${created.body.id}`)).status).toBe(204);
});

test('the documented task (todo-task.json) is accepted; its due date comes back as documented for an Eastern mailbox', async () => {
  const documented = fixture('todo-task.json');
  const res = await sb.call('POST', tasks, { body: documented });
  expect(res.status).toBe(201);
  for (const [key, value] of Object.entries(documented).filter(([k]) => !k.startsWith('@'))) {
    expect([key, kind(res.body[key])]).toEqual([key, kind(value)]);
  }
  expect(res.body).toMatchObject({ title: 'Shop for dinner', importance: 'low', status: 'notStarted', categories: ['Important', 'Urgent'], dueDateTime: documented.dueDateTime });
  expect(res.body.id).not.toBe(documented.id);
  expect(res.body.changeKey).toBeUndefined();
  expect(res.body['@odata.etag']).toMatch(/^W\/"/);
});

test('due dates are dates in the mailbox zone: a Tokyo user\'s due date reads as the previous day in UTC', async () => {
  const list = (await sb.call('GET', `/users/${adele}/todo/lists`)).body.value[0];
  const res = await sb.call('POST', `/users/${adele}/todo/lists/${list.id}/tasks`, { body: { title: 'due', dueDateTime: { dateTime: '2024-03-10T15:45:00', timeZone: 'Tokyo Standard Time' } } });
  expect(res.body.dueDateTime).toEqual({ dateTime: '2024-03-09T15:00:00.0000000', timeZone: 'UTC' });
  const tokyo = await sb.call('GET', `/users/${adele}/todo/lists/${list.id}/tasks/${res.body.id}`, { headers: { prefer: 'outlook.timezone="Tokyo Standard Time"' } });
  expect(tokyo.body.dueDateTime).toEqual({ dateTime: '2024-03-10T00:00:00.0000000', timeZone: 'Tokyo Standard Time' });
  // Sending the value back unchanged keeps the date.
  const again = await sb.call('PATCH', `/users/${adele}/todo/lists/${list.id}/tasks/${res.body.id}`, { body: { dueDateTime: res.body.dueDateTime } });
  expect(again.body.dueDateTime).toEqual(res.body.dueDateTime);
});

test('completing a task stamps completedDateTime; reopening clears it; If-Match guards updates', async () => {
  const task = await sb.call('POST', tasks, { body: { title: 'finish me', body: { content: 'notes', contentType: 'text' } } });
  expect(task.body.completedDateTime).toBeUndefined();
  const done = await sb.call('PATCH', `${tasks}/${task.body.id}`, { body: { status: 'completed' }, headers: { 'if-match': task.body['@odata.etag'] } });
  expect(done.body.status).toBe('completed');
  expect(done.body.completedDateTime).toEqual({ dateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), timeZone: 'UTC' });
  expect((await sb.call('PATCH', `${tasks}/${task.body.id}`, { body: { title: 'x' }, headers: { 'if-match': task.body['@odata.etag'] } })).status).toBe(412);
  const reopened = await sb.call('PATCH', `${tasks}/${task.body.id}`, { body: { status: 'inProgress' } });
  expect(reopened.body.completedDateTime).toBeUndefined();
  expect((await sb.call('PATCH', `${tasks}/${task.body.id}`, { body: { status: 'finished' } })).status).toBe(400);
});

test('linked resources: one inline on create, more through the endpoint, $expand to read them, no filtering on them', async () => {
  const link = { webUrl: 'https://crm.example/activity/1', applicationName: 'crm-exchange-sync', displayName: 'CRM task', externalId: 'act-1' };
  const created = await sb.call('POST', tasks, { body: { title: 'linked', linkedResources: [link] } });
  expect(created.status).toBe(201);
  expect(created.body.linkedResources).toEqual([{ id: expect.any(String), ...link }]);
  const two = await sb.call('POST', tasks, { body: { title: 'linked twice', linkedResources: [link, { ...link, externalId: 'act-2' }] } });
  expect(two.status).toBe(400);
  expect(two.body.error).toMatchObject({ code: 'invalidRequest', message: 'Only one item in linkedResources is allowed.', innerError: { code: 'InvalidModel' } });
  const more = await sb.call('POST', `${tasks}/${created.body.id}/linkedResources`, { body: { ...link, externalId: 'act-1b' } });
  expect(more.status).toBe(201);
  const listed = await sb.call('GET', `${tasks}/${created.body.id}/linkedResources`);
  expect(listed.body.value.map((l: { externalId: string }) => l.externalId)).toEqual(['act-1', 'act-1b']);
  const plain = await sb.call('GET', `${tasks}/${created.body.id}`);
  expect(plain.body.linkedResources).toBeUndefined();
  const expanded = await sb.call('GET', `${tasks}/${created.body.id}?$expand=linkedResources`);
  expect(expanded.body.linkedResources).toHaveLength(2);
  expect(expanded.body['@odata.etag']).not.toBe(created.body['@odata.etag']);
  const filtered = await sb.call('GET', `${tasks}?$filter=linkedResources/any(l: l/externalId eq 'act-1')`);
  expect(filtered.status).toBe(400);
  expect(filtered.body.error.code).toBe('invalidRequest');
  expect((await sb.call('POST', `${tasks}/${created.body.id}/linkedResources`, { body: { ...link, appName: 'x' } })).status).toBe(400);
});

test('To Do errors: unknown $select, percent-encoded option names, a task named under another list', async () => {
  const select = await sb.call('GET', `${tasks}?$select=title,crmId`);
  expect(select.status).toBe(400);
  expect(select.body.error).toMatchObject({ code: 'invalidRequest', innerError: { code: 'RequestBroker--ParseUri' } });
  expect((await sb.call('GET', `${tasks}?%24select=title`)).status).toBe(400);
  expect((await sb.call('GET', `${tasks}?$select=title&$filter=status eq 'notStarted'`)).status).toBe(200);
  const task = (await sb.call('GET', `${tasks}?$top=1`)).body.value[0];
  const other = await sb.call('POST', `/users/${alex}/todo/lists`, { body: { displayName: 'Other' } });
  const wrong = await sb.call('GET', `/users/${alex}/todo/lists/${other.body.id}/tasks/${task.id}`);
  expect(wrong.status).toBe(400);
  expect(wrong.body.error.innerError.code).toBe('ParentFolderDoesNotContainTaskWithGivenId');
  expect((await sb.call('POST', tasks, { body: { title: 'x', singleValueExtendedProperties: [] } })).status).toBe(400);
  const immutable = await sb.call('GET', `${tasks}?$top=1`, { headers: { prefer: 'IdType="ImmutableId"' } });
  expect(immutable.headers.get('preference-applied')).toBeNull();
});

test('tasks delta: pages by $top, changes and @removed in the next round, 410 syncStateNotFound after expiry', async () => {
  const pages = await round(`${tasks}/delta?$top=2`);
  expect(pages.length).toBeGreaterThan(1);
  const all = pages.flatMap((p) => p.value);
  const documented = fixture('todo-tasks-delta.json');
  const last = pages[pages.length - 1]!;
  expect(Object.keys(last).filter((k) => k !== '@odata.context').sort()).toEqual(Object.keys(documented).sort());
  for (const key of Object.keys(documented.value[0])) expect(key in all[0]!).toBe(true);
  const [first, second] = all;
  await sb.call('PATCH', `${tasks}/${first!.id}`, { body: { title: 'changed' } });
  await sb.call('DELETE', `${tasks}/${second!.id}`);
  const next = (await round(last['@odata.deltaLink']!)).flatMap((p) => p.value);
  expect(next).toEqual(expect.arrayContaining([
    expect.objectContaining({ id: first!.id, title: 'changed' }),
    { id: second!.id, '@removed': { reason: 'deleted' } },
  ]));
  expect(next).toHaveLength(2);
  expect((await sb.call('GET', `${tasks}/delta?$filter=status eq 'completed'`)).status).toBe(400);
  await sb.controls.expireDeltaTokens(alex);
  const gone = await sb.call('GET', last['@odata.deltaLink']!);
  expect(gone.status).toBe(410);
  expect(gone.body.error.code).toBe('syncStateNotFound');
});

test('every To Do response conforms to the v1.0 schema', () => {
  expect(schemaReport(sb.responses)).toEqual([]);
});

/**
 * calendarView/delta: a round of pages linked by @odata.nextLink ending in an @odata.deltaLink, later
 * rounds with only the changes (deletions and events that left the window as @removed), the documented
 * page shapes, and 410 Gone for tokens the service no longer has.
 */
import fs from 'node:fs';
import path from 'node:path';
import { schemaReport, startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8'));
let sb: GraphSandbox;
let user: string;
const window = 'startDateTime=2016-12-01T00:00:00Z&endDateTime=2016-12-30T00:00:00Z';

beforeAll(async () => {
  sb = await startGraphSandbox();
  user = sb.seed.users[0]!.entraObjectId;
});
afterAll(() => sb.close());

const at = (day: number, hour = 9) => ({ dateTime: `2016-12-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00`, timeZone: 'UTC' });
const create = async (subject: string, day: number) => (await sb.call('POST', `/users/${user}/events`, { body: { subject, start: at(day), end: at(day, 10) } })).body;

type Page = { '@odata.context': string; '@odata.nextLink'?: string; '@odata.deltaLink'?: string; value: Array<Record<string, any>> };

/** Follows nextLinks to the end of a round; returns the pages. */
async function round(first: string, headers: Record<string, string> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  let url: string | undefined = first;
  while (url) {
    const res: { status: number; body: Page } = await sb.call<Page>('GET', url, { headers });
    expect(res.status).toBe(200);
    pages.push(res.body);
    expect(Boolean(res.body['@odata.nextLink']) !== Boolean(res.body['@odata.deltaLink'])).toBe(true);
    url = res.body['@odata.nextLink'];
  }
  return pages;
}

const keysOf = (o: object) => Object.keys(o).sort();

test('the first call needs a window; the delta function takes none of $select, $filter, $orderby, $expand, $top', async () => {
  const noWindow = await sb.call('GET', `/users/${user}/calendarView/delta`);
  expect(noWindow.status).toBe(400);
  expect(noWindow.body.error.code).toBe('ErrorInvalidParameter');
  const select = await sb.call('GET', `/users/${user}/calendarView/delta?${window}&$select=subject`);
  expect(select.status).toBe(400);
  expect(select.body.error).toMatchObject({ code: 'ErrorInvalidUrlQuery', message: expect.stringContaining("change tracking over the 'CalendarView' resource") });
  const top = await sb.call('GET', `/users/${user}/calendarView/delta?${window}&$top=2`);
  expect(top.body.error.message).toContain('Prefer: odata.maxpagesize');
});

test('rounds: pages as documented, then only changes; removals and events leaving the window come as @removed', async () => {
  const events = [await create('Plan shopping list', 9), await create('Pick up car', 10), await create('Rest!', 12), await create('Attend service', 25), await create('Dentist', 27)];
  await create('January', 31); // outside the window (ends 2016-12-30)
  const prefer = { prefer: 'odata.maxpagesize=2' };
  const first = await round(`/users/${user}/calendarView/delta?${window}`, prefer);
  expect(first.map((p) => p.value.length)).toEqual([2, 2, 1]);
  const subjects = first.flatMap((p) => p.value.map((e) => e.subject));
  expect(subjects.sort()).toEqual(['Attend service', 'Dentist', 'Pick up car', 'Plan shopping list', 'Rest!']);
  // Documented shapes: same annotations, every documented event property present.
  const docPage = fixture('events-delta-page.json');
  expect(keysOf(first[0]!)).toEqual(keysOf(docPage));
  expect(first[0]!['@odata.context']).toBe(`${sb.v1}/$metadata#Collection(event)`);
  expect(first[0]!['@odata.nextLink']!.startsWith(`${sb.v1}/users/`)).toBe(true);
  for (const documented of docPage.value) expect(keysOf(first[0]!.value[0]!)).toEqual(expect.arrayContaining(keysOf(documented)));
  expect(keysOf(first[2]!)).toEqual(keysOf(fixture('events-delta-initial-round-last-page.json')));

  // Next round: one update, one delete, one new event, one moved out of the window.
  await sb.call('PATCH', `/users/${user}/events/${events[0]!.id}`, { body: { subject: 'Plan shopping list (2)' } });
  await sb.call('DELETE', `/users/${user}/events/${events[1]!.id}`);
  await sb.call('PATCH', `/users/${user}/events/${events[2]!.id}`, { body: { start: at(30, 12), end: at(31, 12) } });
  const added = await create('New one', 20);
  const second = await round(first[2]!['@odata.deltaLink']!);
  const changed = second.flatMap((p) => p.value);
  const removed = changed.filter((e) => e['@removed']);
  expect(removed.map((e) => e.id).sort()).toEqual([events[1]!.id, events[2]!.id].sort());
  const docRemoved = fixture('events-delta-final.json').value[0];
  for (const r of removed) {
    expect(keysOf(r)).toEqual(keysOf(docRemoved));
    expect(r).toMatchObject({ '@odata.type': '#microsoft.graph.event', '@removed': { reason: 'deleted' } });
  }
  const live = changed.filter((e) => !e['@removed']);
  expect(live.map((e) => e.subject).sort()).toEqual(['New one', 'Plan shopping list (2)']);
  expect(live.find((e) => e.id === added.id)!['@odata.type']).toBe('#microsoft.graph.event');

  // Nothing changed since: an empty page with the next delta link.
  const third = await round(second[second.length - 1]!['@odata.deltaLink']!);
  expect(third).toHaveLength(1);
  expect(third[0]!.value).toEqual([]);
  // A delta link can be replayed (the token stays valid until the service drops it).
  expect((await sb.call('GET', first[2]!['@odata.deltaLink']!)).status).toBe(200);
});

test('Prefer outlook.timezone and IdType apply to delta items too', async () => {
  const pages = await round(`/users/${user}/calendarView/delta?${window}`, { prefer: 'outlook.timezone="Pacific Standard Time", IdType="ImmutableId"' });
  const item = pages[0]!.value[0]!;
  expect(item.start.timeZone).toBe('Pacific Standard Time');
  expect(item.id.startsWith('AAkALg')).toBe(true);
});

test('expired, unknown or foreign tokens answer 410 Gone (SyncStateNotFound): the client must resync', async () => {
  const pages = await round(`/users/${user}/calendarView/delta?${window}`, { prefer: 'odata.maxpagesize=1' });
  const deltaLink = pages[pages.length - 1]!['@odata.deltaLink']!;
  const skipLink = (await sb.call<Page>('GET', `/users/${user}/calendarView/delta?${window}`, { headers: { prefer: 'odata.maxpagesize=1' } })).body['@odata.nextLink']!;
  const other = sb.seed.users[1]!.entraObjectId;
  const foreign = await sb.call('GET', deltaLink.replace(`/users/${user}/`, `/users/${other}/`));
  expect(foreign.status).toBe(410);
  expect(await sb.controls.expireDeltaTokens(user)).toBeGreaterThan(0);
  for (const link of [deltaLink, skipLink]) {
    const gone = await sb.call('GET', link);
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('SyncStateNotFound');
  }
  expect((await sb.call('GET', `/users/${user}/calendarView/delta?$deltatoken=R0usmcFuQtZdtpk4`)).status).toBe(410);
  // A full resync works again.
  expect((await round(`/users/${user}/calendarView/delta?${window}`)).flatMap((p) => p.value).length).toBeGreaterThan(0);
});

test('every delta response conforms to the v1.0 event schema', () => {
  expect(schemaReport(sb.responses)).toEqual([]);
});

/**
 * Events: the documented create request and responses, time zones, all-day rules, transactionId
 * de-duplication, If-Match, immutable ids, extended properties, query options and their errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GraphChange } from '../../emulators/graph/context';
import { schemaReport, startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8'));
let sb: GraphSandbox;
let adele: string;
let events: string;
const changes: GraphChange[] = [];

beforeAll(async () => {
  sb = await startGraphSandbox();
  adele = sb.seed.users[0]!.entraObjectId;
  events = `/users/${adele}/events`;
  sb.graph.ctx.onChange((c) => changes.push(c));
});
afterAll(() => sb.close());

const when = (dateTime: string, timeZone = 'UTC') => ({ dateTime, timeZone });
const simple = (subject: string, start = '2024-05-01T10:00:00', end = '2024-05-01T11:00:00') => ({ subject, start: when(start), end: when(end) });

/** Same keys as the documented response, each with the same JSON type (null in the doc matches anything). */
function sameShape(actual: Record<string, unknown>, documented: Record<string, unknown>): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  return Object.entries(documented).filter(([k, v]) => !(k in actual) || (v !== null && kind(actual[k]) !== kind(v)))
    .map(([k, v]) => `${k}: documented ${kind(v)}, got ${k in actual ? kind(actual[k]) : 'nothing'}`);
}

test('the documented create request (event-create-request.json, Prefer PST) answers the documented response shape', async () => {
  const res = await sb.call('POST', events, { body: fixture('event-create-request.json'), headers: { prefer: 'outlook.timezone="Pacific Standard Time"' } });
  expect(res.status).toBe(201);
  expect(res.headers.get('preference-applied')).toBe('outlook.timezone="Pacific Standard Time"');
  expect(sameShape(res.body, fixture('event.json'))).toEqual([]);
  expect(res.body).toMatchObject({
    '@odata.context': `${sb.v1}/$metadata#users('${adele}')/events/$entity`,
    subject: "Let's go for lunch",
    start: { dateTime: '2017-04-15T12:00:00.0000000', timeZone: 'Pacific Standard Time' },
    end: { dateTime: '2017-04-15T14:00:00.0000000', timeZone: 'Pacific Standard Time' },
    originalStartTimeZone: 'Pacific Standard Time',
    location: { displayName: "Harry's Bar", locationType: 'default', uniqueId: "Harry's Bar", uniqueIdType: 'private' },
    locations: [{ displayName: "Harry's Bar", locationType: 'default', uniqueIdType: 'unknown' }],
    attendees: [{ type: 'required', status: { response: 'none', time: '0001-01-01T00:00:00Z' }, emailAddress: { name: 'Samantha Booth', address: 'samanthab@contoso.onmicrosoft.com' } }],
    organizer: { emailAddress: { name: 'Adele Vance', address: 'adelev@contoso.example' } },
    isOrganizer: true, type: 'singleInstance', bodyPreview: 'Does late morning work for you?',
  });
  expect(res.body['@odata.etag']).toBe(`W/"${res.body.changeKey}"`);
  expect(res.body.body).toEqual({ contentType: 'html', content: expect.stringContaining('<body>\r\nDoes late morning work for you?\r\n</body>') });
  expect(res.body.transactionId).toBeUndefined();
  // Read back without Prefer: UTC (PDT is UTC-7).
  const utc = await sb.call('GET', `${events}/${res.body.id}`);
  expect(utc.body.start).toEqual({ dateTime: '2017-04-15T19:00:00.0000000', timeZone: 'UTC' });
  expect(utc.headers.get('preference-applied')).toBeNull();
});

test('a documented event response sent back as a body is accepted: read-only properties are ignored', async () => {
  const documented = fixture('event.json');
  const res = await sb.call('POST', events, { body: documented });
  expect(res.status).toBe(201);
  expect(res.body.id).not.toBe(documented.id);
  expect(res.body.changeKey).not.toBe(documented.changeKey);
  expect(res.body).toMatchObject({ subject: "Let's go brunch", start: { dateTime: '2017-04-15T18:00:00.0000000', timeZone: 'UTC' } });
});

test('recurring series are refused clearly (not supported here), and the sample\'s stray property is an unknown property', async () => {
  const series = fixture('event-recurring-series-master.json');
  const stray = await sb.call('POST', events, { body: series });
  expect(stray.status).toBe(400);
  expect(stray.body.error).toMatchObject({ code: 'RequestBodyRead', message: expect.stringContaining("The property 'OnlineMeeting' does not exist on type 'Microsoft.OutlookServices.Event'") });
  delete series.OnlineMeeting;
  const res = await sb.call('POST', events, { body: series });
  expect(res.status).toBe(501);
  expect(res.body.error).toMatchObject({ code: 'NotImplemented', message: 'Not supported by the sandbox Graph emulator (the real service supports it): Recurring events (recurrence).' });
  // recurrence: null is a single event.
  expect((await sb.call('POST', events, { body: { ...simple('single'), recurrence: null } })).status).toBe(201);
});

test('time zones: Windows and IANA names in, Prefer zone out; unknown zones are 400', async () => {
  const created = await sb.call('POST', events, { body: { subject: 'tz', start: when('2024-01-15T09:00:00', 'Europe/Berlin'), end: when('2024-01-15T10:00:00', 'W. Europe Standard Time') } });
  expect(created.status).toBe(201);
  expect(created.body.start).toEqual({ dateTime: '2024-01-15T08:00:00.0000000', timeZone: 'UTC' });
  const tokyo = await sb.call('GET', `${events}/${created.body.id}`, { headers: { prefer: 'outlook.timezone="Tokyo Standard Time"' } });
  expect(tokyo.body.end).toEqual({ dateTime: '2024-01-15T18:00:00.0000000', timeZone: 'Tokyo Standard Time' });
  const bad = await sb.call('POST', events, { body: { subject: 'tz', start: when('2024-01-15T09:00:00', 'Mars Standard Time'), end: when('2024-01-15T10:00:00') } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('TimeZoneNotSupportedException');
  const reversed = await sb.call('POST', events, { body: simple('backwards', '2024-01-15T10:00:00', '2024-01-15T09:00:00') });
  expect(reversed.status).toBe(400);
});

test('all-day events start and end at midnight and last whole days; they read as midnight in any zone', async () => {
  const ok = await sb.call('POST', events, { body: { subject: 'holiday', isAllDay: true, start: when('2024-05-01T00:00:00', 'Tokyo Standard Time'), end: when('2024-05-02T00:00:00', 'Tokyo Standard Time') } });
  expect(ok.status).toBe(201);
  expect(ok.body.start).toEqual({ dateTime: '2024-05-01T00:00:00.0000000', timeZone: 'UTC' });
  const pst = await sb.call('GET', `${events}/${ok.body.id}`, { headers: { prefer: 'outlook.timezone="Pacific Standard Time"' } });
  expect(pst.body.start).toEqual({ dateTime: '2024-05-01T00:00:00.0000000', timeZone: 'Pacific Standard Time' });
  expect(pst.body.end.dateTime).toBe('2024-05-02T00:00:00.0000000');
  const notMidnight = await sb.call('POST', events, { body: { subject: 'x', isAllDay: true, start: when('2024-05-01T09:00:00'), end: when('2024-05-02T00:00:00') } });
  expect(notMidnight.status).toBe(400);
  const zeroDays = await sb.call('POST', events, { body: { subject: 'x', isAllDay: true, start: when('2024-05-01T00:00:00'), end: when('2024-05-01T00:00:00') } });
  expect(zeroDays.status).toBe(400);
  // Turning a timed event into an all-day one re-checks the times it already has.
  const timed = await sb.call('POST', events, { body: simple('timed') });
  expect((await sb.call('PATCH', `${events}/${timed.body.id}`, { body: { isAllDay: true } })).status).toBe(400);
});

test('transactionId: a retried create returns the first event; reusing it for another event is 400', async () => {
  const body = { ...simple('retry me'), transactionId: '7E163156-7762-4BEB-A1C6-729EA81755A7' };
  const first = await sb.call('POST', events, { body });
  const again = await sb.call('POST', events, { body });
  expect(first.status).toBe(201);
  expect(again.status).toBe(201);
  expect(again.body.id).toBe(first.body.id);
  expect(again.body.transactionId).toBe(body.transactionId);
  const mailbox = (await sb.controls.mailbox(adele)) as { events: Array<{ transactionId?: string }> };
  expect(mailbox.events.filter((e) => e.transactionId === body.transactionId)).toHaveLength(1);
  const other = await sb.call('POST', events, { body: { ...body, subject: 'something else' } });
  expect(other.status).toBe(400);
  expect(other.body.error.code).toBe('ErrorDuplicateTransactionId');
  const change = await sb.call('PATCH', `${events}/${first.body.id}`, { body: { transactionId: 'another' } });
  expect(change.status).toBe(400);
});

test('If-Match: the current etag updates (new changeKey), a stale one is 412 ErrorIrresolvableConflict', async () => {
  const created = await sb.call('POST', events, { body: simple('etag') });
  const etag = created.body['@odata.etag'];
  const updated = await sb.call('PATCH', `${events}/${created.body.id}`, { body: { subject: 'etag 2' }, headers: { 'if-match': etag } });
  expect(updated.status).toBe(200);
  expect(updated.body.changeKey).not.toBe(created.body.changeKey);
  expect(Date.parse(updated.body.lastModifiedDateTime)).toBeGreaterThanOrEqual(Date.parse(created.body.lastModifiedDateTime));
  const stale = await sb.call('PATCH', `${events}/${created.body.id}`, { body: { subject: 'etag 3' }, headers: { 'if-match': etag } });
  expect(stale.status).toBe(412);
  expect(stale.body.error.code).toBe('ErrorIrresolvableConflict');
  expect((await sb.call('DELETE', `${events}/${created.body.id}`, { headers: { 'if-match': etag } })).status).toBe(412);
  expect((await sb.call('DELETE', `${events}/${created.body.id}`, { headers: { 'if-match': '*' } })).status).toBe(204);
  expect((await sb.call('GET', `${events}/${created.body.id}`)).status).toBe(404);
});

test('Prefer IdType="ImmutableId" returns another id form; both forms name the same event', async () => {
  const immutable = await sb.call('POST', events, { body: simple('ids'), headers: { prefer: 'IdType="ImmutableId"' } });
  expect(immutable.headers.get('preference-applied')).toBe('IdType="ImmutableId"');
  const regular = await sb.call('GET', `${events}/${immutable.body.id}`);
  expect(regular.body.id).not.toBe(immutable.body.id);
  expect(regular.body.id.startsWith('AAMkA')).toBe(true);
  expect(immutable.body.id.startsWith('AAkALg')).toBe(true);
  expect((await sb.call('GET', `${events}/${regular.body.id}`, { headers: { prefer: 'IdType="ImmutableId"' } })).body.id).toBe(immutable.body.id);
  expect((await sb.call('PATCH', `${events}/${regular.body.id}`, { body: { subject: 'ids 2' } })).status).toBe(200);
  // Malformed ids are 400; an id from another mailbox is not found here.
  expect((await sb.call('GET', `${events}/nonsense`)).body.error.code).toBe('ErrorInvalidIdMalformed');
  const alex = sb.seed.users[1]!.entraObjectId;
  expect((await sb.call('GET', `/users/${alex}/events/${regular.body.id}`)).status).toBe(404);
});

test('singleValueExtendedProperties: set inline, read with $expand($filter), found with $filter Any(...)', async () => {
  const propId = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name CrmActivityId';
  const created = await sb.call('POST', events, { body: { ...simple('stamped'), singleValueExtendedProperties: [{ id: propId, value: 'crm-1' }] } });
  expect(created.status).toBe(201);
  await sb.call('POST', events, { body: { ...simple('stamped other'), singleValueExtendedProperties: [{ id: propId, value: 'crm-2' }] } });
  const expand = `$expand=singleValueExtendedProperties($filter=id eq '${propId}')`;
  const read = await sb.call('GET', `${events}/${created.body.id}?${expand}`);
  expect(read.body.singleValueExtendedProperties).toEqual([{ id: propId, value: 'crm-1' }]);
  expect((await sb.call('GET', `${events}/${created.body.id}`)).body.singleValueExtendedProperties).toBeUndefined();
  const found = await sb.call('GET', `${events}?$filter=singleValueExtendedProperties/Any(ep: ep/id eq '${propId}' and ep/value eq 'crm-1')&${expand}`);
  expect(found.body.value.map((e: { subject: string }) => e.subject)).toEqual(['stamped']);
  const patched = await sb.call('PATCH', `${events}/${created.body.id}?${expand}`, { body: { singleValueExtendedProperties: [{ id: propId, value: 'crm-9' }] } });
  expect(patched.body.singleValueExtendedProperties).toEqual([{ id: propId, value: 'crm-9' }]);
  const badId = await sb.call('POST', events, { body: { ...simple('bad'), singleValueExtendedProperties: [{ id: 'CrmActivityId', value: 'x' }] } });
  expect(badId.status).toBe(400);
  expect(badId.body.error.code).toBe('ErrorInvalidProperty');
});

test('unknown $select/$filter/$orderby properties and unsupported options are 400, never ignored', async () => {
  const select = await sb.call('GET', `${events}?$select=subject,crmId`);
  expect(select.status).toBe(400);
  expect(select.body.error).toMatchObject({ code: 'RequestBroker--ParseUri', message: "Could not find a property named 'crmId' on type 'Microsoft.OutlookServices.Event'." });
  expect((await sb.call('GET', `${events}?$filter=crmId eq 'x'`)).status).toBe(400);
  expect((await sb.call('GET', `${events}?$orderby=crmId`)).status).toBe(400);
  const complexOrder = await sb.call('GET', `${events}?$orderby=start`);
  expect(complexOrder.body.error.message).toBe('The $orderby expression must evaluate to a single value of primitive type.');
  expect((await sb.call('GET', `${events}?$filter=subject eq`)).status).toBe(400);
  expect((await sb.call('GET', `${events}?$frobnicate=1`)).status).toBe(400);
  expect((await sb.call('GET', `${events}?$search="lunch"`)).status).toBe(400);
  expect((await sb.call('GET', `${events}?$top=1001`)).status).toBe(400);
});

test('bodies: unknown properties and wrong types are 400; enum values match case-insensitively', async () => {
  const unknown = await sb.call('POST', events, { body: { ...simple('x'), crmId: '1' } });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error).toMatchObject({ code: 'RequestBodyRead', message: expect.stringContaining("The property 'crmId' does not exist on type 'Microsoft.OutlookServices.Event'") });
  const nested = await sb.call('POST', events, { body: { ...simple('x'), location: { name: 'Room 1' } } });
  expect(nested.body.error.message).toContain("'Microsoft.OutlookServices.Location'");
  expect((await sb.call('POST', events, { body: { ...simple('x'), isAllDay: 'no' } })).status).toBe(400);
  expect((await sb.call('POST', events, { body: { ...simple('x'), importance: 'urgent' } })).status).toBe(400);
  expect((await sb.call('POST', events, { body: { ...simple('x'), reminderMinutesBeforeStart: null } })).status).toBe(201);
  const cased = await sb.call('POST', events, { body: { ...simple('x'), importance: 'High', showAs: 'OOF', body: { contentType: 'TEXT', content: 'line 1\nline <2>' } } });
  expect(cased.body).toMatchObject({ importance: 'high', showAs: 'oof' });
  expect(cased.body.body.content).toContain('line 1<br>');
  expect(cased.body.body.content).toContain('line &lt;2&gt;');
  const text = await sb.call('GET', `${events}/${cased.body.id}`, { headers: { prefer: 'outlook.body-content-type="text"' } });
  expect(text.body.body).toEqual({ contentType: 'text', content: 'line 1\nline <2>' });
  expect(text.headers.get('preference-applied')).toBe('outlook.body-content-type="text"');
});

test('lists page with absolute @odata.nextLink on this emulator; $filter, $orderby and calendarView windows apply', async () => {
  const bob = sb.seed.users[1]!.entraObjectId;
  for (let i = 0; i < 12; i += 1) {
    const day = String(i + 1).padStart(2, '0');
    expect((await sb.call('POST', `/users/${bob}/events`, { body: simple(`e${i}`, `2024-06-${day}T09:00:00`, `2024-06-${day}T10:00:00`) })).status).toBe(201);
  }
  const seen: string[] = [];
  let url: string | undefined = `/users/${bob}/events?$top=5&$select=subject`;
  while (url) {
    const page: { body: { value: Array<{ subject: string }>; '@odata.nextLink'?: string } } = await sb.call('GET', url);
    seen.push(...page.body.value.map((e) => e.subject));
    url = page.body['@odata.nextLink'];
    if (url) expect(url.startsWith(`${sb.v1}/users/`)).toBe(true);
  }
  expect(seen).toHaveLength(12);
  expect(new Set(seen).size).toBe(12);
  const defaultPage = await sb.call('GET', `/users/${bob}/events`);
  expect(defaultPage.body.value).toHaveLength(10);
  const ordered = await sb.call('GET', `/users/${bob}/events?$orderby=start/dateTime desc&$top=2&$select=subject`);
  expect(ordered.body.value.map((e: { subject: string }) => e.subject)).toEqual(['e11', 'e10']);
  const filtered = await sb.call('GET', `/users/${bob}/events?$filter=start/dateTime ge '2024-06-10T00:00:00' and subject ne 'e10'`);
  expect(filtered.body.value.map((e: { subject: string }) => e.subject)).toEqual(['e9', 'e11']);
  const view = await sb.call('GET', `/users/${bob}/calendarView?startDateTime=2024-06-03T09:30:00Z&endDateTime=2024-06-05T00:00:00Z`);
  expect(view.body.value.map((e: { subject: string }) => e.subject)).toEqual(['e2', 'e3']);
  expect((await sb.call('GET', `/users/${bob}/calendarView`)).status).toBe(400);
});

test('every write, ours included, is announced to change listeners', async () => {
  changes.length = 0;
  const created = await sb.call('POST', events, { body: simple('notify') });
  await sb.call('PATCH', `${events}/${created.body.id}`, { body: { subject: 'notify 2' } });
  await sb.call('DELETE', `${events}/${created.body.id}`);
  expect(changes.map((c) => c.changeType)).toEqual(['created', 'updated', 'deleted']);
  expect(changes[0]).toMatchObject({ userId: adele, kind: 'event', clientId: sb.seed.clients.sync.clientId, regularId: created.body.id });
  expect(changes[1]!.changeKey).not.toBe(changes[0]!.changeKey);
  expect(changes[2]!.changeKey).toBeUndefined();
});

test('every event response above conforms to the v1.0 schema', () => {
  expect(sb.responses.length).toBeGreaterThan(40);
  expect(schemaReport(sb.responses)).toEqual([]);
});

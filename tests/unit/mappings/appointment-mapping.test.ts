import fc from 'fast-check';
import { APPOINTMENT_MAPPING, SHOW_AS } from '../../../shared/mappings/appointment-mapping';
import type { Canonical, CrmRow, GraphItem } from '../../../shared/mappings/field-mapping';
import { MappingError } from '../../../shared/mappings/mapping-error';
import { renderBody } from '../../emulators/graph/item-body';
import { fixture } from '../../support/fixtures';
import { arb, context, crmRowOf, crmValuesOf, EASTERN, field, graphItemOf, graphValuesOf, TOKYO, UTC, ZONES, type Values } from './support';

const event = fixture<GraphItem>('graph/event.json');
const eventRequest = fixture<GraphItem>('graph/event-create-request.json');
const DANA = context('Pacific Standard Time', 'danas@contoso.onmicrosoft.com'); // the fixture's organizer

/** Attendees are CRM → Exchange only: their CRM value is built as the expanded activity parties. */
function partiesOf(value: Canonical): CrmRow {
  const list = Array.isArray(value) ? (value as Array<{ address: string; type: string }>) : [];
  return {
    appointment_activity_parties: [
      { participationtypemask: 7, addressused: DANA.mailboxAddress, _partyid_value: 'organizer-id' },
      ...list.map((a, i) => ({ participationtypemask: a.type === 'required' ? 5 : 6, addressused: a.address, _partyid_value: `party-${i}` })),
    ],
  };
}
const crmSources = { attendees: partiesOf };

describe('appointment ↔ event: the documented payloads', () => {
  test('fixture event.json reads as the brunch it shows, times as UTC instants, the organizer left out of attendees', () => {
    expect(graphValuesOf(APPOINTMENT_MAPPING, event, DANA)).toEqual({
      subject: "Let's go brunch",
      description: 'Does late morning work for you?',
      location: "Harry's Bar",
      appointmentTime: { isAllDay: false, start: '2017-04-15T18:00:00Z', end: '2017-04-15T19:00:00Z' }, // 11:00 PDT
      priority: 'normal',
      showAs: 'busy',
      attendees: [{ address: 'samanthab@contoso.onmicrosoft.com', type: 'required' }],
    });
  });

  test('fixture event-create-request.json (a body we could send) reads the same way', () => {
    expect(graphValuesOf(APPOINTMENT_MAPPING, eventRequest, DANA)).toMatchObject({
      subject: "Let's go for lunch",
      description: 'Does late morning work for you?',
      appointmentTime: { isAllDay: false, start: '2017-04-15T19:00:00Z', end: '2017-04-15T21:00:00Z' },
    });
  });

  test.each(ZONES.map((z) => [z.windowsTimeZone, z] as const))('every field of event.json: Graph → CRM → Graph is stable (%s)', (_name, zone) => {
    const ctx = { ...zone, mailboxAddress: DANA.mailboxAddress };
    const g = graphValuesOf(APPOINTMENT_MAPPING, event, ctx);
    expect(crmValuesOf(APPOINTMENT_MAPPING, crmRowOf(APPOINTMENT_MAPPING, g, ctx, crmSources), ctx)).toEqual(g);
    expect(graphValuesOf(APPOINTMENT_MAPPING, graphItemOf(APPOINTMENT_MAPPING, g, ctx, event), ctx)).toEqual(g);
  });

  test('a CRM appointment row (expanded parties) goes to Graph and back unchanged', () => {
    const row: CrmRow = {
      activityid: 'a1', subject: 'Quarterly review', description: 'Agenda:\r\n- numbers\r\n- plans', location: 'Room 12',
      scheduledstart: '2024-06-03T07:00:00Z', scheduledend: '2024-06-03T08:30:00Z', isalldayevent: false,
      prioritycode: 2, statecode: 3, statuscode: 5,
      appointment_activity_parties: [
        { participationtypemask: 7, addressused: 'Adele.Vance@contoso.com' },
        { participationtypemask: 5, addressused: 'adele.vance@contoso.com' }, // the organizer listed again: left out
        { participationtypemask: 5, addressused: 'Ben@Fabrikam.com' },
        { participationtypemask: 6, addressused: 'ana@fabrikam.com' },
        { participationtypemask: 6, addressused: 'ben@fabrikam.com' }, // required and optional: required
        { participationtypemask: 6, addressused: null }, // an unresolved party without email
      ],
    };
    const v = crmValuesOf(APPOINTMENT_MAPPING, row, TOKYO);
    expect(v).toEqual({
      subject: 'Quarterly review', description: 'Agenda:\n- numbers\n- plans', location: 'Room 12',
      appointmentTime: { isAllDay: false, start: '2024-06-03T07:00:00Z', end: '2024-06-03T08:30:00Z' },
      priority: 'high', showAs: 'busy',
      attendees: [{ address: 'ana@fabrikam.com', type: 'optional' }, { address: 'ben@fabrikam.com', type: 'required' }],
    });
    const item = graphItemOf(APPOINTMENT_MAPPING, v, TOKYO);
    expect(item).toEqual({
      subject: 'Quarterly review', body: { contentType: 'text', content: 'Agenda:\n- numbers\n- plans' }, location: { displayName: 'Room 12' },
      start: { dateTime: '2024-06-03T16:00:00.0000000', timeZone: 'Tokyo Standard Time' },
      end: { dateTime: '2024-06-03T17:30:00.0000000', timeZone: 'Tokyo Standard Time' },
      isAllDay: false, importance: 'high', showAs: 'busy',
      attendees: [{ emailAddress: { address: 'ana@fabrikam.com' }, type: 'optional' }, { emailAddress: { address: 'ben@fabrikam.com' }, type: 'required' }],
    });
    // As Graph returns it: body as HTML, times in UTC.
    const returned = { ...item, body: renderBody(item.body as { contentType: 'text'; content: string }, false), start: { dateTime: '2024-06-03T07:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2024-06-03T08:30:00.0000000', timeZone: 'UTC' } };
    expect(graphValuesOf(APPOINTMENT_MAPPING, returned, TOKYO)).toEqual(v);
  });
});

describe('appointment time', () => {
  const time = field(APPOINTMENT_MAPPING, 'appointmentTime');

  test('written in the mailbox zone: Eastern across the spring-forward change', () => {
    const v = { isAllDay: false, start: '2024-03-10T06:30:00Z', end: '2024-03-10T07:30:00Z' }; // 01:30 EST → 03:30 EDT
    expect(time.toGraph(v, EASTERN)).toEqual({
      start: { dateTime: '2024-03-10T01:30:00.0000000', timeZone: 'Eastern Standard Time' },
      end: { dateTime: '2024-03-10T03:30:00.0000000', timeZone: 'Eastern Standard Time' },
      isAllDay: false,
    });
    expect(time.fromGraph(time.toGraph(v, EASTERN), EASTERN)).toEqual(v);
  });

  test('the repeated hour of the fall-back night is written as UTC, so the two 01:30s stay apart', () => {
    const v = { isAllDay: false, start: '2024-11-03T05:30:00Z', end: '2024-11-03T06:30:00Z' }; // 01:30 EDT → 01:30 EST
    const written = time.toGraph(v, EASTERN);
    expect(written).toEqual({
      start: { dateTime: '2024-11-03T05:30:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2024-11-03T06:30:00.0000000', timeZone: 'UTC' },
      isAllDay: false,
    });
    expect(time.fromGraph(written, EASTERN)).toEqual(v);
    const after = { isAllDay: false, start: '2024-11-03T07:00:00Z', end: '2024-11-03T08:00:00Z' }; // 02:00 EST: unambiguous again
    expect(time.toGraph(after, EASTERN)).toMatchObject({ start: { dateTime: '2024-11-03T02:00:00.0000000', timeZone: 'Eastern Standard Time' } });
  });

  test('all-day in Tokyo: CRM local midnights ↔ dates, end exclusive; Graph gets midnights in the mailbox zone', () => {
    const row = { scheduledstart: '2024-04-30T15:00:00Z', scheduledend: '2024-05-01T15:00:00Z', isalldayevent: true };
    const v = time.fromCrm(row, TOKYO);
    expect(v).toEqual({ isAllDay: true, start: '2024-05-01', end: '2024-05-02' });
    expect(time.toGraph(v, TOKYO)).toEqual({
      start: { dateTime: '2024-05-01T00:00:00.0000000', timeZone: 'Tokyo Standard Time' },
      end: { dateTime: '2024-05-02T00:00:00.0000000', timeZone: 'Tokyo Standard Time' },
      isAllDay: true,
    });
    expect(time.toCrm(v, TOKYO)).toEqual({ ...row });
    // Graph answers all-day times as midnight whatever the Prefer zone.
    expect(time.fromGraph({ isAllDay: true, start: { dateTime: '2024-05-01T00:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2024-05-02T00:00:00.0000000', timeZone: 'UTC' } }, TOKYO)).toEqual(v);
  });

  test('all-day in Eastern across the DST change: a two-day event is 47 hours long in UTC', () => {
    const v = { isAllDay: true, start: '2024-03-09', end: '2024-03-11' };
    expect(time.toCrm(v, EASTERN)).toEqual({ scheduledstart: '2024-03-09T05:00:00Z', scheduledend: '2024-03-11T04:00:00Z', isalldayevent: true });
    expect(time.fromCrm(time.toCrm(v, EASTERN), EASTERN)).toEqual(v);
  });

  test('a CRM all-day appointment stored with slightly-off midnights (user zone ≠ mailbox zone by an hour) keeps its days', () => {
    expect(time.fromCrm({ scheduledstart: '2024-04-30T16:00:00Z', scheduledend: '2024-05-01T16:00:00Z', isalldayevent: true }, TOKYO))
      .toEqual({ isAllDay: true, start: '2024-05-01', end: '2024-05-02' });
  });

  test('an all-day event never ends on or before its start day', () => {
    expect(time.fromCrm({ scheduledstart: '2024-04-30T15:00:00Z', scheduledend: '2024-04-30T15:00:00Z', isalldayevent: true }, TOKYO))
      .toEqual({ isAllDay: true, start: '2024-05-01', end: '2024-05-02' });
  });

  test('Dates from dynamics-web-api (Date objects) read like ISO strings', () => {
    expect(time.fromCrm({ scheduledstart: new Date('2024-06-03T07:00:00Z'), scheduledend: new Date('2024-06-03T08:00:00Z'), isalldayevent: false }, UTC))
      .toEqual({ isAllDay: false, start: '2024-06-03T07:00:00Z', end: '2024-06-03T08:00:00Z' });
  });
});

describe('show time as ↔ appointment status', () => {
  const showAs = field(APPOINTMENT_MAPPING, 'showAs');

  test.each([
    [0, 1, 'free'], [0, 2, 'tentative'], [1, 3, 'free'], [2, 4, 'free'], [3, 5, 'busy'], [3, 6, 'oof'],
  ])('statecode %i / statuscode %i shows as %s', (statecode, statuscode, word) => {
    expect(showAs.fromCrm({ statecode, statuscode }, UTC)).toBe(word);
  });

  test.each([
    ['free', { statecode: 0, statuscode: 1 }], ['tentative', { statecode: 0, statuscode: 2 }],
    ['busy', { statecode: 3, statuscode: 5 }], ['oof', { statecode: 3, statuscode: 6 }],
  ])('%s is written as %j', (word, columns) => {
    expect(showAs.toCrm(word, UTC)).toEqual(columns);
    expect(showAs.fromGraph(showAs.toGraph(word, UTC), UTC)).toBe(word);
  });

  test('working elsewhere reads as free (Dynamics: Open/Free), unknown as busy', () => {
    expect(showAs.fromGraph({ showAs: 'workingElsewhere' }, UTC)).toBe('free');
    expect(showAs.fromGraph({ showAs: 'unknown' }, UTC)).toBe('busy');
  });
});

describe('attendees', () => {
  const attendees = field(APPOINTMENT_MAPPING, 'attendees');

  test('CRM → Exchange only, fixed', () => {
    expect(attendees).toMatchObject({ defaultDirection: 'crmToExchange', settable: false });
    expect(() => attendees.toCrm([], UTC)).toThrow(MappingError);
  });

  test('a row read without its parties is an error, not "no attendees" (which would wipe Outlook\'s)', () => {
    expect(() => attendees.fromCrm({ subject: 'x' }, UTC)).toThrow(/\$expand=appointment_activity_parties/);
    expect(APPOINTMENT_MAPPING.crmExpand).toEqual([{ property: 'appointment_activity_parties', select: ['participationtypemask', 'addressused', '_partyid_value'] }]);
  });

  test('writing keeps the names Outlook knows and the rooms booked in Outlook', () => {
    const current: GraphItem = {
      attendees: [
        { type: 'required', emailAddress: { name: 'Samantha Booth', address: 'SamanthaB@contoso.onmicrosoft.com' } },
        { type: 'resource', emailAddress: { name: 'Room 12', address: 'room12@contoso.onmicrosoft.com' } },
      ],
    };
    expect(attendees.toGraph([{ address: 'samanthab@contoso.onmicrosoft.com', type: 'optional' }], UTC, current)).toEqual({
      attendees: [
        { emailAddress: { address: 'samanthab@contoso.onmicrosoft.com', name: 'Samantha Booth' }, type: 'optional' },
        { emailAddress: { name: 'Room 12', address: 'room12@contoso.onmicrosoft.com' }, type: 'resource' },
      ],
    });
    expect(attendees.fromGraph(current, UTC)).toEqual([{ address: 'samanthab@contoso.onmicrosoft.com', type: 'required' }]);
  });
});

describe('property: whole-appointment round trips are stable', () => {
  const time: fc.Arbitrary<Canonical> = fc.oneof(
    fc.tuple(arb.instant(), fc.integer({ min: 0, max: 3 * 86400 })).map(([start, seconds]) => ({
      isAllDay: false, start, end: new Date(Date.parse(start) + seconds * 1000).toISOString().replace('.000Z', 'Z'),
    })),
    fc.tuple(arb.date(), fc.integer({ min: 1, max: 14 })).map(([start, days]) => ({
      isAllDay: true, start, end: new Date(Date.parse(`${start}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10),
    })),
  );
  const attendees = fc.uniqueArray(fc.record({ address: arb.email(), type: fc.constantFrom('required', 'optional') }), { selector: (a) => a.address, maxLength: 6 })
    .map((list) => [...list].sort((a, b) => (a.address < b.address ? -1 : 1)));
  const appointment: fc.Arbitrary<Values> = fc.record({
    subject: arb.text(200), description: arb.plainText(5000), location: arb.text(200), appointmentTime: time,
    priority: fc.constantFrom('low', 'normal', 'high'), showAs: fc.constantFrom(...SHOW_AS), attendees,
  });

  test('fromCrm(toCrm(v)) = v and fromGraph(toGraph(v)) = v, in every test zone', () => {
    fc.assert(fc.property(appointment, fc.constantFrom(...ZONES), (values, zone) => {
      const ctx = { ...zone, mailboxAddress: DANA.mailboxAddress };
      expect(crmValuesOf(APPOINTMENT_MAPPING, crmRowOf(APPOINTMENT_MAPPING, values, ctx, crmSources), ctx)).toEqual(values);
      expect(graphValuesOf(APPOINTMENT_MAPPING, graphItemOf(APPOINTMENT_MAPPING, values, ctx), ctx)).toEqual(values);
    }), { numRuns: 1000 });
  });
});

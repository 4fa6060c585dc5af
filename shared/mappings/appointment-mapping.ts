/**
 * Dataverse appointment ↔ Outlook event (in the organizer's = the owner's mailbox), after Dynamics'
 * synchronized-fields table for Appointment (research: dataverse.md §3.4):
 *
 * | field           | Dataverse                                  | Graph event            | default       | settable |
 * |-----------------|--------------------------------------------|------------------------|---------------|----------|
 * | subject         | subject (200)                              | subject                | twoWay        | yes      |
 * | description     | description (Memo)                         | body (text)            | twoWay        | yes      |
 * | location        | location (200)                             | location.displayName   | twoWay        | yes      |
 * | appointmentTime | scheduledstart, scheduledend, isalldayevent| start, end, isAllDay   | twoWay        | fixed    |
 * | priority        | prioritycode                               | importance             | twoWay        | fixed    |
 * | showAs          | statecode + statuscode                     | showAs                 | twoWay        | fixed    |
 * | attendees       | activity parties 5 (required), 6 (optional)| attendees              | crmToExchange | fixed    |
 *
 * Appointment Time. Canonical for a timed event: { isAllDay: false, start, end } as ISO UTC instants;
 * for an all-day event: { isAllDay: true, start, end } as dates, end exclusive (a one-day event on
 * 1 May is start '2024-05-01', end '2024-05-02'). Dataverse stores all-day appointments as the UTC
 * instants of the user's local midnights (start of the first day to start of the day after the last);
 * we read them as the nearest local midnight in the mailbox's zone and write local midnights back.
 * Graph takes wall-clock time plus a zone: we write the mailbox's (Windows) zone so Outlook shows the
 * meeting in the user's zone (a wall-clock time that is ambiguous at a DST fall-back goes as UTC).
 * Dates as canonical for all-day events keep them fixed to their days if the mailbox's zone changes.
 *
 * Show Time As ↔ Appointment Status (statecode/statuscode). Canonical: 'free' | 'tentative' | 'busy' |
 * 'oof'. From Dataverse: Open/Free → free, Open/Tentative → tentative, Scheduled/Busy → busy,
 * Scheduled/Out of Office → oof, and — as Dynamics does — Completed and Canceled → free. From Graph:
 * workingElsewhere → free (Dynamics maps it to Open/Free), unknown → busy. Written to Dataverse:
 * free → 0/1, tentative → 0/2, busy → 3/5, oof → 3/6 (Completed/Canceled are never written from
 * Exchange: Dynamics stops syncing Exchange changes into a closed appointment, and so does our engine).
 *
 * Attendees: CRM → Exchange only (writing them back would mean resolving addresses to CRM records).
 * Canonical: [{ address, type }] sorted by address, addresses lower-cased, the organizer (the mailbox)
 * left out, an address listed as both required and optional counted as required. Parties without an
 * `addressused` (unresolved records without email) are not sent. Graph's room/resource attendees and
 * attendees' display names are kept from the current item when the caller passes it.
 *
 * Not mapped: Organizer (always the mailbox the event lives in; Graph sets it), Regarding (no Graph
 * counterpart), recurrence (CRM recurring appointments are a separate table), reminders, sensitivity,
 * attachments (off by default in Dynamics), scheduleddurationminutes (Dataverse derives it).
 */
import type { Canonical, CrmRow, FieldMapping, GraphItem, MappingContext, RecordMapping } from './field-mapping';
import { asInteger, bodyField, canonicalText, formatInstant, instantMs, isCanonicalDate, msOf, priorityField, textField } from './conversions';
import { MappingError, oneWayOnly } from './mapping-error';
import { addDays, graphMidnight, nearestDateInZone, parseGraphDateTime, startOfDateInZone, toGraphDateTime } from './time-zones';

// ---------------------------------------------------------------- appointment time

interface TimeValue {
  isAllDay: boolean;
  start: string;
  end: string;
}

function timeOf(value: Canonical): TimeValue | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { isAllDay, start, end } = value as Record<string, Canonical>;
  if (typeof start !== 'string' || typeof end !== 'string') return undefined;
  return { isAllDay: isAllDay === true, start, end };
}

function allDay(start: string, end: string): TimeValue {
  // An all-day event lasts whole days: an end not after the start means the one day.
  return { isAllDay: true, start, end: end > start ? end : addDays(start, 1) };
}

/** A Graph all-day boundary: the date of its (midnight) dateTime; anything else by its instant. */
function allDayDate(value: Record<string, unknown>, ctx: MappingContext): string {
  const text = typeof value.dateTime === 'string' ? value.dateTime : '';
  const midnight = /^(\d{4}-\d{2}-\d{2})T00:00(?::00(?:\.0+)?)?$/.exec(text);
  return midnight ? midnight[1]! : nearestDateInZone(parseGraphDateTime(value), ctx.ianaTimeZone);
}

const appointmentTime: FieldMapping = {
  name: 'appointmentTime',
  crmColumns: ['scheduledstart', 'scheduledend', 'isalldayevent'],
  graphProperties: ['start', 'end', 'isAllDay'],
  defaultDirection: 'twoWay',
  settable: false,
  fromCrm: (row, ctx) => {
    const start = instantMs(row.scheduledstart);
    if (start === undefined) return null;
    const end = Math.max(instantMs(row.scheduledend) ?? start, start);
    if (row.isalldayevent === true) {
      return { ...allDay(nearestDateInZone(start, ctx.ianaTimeZone), nearestDateInZone(end, ctx.ianaTimeZone)) };
    }
    return { isAllDay: false, start: formatInstant(start), end: formatInstant(end) };
  },
  fromGraph: (item, ctx) => {
    const { start, end } = item as { start?: unknown; end?: unknown };
    if (!start || typeof start !== 'object' || !end || typeof end !== 'object') return null;
    const s = start as Record<string, unknown>;
    const e = end as Record<string, unknown>;
    if (item.isAllDay === true) return { ...allDay(allDayDate(s, ctx), allDayDate(e, ctx)) };
    const startMs = parseGraphDateTime(s);
    return { isAllDay: false, start: formatInstant(startMs), end: formatInstant(Math.max(parseGraphDateTime(e), startMs)) };
  },
  toCrm: (value, ctx) => {
    const time = timeOf(value);
    if (!time) return {};
    if (time.isAllDay && isCanonicalDate(time.start) && isCanonicalDate(time.end)) {
      return {
        scheduledstart: formatInstant(startOfDateInZone(time.start, ctx.ianaTimeZone)),
        scheduledend: formatInstant(startOfDateInZone(time.end, ctx.ianaTimeZone)),
        isalldayevent: true,
      };
    }
    return { scheduledstart: formatInstant(msOf(time.start)), scheduledend: formatInstant(msOf(time.end)), isalldayevent: false };
  },
  toGraph: (value, ctx) => {
    const time = timeOf(value);
    if (!time) return {};
    if (time.isAllDay) {
      return { start: graphMidnight(time.start, ctx.windowsTimeZone), end: graphMidnight(time.end, ctx.windowsTimeZone), isAllDay: true };
    }
    return {
      start: toGraphDateTime(msOf(time.start), ctx.ianaTimeZone, ctx.windowsTimeZone),
      end: toGraphDateTime(msOf(time.end), ctx.ianaTimeZone, ctx.windowsTimeZone),
      isAllDay: false,
    };
  },
};

// ---------------------------------------------------------------- show time as

export const SHOW_AS = ['free', 'tentative', 'busy', 'oof'] as const;
export type ShowAs = (typeof SHOW_AS)[number];

/** Show-as word → the appointment state and status reason written to Dataverse. */
export const APPOINTMENT_STATE: Readonly<Record<ShowAs, { statecode: number; statuscode: number }>> = {
  free: { statecode: 0, statuscode: 1 },
  tentative: { statecode: 0, statuscode: 2 },
  busy: { statecode: 3, statuscode: 5 },
  oof: { statecode: 3, statuscode: 6 },
};

function showAsFromCrm(row: CrmRow): ShowAs {
  const state = asInteger(row.statecode);
  const reason = asInteger(row.statuscode);
  if (state === 1 || state === 2) return 'free';
  if (reason === 2) return 'tentative';
  if (reason === 6) return 'oof';
  if (reason === 1) return 'free';
  if (reason === 5) return 'busy';
  return state === 0 ? 'free' : 'busy';
}

function showAsWord(value: unknown): ShowAs {
  if (value === 'workingElsewhere') return 'free';
  return typeof value === 'string' && (SHOW_AS as readonly string[]).includes(value) ? (value as ShowAs) : 'busy';
}

const showAs: FieldMapping = {
  name: 'showAs',
  crmColumns: ['statecode', 'statuscode'],
  graphProperties: ['showAs'],
  defaultDirection: 'twoWay',
  settable: false,
  fromCrm: (row) => showAsFromCrm(row),
  fromGraph: (item) => showAsWord(item.showAs),
  toCrm: (value) => ({ ...APPOINTMENT_STATE[showAsWord(value)] }),
  toGraph: (value) => ({ showAs: showAsWord(value) }),
};

// ---------------------------------------------------------------- location

const location: FieldMapping = {
  name: 'location',
  crmColumns: ['location'],
  graphProperties: ['location'],
  defaultDirection: 'twoWay',
  settable: true,
  fromCrm: (row) => canonicalText(row.location, 200),
  fromGraph: (item) => {
    const loc = item.location;
    return loc && typeof loc === 'object' ? canonicalText((loc as Record<string, unknown>).displayName, 200) : null;
  },
  toCrm: (value) => ({ location: canonicalText(value, 200) }),
  toGraph: (value) => ({ location: { displayName: canonicalText(value, 200) ?? '' } }),
};

// ---------------------------------------------------------------- attendees

export const PARTIES_PROPERTY = 'appointment_activity_parties';
const PARTY_TYPES: Readonly<Record<number, 'required' | 'optional'>> = { 5: 'required', 6: 'optional' };

interface Attendee {
  address: string;
  type: 'required' | 'optional';
}

function emailOf(value: unknown): string | null {
  return canonicalText(value)?.toLowerCase() ?? null;
}

/** Sorted, de-duplicated (required wins), without the mailbox itself. */
function canonicalAttendees(list: Attendee[], excluded: ReadonlySet<string>): Canonical {
  const byAddress = new Map<string, Attendee>();
  for (const a of list) {
    if (excluded.has(a.address)) continue;
    const known = byAddress.get(a.address);
    if (!known || (known.type === 'optional' && a.type === 'required')) byAddress.set(a.address, a);
  }
  return [...byAddress.values()]
    .sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0))
    .map((a) => ({ address: a.address, type: a.type }));
}

function attendeesOf(value: Canonical): Attendee[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return [];
    const address = emailOf(v.address);
    const type = v.type === 'optional' ? 'optional' : 'required';
    return address ? [{ address, type }] : [];
  });
}

function graphAttendees(item: GraphItem | undefined): Array<Record<string, unknown>> {
  const list = item?.attendees;
  return Array.isArray(list) ? list.filter((a): a is Record<string, unknown> => !!a && typeof a === 'object') : [];
}

function attendeeAddress(a: Record<string, unknown>): string | null {
  const email = a.emailAddress;
  return email && typeof email === 'object' ? emailOf((email as Record<string, unknown>).address) : null;
}

const attendees: FieldMapping = {
  name: 'attendees',
  crmColumns: [PARTIES_PROPERTY],
  // organizer is only read: an attendee entry for the organizer is not an attendee.
  graphProperties: ['attendees', 'organizer'],
  defaultDirection: 'crmToExchange',
  settable: false,
  fromCrm: (row, ctx) => {
    const parties = row[PARTIES_PROPERTY];
    if (!Array.isArray(parties)) {
      // Without the expansion we cannot tell "no attendees" from "not read"; guessing [] would wipe Outlook's.
      throw new MappingError(`An appointment row must be read with $expand=${PARTIES_PROPERTY} to map its attendees`);
    }
    const list: Attendee[] = [];
    for (const party of parties as Array<Record<string, unknown>>) {
      const type = PARTY_TYPES[asInteger(party?.participationtypemask) ?? 0];
      const address = emailOf(party?.addressused);
      if (type && address) list.push({ address, type });
    }
    return canonicalAttendees(list, new Set([emailOf(ctx.mailboxAddress) ?? '']));
  },
  fromGraph: (item, ctx) => {
    const organizer = item.organizer && typeof item.organizer === 'object' ? (item.organizer as Record<string, unknown>).emailAddress : undefined;
    const excluded = new Set([emailOf(ctx.mailboxAddress) ?? '', emailOf((organizer as Record<string, unknown> | undefined)?.address) ?? '']);
    const list: Attendee[] = [];
    for (const a of graphAttendees(item)) {
      const address = attendeeAddress(a);
      if (address && (a.type === 'required' || a.type === 'optional' || a.type === undefined || a.type === null)) {
        list.push({ address, type: a.type === 'optional' ? 'optional' : 'required' });
      }
    }
    return canonicalAttendees(list, excluded);
  },
  toCrm: () => oneWayOnly('attendees', 'crmToExchange'),
  toGraph: (value, _ctx, current) => {
    const known = new Map(graphAttendees(current).flatMap((a) => {
      const address = attendeeAddress(a);
      return address ? [[address, a] as const] : [];
    }));
    const ours = attendeesOf(value).map(({ address, type }) => {
      const name = (known.get(address)?.emailAddress as Record<string, unknown> | undefined)?.name;
      return { emailAddress: typeof name === 'string' && name ? { address, name } : { address }, type };
    });
    // Rooms and equipment booked in Outlook are not CRM attendees: keep them.
    const resources = graphAttendees(current)
      .filter((a) => a.type === 'resource')
      .map((a) => ({ emailAddress: a.emailAddress, type: 'resource' }));
    return { attendees: [...ours, ...resources] };
  },
};

export const APPOINTMENT_MAPPING: RecordMapping = {
  recordType: 'appointment',
  crmTable: 'appointment',
  crmEntitySet: 'appointments',
  crmPrimaryId: 'activityid',
  fields: [
    textField('subject', 'subject', 'subject', 200, { graphEmpty: '' }),
    bodyField('description', 'description', 'body', 1_048_576),
    location,
    appointmentTime,
    priorityField(),
    showAs,
    attendees,
  ],
  crmExpand: [{ property: PARTIES_PROPERTY, select: ['participationtypemask', 'addressused', '_partyid_value'] }],
};

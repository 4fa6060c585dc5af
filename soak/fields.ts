/**
 * What the soak's people edit, per record type: for each edited field, the Dataverse columns a CRM user
 * sets and the Graph properties Outlook sets, written as each would (raw payloads, not through our
 * mappings). The value a write left is read back *through the mapping's canonical form* (the answer to the
 * write, or a read), so that every comparison — lost edits, equal values — is the one the sync itself makes.
 *
 * Text values are unique per write (operation number + random digits): a text write is never confused
 * with an earlier one. Dates, priorities and statuses repeat; the checks treat a repeated value as
 * ambiguous rather than guess which write it came from.
 */
import type { CrmRow, GraphItem, RecordType } from '../shared/mappings';
import type { SeedUser } from '../tests/emulators/seed';
import type { Rng } from './prng';

export interface EditableField {
  recordType: RecordType;
  /** The mapping's field name (canonical values, snapshots). */
  name: string;
  /** Columns to $select to read the field back. */
  crmColumns: readonly string[];
  /** The CRM user's PATCH for a new value (absent: not edited on the CRM side). */
  crm?: (rng: Rng, n: number, user: SeedUser) => CrmRow;
  /** Outlook's PATCH for a new value (absent: not edited on the Exchange side). */
  graph?: (rng: Rng, n: number, user: SeedUser) => GraphItem;
}

const DAY = 86_400_000;
const text = (label: string, rng: Rng, n: number) => `${label} ${n}-${rng.int(1000, 9999)}`;
const PRIORITIES = [0, 1, 2] as const;
const IMPORTANCE = ['low', 'normal', 'high'] as const;

/** A whole UTC hour 2–200 days ahead (appointments stay in the future and inside the calendarView window). */
function futureSlot(rng: Rng): { start: Date; end: Date } {
  const day = new Date(Date.now() + rng.int(2, 200) * DAY);
  const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), rng.int(6, 18)));
  return { start, end: new Date(start.getTime() + rng.pick([30, 60, 90]) * 60_000) };
}

/** A date 1–120 days ahead, as YYYY-MM-DD. */
function futureDate(rng: Rng): string {
  return new Date(Date.now() + rng.int(1, 120) * DAY).toISOString().slice(0, 10);
}

const graphUtc = (d: Date) => ({ dateTime: d.toISOString().slice(0, 19), timeZone: 'UTC' });

export const TASK_FIELDS: readonly EditableField[] = [
  {
    recordType: 'task', name: 'subject', crmColumns: ['subject'],
    crm: (rng, n) => ({ subject: text('Task', rng, n) }),
    graph: (rng, n) => ({ title: text('To Do', rng, n) }),
  },
  {
    recordType: 'task', name: 'description', crmColumns: ['description'],
    crm: (rng, n) => ({ description: text('CRM notes', rng, n) }),
    graph: (rng, n) => ({ body: { contentType: 'text', content: text('To Do notes', rng, n) } }),
  },
  {
    recordType: 'task', name: 'dueDate', crmColumns: ['scheduledend'],
    // A CRM user picks a date and a time; To Do keeps the date only, in the mailbox's zone.
    crm: (rng) => ({ scheduledend: `${futureDate(rng)}T${String(rng.int(8, 17)).padStart(2, '0')}:00:00Z` }),
    graph: (rng, _n, user) => ({ dueDateTime: { dateTime: `${futureDate(rng)}T00:00:00.0000000`, timeZone: user.timeZone } }),
  },
  {
    recordType: 'task', name: 'priority', crmColumns: ['prioritycode'],
    crm: (rng) => ({ prioritycode: rng.pick(PRIORITIES) }),
    graph: (rng) => ({ importance: rng.pick(IMPORTANCE) }),
  },
];

export const CONTACT_FIELDS: readonly EditableField[] = [
  {
    recordType: 'contact', name: 'jobTitle', crmColumns: ['jobtitle'],
    crm: (rng, n) => ({ jobtitle: text('Buyer', rng, n) }),
    graph: (rng, n) => ({ jobTitle: text('Lead', rng, n) }),
  },
  {
    recordType: 'contact', name: 'mobile', crmColumns: ['mobilephone'],
    crm: (rng, n) => ({ mobilephone: `+1 555 ${n} ${rng.int(1000, 9999)}` }),
    graph: (rng, n) => ({ mobilePhone: `+44 20 ${n} ${rng.int(1000, 9999)}` }),
  },
  {
    recordType: 'contact', name: 'businessPhones', crmColumns: ['telephone1', 'business2'],
    crm: (rng, n) => ({ telephone1: `+1 206 ${n} ${rng.int(1000, 9999)}` }),
    graph: (rng, n) => ({ businessPhones: [`+49 30 ${n} ${rng.int(1000, 9999)}`] }),
  },
  {
    recordType: 'contact', name: 'fullName', crmColumns: ['firstname', 'middlename', 'lastname'],
    crm: (rng, n) => ({ firstname: text('Crm', rng, n).replace(/ /g, ''), lastname: rng.pick(['Vance', 'Wilber', 'Bowen', 'Grady']) }),
    graph: (rng, n) => ({ givenName: text('Ol', rng, n).replace(/ /g, ''), surname: rng.pick(['Holloway', 'Sherman', 'Archie']) }),
  },
  {
    recordType: 'contact', name: 'notes', crmColumns: ['description'],
    crm: (rng, n) => ({ description: text('Met at the fair', rng, n) }),
    graph: (rng, n) => ({ personalNotes: text('Call back', rng, n) }),
  },
];

export const APPOINTMENT_FIELDS: readonly EditableField[] = [
  {
    recordType: 'appointment', name: 'subject', crmColumns: ['subject'],
    crm: (rng, n) => ({ subject: text('Meeting', rng, n) }),
    graph: (rng, n) => ({ subject: text('Outlook meeting', rng, n) }),
  },
  {
    recordType: 'appointment', name: 'location', crmColumns: ['location'],
    crm: (rng, n) => ({ location: text('Room', rng, n) }),
    graph: (rng, n) => ({ location: { displayName: text('Hall', rng, n) } }),
  },
  {
    recordType: 'appointment', name: 'description', crmColumns: ['description'],
    crm: (rng, n) => ({ description: text('Agenda', rng, n) }),
    graph: (rng, n) => ({ body: { contentType: 'text', content: text('Outlook agenda', rng, n) } }),
  },
  {
    // A move: both sides reschedule.
    recordType: 'appointment', name: 'appointmentTime', crmColumns: ['scheduledstart', 'scheduledend', 'isalldayevent'],
    crm: (rng) => {
      const { start, end } = futureSlot(rng);
      return { scheduledstart: start.toISOString(), scheduledend: end.toISOString() };
    },
    graph: (rng) => {
      const { start, end } = futureSlot(rng);
      return { start: graphUtc(start), end: graphUtc(end), isAllDay: false };
    },
  },
  {
    recordType: 'appointment', name: 'priority', crmColumns: ['prioritycode'],
    crm: (rng) => ({ prioritycode: rng.pick(PRIORITIES) }),
    graph: (rng) => ({ importance: rng.pick(IMPORTANCE) }),
  },
  {
    // Show As is the appointment's state in CRM; Outlook users change it, CRM users close appointments.
    recordType: 'appointment', name: 'showAs', crmColumns: ['statecode', 'statuscode'],
    graph: (rng) => ({ showAs: rng.pick(['free', 'tentative', 'busy', 'oof']) }),
  },
];

export const EDITABLE_FIELDS: Readonly<Record<RecordType, readonly EditableField[]>> = {
  task: TASK_FIELDS,
  contact: CONTACT_FIELDS,
  appointment: APPOINTMENT_FIELDS,
};

/** The task's status written by a CRM user: complete, reopen, or mark in progress. */
export const CRM_TASK_STATE = {
  completed: { statecode: 1, statuscode: 5 },
  notStarted: { statecode: 0, statuscode: 2 },
  inProgress: { statecode: 0, statuscode: 3 },
} as const;

export const APPOINTMENT_COMPLETED = { statecode: 1, statuscode: 3 } as const;

/** A new row's columns as a CRM user fills the form in. */
export function newCrmRow(recordType: RecordType, rng: Rng, n: number): CrmRow {
  switch (recordType) {
    case 'task':
      return {
        subject: text('Task', rng, n),
        ...(rng.chance(0.6) ? { description: text('CRM notes', rng, n) } : {}),
        ...(rng.chance(0.7) ? { scheduledend: `${futureDate(rng)}T${String(rng.int(8, 17)).padStart(2, '0')}:00:00Z` } : {}),
        prioritycode: rng.pick(PRIORITIES),
      };
    case 'contact':
      return {
        firstname: text('Crm', rng, n).replace(/ /g, ''), lastname: rng.pick(['Vance', 'Wilber', 'Bowen', 'Grady']),
        ...(rng.chance(0.7) ? { jobtitle: text('Buyer', rng, n) } : {}),
        ...(rng.chance(0.5) ? { mobilephone: `+1 555 ${n} ${rng.int(1000, 9999)}` } : {}),
        ...(rng.chance(0.5) ? { telephone1: `+1 206 ${n} ${rng.int(1000, 9999)}` } : {}),
        ...(rng.chance(0.3) ? { description: text('Met at the fair', rng, n) } : {}),
      };
    case 'appointment': {
      const { start, end } = futureSlot(rng);
      return {
        subject: text('Meeting', rng, n), scheduledstart: start.toISOString(), scheduledend: end.toISOString(),
        ...(rng.chance(0.6) ? { location: text('Room', rng, n) } : {}),
        ...(rng.chance(0.5) ? { description: text('Agenda', rng, n) } : {}),
        prioritycode: rng.pick(PRIORITIES),
      };
    }
  }
}

/** An item created in Outlook only (no CRM row behind it): the sync must leave it alone. */
export function exchangeOnlyItem(recordType: RecordType, rng: Rng, n: number): GraphItem {
  switch (recordType) {
    case 'task': return { title: text('Personal to-do', rng, n) };
    case 'contact': return { givenName: text('Private', rng, n).replace(/ /g, ''), surname: 'Friend' };
    case 'appointment': {
      const { start, end } = futureSlot(rng);
      return { subject: text('Dentist', rng, n), start: graphUtc(start), end: graphUtc(end) };
    }
  }
}

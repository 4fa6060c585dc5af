/**
 * The three record types as the benchmark's people touch them: how a CRM user creates and edits a row, how
 * the same user edits the synced item in Outlook, and how a reader finds the change on the other side. Every
 * change writes a fresh value into a two-way field (subject / title / job title), so "visible" is exact.
 */
import { CRM_ID_PROPERTY_ID } from '../shared/graph/graph-gateway';
import type { People, Row } from './people';

export type RecordTypeName = 'appointment' | 'contact' | 'task';
export const RECORD_TYPE_NAMES: RecordTypeName[] = ['appointment', 'contact', 'task'];

export interface Mailbox {
  systemUserId: string;
  entraObjectId: string;
  todoListId: string;
}

export interface RecordKind {
  type: RecordTypeName;
  entitySet: string;
  /** Graph kind in the emulator's change feed. */
  graphKind: 'event' | 'contact' | 'todoTask';
  /** The two-way field every change writes: its CRM column and Graph property. */
  crmField: string;
  graphField: string;
  newRow(value: string): Row;
  /** A new item made in Outlook only (not synced to the CRM). */
  outlookOnly(value: string): Row;
  /** Graph path of the mailbox's collection of this type. */
  collection(m: Mailbox): string;
  /** The synced item of a CRM row, as a reader finds it (undefined while it is not there yet). */
  findSynced(people: People, m: Mailbox, crmId: string, value: string): Promise<Row | undefined>;
}

const byCrmId = (crmId: string) => encodeURIComponent(`singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${crmId}')`);

async function first(people: People, path: string): Promise<Row | undefined> {
  return (await people.graphGet<{ value: Row[] }>(path)).value[0];
}

export const RECORD_KINDS: Record<RecordTypeName, RecordKind> = {
  appointment: {
    type: 'appointment', entitySet: 'appointments', graphKind: 'event', crmField: 'subject', graphField: 'subject',
    newRow: (value) => ({ subject: value, scheduledstart: '2027-03-01T09:00:00Z', scheduledend: '2027-03-01T10:00:00Z', location: 'Room 1' }),
    outlookOnly: (value) => ({ subject: value, start: { dateTime: '2027-03-02T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-03-02T10:00:00', timeZone: 'UTC' } }),
    collection: (m) => `/users/${m.entraObjectId}/events`,
    findSynced: (people, m, crmId) => first(people, `/users/${m.entraObjectId}/events?$filter=${byCrmId(crmId)}&$select=subject`),
  },
  contact: {
    type: 'contact', entitySet: 'contacts', graphKind: 'contact', crmField: 'jobtitle', graphField: 'jobTitle',
    newRow: (value) => ({ firstname: 'Bench', lastname: value.slice(-12), jobtitle: value }),
    outlookOnly: (value) => ({ givenName: 'Outlook', surname: value.slice(-12), jobTitle: value }),
    collection: (m) => `/users/${m.entraObjectId}/contacts`,
    findSynced: (people, m, crmId) => first(people, `/users/${m.entraObjectId}/contacts?$filter=${byCrmId(crmId)}&$select=jobTitle`),
  },
  task: {
    type: 'task', entitySet: 'tasks', graphKind: 'todoTask', crmField: 'subject', graphField: 'title',
    newRow: (value) => ({ subject: value, scheduledend: '2027-03-01T17:00:00Z' }),
    outlookOnly: (value) => ({ title: value }),
    collection: (m) => `/users/${m.entraObjectId}/todo/lists/${m.todoListId}/tasks`,
    // Apps cannot filter To Do tasks on their linked resource; the benchmark's titles are unique.
    findSynced: (people, m, _crmId, value) => first(people, `/users/${m.entraObjectId}/todo/lists/${m.todoListId}/tasks?$filter=${encodeURIComponent(`title eq '${value}'`)}`),
  },
};

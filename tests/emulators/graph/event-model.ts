/**
 * The event resource: which properties a create/update sets, the rules Outlook enforces on them (time
 * zones, all-day events at midnight lasting whole days, end not before start, no recurrence here), and the
 * representation Graph returns (property set and order as in fixtures/event.json; start/end in the
 * `Prefer: outlook.timezone` zone, UTC by default).
 */
import type { ReadBody } from './body';
import { errors } from './errors';
import { readExtendedProperties, expandExtended } from './extended-properties';
import { idOf } from './env';
import { newICalUId } from './ids';
import { bodyPreview, renderBody, type StoredBody } from './item-body';
import type { ExpandOption, ResourceModel } from './odata-query';
import { etag, type Prefs } from './request';
import { schemaType } from './schema';
import type { ExtendedProperty, Mailbox, StoredItem } from './store';
import { formatDateMidnight, formatInZone, formatOffset, ianaZone, midnightInZone, parseDateTime, toInstant } from './time';

export const EVENT_MODEL: ResourceModel = {
  schema: schemaType('event')!,
  serviceTypeName: 'Microsoft.OutlookServices.Event',
  todoStyle: false,
  filterNavigation: ['singleValueExtendedProperties'],
  expandable: ['singleValueExtendedProperties'],
};

export const EVENT_WRITABLE = new Set([
  'subject', 'body', 'start', 'end', 'isAllDay', 'location', 'locations', 'attendees', 'importance', 'sensitivity',
  'showAs', 'isReminderOn', 'reminderMinutesBeforeStart', 'categories', 'transactionId', 'responseRequested',
  'allowNewTimeProposals', 'hideAttendees', 'isOnlineMeeting', 'onlineMeetingProvider', 'recurrence',
]);

interface When { dateTime: string; timeZone?: string | null }

function readWhen(value: When | undefined, name: string) {
  if (!value || typeof value.dateTime !== 'string') throw errors.invalidRequest(`Your request can't be completed. The '${name}' property is required.`);
  const parsed = parseDateTime(value.dateTime);
  if (!parsed) throw errors.badValue(`Cannot convert the literal '${value.dateTime}' to the expected type 'Edm.DateTime'.`);
  const zoneName = value.timeZone ?? 'UTC';
  const iana = ianaZone(zoneName);
  if (!iana) throw errors.timeZone(zoneName);
  return { parsed, zoneName, iana };
}

const ymd = (f: { y: number; mo: number; d: number }): string =>
  `${String(f.y).padStart(4, '0')}-${String(f.mo).padStart(2, '0')}-${String(f.d).padStart(2, '0')}`;

/** start/end/isAllDay → stored time properties, enforcing Outlook's rules. */
function times(start: When | undefined, end: When | undefined, isAllDay: boolean): Record<string, unknown> {
  const s = readWhen(start, 'Start');
  const e = readWhen(end, 'End');
  if (isAllDay) {
    const midnight = (f: typeof s.parsed.fields): boolean => f.h === 0 && f.mi === 0 && f.s === 0 && f.ms === 0;
    if (!midnight(s.parsed.fields) || !midnight(e.parsed.fields)) {
      throw errors.invalidRequest("Your request can't be completed. All-day events must have their start and end times set to midnight.");
    }
    const startDate = ymd(s.parsed.fields);
    const endDate = ymd(e.parsed.fields);
    if (endDate <= startDate) throw errors.invalidRequest('The duration of an event marked as All day must be at least 24 hours.');
    return {
      isAllDay: true, startDate, endDate, startMs: midnightInZone(startDate, s.iana), endMs: midnightInZone(endDate, e.iana),
      originalStartTimeZone: s.zoneName, originalEndTimeZone: e.zoneName,
    };
  }
  const startMs = toInstant(s.parsed, s.iana);
  const endMs = toInstant(e.parsed, e.iana);
  if (endMs < startMs) throw errors.invalidRequest("Your request can't be completed. The end time must be on or after the start time.");
  return { isAllDay: false, startDate: undefined, endDate: undefined, startMs, endMs, originalStartTimeZone: s.zoneName, originalEndTimeZone: e.zoneName };
}

/** The stored start/end as dateTimeTimeZone values in their original zones (to re-validate a PATCH). */
function storedWhen(item: StoredItem, which: 'start' | 'end'): When {
  const p = item.props;
  const zone = String(which === 'start' ? p.originalStartTimeZone : p.originalEndTimeZone);
  if (p.isAllDay) return { dateTime: formatDateMidnight(String(which === 'start' ? p.startDate : p.endDate)), timeZone: zone };
  return { dateTime: formatInZone(Number(which === 'start' ? p.startMs : p.endMs), ianaZone(zone) ?? 'UTC'), timeZone: zone };
}

export interface EventWrite {
  props: Record<string, unknown>;
  extended: ExtendedProperty[];
}

export function eventWrite(body: ReadBody, existing?: StoredItem): EventWrite {
  const { props: input, navigation } = body;
  if (input.recurrence !== undefined && input.recurrence !== null) throw errors.notImplementedHere('Recurring events (recurrence)');
  if (existing && input.transactionId !== undefined && input.transactionId !== existing.props.transactionId) {
    throw errors.invalidRequest("Your request can't be completed. The transactionId of an event can't be changed after the event is created.");
  }
  const props: Record<string, unknown> = { ...input };
  delete props.recurrence;
  delete props.start;
  delete props.end;
  if (!existing || input.start !== undefined || input.end !== undefined || input.isAllDay !== undefined) {
    const isAllDay = Boolean(input.isAllDay ?? existing?.props.isAllDay ?? false);
    const start = (input.start as When | undefined) ?? (existing ? storedWhen(existing, 'start') : undefined);
    const end = (input.end as When | undefined) ?? (existing ? storedWhen(existing, 'end') : undefined);
    Object.assign(props, times(start, end, isAllDay));
  }
  if (input.body !== undefined) {
    const b = (input.body ?? {}) as Partial<StoredBody>;
    props.body = { contentType: b.contentType ?? 'text', content: b.content ?? '' };
  }
  if (!existing) props.iCalUId = newICalUId();
  const extended = navigation.singleValueExtendedProperties !== undefined ? readExtendedProperties(navigation.singleValueExtendedProperties) : [];
  return { props, extended };
}

function renderLocation(location: Record<string, unknown> | undefined | null): Record<string, unknown> {
  const displayName = typeof location?.displayName === 'string' ? location.displayName : '';
  if (!location || displayName === '') {
    return { displayName, locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} };
  }
  return { locationType: 'default', uniqueId: displayName, uniqueIdType: 'private', ...location };
}

function renderAttendees(attendees: unknown): unknown[] {
  return (Array.isArray(attendees) ? attendees : []).map((a: Record<string, unknown>) => {
    const email = (a.emailAddress ?? {}) as Record<string, unknown>;
    return {
      type: a.type ?? 'required',
      status: a.status ?? { response: 'none', time: '0001-01-01T00:00:00Z' },
      emailAddress: { name: email.name ?? email.address ?? '', address: email.address ?? '' },
    };
  });
}

export interface RenderOptions {
  select?: string[];
  expand?: ExpandOption[];
  /** Items in a delta page carry their type. */
  delta?: boolean;
}

/** The event as Graph returns it (before `$select`). */
export function renderEvent(mailbox: Mailbox, item: StoredItem, prefs: Prefs, options: RenderOptions = {}): Record<string, unknown> {
  const p = item.props;
  const id = idOf(mailbox, item, prefs.immutableIds);
  const zone = prefs.zone;
  const when = (which: 'start' | 'end') => p.isAllDay
    ? { dateTime: formatDateMidnight(String(which === 'start' ? p.startDate : p.endDate)), timeZone: zone.name }
    : { dateTime: formatInZone(Number(which === 'start' ? p.startMs : p.endMs), zone.iana), timeZone: zone.name };
  const body = (p.body as StoredBody | undefined) ?? { contentType: 'text', content: '' };
  const location = renderLocation(p.location as Record<string, unknown> | undefined);
  const locations = Array.isArray(p.locations) ? p.locations
    : location.displayName ? [{ displayName: location.displayName, locationType: 'default', uniqueIdType: 'unknown' }] : [];
  const rep: Record<string, unknown> = {
    ...(options.delta ? { '@odata.type': '#microsoft.graph.event' } : {}),
    '@odata.etag': etag(item.changeKey),
    id,
    createdDateTime: formatOffset(item.createdMs),
    lastModifiedDateTime: formatOffset(item.modifiedMs),
    changeKey: item.changeKey,
    categories: p.categories ?? [],
    ...(p.transactionId !== undefined && p.transactionId !== null ? { transactionId: p.transactionId } : {}),
    originalStartTimeZone: p.originalStartTimeZone,
    originalEndTimeZone: p.originalEndTimeZone,
    iCalUId: p.iCalUId,
    reminderMinutesBeforeStart: p.reminderMinutesBeforeStart ?? 15,
    isReminderOn: p.isReminderOn ?? true,
    hasAttachments: false,
    subject: p.subject ?? '',
    bodyPreview: bodyPreview(body),
    importance: p.importance ?? 'normal',
    sensitivity: p.sensitivity ?? 'normal',
    isAllDay: p.isAllDay === true,
    isCancelled: false,
    isOrganizer: true,
    responseRequested: p.responseRequested ?? true,
    seriesMasterId: null,
    showAs: p.showAs ?? 'busy',
    type: 'singleInstance',
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: p.isOnlineMeeting ?? false,
    onlineMeetingProvider: p.onlineMeetingProvider ?? 'unknown',
    allowNewTimeProposals: p.allowNewTimeProposals ?? true,
    isDraft: false,
    hideAttendees: p.hideAttendees ?? false,
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    body: renderBody(body, prefs.bodyText),
    start: when('start'),
    end: when('end'),
    location,
    locations,
    recurrence: null,
    attendees: renderAttendees(p.attendees),
    organizer: { emailAddress: { name: mailbox.user.displayName, address: mailbox.user.userPrincipalName } },
    onlineMeeting: null,
  };
  if (options.expand) expandExtended(item, rep, options.expand);
  return rep;
}

/** Does the event overlap [startMs, endMs)? (calendarView semantics) */
export function overlaps(item: StoredItem, window: { startMs: number; endMs: number }): boolean {
  const s = Number(item.props.startMs);
  const e = Number(item.props.endMs);
  return s < window.endMs && (e > window.startMs || (s === e && s >= window.startMs));
}

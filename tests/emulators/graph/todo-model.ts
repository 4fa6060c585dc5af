/**
 * To Do: todoTaskList, todoTask and linkedResource. Dates follow what users report of the service:
 * dueDateTime/startDateTime keep only their date (taken in the mailbox's time zone) and come back as that
 * day's midnight in the mailbox's zone, expressed in UTC (or the Prefer zone) — so a Tokyo user's due date
 * reads as the previous day at 15:00 UTC. reminderDateTime and completedDateTime keep their time. Setting
 * status to completed stamps completedDateTime; leaving completed clears it.
 */
import { convertValue, type ReadBody } from './body';
import { idOf } from './env';
import { errors, todoError } from './errors';
import type { ResourceModel } from './odata-query';
import { etag, type Prefs } from './request';
import { schemaType } from './schema';
import type { Mailbox, StoredItem } from './store';
import { dateInZone, formatInZone, formatOffset, ianaZone, midnightInZone, parseDateTime, toInstant } from './time';

export const TASK_MODEL: ResourceModel = {
  schema: schemaType('todoTask')!,
  serviceTypeName: 'microsoft.graph.todoTask',
  todoStyle: true,
  filterNavigation: [],
  expandable: ['linkedResources'],
};
export const LIST_MODEL: ResourceModel = {
  schema: schemaType('todoTaskList')!, serviceTypeName: 'microsoft.graph.todoTaskList', todoStyle: true, filterNavigation: [], expandable: [],
};
export const LINKED_MODEL: ResourceModel = {
  schema: schemaType('linkedResource')!, serviceTypeName: 'microsoft.graph.linkedResource', todoStyle: true, filterNavigation: [], expandable: [],
};

export const TASK_WRITABLE = new Set(['title', 'body', 'status', 'importance', 'isReminderOn', 'reminderDateTime', 'dueDateTime', 'startDateTime', 'completedDateTime', 'categories', 'recurrence']);
export const LIST_WRITABLE = new Set(['displayName']);
export const LINKED_WRITABLE = new Set(['webUrl', 'applicationName', 'displayName', 'externalId']);

interface When { dateTime: string; timeZone?: string | null }

function instant(value: When): number {
  const parsed = parseDateTime(value.dateTime);
  if (!parsed) throw todoError(400, 'Invalid request', 'RequestBodyRead', `Cannot convert the literal '${value.dateTime}' to the expected type 'Edm.DateTime'.`);
  const zone = value.timeZone ?? 'UTC';
  const iana = ianaZone(zone);
  if (!iana) throw errors.timeZone(zone);
  return toInstant(parsed, iana);
}

function mailboxZone(mailbox: Mailbox): string {
  return ianaZone(mailbox.user.timeZone) ?? 'UTC';
}

export function taskWrite(mailbox: Mailbox, body: ReadBody, existing?: StoredItem): Record<string, unknown> {
  const input = body.props;
  if (input.recurrence !== undefined && input.recurrence !== null) throw errors.notImplementedHere('Recurring To Do tasks (recurrence)');
  const props: Record<string, unknown> = {};
  for (const key of ['title', 'status', 'importance', 'isReminderOn', 'categories']) if (input[key] !== undefined) props[key] = input[key];
  if (input.body !== undefined) {
    const b = (input.body ?? {}) as { contentType?: string; content?: string };
    props.body = { contentType: b.contentType ?? 'text', content: b.content ?? '' };
    props.bodyLastModifiedMs = Date.now();
  }
  const zone = mailboxZone(mailbox);
  for (const [name, key] of [['dueDateTime', 'dueDate'], ['startDateTime', 'startDate']] as const) {
    if (input[name] === undefined) continue;
    props[key] = input[name] === null ? undefined : dateInZone(instant(input[name] as When), zone);
  }
  if (input.reminderDateTime !== undefined) props.reminderMs = input.reminderDateTime === null ? undefined : instant(input.reminderDateTime as When);
  if (input.completedDateTime !== undefined) props.completedMs = input.completedDateTime === null ? undefined : instant(input.completedDateTime as When);
  const status = props.status ?? existing?.props.status ?? 'notStarted';
  if (status === 'completed' && props.completedMs === undefined && existing?.props.completedMs === undefined) props.completedMs = Date.now();
  if (status !== 'completed') props.completedMs = undefined;
  if (!existing && props.title === undefined) props.title = '';
  return props;
}

/** Linked resources given inline on a task create: the service allows one. */
export function inlineLinkedResources(value: unknown): Array<Record<string, unknown>> {
  if (value === undefined || value === null) return [];
  const list = convertValue(TASK_MODEL, 'Collection(microsoft.graph.linkedResource)', value, 'linkedResources') as Array<Record<string, unknown>>;
  if (list.length > 1) throw todoError(400, 'Only one item in linkedResources is allowed.', 'InvalidModel');
  return list.map((lr) => Object.fromEntries(Object.entries(lr).filter(([k]) => LINKED_WRITABLE.has(k))));
}

export function renderTask(mailbox: Mailbox, item: StoredItem, prefs: Prefs): Record<string, unknown> {
  const p = item.props;
  const zone = mailboxZone(mailbox);
  const when = (ms: number) => ({ dateTime: formatInZone(ms, prefs.zone.iana), timeZone: prefs.zone.name });
  const rep: Record<string, unknown> = {
    '@odata.etag': etag(item.changeKey),
    importance: p.importance ?? 'normal',
    isReminderOn: p.isReminderOn ?? false,
    status: p.status ?? 'notStarted',
    title: p.title ?? '',
    createdDateTime: formatOffset(item.createdMs),
    lastModifiedDateTime: formatOffset(item.modifiedMs),
    hasAttachments: false,
    categories: p.categories ?? [],
    id: idOf(mailbox, item, false),
    body: p.body ?? { content: '', contentType: 'text' },
    bodyLastModifiedDateTime: formatOffset(Number(p.bodyLastModifiedMs ?? item.createdMs)),
  };
  if (p.completedMs !== undefined) rep.completedDateTime = when(Number(p.completedMs));
  if (p.dueDate !== undefined) rep.dueDateTime = when(midnightInZone(String(p.dueDate), zone));
  if (p.startDate !== undefined) rep.startDateTime = when(midnightInZone(String(p.startDate), zone));
  if (p.reminderMs !== undefined) rep.reminderDateTime = when(Number(p.reminderMs));
  return rep;
}

export function renderList(mailbox: Mailbox, item: StoredItem): Record<string, unknown> {
  return {
    '@odata.etag': etag(item.changeKey),
    displayName: item.props.displayName,
    isOwner: item.props.isOwner ?? true,
    isShared: item.props.isShared ?? false,
    wellknownListName: item.props.wellknownListName ?? 'none',
    id: idOf(mailbox, item, false),
  };
}

export function renderLinked(mailbox: Mailbox, item: StoredItem): Record<string, unknown> {
  return {
    id: idOf(mailbox, item, false),
    webUrl: item.props.webUrl ?? null,
    applicationName: item.props.applicationName ?? null,
    displayName: item.props.displayName ?? null,
    externalId: item.props.externalId ?? null,
  };
}

/**
 * Dataverse task ↔ Microsoft To Do task (todoTask in the mailbox owner's default list), after Dynamics'
 * synchronized-fields table for Task (research: dataverse.md §3.4):
 *
 * | field         | Dataverse                          | To Do                         | default | settable |
 * |---------------|------------------------------------|-------------------------------|---------|----------|
 * | subject       | subject (200)                      | title                         | twoWay  | yes      |
 * | description   | description (Memo 2000)            | body (text)                   | twoWay  | yes      |
 * | dueDate       | scheduledend ("Due Date")          | dueDateTime                   | twoWay  | yes      |
 * | startDate     | scheduledstart ("Start Date")      | startDateTime                 | twoWay  | yes      |
 * | dateCompleted | actualend ("Date Completed")       | completedDateTime             | twoWay  | yes      |
 * | priority      | prioritycode                       | importance                    | twoWay  | fixed    |
 * | status        | statecode + statuscode (+ % done)  | status                        | twoWay  | fixed    |
 *
 * Dates: To Do keeps only the *date* of dueDateTime/startDateTime (in the mailbox's zone), while
 * Dataverse stores an instant. Canonical = the date in the mailbox's zone; written to To Do as that
 * day's midnight in the mailbox's zone, to Dataverse as the instant of that local midnight. Documented
 * loss: a CRM due *time* becomes midnight when To Do changes the date.
 *
 * Status: canonical = To Do's word. Open rows map by status reason (2 Not Started → notStarted,
 * 3 In Progress → inProgress, 4 Waiting on someone else → waitingOnOthers, 7 Deferred → deferred);
 * Completed (1/5) *and Canceled* (2/6) → completed, because To Do has no "canceled" and Dynamics' own
 * sync shows canceled tasks as completed. Writing a status to Dataverse sets statecode and statuscode
 * together (SetState): completed → 1/5, reopened → 0 with the matching reason; a canceled task is
 * therefore never re-written as completed unless To Do itself changes its status.
 * % Complete has no To Do counterpart: it is not read; a status write sets it to 100 (completed) or 0
 * (notStarted) so the row stays consistent, and leaves it alone for the in-between states.
 *
 * Not mapped: Regarding (no To Do counterpart; the engine's linkedResource links back to the CRM row),
 * reminders (not in Dynamics' table), category/subcategory, actualstart, durations.
 */
import type { FieldMapping, MappingContext, RecordMapping } from './field-mapping';
import {
  asInteger, bodyField, formatInstant, instantMs, isCanonicalDate, priorityField, textField,
} from './conversions';
import { dateInZone, graphMidnight, nearestDateInZone, parseGraphDateTime, startOfDateInZone } from './time-zones';

export const TASK_STATUSES = ['notStarted', 'inProgress', 'waitingOnOthers', 'deferred', 'completed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** statuscode of an open task → To Do status. */
const OPEN_REASONS: Readonly<Record<number, TaskStatus>> = { 2: 'notStarted', 3: 'inProgress', 4: 'waitingOnOthers', 7: 'deferred' };

/** To Do status → the Dataverse state and status reason it is written as. */
export const TASK_STATE: Readonly<Record<TaskStatus, { statecode: number; statuscode: number }>> = {
  notStarted: { statecode: 0, statuscode: 2 },
  inProgress: { statecode: 0, statuscode: 3 },
  waitingOnOthers: { statecode: 0, statuscode: 4 },
  deferred: { statecode: 0, statuscode: 7 },
  completed: { statecode: 1, statuscode: 5 },
};

/** Completed (1) or Canceled (2); status reasons 5/6 say the same when statecode is missing. */
function isClosed(row: Record<string, unknown>): boolean {
  const state = asInteger(row.statecode);
  if (state !== undefined) return state === 1 || state === 2;
  const reason = asInteger(row.statuscode);
  return reason === 5 || reason === 6;
}

function taskStatusOf(value: unknown): TaskStatus | undefined {
  return typeof value === 'string' && (TASK_STATUSES as readonly string[]).includes(value) ? (value as TaskStatus) : undefined;
}

const status: FieldMapping = {
  name: 'status',
  crmColumns: ['statecode', 'statuscode', 'percentcomplete'],
  graphProperties: ['status'],
  defaultDirection: 'twoWay',
  settable: false,
  fromCrm: (row) => (isClosed(row) ? 'completed' : OPEN_REASONS[asInteger(row.statuscode) ?? 2] ?? 'notStarted'),
  fromGraph: (item) => taskStatusOf(item.status) ?? 'notStarted',
  toCrm: (value) => {
    const word = taskStatusOf(value) ?? 'notStarted';
    const percent = word === 'completed' ? { percentcomplete: 100 } : word === 'notStarted' ? { percentcomplete: 0 } : {};
    return { ...TASK_STATE[word], ...percent };
  },
  toGraph: (value) => ({ status: taskStatusOf(value) ?? 'notStarted' }),
};

/**
 * A To Do dateTimeTimeZone → its date in the mailbox zone. Due and start dates come back as the local
 * midnight of the zone the task was set in, expressed in UTC: the *nearest* local midnight reads them
 * right even when that zone differs from the mailbox's by a few hours. A completion keeps its time of
 * day, so it is read as the date it falls on.
 */
function graphDate(value: unknown, ctx: MappingContext, rounding: 'nearest' | 'floor'): string | null {
  if (!value || typeof value !== 'object') return null;
  const ms = parseGraphDateTime(value as { dateTime?: unknown; timeZone?: unknown });
  return rounding === 'nearest' ? nearestDateInZone(ms, ctx.ianaTimeZone) : dateInZone(ms, ctx.ianaTimeZone);
}

function crmDate(value: unknown, ctx: MappingContext): string | null {
  const ms = instantMs(value);
  return ms === undefined ? null : dateInZone(ms, ctx.ianaTimeZone);
}

/** A Dataverse date-time column ↔ a To Do date (see "Dates" above). */
function taskDate(name: string, crmColumn: string, graphProperty: string): FieldMapping {
  return {
    name,
    crmColumns: [crmColumn],
    graphProperties: [graphProperty],
    defaultDirection: 'twoWay',
    settable: true,
    fromCrm: (row, ctx) => crmDate(row[crmColumn], ctx),
    fromGraph: (item, ctx) => graphDate(item[graphProperty], ctx, 'nearest'),
    toCrm: (value, ctx) => ({ [crmColumn]: isCanonicalDate(value) ? formatInstant(startOfDateInZone(value, ctx.ianaTimeZone)) : null }),
    toGraph: (value, ctx) => ({ [graphProperty]: isCanonicalDate(value) ? graphMidnight(value, ctx.windowsTimeZone) : null }),
  };
}

/**
 * Date Completed: the date (mailbox zone) the task was completed, and null while it is open — on both
 * sides, since To Do clears completedDateTime when a task is reopened and an open CRM task's actualend
 * means nothing to To Do. So completing a task in To Do writes actualend with the status, and reopening
 * it clears actualend (Dynamics' rule: an open task with a past actualend gets auto-completed).
 */
const dateCompleted: FieldMapping = {
  ...taskDate('dateCompleted', 'actualend', 'completedDateTime'),
  crmColumns: ['actualend', 'statecode'],
  graphProperties: ['completedDateTime', 'status'],
  fromCrm: (row, ctx) => (isClosed(row) ? crmDate(row.actualend, ctx) : null),
  fromGraph: (item, ctx) => (item.status === 'completed' ? graphDate(item.completedDateTime, ctx, 'floor') : null),
};

export const TASK_MAPPING: RecordMapping = {
  recordType: 'task',
  crmTable: 'task',
  crmEntitySet: 'tasks',
  crmPrimaryId: 'activityid',
  fields: [
    textField('subject', 'subject', 'title', 200, { graphEmpty: '' }),
    bodyField('description', 'description', 'body', 2000),
    taskDate('dueDate', 'scheduledend', 'dueDateTime'),
    taskDate('startDate', 'scheduledstart', 'startDateTime'),
    status,
    dateCompleted,
    priorityField(),
  ],
};

/**
 * What the soak's Outlook users do to the items the sync put in their mailboxes, through Graph: edit them,
 * complete or reopen To Do tasks, move events to another time, delete items; and create items of their
 * own, which must stay out of the CRM. An item is found by its CRM-id marker in the owner's mailbox; an
 * item not there yet (not synced) is not edited — a user cannot edit what they do not see.
 */
import type { GraphItem, RecordType } from '../shared/mappings';
import { EDITABLE_FIELDS, exchangeOnlyItem } from './fields';
import type { MarkedItem } from './mailbox-dump';
import type { SoakRecord } from './model';
import { graphCanonical, holding, ownerUser, rawOf, someFields, type OpContext, type OpKind, type OpOutcome } from './op-context';
import { ApiError } from './people-api';

function itemPath(m: { recordType: RecordType; mailbox: string; graphId: string; listId?: string }): string {
  const id = encodeURIComponent(m.graphId);
  switch (m.recordType) {
    case 'appointment': return `/users/${m.mailbox}/events/${id}`;
    case 'contact': return `/users/${m.mailbox}/contacts/${id}`;
    case 'task': return `/users/${m.mailbox}/todo/lists/${encodeURIComponent(m.listId!)}/tasks/${id}`;
  }
}

type Found = { record: SoakRecord; item: MarkedItem; current: GraphItem };

/**
 * Runs `act` on the current item of a random synced record (of `recordType`, if given), holding the record.
 * Skips when there is none, it is not in the owner's mailbox yet, or it is gone.
 */
async function onItem(ctx: OpContext, kind: OpKind, recordType: RecordType | undefined, act: (found: Found) => Promise<void>): Promise<OpOutcome> {
  const candidates = ctx.model.available((r) => ctx.env.isEnabled(r.owner) && (!recordType || r.recordType === recordType));
  if (candidates.length === 0) return { kind, applied: false, skipped: 'noCandidate' };
  const record = ctx.rng.pick(candidates);
  return holding(record, async () => {
    const base = { kind, recordType: record.recordType, crmId: record.crmId };
    // The mailbox as the user sees it now (read through the dump control: no faults meant for the sync taken).
    const item = await ctx.index.current(ownerUser(ctx, record).entraObjectId, record.recordType, record.crmId);
    if (!item) return { ...base, applied: false, skipped: 'notSynced' };
    try {
      await act({ record, item, current: item.item });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { ...base, applied: false, skipped: 'goneInExchange' };
      throw error;
    }
    return { ...base, applied: true };
  });
}

async function patchItem(ctx: OpContext, found: Found, body: GraphItem, fields: string[], n: number): Promise<GraphItem> {
  const { record, item, current } = found;
  const after = (await ctx.env.people.graph('PATCH', itemPath(item), body)).body as GraphItem;
  const mctx = ctx.env.ctxOf(ownerUser(ctx, record));
  for (const field of fields) {
    record.writes.push({
      side: 'exchange', field, op: n, at: Date.now(), mailbox: item.mailbox,
      before: graphCanonical(ctx, record.recordType, field, current, mctx),
      value: graphCanonical(ctx, record.recordType, field, after, mctx),
      raw: { after: rawOf(ctx, record.recordType, field, 'exchange', after), before: rawOf(ctx, record.recordType, field, 'exchange', current) },
    });
  }
  return after;
}

export function exchangeEdit(ctx: OpContext, n: number): Promise<OpOutcome> {
  return onItem(ctx, 'exchangeEdit', undefined, async (found) => {
    const fields = someFields(ctx, EDITABLE_FIELDS[found.record.recordType], 'graph');
    const user = ownerUser(ctx, found.record);
    const body = Object.assign({}, ...fields.map((f) => f.graph!(ctx.values, n, user))) as GraphItem;
    await patchItem(ctx, found, body, fields.map((f) => f.name), n);
  });
}

/** An event moved to another time in Outlook. */
export function exchangeMove(ctx: OpContext, n: number): Promise<OpOutcome> {
  return onItem(ctx, 'exchangeMove', 'appointment', async (found) => {
    const field = EDITABLE_FIELDS.appointment.find((f) => f.name === 'appointmentTime')!;
    await patchItem(ctx, found, field.graph!(ctx.values, n, ownerUser(ctx, found.record)), ['appointmentTime'], n);
  });
}

/** A To Do task completed (or reopened, or set in progress) in Outlook. */
export function exchangeTaskStatus(ctx: OpContext, n: number): Promise<OpOutcome> {
  return onItem(ctx, 'exchangeTaskStatus', 'task', async (found) => {
    const status = found.current.status === 'completed' ? 'notStarted'
      : found.current.status !== 'inProgress' && ctx.rng.chance(0.25) ? 'inProgress' : 'completed';
    await patchItem(ctx, found, { status }, ['status'], n);
    if (status === 'completed') found.record.everCompleted = true;
  });
}

export function exchangeDelete(ctx: OpContext): Promise<OpOutcome> {
  return onItem(ctx, 'exchangeDelete', undefined, async ({ record, item }) => {
    try {
      await ctx.env.people.graph('DELETE', itemPath(item));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    const at = Date.now();
    record.exchangeDeletes.push(at);
    // By the default rules the CRM row goes too (kept only for closed or past appointments): no more edits.
    record.deleted = { side: 'exchange', at, mailbox: item.mailbox };
  });
}

export async function exchangeOnlyCreate(ctx: OpContext, n: number): Promise<OpOutcome> {
  const mailbox = ctx.rng.pick(ctx.env.mailboxes);
  const recordType = ctx.rng.pick(['task', 'contact', 'appointment'] as const);
  const collection = recordType === 'appointment' ? 'events' : recordType === 'contact' ? 'contacts' : `todo/lists/${encodeURIComponent(mailbox.todoListId!)}/tasks`;
  await ctx.env.people.graph('POST', `/users/${mailbox.entraObjectId}/${collection}`, exchangeOnlyItem(recordType, ctx.values, n));
  return { kind: 'exchangeOnlyCreate', applied: true, recordType };
}

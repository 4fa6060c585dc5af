/**
 * What the soak's CRM users do, through the Web API as themselves (impersonated): create rows for
 * themselves or colleagues, edit them, complete or reopen tasks, complete appointments, delete rows, and
 * give rows to someone else (owner change). Each edit reads the row first — what the user sees — and the
 * write's answer (return=representation) gives the value it left.
 */
import type { CrmRow, RecordType } from '../shared/mappings';
import type { SeedUser } from '../tests/emulators/seed';
import { APPOINTMENT_COMPLETED, CRM_TASK_STATE, EDITABLE_FIELDS, newCrmRow } from './fields';
import type { SoakRecord } from './model';
import { crmCanonical, ENTITY_SET, holding, ownerUser, PRIMARY_ID, rawOf, someFields, type OpContext, type OpOutcome } from './op-context';
import { ApiError, entityIdOf } from './people-api';

const SYSTEM = ['statecode', 'statuscode', '_ownerid_value', 'versionnumber'];

function columnsOf(recordType: RecordType): string[] {
  return [...new Set([...EDITABLE_FIELDS[recordType].flatMap((f) => f.crmColumns), ...SYSTEM])];
}

const path = (record: { recordType: RecordType; crmId: string }) => `/${ENTITY_SET[record.recordType]}(${record.crmId})`;
const select = (recordType: RecordType) => `?$select=${columnsOf(recordType).join(',')}`;

/**
 * The row as its owner sees it; undefined when it is gone (noted on the record). Read through the
 * emulator's table control, in the Web API's shape for the columns the soak edits, so that the soak's own
 * look-ups never take the API faults meant for the sync.
 */
async function readRow(ctx: OpContext, record: SoakRecord): Promise<CrmRow | undefined> {
  const rows = await ctx.env.control('dataverse', 'GET', `tables/${record.recordType}`) as CrmRow[];
  const stored = rows.find((r) => String(r[PRIMARY_ID[record.recordType]]).toLowerCase() === record.crmId);
  if (!stored) {
    // Not deleted by a CRM user: the sync deleted it (after an Exchange delete) — the checks look at why.
    record.deleted ??= { side: 'exchange', at: Date.now() };
    return undefined;
  }
  const owner = stored.ownerid as { id?: string } | null;
  const row: CrmRow = { ...stored, _ownerid_value: owner?.id ?? null };
  record.owner = String(row._ownerid_value ?? record.owner).toLowerCase();
  const closed = record.recordType !== 'contact' && (row.statecode === 1 || row.statecode === 2);
  if (closed) record.closedAt ??= Date.now();
  else record.closedAt = undefined; // reopened (by the sync, after a To Do reopen)
  if (record.recordType === 'task' && row.statecode === 1) record.everCompleted = true;
  return row;
}

/** PATCH as the owner, answered with the row; records one write per edited field. */
/** Dataverse's refusal to edit a completed or canceled activity (0x8004022e, "The object cannot be updated because it is read-only"). */
const READ_ONLY = '0x8004022e';

function isReadOnlyRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status === 400 && (error.body as { error?: { code?: string } } | undefined)?.error?.code === READ_ONLY;
}

/**
 * A CRM user's PATCH of a row: undefined when CRM refused it as read-only — the sync closed the row (completed
 * from Outlook) between the user's read and their edit, which makes the operation a skipped one, not an error.
 */
async function userPatch(ctx: OpContext, record: SoakRecord, target: string, data: CrmRow, headers: Record<string, string>) {
  try {
    return await ctx.env.people.crm(record.owner, 'PATCH', target, data, headers);
  } catch (error) {
    if (!isReadOnlyRefusal(error)) throw error;
    record.closedAt ??= Date.now();
    return undefined;
  }
}

/** The user's edit, recorded with what each field showed before; undefined when refused (closed meanwhile). */
async function patch(ctx: OpContext, record: SoakRecord, before: CrmRow, data: CrmRow, fields: string[], n: number): Promise<CrmRow | undefined> {
  const res = await userPatch(ctx, record, `${path(record)}${select(record.recordType)}`, data, { prefer: 'return=representation,odata.include-annotations="OData.Community.Display.V1.FormattedValue"', 'if-match': '*' });
  if (!res) return undefined;
  const after = res.body as CrmRow;
  const mctx = ctx.env.ctxOf(ownerUser(ctx, record));
  for (const field of fields) {
    record.writes.push({
      side: 'crm', field, op: n, at: Date.now(),
      before: crmCanonical(ctx, record.recordType, field, before, mctx),
      value: crmCanonical(ctx, record.recordType, field, after, mctx),
      raw: { after: rawOf(ctx, record.recordType, field, 'crm', after), before: rawOf(ctx, record.recordType, field, 'crm', before) },
    });
  }
  return after;
}

function pickOwner(ctx: OpContext, not?: string): SeedUser {
  const { enabled, disabled, outOfScope } = ctx.env.users;
  const pool = (list: SeedUser[]) => list.filter((u) => u.systemUserId.toLowerCase() !== not);
  const group = ctx.rng.weighted({ enabled: 82, disabled: 9, outOfScope: 9 });
  const candidates = pool(group === 'enabled' ? enabled : group === 'disabled' ? disabled : outOfScope);
  return ctx.rng.pick(candidates.length > 0 ? candidates : pool(enabled).length > 0 ? pool(enabled) : enabled);
}

export async function crmCreate(ctx: OpContext, n: number): Promise<OpOutcome> {
  const recordType = ctx.rng.pick(['task', 'contact', 'appointment'] as const);
  const owner = pickOwner(ctx);
  const data = { ...newCrmRow(recordType, ctx.values, n), 'ownerid@odata.bind': `/systemusers(${owner.systemUserId})` };
  const res = await ctx.env.people.crm(owner.systemUserId, 'POST', `/${ENTITY_SET[recordType]}`, data);
  const record = ctx.model.add({ recordType, crmId: entityIdOf(res), origin: 'soak', owner: owner.systemUserId });
  await holding(record, async () => {
    const row = await readRow(ctx, record);
    if (!row) return;
    const mctx = ctx.env.ctxOf(owner);
    for (const field of EDITABLE_FIELDS[recordType]) {
      record.writes.push({
        side: 'crm', field: field.name, op: n, at: Date.now(), before: null, value: crmCanonical(ctx, recordType, field.name, row, mctx),
        raw: { after: rawOf(ctx, recordType, field.name, 'crm', row), before: {} },
      });
    }
  });
  return { kind: 'crmCreate', applied: true, recordType, crmId: record.crmId };
}

export async function crmUpdate(ctx: OpContext, n: number): Promise<OpOutcome> {
  const candidates = ctx.model.available((r) => !r.closedAt);
  if (candidates.length === 0) return { kind: 'crmUpdate', applied: false, skipped: 'noCandidate' };
  const record = ctx.rng.pick(candidates);
  return holding(record, async () => {
    const base = { kind: 'crmUpdate' as const, recordType: record.recordType, crmId: record.crmId };
    const row = await readRow(ctx, record);
    if (!row) return { ...base, applied: false, skipped: 'gone' };
    if (record.closedAt) return { ...base, applied: false, skipped: 'closed' };
    const fields = someFields(ctx, EDITABLE_FIELDS[record.recordType], 'crm');
    const user = ownerUser(ctx, record);
    const data = Object.assign({}, ...fields.map((f) => f.crm!(ctx.values, n, user))) as CrmRow;
    if (!(await patch(ctx, record, row, data, fields.map((f) => f.name), n))) return { ...base, applied: false, skipped: 'closed' };
    return { ...base, applied: true };
  });
}

export async function crmTaskState(ctx: OpContext, n: number): Promise<OpOutcome> {
  const candidates = ctx.model.available((r) => r.recordType === 'task');
  if (candidates.length === 0) return { kind: 'crmTaskState', applied: false, skipped: 'noCandidate' };
  const record = ctx.rng.pick(candidates);
  return holding(record, async () => {
    const base = { kind: 'crmTaskState' as const, recordType: record.recordType, crmId: record.crmId };
    const row = await readRow(ctx, record);
    if (!row) return { ...base, applied: false, skipped: 'gone' };
    if (row.statecode === 2) return { ...base, applied: false, skipped: 'canceled' };
    const target = row.statecode === 1 ? CRM_TASK_STATE.notStarted
      : row.statuscode !== 3 && ctx.rng.chance(0.3) ? CRM_TASK_STATE.inProgress : CRM_TASK_STATE.completed;
    // A closed task is read-only: reopening is the one change it takes (its state, alone).
    if (!(await patch(ctx, record, row, { ...target }, ['status'], n))) return { ...base, applied: false, skipped: 'closed' };
    if (target.statecode === 1) {
      record.everCompleted = true;
      record.closedAt ??= Date.now();
    } else {
      record.closedAt = undefined;
    }
    return { ...base, applied: true };
  });
}

export async function crmCloseAppointment(ctx: OpContext, n: number): Promise<OpOutcome> {
  const candidates = ctx.model.available((r) => r.recordType === 'appointment' && !r.closedAt);
  if (candidates.length === 0) return { kind: 'crmCloseAppointment', applied: false, skipped: 'noCandidate' };
  const record = ctx.rng.pick(candidates);
  return holding(record, async () => {
    const base = { kind: 'crmCloseAppointment' as const, recordType: record.recordType, crmId: record.crmId };
    const row = await readRow(ctx, record);
    if (!row) return { ...base, applied: false, skipped: 'gone' };
    if (record.closedAt) return { ...base, applied: false, skipped: 'closed' };
    if (!(await patch(ctx, record, row, { ...APPOINTMENT_COMPLETED }, ['showAs'], n))) return { ...base, applied: false, skipped: 'closed' };
    record.closedAt = Date.now();
    return { ...base, applied: true };
  });
}

export async function crmDelete(ctx: OpContext): Promise<OpOutcome> {
  const candidates = ctx.model.available();
  if (candidates.length === 0) return { kind: 'crmDelete', applied: false, skipped: 'noCandidate' };
  const record = ctx.rng.pick(candidates);
  return holding(record, async () => {
    const base = { kind: 'crmDelete' as const, recordType: record.recordType, crmId: record.crmId };
    try {
      await ctx.env.people.crm(record.owner, 'DELETE', path(record));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        record.deleted ??= { side: 'exchange', at: Date.now() };
        return { ...base, applied: false, skipped: 'gone' };
      }
      throw error;
    }
    record.deleted = { side: 'crm', at: Date.now() };
    return { ...base, applied: true };
  });
}

export async function crmOwnerChange(ctx: OpContext): Promise<OpOutcome> {
  const candidates = ctx.model.available((r) => !r.closedAt);
  if (candidates.length === 0) return { kind: 'crmOwnerChange', applied: false, skipped: 'noCandidate' };
  const record = ctx.rng.pick(candidates);
  return holding(record, async () => {
    const base = { kind: 'crmOwnerChange' as const, recordType: record.recordType, crmId: record.crmId };
    const row = await readRow(ctx, record);
    if (!row) return { ...base, applied: false, skipped: 'gone' };
    if (record.closedAt) return { ...base, applied: false, skipped: 'closed' };
    const from = record.owner;
    const to = pickOwner(ctx, from);
    if (!(await userPatch(ctx, record, path(record), { 'ownerid@odata.bind': `/systemusers(${to.systemUserId})` }, { 'if-match': '*' }))) return { ...base, applied: false, skipped: 'closed' };
    record.owner = to.systemUserId.toLowerCase();
    record.ownerChanges.push({ at: Date.now(), from, to: record.owner });
    return { ...base, applied: true };
  });
}

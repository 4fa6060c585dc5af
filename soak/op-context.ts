/**
 * What every soak operation works with: the environment, the soak's record, its random streams, the
 * mailbox index, and the canonical reading of a field (through the app's own mappings).
 */
import type { Canonical, CrmRow, FieldMapping, GraphItem, MappingContext, RecordType } from '../shared/mappings';
import type { SeedUser } from '../tests/emulators/seed';
import type { SoakEnv } from './environment';
import type { EditableField } from './fields';
import type { MailboxIndex } from './mailbox-dump';
import type { SoakModel, SoakRecord } from './model';
import type { Rng } from './prng';

export type OpKind =
  | 'crmCreate' | 'crmUpdate' | 'crmTaskState' | 'crmCloseAppointment' | 'crmDelete' | 'crmOwnerChange'
  | 'exchangeEdit' | 'exchangeTaskStatus' | 'exchangeMove' | 'exchangeDelete' | 'exchangeOnlyCreate';

export interface OpOutcome {
  kind: OpKind;
  /** False: nothing was written (no candidate, not synced yet, gone meanwhile…), with the reason. */
  applied: boolean;
  skipped?: string;
  recordType?: RecordType;
  crmId?: string;
  /** Operation number and when it ended (filled in by the runner). */
  op?: number;
  at?: number;
}

export interface OpContext {
  env: SoakEnv;
  model: SoakModel;
  /** Which operation, on which record. */
  rng: Rng;
  /** New values. */
  values: Rng;
  index: MailboxIndex;
  log(line: string): void;
}

export const ENTITY_SET: Readonly<Record<RecordType, string>> = { task: 'tasks', contact: 'contacts', appointment: 'appointments' };
export const PRIMARY_ID: Readonly<Record<RecordType, string>> = { task: 'activityid', contact: 'contactid', appointment: 'activityid' };

export function mappingField(ctx: OpContext, recordType: RecordType, name: string): FieldMapping {
  const field = ctx.env.rt.services.mappings[recordType].fields.find((f) => f.name === name);
  if (!field) throw new Error(`No ${recordType} field '${name}' in the mappings`);
  return field;
}

export function crmCanonical(ctx: OpContext, recordType: RecordType, name: string, row: CrmRow, mctx: MappingContext): Canonical {
  return mappingField(ctx, recordType, name).fromCrm(row, mctx);
}

export function graphCanonical(ctx: OpContext, recordType: RecordType, name: string, item: GraphItem, mctx: MappingContext): Canonical {
  return mappingField(ctx, recordType, name).fromGraph(item, mctx);
}

/** The user whose mailbox context (zone, address) the record's values are read in. */
export function ownerUser(ctx: OpContext, record: SoakRecord): SeedUser {
  const user = ctx.env.userById(record.owner);
  if (!user) throw new Error(`Unknown owner ${record.owner} of ${record.recordType} ${record.crmId}`);
  return user;
}

/** 1–2 distinct fields that the given side edits. */
export function someFields(ctx: OpContext, fields: readonly EditableField[], side: 'crm' | 'graph'): EditableField[] {
  const editable = fields.filter((f) => (side === 'crm' ? f.crm : f.graph));
  const first = ctx.rng.pick(editable);
  if (!ctx.rng.chance(0.35)) return [first];
  const rest = editable.filter((f) => f !== first);
  return rest.length > 0 ? [first, ctx.rng.pick(rest)] : [first];
}

/** What a field reads of a row or an item (its columns or properties, and the state), for Write.raw. */
export function rawOf(ctx: OpContext, recordType: RecordType, name: string, side: 'crm' | 'exchange', source: Record<string, unknown>): Record<string, unknown> {
  const field = mappingField(ctx, recordType, name);
  const keys = side === 'crm' ? [...field.crmColumns, 'statecode', 'statuscode'] : field.graphProperties;
  return Object.fromEntries(keys.filter((k) => k in source).map((k) => [k, source[k]]));
}

/** Runs `fn` holding the record (one operation per record at a time). */
export async function holding<T>(record: SoakRecord, fn: () => Promise<T>): Promise<T> {
  record.busy = true;
  try {
    return await fn();
  } finally {
    record.busy = false;
  }
}

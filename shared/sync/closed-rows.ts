/**
 * Dataverse refuses edits to completed or canceled activities (only reopening a task): Exchange edits made
 * to such a row's item stay in Exchange, as in Dynamics, and the snapshot keeps the CRM's values so that a
 * later reopening loses neither side. Applied wherever a merge may write to the CRM — including after a
 * 412, when the row just read may have been closed meanwhile (a write would be refused with 400 and the
 * change parked in the poison queue).
 */
import type { RecordType } from '../mappings/field-mapping';
import type { MergeResult, Values } from './three-way-merge';

export type ClosedRowMerge = MergeResult & {
  /**
   * Fields whose Exchange edits were kept in Exchange. The item then differs from the snapshot, so its etag
   * must not be recorded as synced: the next merge reads the item (a CRM→Exchange write gets a 412) and,
   * once the row is reopened, those edits reach the CRM.
   */
  keptInExchange: string[];
};

/** `crm`: the row's canonical values; `rowClosed`: its statecode is Completed or Canceled (1 or 2). */
export function withoutWritesToClosedRow(recordType: RecordType, crm: Values, rowClosed: boolean, merged: MergeResult): ClosedRowMerge {
  const keys = Object.keys(merged.toCrm);
  const closed = recordType === 'task' ? crm.status === 'completed' || rowClosed : recordType === 'appointment' && rowClosed;
  // Reopening a task is the one change a closed task takes (writeCrm reopens first, then writes the rest).
  if (keys.length === 0 || !closed || (recordType === 'task' && 'status' in merged.toCrm)) return { ...merged, keptInExchange: [] };
  return { ...merged, toCrm: {}, snapshot: { ...merged.snapshot, ...Object.fromEntries(keys.map((k) => [k, crm[k] ?? null])) }, keptInExchange: keys };
}

export function isClosedRow(row: { statecode?: unknown } | undefined): boolean {
  return row?.statecode === 1 || row?.statecode === 2;
}

/**
 * Dataverse refuses edits to completed or canceled activities (only reopening a task): Exchange edits made
 * to such a row's item stay in Exchange, as in Dynamics, and the snapshot keeps the CRM's values so that a
 * later reopening loses neither side. Applied wherever a merge may write to the CRM — including after a
 * 412, when the row just read may have been closed meanwhile (a write would be refused with 400 and the
 * change parked in the poison queue).
 */
import type { SyncLink } from '../correlation/link';
import type { CrmRow, RecordType } from '../mappings/field-mapping';
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

/**
 * The row's state as recorded on its link (crmState), from a row we just read or wrote: undefined when the
 * row lacks its version or a numeric statecode (nothing then to record).
 */
export function crmStateOf(row: CrmRow | undefined): SyncLink['crmState'] {
  const version = row?.versionnumber;
  const statecode = row?.statecode;
  if (version === undefined || version === null || typeof statecode !== 'number') return undefined;
  return { version: String(version), statecode };
}

/**
 * Whether the linked row is closed (Completed or Canceled), as the link knows it — so that an Exchange edit
 * need not read the row: true or false when the link recorded the state of the very version it synced last
 * (crmVersion, which the CRM write's If-Match names: a row closed since then answers 412 and is read, and
 * Dataverse refuses edits to closed activities anyway); undefined when it cannot tell (a link written before
 * states were recorded, or one whose crmVersion moved on without a state) — then the row is read.
 */
export function closedOnLink(link: Pick<SyncLink, 'crmVersion' | 'crmState'>): boolean | undefined {
  if (!link.crmState || !link.crmVersion || link.crmState.version !== link.crmVersion) return undefined;
  return isClosedRow(link.crmState);
}

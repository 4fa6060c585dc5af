/**
 * The soak's own record of what its people did — never what the sync did: every CRM row it knows (the
 * sample data present at start, and the rows its CRM users created), and every write either side made,
 * with the canonical value it left and what that side showed just before. The checks compare the end
 * state of both services against this record.
 */
import type { Canonical, RecordType } from '../shared/mappings';

export type Side = 'crm' | 'exchange';

export interface Write {
  side: Side;
  field: string;
  /** Canonical value the write left on its side (read back through the mapping, in the owner's mailbox context then). */
  value: Canonical;
  /** Canonical value on that side just before the write. */
  before: Canonical;
  /**
   * The columns (CRM) or properties (Graph) the field reads, after and before the write: canonical values
   * depend on the mailbox's zone (dates), so the checks read them again in the final owner's context.
   */
  raw: { after: Record<string, unknown>; before: Record<string, unknown> };
  /** When the write was answered (ms). */
  at: number;
  /** Exchange writes: the mailbox (Entra object id) whose item was edited. */
  mailbox?: string;
  op: number;
}

export interface OwnerChange {
  at: number;
  from: string;
  to: string;
}

export interface SoakRecord {
  recordType: RecordType;
  crmId: string;
  origin: 'sample' | 'soak';
  /** Owner as last seen or set by a CRM user (systemuserid). */
  owner: string;
  /** Deleted by the soak: in CRM, or its item in Exchange (which deletes the row by the default rules). */
  deleted?: { side: Side; at: number; mailbox?: string };
  /** The row was seen or made Completed/Canceled (activities). */
  closedAt?: number;
  /** A task was completed at some point, on either side. */
  everCompleted?: boolean;
  /** An Exchange delete of its item (appointments: kept in CRM when closed or past). */
  exchangeDeletes: number[];
  ownerChanges: OwnerChange[];
  writes: Write[];
  /** An operation is running on it (one at a time per record). */
  busy: boolean;
}

export class SoakModel {
  readonly records = new Map<string, SoakRecord>();
  /** Every CRM row id present at start or created by the soak's CRM users (anything else came from elsewhere). */
  readonly knownCrmIds = new Set<string>();

  add(record: Omit<SoakRecord, 'writes' | 'ownerChanges' | 'exchangeDeletes' | 'busy'>): SoakRecord {
    const full: SoakRecord = { ...record, crmId: record.crmId.toLowerCase(), owner: record.owner.toLowerCase(), writes: [], ownerChanges: [], exchangeDeletes: [], busy: false };
    this.records.set(full.crmId, full);
    this.knownCrmIds.add(full.crmId);
    return full;
  }

  get(crmId: string): SoakRecord | undefined {
    return this.records.get(crmId.toLowerCase());
  }

  /** Live records (not deleted by the soak) that no operation holds, optionally filtered. */
  available(filter: (r: SoakRecord) => boolean = () => true): SoakRecord[] {
    return [...this.records.values()].filter((r) => !r.deleted && !r.busy && filter(r));
  }

  writesOf(crmId: string, field: string): Write[] {
    return (this.get(crmId)?.writes ?? []).filter((w) => w.field === field);
  }
}

/**
 * A user's mailbox as the sync sees it — the counterpart of Dynamics' mailbox record: sync method per
 * record type, approval, Test & Enable status, and what an administrator needs to see at a glance.
 */
import type { RecordType } from '../mappings/field-mapping';

export type SyncMethod = 'serverSideSync' | 'none';
export type Approval = 'pending' | 'approved' | 'rejected';
export type ActStatus = 'notRun' | 'running' | 'success' | 'failure';

export interface MailboxAlert {
  time: string;
  severity: 'information' | 'warning' | 'error';
  message: string;
}

export interface Mailbox {
  systemUserId: string;
  displayName: string;
  emailAddress: string;
  /** Entra object id = Graph user id; resolved from the CRM user (azureactivedirectoryobjectid). */
  entraObjectId: string;
  /** Windows time zone of the mailbox (Graph mailboxSettings.timeZone), read at Test & Enable. */
  timeZone?: string;
  /** Id of the default To Do list, read at Test & Enable. */
  todoListId?: string;
  syncMethods: Record<'appointments' | 'contacts' | 'tasks', SyncMethod>;
  approval: Approval;
  actStatus: ActStatus;
  enabled: boolean;
  lastTestedOn: string | null;
  lastSyncOn: string | null;
  /** Milliseconds from a change reaching us to its write on the other side, for the last synced change. */
  lastSyncLagMs?: number | null;
  lastError: string | null;
  initialSync: { total: number; done: number; failed: number };
  /**
   * What the sync saw for this mailbox since it was registered: changes in (every change attributed to it:
   * applied, skipped or parked), applied per direction, skipped as echoes of our own writes, attempts retried,
   * and changes parked in the poison queue (`failed`). Rows written before a counter existed lack it (read as 0).
   */
  counters: { changesIn?: number; toExchange: number; toCrm: number; skippedEcho: number; retried?: number; failed: number };
  alerts: MailboxAlert[];
}

export const SYNC_METHOD_KEY: Record<RecordType, keyof Mailbox['syncMethods']> = {
  appointment: 'appointments',
  contact: 'contacts',
  task: 'tasks',
};

/** Does this mailbox take part in the sync of this record type right now? */
export function syncsRecordType(mailbox: Mailbox | undefined, recordType: RecordType): boolean {
  return !!mailbox && mailbox.enabled && mailbox.approval === 'approved' && mailbox.syncMethods[SYNC_METHOD_KEY[recordType]] === 'serverSideSync';
}

export function newMailbox(user: { systemUserId: string; displayName: string; emailAddress: string; entraObjectId: string }): Mailbox {
  return {
    ...user,
    systemUserId: user.systemUserId.toLowerCase(),
    entraObjectId: user.entraObjectId.toLowerCase(),
    syncMethods: { appointments: 'none', contacts: 'none', tasks: 'none' },
    approval: 'pending',
    actStatus: 'notRun',
    enabled: false,
    lastTestedOn: null,
    lastSyncOn: null,
    lastError: null,
    initialSync: { total: 0, done: 0, failed: 0 },
    counters: { changesIn: 0, toExchange: 0, toCrm: 0, skippedEcho: 0, retried: 0, failed: 0 },
    alerts: [],
  };
}

/**
 * The documented, configurable rules around the field merge: conflicts, and what a delete on one side
 * does on the other. Defaults follow Dynamics' server-side synchronization (research: dataverse.md §3.5).
 */
import type { ConflictPolicy } from './three-way-merge';

export type DeleteAction = 'delete' | 'unlink';

export interface SyncPolicy {
  /** A field changed on both sides since the last sync (default crmWins: the CRM is the system of record). */
  conflict: ConflictPolicy;
  /** Row deleted in CRM → its Exchange item. Defaults: task delete (unless completed), contact unlink (the
   *  syncing user owns it, and Dynamics deletes in Exchange only for non-owners), appointment delete if
   *  still in the future (else unlink). */
  crmDelete: { task: DeleteAction; contact: DeleteAction; appointment: DeleteAction };
  /** Row left scope (owner no longer syncs that type, owner changed to a user who does not): Dynamics'
   *  "logical delete" deletes in Exchange unless DistinctPhysicalAndLogicalDeletesForExchangeSync is on. */
  logicalDelete: DeleteAction;
  /** Item deleted in Exchange → its CRM row. Defaults: task delete (SSSTaskDeletionSyncBehaviorFromExchange),
   *  contact delete (the syncing user is the owner), appointment delete unless completed/canceled or past. */
  exchangeDelete: { task: DeleteAction; contact: DeleteAction; appointment: DeleteAction };
}

export const DEFAULT_SYNC_POLICY: SyncPolicy = {
  conflict: 'crmWins',
  crmDelete: { task: 'delete', contact: 'unlink', appointment: 'delete' },
  logicalDelete: 'delete',
  exchangeDelete: { task: 'delete', contact: 'delete', appointment: 'delete' },
};

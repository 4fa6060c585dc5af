/**
 * A link between one Dataverse row and one Graph item: the correlation record, like Dynamics'
 * exchangesyncidmapping. It remembers what we last synced on each side (versions and a canonical
 * snapshot of the mapped values), which is what echo suppression and three-way merges compare against.
 */
import type { Canonical, RecordType } from '../mappings/field-mapping';

export type LinkState =
  /** We decided to create the Graph item and may have; the Graph id is not known yet. */
  | 'pending'
  | 'linked'
  /** The pair no longer syncs (mailbox disabled, item deleted in Exchange and kept in CRM…); kept for audit. */
  | 'unlinked';

export interface SyncLink {
  recordType: RecordType;
  crmId: string;
  /** Entra object id of the mailbox the item lives in (= Graph user id). */
  mailboxUserId: string;
  /** Dataverse systemuserid owning the row when we last synced. */
  ownerSystemUserId: string;
  state: LinkState;
  /** Immutable Graph id (absent while pending). */
  graphId?: string;
  /** To Do list id (tasks) — needed to address the task. */
  graphContainerId?: string;
  /** Idempotency key sent with the create (events: transactionId). */
  transactionId: string;
  /** While pending: the work item creating the item (correlationId@receivedAt); others wait (crm-to-exchange.ts). */
  claim?: string;
  /** Dataverse versionnumber of the row as last read or written by us. */
  crmVersion?: string;
  /** Graph @odata.etag of the item as last read or written by us (W/"<changeKey>" for Outlook items). */
  graphEtag?: string;
  /**
   * The CRM row's statecode as of row version `version`, recorded with every read or write of the row by us:
   * lets an Exchange edit of an appointment be judged (closed rows take none) without reading the row. Holds
   * only while `version` is crmVersion; absent on links written before it existed — the row is then read.
   */
  crmState?: { version: string; statecode: number };
  /**
   * Graph's lastModifiedDateTime of the item version `etag` names, recorded with graphEtag: a copy of the
   * item carried in a work item (a To Do delta page's) is used instead of a read only when it is newer than
   * this (Graph's clock). Holds only while `etag` is graphEtag; absent: the item is read.
   */
  graphModified?: { etag: string; at: string };
  /** Canonical mapped values as last synced (both sides equal then): the base of three-way merges. */
  snapshot: Record<string, Canonical>;
  /** Values being written to a side, recorded before the write (sync/write-intents.ts); cleared with the outcome. */
  intent?: { crm?: Record<string, Canonical>; exchange?: Record<string, Canonical> };
  /** Flags in the spirit of exchangesyncidmapping. */
  deletedInExchange?: boolean;
  /**
   * The CRM row is gone (deleted in CRM, or by us after an Outlook delete): the link, unlinked, is its
   * tombstone — no later delivery about the row creates an item (decide.ts). Pruned by the reconciliation
   * pass after TOMBSTONE_RETENTION_DAYS.
   */
  crmDeleted?: boolean;
  lastError?: string;
  lastErrorAt?: string;
  createdAt: string;
  updatedAt: string;
  /** Storage ETag of the link row: writes are conditional on it (optimistic concurrency). */
  etag?: string;
  /**
   * The Graph-side index row known to exist for this link (`mailbox|graphId`), set by the store: the index
   * is written before a link names a new item, and only then (correlation-store.ts). Not stored.
   */
  indexedAs?: string;
}

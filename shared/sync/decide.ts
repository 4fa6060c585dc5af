/**
 * The one place where the sync decides what a change means: create, update, move, delete, unlink or
 * skip. Pure functions of the current state of both sides, the link and the policy — no I/O — so every
 * rule is unit-tested and a reader finds them all here. Callers gather the inputs and carry out the
 * decision (crm-to-exchange.ts, exchange-to-crm.ts).
 */
import type { SyncLink } from '../correlation/link';
import type { CrmRow, GraphItem, RecordType } from '../mappings/field-mapping';
import type { Mailbox } from '../mailboxes/mailbox';
import type { DeleteAction, SyncPolicy } from './sync-policy';

export type SkipReason =
  /** Nothing to do: the row is not linked and not in scope. */
  | 'outOfScope'
  /** The delivery is older than (or the same as) what we already synced: a duplicate, a replay or our own echo. */
  | 'staleOrEcho'
  /** Deleted in CRM, and it was never linked. */
  | 'notLinked'
  /** The row was deleted in CRM (the link is its tombstone): a late, replayed or reordered delivery about it. */
  | 'deletedInCrm'
  /** An Exchange item we did not create (created first in Exchange): not synced. */
  | 'createdInExchange'
  /** The link was retired (unlinked) earlier; the item no longer syncs. */
  | 'unlinked'
  /** Completed or canceled CRM appointments take no changes from Exchange (as in Dynamics). */
  | 'crmReadOnly';

export type CrmChangeDecision =
  | { kind: 'skip'; reason: SkipReason }
  /**
   * Deleted in CRM, not linked, and its owner may sync (or is unknown): remember the deletion, so that a
   * delivery about the row processed later (a Create or Update reordered behind its Delete) cannot create
   * an item for a row that no longer exists — which lets such deliveries be applied from their images,
   * without reading the row.
   */
  | { kind: 'recordDeletion'; link?: SyncLink }
  /** `recover`: an earlier attempt may have created the item (pending or retired link): look for it first. */
  | { kind: 'create'; mailbox: Mailbox; link?: SyncLink; recover: boolean }
  | { kind: 'update'; link: SyncLink; mailbox: Mailbox }
  | { kind: 'move'; link: SyncLink; to: Mailbox }
  | { kind: 'deleteInExchange'; link: SyncLink; because: 'crmDelete' | 'logicalDelete' }
  | { kind: 'unlink'; link: SyncLink; because: 'crmDelete' | 'logicalDelete' };

export interface CrmChangeInput {
  recordType: RecordType;
  /** The row now; null when it no longer exists (deleted). */
  row: CrmRow | null;
  /** versionnumber the delivery was about (webhook image), if known. */
  incomingVersion?: string;
  link?: SyncLink;
  /** The owner's mailbox when it syncs this record type; undefined when it does not. */
  ownerMailbox?: Mailbox;
  /** For a deletion: the owner before it (the Delete step's pre image) syncs this record type — or is not known. */
  deletedOwnerMaySync?: boolean;
  /** Facts about the linked item for the delete rules (from the link's snapshot). */
  completedInExchange?: boolean;
  endsInFuture?: boolean;
  policy: SyncPolicy;
}

/** Dataverse versionnumbers are 64-bit and only rise; compare them as such. */
export function isNotNewer(incoming: string | undefined, synced: string | undefined): boolean {
  if (!incoming || !synced) return false;
  try {
    return BigInt(incoming) <= BigInt(synced);
  } catch {
    return false;
  }
}

function crmDeleteAction(input: CrmChangeInput): DeleteAction {
  const configured = input.policy.crmDelete[input.recordType];
  if (configured === 'unlink') return 'unlink';
  // Dynamics keeps completed To Do tasks, and past appointments, in Exchange.
  if (input.recordType === 'task' && input.completedInExchange) return 'unlink';
  if (input.recordType === 'appointment' && input.endsInFuture === false) return 'unlink';
  return 'delete';
}

export function decideCrmChange(input: CrmChangeInput): CrmChangeDecision {
  const { row, link, ownerMailbox } = input;
  const live = link && link.state !== 'unlinked' ? link : undefined;

  if (row === null) {
    if (!live) {
      if (link?.crmDeleted || input.deletedOwnerMaySync === false) return { kind: 'skip', reason: 'notLinked' };
      return { kind: 'recordDeletion', link };
    }
    return crmDeleteAction(input) === 'delete'
      ? { kind: 'deleteInExchange', link: live, because: 'crmDelete' }
      : { kind: 'unlink', link: live, because: 'crmDelete' };
  }

  if (link?.crmDeleted) return { kind: 'skip', reason: 'deletedInCrm' };
  if (live?.state === 'linked' && isNotNewer(input.incomingVersion, live.crmVersion)) return { kind: 'skip', reason: 'staleOrEcho' };
  // A retired link (e.g. the item deleted in Outlook, the row kept by the delete rules): only a newer CRM change
  // brings the row back to Exchange — a late, stranded or replayed delivery must not resurrect the item.
  if (link?.state === 'unlinked' && isNotNewer(input.incomingVersion, link.crmVersion)) return { kind: 'skip', reason: 'unlinked' };

  if (!ownerMailbox) {
    if (!live) return { kind: 'skip', reason: 'outOfScope' };
    return input.policy.logicalDelete === 'delete'
      ? { kind: 'deleteInExchange', link: live, because: 'logicalDelete' }
      : { kind: 'unlink', link: live, because: 'logicalDelete' };
  }

  if (!link) return { kind: 'create', mailbox: ownerMailbox, recover: false };
  if (link.state !== 'linked') return { kind: 'create', mailbox: ownerMailbox, link, recover: true };
  if (link.mailboxUserId !== ownerMailbox.entraObjectId) return { kind: 'move', link, to: ownerMailbox };
  return { kind: 'update', link, mailbox: ownerMailbox };
}

export type GraphChangeDecision =
  | { kind: 'skip'; reason: SkipReason }
  | { kind: 'update'; link: SyncLink; item: GraphItem }
  | { kind: 'deleteInCrm'; link: SyncLink }
  | { kind: 'unlink'; link: SyncLink; because: 'exchangeDelete' };

export interface GraphChangeInput {
  recordType: RecordType;
  /** The item now; null when it no longer exists. */
  item: GraphItem | null;
  /** @odata.etag the notification was about, if known. */
  incomingEtag?: string;
  link?: SyncLink;
  /** For appointments: the CRM row is Completed or Canceled. */
  crmReadOnly?: boolean;
  /** For appointments: still in the future (deletes of past appointments stay in CRM). */
  endsInFuture?: boolean;
  policy: SyncPolicy;
}

export function decideGraphChange(input: GraphChangeInput): GraphChangeDecision {
  const { link, item } = input;
  if (!link) return { kind: 'skip', reason: 'createdInExchange' };
  if (link.state !== 'linked') return { kind: 'skip', reason: 'unlinked' };
  if (item === null) {
    let action = input.policy.exchangeDelete[input.recordType];
    if (input.recordType === 'appointment' && (input.crmReadOnly || input.endsInFuture === false)) action = 'unlink';
    return action === 'delete' ? { kind: 'deleteInCrm', link } : { kind: 'unlink', link, because: 'exchangeDelete' };
  }
  if (input.incomingEtag && input.incomingEtag === link.graphEtag) return { kind: 'skip', reason: 'staleOrEcho' };
  if (item['@odata.etag'] && item['@odata.etag'] === link.graphEtag) return { kind: 'skip', reason: 'staleOrEcho' };
  if (input.recordType === 'appointment' && input.crmReadOnly) return { kind: 'skip', reason: 'crmReadOnly' };
  return { kind: 'update', link, item };
}

/**
 * Graph's lastModifiedDateTime of an item, as recorded on the link with its etag (SyncLink.graphModified);
 * undefined when the item lacks either.
 */
export function graphModifiedOf(item: GraphItem | undefined): SyncLink['graphModified'] {
  const etag = item?.['@odata.etag'];
  const at = item?.lastModifiedDateTime;
  return typeof etag === 'string' && typeof at === 'string' && instantParts(at) ? { etag, at } : undefined;
}

/** An ISO instant as [epoch seconds, fraction as 9 digits] — Graph gives up to 7 fractional digits. */
function instantParts(value: string): [number, string] | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(value);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  return Number.isNaN(seconds) ? undefined : [seconds, (m[2] ?? '').padEnd(9, '0')];
}

/** Is instant `a` strictly after `b`? undefined when either cannot be read. */
export function isLaterInstant(a: string, b: string): boolean | undefined {
  const x = instantParts(a);
  const y = instantParts(b);
  if (!x || !y) return undefined;
  return x[0] !== y[0] ? x[0] > y[0] : x[1] > y[1];
}

/**
 * May the copy of the item a work item carries (a To Do delta page's) stand in for reading the item? Only
 * when Graph's own clock says it is newer than the version the link synced last: queue retries and
 * concurrent workers reorder work items, and an older copy applied after a newer one would write stale
 * values to the CRM. Anything else — an older or equally old copy, a link that recorded no time for its
 * etag (written before times were recorded, or since by a path that did not record one) — is read as before.
 */
export function carriedItemIsFresh(link: Pick<SyncLink, 'graphId' | 'graphEtag' | 'graphModified'>, carried: GraphItem | undefined): carried is GraphItem {
  if (!carried || carried.id === undefined || String(carried.id) !== link.graphId) return false;
  const copy = graphModifiedOf(carried);
  const synced = link.graphModified;
  if (!copy || !synced || !link.graphEtag || synced.etag !== link.graphEtag) return false;
  return isLaterInstant(copy.at, synced.at) === true;
}

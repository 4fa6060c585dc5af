/**
 * Carries out a Dataverse change in the owner's mailbox: gathers the inputs (the row — from the webhook
 * image when it holds every mapped column, else one read —, the link, the owner's mailbox), asks
 * decide.ts, and applies the decision through Graph, recording the outcome in the correlation table.
 *
 * Idempotent creation: a `pending` link (with the values about to be written) is written before the Graph
 * create; a retry that finds a pending link first looks for the item an earlier attempt made (by our
 * idempotency marks) and adopts it, merging against those values. The pending link is also a claim: another
 * work item for the row waits (CreateInProgressError, retried by the queue) until it is done or abandoned.
 * Concurrency: link writes are ETag-conditional; a lost race re-reads and decides again — and so does a
 * merge after a 412 whose link another worker changed meanwhile (its snapshot would be stale).
 */
import { createHash } from 'node:crypto';
import { LinkConflictError } from '../correlation/correlation-store';
import type { SyncLink } from '../correlation/link';
import type { CrmRow, GraphItem } from '../mappings/field-mapping';
import { syncsRecordType, type Mailbox } from '../mailboxes/mailbox';
import { GraphRequestError } from '../graph/graph-errors';
import { crmStateOf, isClosedRow, withoutWritesToClosedRow } from './closed-rows';
import { decideCrmChange, graphModifiedOf, isNotNewer, type CrmChangeDecision } from './decide';
import { crmValues, graphPatch, graphValues, mappingContext, mergeFields, readCrmRow, rowFromImage } from './record-values';
import { registeredPostImage } from '../registration/dataverse-registration';
import { mergeThreeWay, flowsToExchange, type Values } from './three-way-merge';
import type { SyncServices, SyncOutcome } from './sync-services';
import type { CrmChange } from './work-item';
import { recordFacts } from './record-facts';
import { mergeBase, recordIntent } from './write-intents';

/** Deterministic per (row, mailbox): a retried create sends the same transactionId. */
export function transactionIdFor(crmId: string, mailboxUserId: string, generation = 0): string {
  return createHash('sha256').update(`${crmId}|${mailboxUserId}|${generation}`).digest('hex').slice(0, 32);
}

/** How long a pending link holds off other work items for its row (a Graph create takes well under this). */
export const PENDING_LEASE_MS = 15_000;

/** Which work item set a link pending: stable across the queue's retries of one message, distinct between duplicates. */
function claimOf(change: CrmChange): string {
  return `${change.correlationId}@${change.receivedAt}`;
}

/** Another work item is creating this row's item right now: the queue retries this one later. */
export class CreateInProgressError extends Error {
  readonly transient = true;
  constructor(recordType: string, crmId: string, since: string) {
    super(`The ${recordType} item of CRM row ${crmId} is being created by another work item (pending since ${since}); retried later`);
    this.name = 'CreateInProgressError';
  }
}

export async function applyCrmChange(services: SyncServices, change: CrmChange): Promise<SyncOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await applyOnce(services, change);
    } catch (error) {
      if (error instanceof LinkConflictError && attempt < 3) continue; // another worker moved first: decide again
      throw error;
    }
  }
}

/**
 * The row: the webhook's post image when it can stand for the row — one registered with the columns these
 * mappings read (its alias says so; an attribute absent from it is null), or any image holding every column —
 * else one read. The image object itself is returned (rowFromImage fills it in place): applyOnce recognises a
 * row taken from an image by identity, and reads before creating an item from one.
 */
async function readRow(services: SyncServices, change: CrmChange): Promise<CrmRow | null> {
  if (change.message === 'Delete') return null;
  const mapping = services.mappings[change.recordType];
  const image = change.sizeExceeded ? undefined : rowFromImage(mapping, change.postImage, services.lookupColumns, registeredPostImage(mapping));
  if (image) return image;
  return (await readCrmRow(services.dataverse, mapping, change.crmId, services.lookupColumns)) ?? null;
}

async function applyOnce(services: SyncServices, change: CrmChange): Promise<SyncOutcome> {
  const { links, mailboxes, policy } = services;
  const link = await links.getByCrmId(change.recordType, change.crmId);
  // Cheapest echo check first: a delivery no newer than what we synced needs no read at all.
  if (link?.state === 'linked' && change.message !== 'Delete' && isNotNewer(change.versionNumber, link.crmVersion)) {
    return { action: 'skipped', reason: 'staleOrEcho', systemUserId: link.ownerSystemUserId };
  }
  let row = await readRow(services, change);
  const decideFor = async (current: CrmRow | null) => {
    const ownerId = typeof current?._ownerid_value === 'string' ? current._ownerid_value.toLowerCase() : undefined;
    const owner = ownerId ? await mailboxes.getRecent(ownerId) : undefined;
    const facts = link ? recordFacts(change.recordType, link.snapshot) : {};
    // A deletion of a row never linked: its tombstone is needed only if its owner (the Delete step's pre image) may sync.
    let deletedOwnerMaySync: boolean | undefined;
    if (current === null && change.previousOwnerId && !(link && link.state !== 'unlinked')) {
      deletedOwnerMaySync = syncsRecordType(await mailboxes.getRecent(change.previousOwnerId), change.recordType);
    }
    const decided = decideCrmChange({
      recordType: change.recordType,
      row: current,
      incomingVersion: current && typeof current.versionnumber !== 'undefined' ? String(current.versionnumber) : change.versionNumber,
      link,
      ownerMailbox: syncsRecordType(owner, change.recordType) ? owner : undefined,
      deletedOwnerMaySync,
      completedInExchange: facts.completed,
      endsInFuture: facts.endsAt ? Date.parse(facts.endsAt) > Date.now() : undefined,
      policy,
    });
    return { decided, ownerId };
  };
  let { decided: decision, ownerId } = await decideFor(row);
  // No read before creating an item from a webhook image: a delivery older than the row's deletion (late,
  // reordered, replayed) finds the deletion's tombstone on the link (decide.ts), or is processed before the
  // deletion, whose own delivery then removes the item.
  const outcome = await execute(services, change, decision, row);
  return { systemUserId: ownerId ?? link?.ownerSystemUserId, ...outcome };
}

async function execute(services: SyncServices, change: CrmChange, decision: CrmChangeDecision, row: CrmRow | null): Promise<SyncOutcome> {
  switch (decision.kind) {
    case 'skip':
      return { action: 'skipped', reason: decision.reason };
    case 'create':
      return create(services, change, row!, decision.mailbox, decision.link, decision.recover);
    case 'update':
      return update(services, row!, decision.link, decision.mailbox);
    case 'move': {
      await removeFromMailbox(services, decision.link, 'delete');
      // create() sets the link pending for the new mailbox, conditionally: of two concurrent moves one goes on.
      const created = await create(services, change, row!, decision.to, decision.link, false);
      return { ...created, action: 'moved' };
    }
    case 'recordDeletion':
      await services.links.recordCrmDeletion(change.recordType, change.crmId, decision.link);
      return { action: 'skipped', reason: 'notLinked' };
    case 'deleteInExchange':
      await removeFromMailbox(services, decision.link, 'delete');
      // A logical delete (owner no longer syncs) may be undone; a CRM delete leaves the link as its tombstone.
      if (decision.because === 'crmDelete') await services.links.recordCrmDeletion(change.recordType, change.crmId, decision.link);
      else await services.links.delete(decision.link);
      return { action: 'deleted', reason: decision.because, mailboxUserId: decision.link.mailboxUserId };
    case 'unlink':
      if (decision.because === 'crmDelete') {
        await services.links.recordCrmDeletion(change.recordType, change.crmId, decision.link);
      } else {
        await services.links.update({ ...decision.link, state: 'unlinked', updatedAt: now() });
        if (decision.link.graphId) await services.links.deleteIndex(decision.link.mailboxUserId, decision.link.graphId);
      }
      return { action: 'unlinked', reason: decision.because, mailboxUserId: decision.link.mailboxUserId };
  }
}

const now = () => new Date().toISOString();

async function removeFromMailbox(services: SyncServices, link: SyncLink, how: 'delete'): Promise<void> {
  if (how !== 'delete') return;
  let graphId = link.graphId;
  // A pending link's item may exist — made by an attempt that crashed before linking it: found by its marks.
  if (!graphId && link.state === 'pending') {
    const stray = await services.graph.findByCrmId(link.mailboxUserId, link.recordType, link.crmId, link.graphContainerId);
    graphId = stray ? String(stray.id) : undefined;
  }
  if (graphId) {
    await services.graph.delete({ mailboxUserId: link.mailboxUserId, recordType: link.recordType, graphId, containerId: link.graphContainerId });
    await services.links.deleteIndex(link.mailboxUserId, graphId);
  }
}

async function containerFor(services: SyncServices, recordType: CrmChange['recordType'], mailbox: Mailbox): Promise<string | undefined> {
  if (recordType !== 'task') return undefined;
  return mailbox.todoListId ?? services.graph.defaultTodoListId(mailbox.entraObjectId);
}

async function create(services: SyncServices, change: CrmChange, row: CrmRow, mailbox: Mailbox, existing: SyncLink | undefined, recover: boolean): Promise<SyncOutcome> {
  const mapping = services.mappings[change.recordType];
  const ctx = mappingContext(mailbox);
  const values = crmValues(mapping, row, ctx);
  const toExchange: Values = Object.fromEntries(mergeFields(mapping).filter((f) => flowsToExchange(f.direction)).map((f) => [f.name, values[f.name] ?? null]));
  const containerId = await containerFor(services, change.recordType, mailbox);
  const base = {
    recordType: change.recordType, crmId: change.crmId, mailboxUserId: mailbox.entraObjectId, ownerSystemUserId: mailbox.systemUserId,
    graphContainerId: containerId,
  };
  // Record the intent first — with the values about to be written, and which work item is creating — so that a
  // crash after the Graph create leaves a pending link that a retry recovers. A pending link is a claim: another
  // work item for the same row (a duplicated delivery, a reconciliation item) waits until the claim is done or
  // abandoned (PENDING_LEASE_MS), rather than creating a second item beside the first.
  const claim = claimOf(change);
  let link: SyncLink;
  /** What the pending attempt meant to create: the base for adopting its item. */
  let intended: Values | undefined;
  if (existing) {
    const pending = existing.state === 'pending';
    if (pending && existing.claim !== claim && Date.now() - Date.parse(existing.updatedAt) < PENDING_LEASE_MS) {
      throw new CreateInProgressError(change.recordType, change.crmId, existing.updatedAt);
    }
    const samePending = pending && existing.mailboxUserId === mailbox.entraObjectId;
    // Taking over an abandoned attempt for another mailbox (the owner changed meanwhile): what it may have
    // created there is not the owner's any more.
    if (pending && !samePending) await removeFromMailbox(services, existing, 'delete');
    if (samePending && Object.keys(existing.snapshot).length > 0) intended = existing.snapshot;
    link = samePending && existing.claim === claim
      ? existing
      : await services.links.update(samePending
        ? { ...existing, claim, updatedAt: now() } // taking over an abandoned attempt (conditional: one taker wins)
        : { ...existing, ...base, state: 'pending', graphId: undefined, graphEtag: undefined, transactionId: transactionIdFor(change.crmId, mailbox.entraObjectId, Date.now()), snapshot: toExchange, claim, updatedAt: now() });
  } else {
    link = await services.links.create({ ...base, state: 'pending', transactionId: transactionIdFor(change.crmId, mailbox.entraObjectId), snapshot: toExchange, claim, createdAt: now(), updatedAt: now() });
  }
  let item: GraphItem | undefined;
  if (recover || existing) item = await services.graph.findByCrmId(mailbox.entraObjectId, change.recordType, change.crmId, containerId);
  let action: SyncOutcome['action'] = 'created';
  let snapshot = toExchange;
  let written = row;
  if (item) {
    // Adopt what the earlier attempt made and merge it with the row, against what that attempt wrote: edits
    // made to the item in Outlook since then reach the CRM, the CRM's go to Outlook. (Without that base — an
    // attempt from before pending links kept one — the row wins.)
    const current = graphValues(mapping, item, ctx);
    const merged = withoutWritesToClosedRow(change.recordType, values, isClosedRow(row), mergeThreeWay(mergeFields(mapping), values, current, intended ?? current, services.policy.conflict));
    if (Object.keys(merged.toGraph).length > 0) {
      item = await services.graph.update({ mailboxUserId: mailbox.entraObjectId, recordType: change.recordType, graphId: String(item.id), containerId }, graphPatch(mapping, merged.toGraph, ctx, item));
    }
    if (Object.keys(merged.toCrm).length > 0) written = await services.writeCrm(link, merged.toCrm, ctx, row['@odata.etag'] as string | undefined);
    snapshot = merged.snapshot;
    action = 'recovered';
  } else {
    const body = graphPatch(mapping, toExchange, ctx);
    item = await services.graph.create(mailbox.entraObjectId, change.recordType, body, {
      crmId: change.crmId, transactionId: link.transactionId, containerId, crmWebUrl: services.crmWebUrl(change.recordType, change.crmId),
    });
  }
  await services.links.update({
    ...link, state: 'linked', graphId: String(item.id), graphEtag: item['@odata.etag'] as string | undefined, graphModified: graphModifiedOf(item), claim: undefined, intent: undefined,
    crmVersion: written.versionnumber !== undefined ? String(written.versionnumber) : undefined, crmState: crmStateOf(written), snapshot, lastError: undefined, lastErrorAt: undefined, updatedAt: now(),
  });
  return { action, mailboxUserId: mailbox.entraObjectId, graphId: String(item.id) };
}

async function update(services: SyncServices, row: CrmRow, read: SyncLink, mailbox: Mailbox): Promise<SyncOutcome> {
  let link = read;
  const mapping = services.mappings[link.recordType];
  const ctx = mappingContext(mailbox);
  const crm = crmValues(mapping, row, ctx);
  const ref = { mailboxUserId: link.mailboxUserId, recordType: link.recordType, graphId: link.graphId!, containerId: link.graphContainerId };
  // Fast path: assume Exchange unchanged since the snapshot (with writes an earlier worker recorded and that
  // evidently landed — write-intents.ts); If-Match makes Graph tell us otherwise.
  const base = mergeBase(read, { crm });
  let merged = mergeThreeWay(mergeFields(mapping), crm, base, base, services.policy.conflict);
  let keptInExchange = false;
  const crmVersion = row.versionnumber !== undefined ? String(row.versionnumber) : link.crmVersion;
  if (Object.keys(merged.toGraph).length === 0) {
    // The row's state goes on the link with its version (exchange-to-crm judges Exchange edits by it).
    const crmState = crmStateOf(row) ?? link.crmState;
    if (crmVersion !== link.crmVersion || crmState?.version !== link.crmState?.version) await services.links.update({ ...link, crmVersion, crmState, updatedAt: now() });
    return { action: 'skipped', reason: 'noChange' };
  }
  let item: GraphItem;
  try {
    link = await recordIntent(services.links, link, 'exchange', merged.toGraph);
    item = await services.graph.update(ref, graphPatch(mapping, merged.toGraph, ctx), link.graphEtag);
  } catch (error) {
    if (error instanceof GraphRequestError && error.code === 'NOT_FOUND') {
      // Deleted in Exchange meanwhile: the Exchange-side delete rules decide (exchange-to-crm).
      await services.links.update({ ...link, deletedInExchange: true, updatedAt: now() });
      return { action: 'skipped', reason: 'deletedInExchange' };
    }
    if (!(error instanceof GraphRequestError && error.code === 'PRECONDITION_FAILED')) throw error;
    // Both sides changed since the last sync: read Exchange's version and merge three ways.
    const current = await services.graph.get(ref);
    if (!current) return { action: 'skipped', reason: 'deletedInExchange' };
    // Another worker may have synced this pair meanwhile (e.g. the Exchange edit whose CRM write this change
    // is the echo of): merging against its stale snapshot would take that echo for a CRM edit and let it win
    // a conflict against a newer Outlook edit. Start over with the current link if so.
    await services.links.assertUnchanged(link);
    // A row taken from a webhook image may be older than the row is now (closed since, say), and carries no
    // ETag: now that the merge may write to the CRM, read it — the write is then conditional on its version,
    // and a row closed meanwhile takes no edits (Dataverse would refuse them: 400, poison).
    if (row['@odata.etag'] === undefined) {
      const fresh = await readCrmRow(services.dataverse, mapping, link.crmId, services.lookupColumns);
      if (!fresh) return { action: 'skipped', reason: 'deletedInCrm' };
      row = fresh;
    }
    const crmNow = crmValues(mapping, row, ctx);
    const graph = graphValues(mapping, current, ctx);
    // A completed or canceled row takes no Exchange edits (closed-rows.ts).
    const closedMerge = withoutWritesToClosedRow(link.recordType, crmNow, isClosedRow(row), mergeThreeWay(mergeFields(mapping), crmNow, graph, mergeBase(read, { crm: crmNow, exchange: graph }), services.policy.conflict));
    merged = closedMerge;
    keptInExchange = closedMerge.keptInExchange.length > 0;
    if (Object.keys(merged.toGraph).length > 0) {
      link = await recordIntent(services.links, link, 'exchange', merged.toGraph);
      item = await services.graph.update(ref, graphPatch(mapping, merged.toGraph, ctx, current), current['@odata.etag'] as string | undefined);
    } else {
      item = current;
    }
    if (Object.keys(merged.toCrm).length > 0) {
      link = await recordIntent(services.links, link, 'crm', merged.toCrm);
      const written = await services.writeCrm(link, merged.toCrm, ctx, row['@odata.etag'] as string | undefined);
      row = written;
    }
  }
  await services.links.update({
    ...link, snapshot: merged.snapshot, intent: undefined,
    // Edits kept in Exchange (closed row): the item is not as the snapshot says, so its etag stays unrecorded.
    graphEtag: keptInExchange ? read.graphEtag : item['@odata.etag'] as string | undefined,
    graphModified: keptInExchange ? read.graphModified : graphModifiedOf(item),
    crmVersion: row.versionnumber !== undefined ? String(row.versionnumber) : crmVersion, crmState: crmStateOf(row) ?? link.crmState, lastError: undefined, lastErrorAt: undefined, updatedAt: now(),
  });
  return { action: 'updated', mailboxUserId: link.mailboxUserId, graphId: link.graphId, conflicts: merged.conflicts };
}

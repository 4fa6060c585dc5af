/**
 * Carries out a Dataverse change in the owner's mailbox: gathers the inputs (the row — from the webhook
 * image when it holds every mapped column, else one read —, the link, the owner's mailbox), asks
 * decide.ts, and applies the decision through Graph, recording the outcome in the correlation table.
 *
 * Idempotent creation: a `pending` link is written before the Graph create; a retry that finds a pending
 * link first looks for the item an earlier attempt made (by our idempotency marks) and adopts it.
 * Concurrency: link writes are ETag-conditional; a lost race re-reads and decides again.
 */
import { createHash } from 'node:crypto';
import { LinkConflictError } from '../correlation/correlation-store';
import type { SyncLink } from '../correlation/link';
import type { CrmRow, GraphItem } from '../mappings/field-mapping';
import { syncsRecordType, type Mailbox } from '../mailboxes/mailbox';
import { GraphRequestError } from '../graph/graph-errors';
import { decideCrmChange, type CrmChangeDecision } from './decide';
import { crmValues, graphPatch, graphValues, imageIsComplete, mappingContext, mergeFields, readCrmRow } from './record-values';
import { mergeThreeWay, flowsToExchange, type Values } from './three-way-merge';
import type { SyncServices, SyncOutcome } from './sync-services';
import type { CrmChange } from './work-item';
import { recordFacts } from './record-facts';

/** Deterministic per (row, mailbox): a retried create sends the same transactionId. */
export function transactionIdFor(crmId: string, mailboxUserId: string, generation = 0): string {
  return createHash('sha256').update(`${crmId}|${mailboxUserId}|${generation}`).digest('hex').slice(0, 32);
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

async function readRow(services: SyncServices, change: CrmChange): Promise<CrmRow | null> {
  if (change.message === 'Delete') return null;
  const mapping = services.mappings[change.recordType];
  if (change.postImage && !change.sizeExceeded && imageIsComplete(mapping, change.postImage, services.lookupColumns)) return change.postImage;
  return (await readCrmRow(services.dataverse, mapping, change.crmId, services.lookupColumns)) ?? null;
}

async function applyOnce(services: SyncServices, change: CrmChange): Promise<SyncOutcome> {
  const { links, mailboxes, policy } = services;
  const link = await links.getByCrmId(change.recordType, change.crmId);
  // Cheapest echo check first: a delivery no newer than what we synced needs no read at all.
  if (link?.state === 'linked' && change.message !== 'Delete' && change.versionNumber && link.crmVersion && BigInt(change.versionNumber) <= BigInt(link.crmVersion)) {
    return { action: 'skipped', reason: 'staleOrEcho', systemUserId: link.ownerSystemUserId };
  }
  const row = await readRow(services, change);
  const ownerId = typeof row?._ownerid_value === 'string' ? row._ownerid_value.toLowerCase() : undefined;
  const owner = ownerId ? await mailboxes.get(ownerId) : undefined;
  const facts = link ? recordFacts(change.recordType, link.snapshot) : {};
  const decision = decideCrmChange({
    recordType: change.recordType,
    row,
    incomingVersion: row && typeof row.versionnumber !== 'undefined' ? String(row.versionnumber) : change.versionNumber,
    link,
    ownerMailbox: syncsRecordType(owner, change.recordType) ? owner : undefined,
    completedInExchange: facts.completed,
    endsInFuture: facts.endsAt ? Date.parse(facts.endsAt) > Date.now() : undefined,
    policy,
  });
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
      const moved = await services.links.update({ ...decision.link, state: 'pending', graphId: undefined, graphEtag: undefined, updatedAt: now() });
      const created = await create(services, change, row!, decision.to, moved, false);
      return { ...created, action: 'moved' };
    }
    case 'deleteInExchange':
      await removeFromMailbox(services, decision.link, 'delete');
      await services.links.delete(decision.link);
      return { action: 'deleted', reason: decision.because, mailboxUserId: decision.link.mailboxUserId };
    case 'unlink':
      await services.links.update({ ...decision.link, state: 'unlinked', updatedAt: now() });
      if (decision.link.graphId) await services.links.deleteIndex(decision.link.mailboxUserId, decision.link.graphId);
      return { action: 'unlinked', reason: decision.because, mailboxUserId: decision.link.mailboxUserId };
  }
}

const now = () => new Date().toISOString();

async function removeFromMailbox(services: SyncServices, link: SyncLink, how: 'delete'): Promise<void> {
  if (how === 'delete' && link.graphId) {
    await services.graph.delete({ mailboxUserId: link.mailboxUserId, recordType: link.recordType, graphId: link.graphId, containerId: link.graphContainerId });
    await services.links.deleteIndex(link.mailboxUserId, link.graphId);
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
  // Record the intent first; a crash after the Graph create leaves a pending link that the retry recovers.
  let link: SyncLink;
  if (existing) {
    link = existing.state === 'pending' && existing.mailboxUserId === mailbox.entraObjectId
      ? existing
      : await services.links.update({ ...existing, ...base, state: 'pending', graphId: undefined, graphEtag: undefined, transactionId: transactionIdFor(change.crmId, mailbox.entraObjectId, Date.now()), updatedAt: now() });
  } else {
    link = await services.links.create({ ...base, state: 'pending', transactionId: transactionIdFor(change.crmId, mailbox.entraObjectId), snapshot: {}, createdAt: now(), updatedAt: now() });
  }
  let item: GraphItem | undefined;
  if (recover || existing) item = await services.graph.findByCrmId(mailbox.entraObjectId, change.recordType, change.crmId, containerId);
  let action: SyncOutcome['action'] = 'created';
  let snapshot = toExchange;
  if (item) {
    // Adopt what the earlier attempt made, then bring it up to date with the row.
    const current = graphValues(mapping, item, ctx);
    const merged = mergeThreeWay(mergeFields(mapping), values, current, current, services.policy.conflict);
    if (Object.keys(merged.toGraph).length > 0) {
      item = await services.graph.update({ mailboxUserId: mailbox.entraObjectId, recordType: change.recordType, graphId: String(item.id), containerId }, graphPatch(mapping, merged.toGraph, ctx, item));
    }
    snapshot = { ...current, ...merged.toGraph };
    action = 'recovered';
  } else {
    const body = graphPatch(mapping, toExchange, ctx);
    item = await services.graph.create(mailbox.entraObjectId, change.recordType, body, {
      crmId: change.crmId, transactionId: link.transactionId, containerId, crmWebUrl: services.crmWebUrl(change.recordType, change.crmId),
    });
  }
  await services.links.update({
    ...link, state: 'linked', graphId: String(item.id), graphEtag: item['@odata.etag'] as string | undefined,
    crmVersion: row.versionnumber !== undefined ? String(row.versionnumber) : undefined, snapshot, lastError: undefined, lastErrorAt: undefined, updatedAt: now(),
  });
  return { action, mailboxUserId: mailbox.entraObjectId, graphId: String(item.id) };
}

async function update(services: SyncServices, row: CrmRow, link: SyncLink, mailbox: Mailbox): Promise<SyncOutcome> {
  const mapping = services.mappings[link.recordType];
  const ctx = mappingContext(mailbox);
  const crm = crmValues(mapping, row, ctx);
  const ref = { mailboxUserId: link.mailboxUserId, recordType: link.recordType, graphId: link.graphId!, containerId: link.graphContainerId };
  // Fast path: assume Exchange unchanged since the snapshot; If-Match makes Graph tell us otherwise.
  let merged = mergeThreeWay(mergeFields(mapping), crm, link.snapshot, link.snapshot, services.policy.conflict);
  const crmVersion = row.versionnumber !== undefined ? String(row.versionnumber) : link.crmVersion;
  if (Object.keys(merged.toGraph).length === 0) {
    if (crmVersion !== link.crmVersion) await services.links.update({ ...link, crmVersion, updatedAt: now() });
    return { action: 'skipped', reason: 'noChange' };
  }
  let item: GraphItem;
  try {
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
    const graph = graphValues(mapping, current, ctx);
    merged = mergeThreeWay(mergeFields(mapping), crm, graph, link.snapshot, services.policy.conflict);
    item = Object.keys(merged.toGraph).length > 0
      ? await services.graph.update(ref, graphPatch(mapping, merged.toGraph, ctx, current), current['@odata.etag'] as string | undefined)
      : current;
    if (Object.keys(merged.toCrm).length > 0) {
      const written = await services.writeCrm(link, merged.toCrm, ctx, row['@odata.etag'] as string | undefined);
      row = written;
    }
  }
  await services.links.update({
    ...link, snapshot: merged.snapshot, graphEtag: item['@odata.etag'] as string | undefined,
    crmVersion: row.versionnumber !== undefined ? String(row.versionnumber) : crmVersion, lastError: undefined, lastErrorAt: undefined, updatedAt: now(),
  });
  return { action: 'updated', mailboxUserId: link.mailboxUserId, graphId: link.graphId, conflicts: merged.conflicts };
}

/**
 * Carries out an Exchange-side change in the CRM: finds the link by Graph id (no link → the item was
 * created in Exchange and is not synced — no Graph read is spent on it), skips our own echoes by etag,
 * reads the item (unless the work item carries a copy newer than what the link synced: To Do delta pages),
 * asks decide.ts, and writes the changed two-way and Exchange→CRM fields to the CRM row with If-Match on
 * the version we last synced. A 412 means the row changed in CRM too: read it, merge three ways, write both
 * sides. An appointment's row is not read for an edit when the link knows its state (closed-rows.ts).
 */
import { LinkConflictError } from '../correlation/correlation-store';
import type { SyncLink } from '../correlation/link';
import { DataverseRequestError } from '../dataverse/dataverse-errors';
import { GraphRequestError } from '../graph/graph-errors';
import type { CrmRow, GraphItem } from '../mappings/field-mapping';
import { closedOnLink, crmStateOf, isClosedRow, withoutWritesToClosedRow } from './closed-rows';
import { carriedItemIsFresh, decideGraphChange, graphModifiedOf } from './decide';
import { crmValues, graphPatch, graphValues, instantOf, mappingContext, mergeFields, readCrmRow } from './record-values';
import { mergeThreeWay } from './three-way-merge';
import { mergeBase, recordIntent } from './write-intents';
import type { SyncOutcome, SyncServices } from './sync-services';
import type { GraphChangeItem } from './work-item';

const now = () => new Date().toISOString();

export async function applyGraphChange(services: SyncServices, change: GraphChangeItem): Promise<SyncOutcome> {
  let current = change;
  for (let attempt = 0; ; attempt++) {
    try {
      return await applyOnce(services, current);
    } catch (error) {
      if (error instanceof LinkConflictError && attempt < 3) continue;
      // Our write to Exchange, conditional on the carried copy's etag, found a newer version: read it instead.
      if (current.item && error instanceof GraphRequestError && error.code === 'PRECONDITION_FAILED' && attempt < 3) {
        current = { ...current, item: undefined };
        continue;
      }
      throw error;
    }
  }
}

async function applyOnce(services: SyncServices, change: GraphChangeItem): Promise<SyncOutcome> {
  const link = await services.links.getByGraphId(change.mailboxUserId, change.graphId);
  if (!link) return { action: 'skipped', reason: 'createdInExchange' };
  if (link.state === 'linked' && change.changeType !== 'deleted' && change.etag && change.etag === link.graphEtag) {
    return { action: 'skipped', reason: 'staleOrEcho', systemUserId: link.ownerSystemUserId };
  }
  const mapping = services.mappings[link.recordType];
  const ref = { mailboxUserId: link.mailboxUserId, recordType: link.recordType, graphId: change.graphId, containerId: link.graphContainerId ?? change.containerId };
  // The copy a To Do delta page carried stands in for a read when it is newer than what the link synced.
  const carried = change.changeType !== 'deleted' && carriedItemIsFresh(link, change.item) ? change.item : undefined;
  const item = change.changeType === 'deleted' ? null : carried ?? ((await services.graph.get(ref)) ?? null);
  let crmRow: CrmRow | undefined;
  let crmReadOnly: boolean | undefined;
  let endsInFuture: boolean | undefined;
  if (link.recordType === 'appointment') {
    // Completed/canceled appointments take no changes from Exchange, and past ones are not deleted. An edit is
    // judged by the state the link recorded for the version it synced last: a row closed since then fails our
    // write's If-Match on that version (412: read, and the closed row keeps the edit out) — and Dataverse
    // refuses edits to closed activities anyway. Deletes, and links that recorded no state, read the row.
    const known = item !== null ? closedOnLink(link) : undefined;
    if (known !== undefined) {
      crmReadOnly = known;
    } else {
      crmRow = await readCrmRow(services.dataverse, mapping, link.crmId, services.lookupColumns);
      if (!crmRow) return { action: 'skipped', reason: 'deletedInCrm' };
      crmReadOnly = isClosedRow(crmRow);
      const end = instantOf(crmRow.scheduledend);
      endsInFuture = end === undefined ? undefined : end > Date.now();
    }
  }
  const decision = decideGraphChange({ recordType: link.recordType, item, incomingEtag: change.etag, link, crmReadOnly, endsInFuture, policy: services.policy });
  if (decision.kind === 'deleteInCrm') {
    // Our own removal of the item — an owner change moving it, a logical delete — is notified like a user's
    // delete, and may be processed before the link records it: a row that changed owner is not deleted.
    const row = crmRow ?? (await readCrmRow(services.dataverse, mapping, link.crmId, services.lookupColumns));
    if (row && String(row._ownerid_value ?? '').toLowerCase() !== link.ownerSystemUserId.toLowerCase()) {
      return { action: 'skipped', reason: 'ownerChanged', systemUserId: link.ownerSystemUserId };
    }
  }
  switch (decision.kind) {
    case 'skip':
      return { action: 'skipped', reason: decision.reason, systemUserId: link.ownerSystemUserId };
    case 'deleteInCrm':
      await services.dataverse.delete(mapping.crmEntitySet, link.crmId);
      // The link stays as the row's tombstone: a late delivery about the row must not bring the item back.
      await services.links.recordCrmDeletion(link.recordType, link.crmId, link);
      return { action: 'deleted', reason: 'exchangeDelete', mailboxUserId: link.mailboxUserId, systemUserId: link.ownerSystemUserId };
    case 'unlink':
      // The row as it is now is what the user let go of: only a later CRM change brings it back (decide.ts).
      await services.links.update({
        ...link, state: 'unlinked', deletedInExchange: true, updatedAt: now(),
        ...(crmRow?.versionnumber !== undefined && crmRow.versionnumber !== null ? { crmVersion: String(crmRow.versionnumber) } : {}),
      });
      if (link.graphId) await services.links.deleteIndex(link.mailboxUserId, link.graphId);
      return { action: 'unlinked', reason: decision.because, mailboxUserId: link.mailboxUserId, systemUserId: link.ownerSystemUserId };
    case 'update':
      return update(services, link, decision.item, crmRow);
  }
}

async function update(services: SyncServices, read: SyncLink, item: GraphItem, knownRow: CrmRow | undefined): Promise<SyncOutcome> {
  let link = read;
  const mapping = services.mappings[link.recordType];
  const mailbox = await services.mailboxes.getRecent(link.ownerSystemUserId);
  const ctx = mappingContext({ timeZone: mailbox?.timeZone, emailAddress: mailbox?.emailAddress ?? '' });
  const graph = graphValues(mapping, item, ctx);
  const ref = { mailboxUserId: link.mailboxUserId, recordType: link.recordType, graphId: link.graphId!, containerId: link.graphContainerId };
  // The base: the snapshot, with writes an earlier worker recorded and that evidently landed (write-intents.ts).
  const known = knownRow ? crmValues(mapping, knownRow, ctx) : undefined;
  const base = mergeBase(read, { exchange: graph, ...(known ? { crm: known } : {}) });
  // Fast path: assume the CRM row unchanged since the snapshot (unless we just read it); If-Match guards it.
  const crmNow = known ?? base;
  // Completed or canceled rows take no Exchange edits (closed-rows.ts).
  let merged = withoutWritesToClosedRow(link.recordType, crmNow, isClosedRow(knownRow), mergeThreeWay(mergeFields(mapping), crmNow, graph, base, services.policy.conflict));
  let graphEtag = item['@odata.etag'] as string | undefined;
  let graphModified = graphModifiedOf(item);
  let crmVersion = link.crmVersion;
  // The row's state goes on the link with every read or write of the row (closed-rows.ts closedOnLink).
  let crmState = crmStateOf(knownRow) ?? link.crmState;
  if (Object.keys(merged.toCrm).length === 0 && Object.keys(merged.toGraph).length === 0) {
    // Edits kept in Exchange (closed row): the item is not as the snapshot says, so its etag stays unrecorded.
    if (graphEtag !== link.graphEtag && merged.keptInExchange.length === 0) await services.links.update({ ...link, graphEtag, graphModified, crmState, updatedAt: now() });
    return { action: 'skipped', reason: merged.keptInExchange.length > 0 ? 'crmReadOnly' : 'noChange' };
  }
  try {
    if (Object.keys(merged.toCrm).length > 0) {
      link = await recordIntent(services.links, link, 'crm', merged.toCrm);
      const row = await services.writeCrm(link, merged.toCrm, ctx, crmVersion ? `W/"${crmVersion}"` : undefined);
      if (row.versionnumber !== undefined) crmVersion = String(row.versionnumber);
      crmState = crmStateOf(row) ?? crmState;
    }
  } catch (error) {
    // Deleted in CRM meanwhile: its own delete takes the item out (crm-to-exchange).
    if (error instanceof DataverseRequestError && error.code === 'NOT_FOUND') return { action: 'skipped', reason: 'deletedInCrm' };
    if (!(error instanceof DataverseRequestError && error.code === 'PRECONDITION_FAILED')) throw error;
    // Changed in CRM too since the last sync: merge against the row as it is now.
    const row = await readCrmRow(services.dataverse, mapping, link.crmId, services.lookupColumns);
    if (!row) return { action: 'skipped', reason: 'deletedInCrm' };
    crmState = crmStateOf(row) ?? crmState;
    // Another worker may have synced this pair meanwhile: merging against its stale snapshot would take its
    // (or our) own echo for an edit and let it win a conflict against a newer one. Start over if so.
    await services.links.assertUnchanged(link);
    // An owner change the CRM side has not processed yet (a move, or a logical delete) must not be skipped
    // later as already synced: this write then does not claim the row's version.
    const ownerChanged = String(row._ownerid_value ?? '').toLowerCase() !== link.ownerSystemUserId.toLowerCase();
    const crm = crmValues(mapping, row, ctx);
    merged = withoutWritesToClosedRow(link.recordType, crm, isClosedRow(row), mergeThreeWay(mergeFields(mapping), crm, graph, mergeBase(read, { crm, exchange: graph }), services.policy.conflict));
    if (!ownerChanged && row.versionnumber !== undefined) crmVersion = String(row.versionnumber);
    if (Object.keys(merged.toCrm).length > 0) {
      link = await recordIntent(services.links, link, 'crm', merged.toCrm);
      const written = await services.writeCrm(link, merged.toCrm, ctx, row['@odata.etag'] as string | undefined);
      if (!ownerChanged && written.versionnumber !== undefined) crmVersion = String(written.versionnumber);
      crmState = crmStateOf(written) ?? crmState;
    }
  }
  if (Object.keys(merged.toGraph).length > 0) {
    link = await recordIntent(services.links, link, 'exchange', merged.toGraph);
    try {
      const written = await services.graph.update(ref, graphPatch(mapping, merged.toGraph, ctx, item), graphEtag);
      graphEtag = written['@odata.etag'] as string | undefined;
      graphModified = graphModifiedOf(written);
    } catch (error) {
      // Exchange moved on again (412): the queue retries the item, which reads both sides afresh (what reached
      // the CRM is on the link as a recorded write). Deleted in Exchange meanwhile: its own delete
      // (notification or delta round) follows the delete rules.
      if (error instanceof GraphRequestError && error.code === 'NOT_FOUND') return { action: 'skipped', reason: 'deletedInExchange' };
      throw error;
    }
  }
  // Edits kept in Exchange (closed row): the item is not as the snapshot says, so its etag stays unrecorded.
  if (merged.keptInExchange.length > 0) {
    graphEtag = read.graphEtag;
    graphModified = read.graphModified;
  }
  await services.links.update({ ...link, snapshot: merged.snapshot, intent: undefined, graphEtag, graphModified, crmVersion, crmState, lastError: undefined, lastErrorAt: undefined, updatedAt: now() });
  return { action: 'updated', mailboxUserId: link.mailboxUserId, systemUserId: link.ownerSystemUserId, graphId: link.graphId, conflicts: merged.conflicts };
}

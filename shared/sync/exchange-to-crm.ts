/**
 * Carries out an Exchange-side change in the CRM: finds the link by Graph id (no link → the item was
 * created in Exchange and is not synced — no Graph read is spent on it), skips our own echoes by etag,
 * reads the item, asks decide.ts, and writes the changed two-way and Exchange→CRM fields to the CRM row
 * with If-Match on the version we last synced. A 412 means the row changed in CRM too: read it, merge
 * three ways, write both sides.
 */
import { LinkConflictError } from '../correlation/correlation-store';
import type { SyncLink } from '../correlation/link';
import { DataverseRequestError } from '../dataverse/dataverse-errors';
import type { CrmRow, GraphItem } from '../mappings/field-mapping';
import { decideGraphChange } from './decide';
import { crmValues, graphPatch, graphValues, instantOf, mappingContext, mergeFields, readCrmRow } from './record-values';
import { mergeThreeWay } from './three-way-merge';
import type { SyncOutcome, SyncServices } from './sync-services';
import type { GraphChangeItem } from './work-item';

const now = () => new Date().toISOString();

export async function applyGraphChange(services: SyncServices, change: GraphChangeItem): Promise<SyncOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await applyOnce(services, change);
    } catch (error) {
      if (error instanceof LinkConflictError && attempt < 3) continue;
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
  const item = change.changeType === 'deleted' ? null : ((await services.graph.get(ref)) ?? null);
  let crmRow: CrmRow | undefined;
  let crmReadOnly: boolean | undefined;
  let endsInFuture: boolean | undefined;
  if (link.recordType === 'appointment') {
    // Completed/canceled appointments take no changes from Exchange, and past ones are not deleted.
    crmRow = await readCrmRow(services.dataverse, mapping, link.crmId, services.lookupColumns);
    if (!crmRow) return { action: 'skipped', reason: 'deletedInCrm' };
    crmReadOnly = crmRow.statecode === 1 || crmRow.statecode === 2;
    const end = instantOf(crmRow.scheduledend);
    endsInFuture = end === undefined ? undefined : end > Date.now();
  }
  const decision = decideGraphChange({ recordType: link.recordType, item, incomingEtag: change.etag, link, crmReadOnly, endsInFuture, policy: services.policy });
  switch (decision.kind) {
    case 'skip':
      return { action: 'skipped', reason: decision.reason, systemUserId: link.ownerSystemUserId };
    case 'deleteInCrm':
      await services.dataverse.delete(mapping.crmEntitySet, link.crmId);
      await services.links.delete(link);
      return { action: 'deleted', reason: 'exchangeDelete', mailboxUserId: link.mailboxUserId, systemUserId: link.ownerSystemUserId };
    case 'unlink':
      await services.links.update({ ...link, state: 'unlinked', deletedInExchange: true, updatedAt: now() });
      if (link.graphId) await services.links.deleteIndex(link.mailboxUserId, link.graphId);
      return { action: 'unlinked', reason: decision.because, mailboxUserId: link.mailboxUserId, systemUserId: link.ownerSystemUserId };
    case 'update':
      return update(services, link, decision.item, crmRow);
  }
}

async function update(services: SyncServices, link: SyncLink, item: GraphItem, knownRow: CrmRow | undefined): Promise<SyncOutcome> {
  const mapping = services.mappings[link.recordType];
  const mailbox = await services.mailboxes.get(link.ownerSystemUserId);
  const ctx = mappingContext({ timeZone: mailbox?.timeZone, emailAddress: mailbox?.emailAddress ?? '' });
  const graph = graphValues(mapping, item, ctx);
  const ref = { mailboxUserId: link.mailboxUserId, recordType: link.recordType, graphId: link.graphId!, containerId: link.graphContainerId };
  // Fast path: assume the CRM row unchanged since the snapshot (unless we just read it); If-Match guards it.
  const crmNow = knownRow ? crmValues(mapping, knownRow, ctx) : link.snapshot;
  let merged = mergeThreeWay(mergeFields(mapping), crmNow, graph, link.snapshot, services.policy.conflict);
  if (link.recordType === 'task' && crmNow.status === 'completed' && !('status' in merged.toCrm) && Object.keys(merged.toCrm).length > 0) {
    // Dataverse refuses edits to completed or canceled tasks (only reopening them): such Outlook edits stay
    // in Outlook, and the snapshot keeps the CRM's values so a later reopening does not lose either side.
    merged = { ...merged, toCrm: {}, snapshot: { ...merged.snapshot, ...Object.fromEntries(Object.keys(merged.toCrm).map((k) => [k, crmNow[k] ?? null])) } };
  }
  let graphEtag = item['@odata.etag'] as string | undefined;
  let crmVersion = link.crmVersion;
  if (Object.keys(merged.toCrm).length === 0 && Object.keys(merged.toGraph).length === 0) {
    if (graphEtag !== link.graphEtag) await services.links.update({ ...link, graphEtag, updatedAt: now() });
    return { action: 'skipped', reason: 'noChange' };
  }
  try {
    if (Object.keys(merged.toCrm).length > 0) {
      const row = await services.writeCrm(link, merged.toCrm, ctx, crmVersion ? `W/"${crmVersion}"` : undefined);
      if (row.versionnumber !== undefined) crmVersion = String(row.versionnumber);
    }
  } catch (error) {
    if (!(error instanceof DataverseRequestError && error.code === 'PRECONDITION_FAILED')) throw error;
    // Changed in CRM too since the last sync: merge against the row as it is now.
    const row = await readCrmRow(services.dataverse, mapping, link.crmId, services.lookupColumns);
    if (!row) return { action: 'skipped', reason: 'deletedInCrm' };
    merged = mergeThreeWay(mergeFields(mapping), crmValues(mapping, row, ctx), graph, link.snapshot, services.policy.conflict);
    crmVersion = row.versionnumber !== undefined ? String(row.versionnumber) : crmVersion;
    if (Object.keys(merged.toCrm).length > 0) {
      const written = await services.writeCrm(link, merged.toCrm, ctx, row['@odata.etag'] as string | undefined);
      if (written.versionnumber !== undefined) crmVersion = String(written.versionnumber);
    }
  }
  if (Object.keys(merged.toGraph).length > 0) {
    // A 412 here (Exchange moved on again) is thrown: the queue retries the item, which reads both sides afresh.
    const written = await services.graph.update(ref, graphPatch(mapping, merged.toGraph, ctx, item), graphEtag);
    graphEtag = written['@odata.etag'] as string | undefined;
  }
  await services.links.update({ ...link, snapshot: merged.snapshot, graphEtag, crmVersion, lastError: undefined, lastErrorAt: undefined, updatedAt: now() });
  return { action: 'updated', mailboxUserId: link.mailboxUserId, systemUserId: link.ownerSystemUserId, graphId: link.graphId, conflicts: merged.conflicts };
}

/**
 * Reconciliation, the safety net under notifications and webhooks (both may be lost): a pass asks each side
 * what changed since the last pass and enqueues it as ordinary work items — the worker decides, and skips
 * what already converged by version (CRM) or etag (Graph) without reading the record.
 *
 * - Graph: per enabled mailbox and synced record type, a delta round (calendarView delta over the
 *   configured window, contacts delta, To Do tasks delta) with its delta link kept (delta-round.ts).
 * - Dataverse: change tracking is per table, not per user, and allows no $filter: one delta link per table
 *   for the org (DeltaCursors, partition `dataverse`), and each changed row is routed by its owner.
 *
 * An expired or unknown token on either side means a full round: every row / item again, which the worker
 * absorbs because it reconciles state instead of replaying events. Items are enqueued before a new delta
 * link is stored, so a crash between the two repeats a round rather than losing it.
 */
import { randomUUID } from 'node:crypto';
import { DataverseRequestError } from '../dataverse/dataverse-errors';
import { syncsRecordType, type Mailbox } from '../mailboxes/mailbox';
import type { CrmRow, RecordType } from '../mappings/field-mapping';
import type { Runtime } from '../runtime';
import { withoutGraphEchoes } from './echoes';
import { runDeltaRound } from './delta-round';
import { RECORD_TYPES, type CrmChange, type GraphChangeItem } from './work-item';

/** DeltaCursors partition of the org-wide Dataverse cursors (mailbox partitions are Entra object ids). */
export const DATAVERSE_CURSOR_SCOPE = 'dataverse';

export interface ReconciliationReport {
  mailboxes: number;
  /** Work items enqueued from Graph delta rounds and from Dataverse change tracking. */
  graphItems: number;
  crmItems: number;
  /** Rounds that started over from nothing (first round, or an expired token): "graph:<user>:<type>", "dataverse:<type>". */
  fullRounds: string[];
  /** Rounds that failed; the others still ran, and the next pass retries these. */
  failures: Array<{ round: string; error: string }>;
  /** Tombstones of deleted rows pruned by this pass (at most once a day per process). */
  tombstonesPruned?: number;
}

export interface ReconcileOptions {
  /** Only this mailbox's Graph rounds (CRM user id); default every enabled mailbox. */
  systemUserId?: string;
  /** Run the Dataverse change-tracking rounds (default true). */
  crm?: boolean;
}

/** A timer has no caller waiting: the link reads of a delta page's echo check may take this long. */
const DELTA_ECHO_BUDGET_MS = 20_000;

/** One Graph delta round of a mailbox for a record type, its items enqueued. Returns how many, and whether it was full. */
export async function graphRound(rt: Runtime, mailboxUserId: string, recordType: RecordType, containerId?: string): Promise<{ items: number; full: boolean }> {
  let enqueued = 0;
  const round = await runDeltaRound(rt.graphSubscriptions, rt.deltaCursors, {
    mailboxUserId, recordType, containerId, calendarWindowDays: rt.config.calendarWindowDays,
    // A delta page lists our own writes too (for To Do tasks, the poll is how they echo): those whose etag the
    // link already holds are not enqueued — the worker would skip them without a read.
    deliver: async (items) => {
      const kept = (await withoutGraphEchoes(items, rt.echoCheck, Date.now() + DELTA_ECHO_BUDGET_MS)).items;
      enqueued += kept.length;
      await rt.workQueue.send(kept);
    },
  });
  if (!round.fullResync) return { items: enqueued, full: false };
  // A full round lists what exists, never what was deleted: every linked item it did not list is enqueued too,
  // as a possible change — the worker reads it, and only an item that is really gone meets the delete rules
  // (an event outside the calendar window is just read and found unchanged).
  const listed = new Set(round.items.map((i) => i.graphId));
  const unlisted: GraphChangeItem[] = [];
  for await (const link of rt.services.links.listByMailbox(mailboxUserId)) {
    if (link.recordType !== recordType || !link.graphId || listed.has(link.graphId)) continue;
    unlisted.push({
      kind: 'graphChange', recordType, mailboxUserId: mailboxUserId.toLowerCase(), graphId: link.graphId, ...(containerId ? { containerId } : {}),
      changeType: 'updated', correlationId: randomUUID(), receivedAt: new Date().toISOString(),
    });
  }
  await rt.workQueue.send(unlisted);
  return { items: enqueued + unlisted.length, full: true };
}

/**
 * How long the tombstone of a deleted row is kept (SyncLink.crmDeleted): far longer than any delivery about
 * the row can be late (Dataverse retries asynchronous webhooks for hours, our queue for minutes).
 */
export const TOMBSTONE_RETENTION_DAYS = 30;
/** Pruning reads the whole links table: once a day per process is plenty. */
const TOMBSTONE_PRUNE_INTERVAL_MS = 86_400_000;
let lastTombstonePrune = 0;

export async function reconcile(rt: Runtime, options: ReconcileOptions = {}): Promise<ReconciliationReport> {
  const all = await rt.services.mailboxes.list();
  const enabled = all.filter((m) => m.enabled);
  const targets = options.systemUserId ? enabled.filter((m) => m.systemUserId === options.systemUserId!.toLowerCase()) : enabled;
  const report: ReconciliationReport = { mailboxes: targets.length, graphItems: 0, crmItems: 0, fullRounds: [], failures: [] };
  // One round's failure (a mailbox out of scope, a throttled table) must not stop the others.
  const attempt = async (name: string, run: () => Promise<{ items: number; full: boolean }>, count: 'graphItems' | 'crmItems') => {
    try {
      const { items, full } = await run();
      report[count] += items;
      if (full) report.fullRounds.push(name);
    } catch (error) {
      report.failures.push({ round: name, error: (error as Error).message });
    }
  };
  for (const mailbox of targets) {
    for (const type of RECORD_TYPES) {
      if (!syncsRecordType(mailbox, type) || (type === 'task' && !mailbox.todoListId)) continue;
      await attempt(`graph:${mailbox.entraObjectId}:${type}`, () => graphRound(rt, mailbox.entraObjectId, type, type === 'task' ? mailbox.todoListId : undefined), 'graphItems');
    }
  }
  if (options.crm !== false) {
    // Tables nobody syncs are left alone: a first round of one reads the whole table.
    for (const type of RECORD_TYPES.filter((t) => enabled.some((m) => syncsRecordType(m, t)))) {
      await attempt(`dataverse:${type}`, () => crmRound(rt, type, all), 'crmItems');
    }
  }
  await attempt('tombstones', async () => {
    if (Date.now() - lastTombstonePrune < TOMBSTONE_PRUNE_INTERVAL_MS) return { items: 0, full: false };
    lastTombstonePrune = Date.now();
    report.tombstonesPruned = await rt.services.links.pruneTombstones(new Date(Date.now() - TOMBSTONE_RETENTION_DAYS * 86_400_000));
    return { items: 0, full: false };
  }, 'crmItems');
  const level = report.failures.length > 0 ? 'warning' : 'information';
  rt.log.log(level, 'reconciliation pass', { ...report, fullRounds: report.fullRounds.join(', '), failures: report.failures.map((f) => `${f.round}: ${f.error}`).join('; ') });
  return report;
}

/** Expired (older than the org's ExpireChangeTrackingInDays) or otherwise unusable change-tracking token. */
export function isExpiredChangeToken(error: unknown): boolean {
  return error instanceof DataverseRequestError && (error.dataverseCode === '0x80044352' || error.status === 410 || error.status === 400);
}

async function crmRound(rt: Runtime, recordType: RecordType, mailboxes: Mailbox[]): Promise<{ items: number; full: boolean }> {
  const mapping = rt.services.mappings[recordType];
  // Enough to route a row and to let the worker skip an unchanged one without reading it.
  const select = [mapping.crmPrimaryId, '_ownerid_value', 'versionnumber', ...(recordType === 'contact' ? [] : ['statecode'])];
  const stored = await rt.deltaCursors.get(DATAVERSE_CURSOR_SCOPE, recordType);
  let changes: { rows: CrmRow[]; deltaLink: string };
  let full = !stored;
  try {
    changes = await rt.services.dataverse.changes(mapping.crmEntitySet, select, stored);
  } catch (error) {
    if (!stored || !isExpiredChangeToken(error)) throw error;
    rt.log.log('warning', 'Dataverse change-tracking token expired: reading the table in full', { recordType });
    await rt.deltaCursors.clear(DATAVERSE_CURSOR_SCOPE, recordType);
    changes = await rt.services.dataverse.changes(mapping.crmEntitySet, select);
    full = true;
  }
  const owners = new Map(mailboxes.map((m) => [m.systemUserId, m]));
  const items: CrmChange[] = [];
  for (const row of changes.rows) {
    const item = await route(rt, recordType, row, mapping.crmPrimaryId, owners);
    if (item) items.push(item);
  }
  if (full) {
    // A full read lists the rows that exist, never those deleted meanwhile: a linked row it did not list is
    // enqueued too — the worker finds it gone and applies the delete rules to its item.
    const listed = new Set(changes.rows.map((r) => String(r[mapping.crmPrimaryId] ?? '').toLowerCase()));
    for (const mailbox of mailboxes) {
      for await (const link of rt.services.links.listByMailbox(mailbox.entraObjectId)) {
        if (link.recordType !== recordType || listed.has(link.crmId)) continue;
        listed.add(link.crmId);
        items.push({ kind: 'crmChange', recordType, crmId: link.crmId, message: 'Reconcile', correlationId: randomUUID(), receivedAt: new Date().toISOString() });
      }
    }
  }
  await rt.workQueue.send(items);
  await rt.deltaCursors.set(DATAVERSE_CURSOR_SCOPE, recordType, changes.deltaLink);
  return { items: items.length, full };
}

/** `{ "@odata.context": "…/$deletedEntity", id, reason: "deleted" }` (the primary id column is absent). */
function deletedId(row: CrmRow, primaryId: string): string | undefined {
  const context = String(row['@odata.context'] ?? row.oDataContext ?? '');
  return row[primaryId] === undefined && typeof row.id === 'string' && (context === '' || context.endsWith('$deletedEntity')) ? row.id : undefined;
}

/**
 * Which changed rows become work items. A row whose owner's mailbox syncs the type does (closed activities
 * only if linked, as the initial sync takes open ones only); any other row only if it is linked, so that an
 * owner change away from a synced mailbox removes the item there; a deleted row only if it was linked.
 */
async function route(rt: Runtime, recordType: RecordType, row: CrmRow, primaryId: string, owners: Map<string, Mailbox>): Promise<CrmChange | undefined> {
  const deleted = deletedId(row, primaryId);
  const crmId = String(deleted ?? row[primaryId]).toLowerCase();
  const isLinked = async () => {
    const link = await rt.services.links.getByCrmId(recordType, crmId);
    return !!link && link.state !== 'unlinked';
  };
  const base = { kind: 'crmChange' as const, recordType, crmId, correlationId: randomUUID(), receivedAt: new Date().toISOString() };
  if (deleted) return (await isLinked()) ? { ...base, message: 'Delete' } : undefined;
  const owner = owners.get(String(row._ownerid_value ?? '').toLowerCase());
  // Open activities: a task's Open (0); an appointment's Open (0) or Scheduled (3) — appointments made in the
  // app are Scheduled, as the initial sync knows (mailbox-service.ts).
  const open = recordType === 'contact' || row.statecode === 0 || (recordType === 'appointment' && row.statecode === 3);
  if (!(syncsRecordType(owner, recordType) && open) && !(await isLinked())) return undefined;
  return { ...base, message: 'Reconcile', ...(row.versionnumber !== undefined && row.versionnumber !== null ? { versionNumber: String(row.versionnumber) } : {}) };
}

/**
 * Echoes recognised where they arrive. Both services tell us about our own writes: Graph notifies `created`
 * and `updated` for every event or contact we create or update, Dataverse delivers a webhook for every row
 * we write. Enqueued, each echo costs a work item (queue put, receive, delete) before the worker finds it is
 * one; the endpoints compare the delivery with the correlation link instead, with the worker's own first
 * rules (shared/sync/crm-to-exchange.ts and exchange-to-crm.ts, "cheapest echo check first"), and enqueue
 * nothing for what the worker would skip without a read:
 * - a Dataverse delivery other than Delete whose row version is no newer than the `linked` link's crmVersion;
 * - a Graph `created`/`updated` notification whose resource etag equals the `linked` link's graphEtag.
 * Only a definite answer skips: no link, a pending or unlinked one, a failed or slow read — all enqueue as
 * before (the worker decides). Never losing a change matters more than saving a queue message.
 * Skipped echoes are counted on the owner's mailbox, as the worker counts them (batched counters).
 */
import type { SyncLink } from '../correlation/link';
import type { RecordType } from '../mappings/field-mapping';
import { isNotNewer } from './decide';
import type { CrmChange, GraphChangeItem, GraphLifecycleItem } from './work-item';

/** The correlation store's reads the endpoints need (CorrelationStore has them). */
export interface LinkReader {
  getByCrmId(recordType: RecordType, crmId: string): Promise<SyncLink | undefined>;
  getByGraphId(mailboxUserId: string, graphId: string): Promise<SyncLink | undefined>;
}

/** The per-mailbox counters (MailboxCounters): skipped echoes are counted as the worker counts them. */
export interface EchoCounter {
  record(systemUserId: string, what: 'skippedEcho'): void;
}

export interface EchoCheck {
  links: LinkReader;
  counters?: EchoCounter;
  /** Longest time spent on link reads before enqueuing anyway (Dataverse: per delivery; Graph: per batch). */
  timeoutMs?: number;
  /** Graph: most link reads in flight at once for one batch. */
  concurrency?: number;
}

/** Dataverse waits far longer, but a delivery held up by a slow table read helps nobody: enqueue instead. */
export const DATAVERSE_ECHO_TIMEOUT_MS = 2_000;
/** Graph wants its answer within 3 s: the link reads of a batch get half of that, the rest is margin. */
export const GRAPH_ECHO_BUDGET_MS = 1_500;
export const GRAPH_ECHO_CONCURRENCY = 8;

/** The worker's first rule for a Dataverse delivery (applyOnce in crm-to-exchange.ts), on a link read already. */
export function isCrmEcho(change: Pick<CrmChange, 'message' | 'versionNumber'>, link: SyncLink | undefined): boolean {
  return link?.state === 'linked' && change.message !== 'Delete' && isNotNewer(change.versionNumber, link.crmVersion);
}

/** The worker's first rule for a Graph notification (applyOnce in exchange-to-crm.ts), on a link read already. */
export function isGraphEcho(change: Pick<GraphChangeItem, 'changeType' | 'etag'>, link: SyncLink | undefined): boolean {
  return link?.state === 'linked' && change.changeType !== 'deleted' && !!change.etag && change.etag === link.graphEtag;
}

const TIMED_OUT = Symbol('timed out');

/** The promise's value, or TIMED_OUT after `ms` (the promise runs on; its failure is swallowed). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms)); });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type CrmEchoVerdict =
  | { echo: true; link: SyncLink }
  | { echo: false; because: 'notEcho' | 'notChecked' | 'lookupFailed' | 'lookupTimedOut'; error?: string };

/**
 * Whether a parsed Dataverse delivery is an echo of our own write (or a stale delivery): skip it, enqueue
 * nothing. Never throws: a failed or slow link read means "not known to be an echo", i.e. enqueue.
 */
export async function crmEcho(change: CrmChange, check: EchoCheck): Promise<CrmEchoVerdict> {
  // No read spent where it cannot pay: Deletes are never echoes; a delivery without a version cannot be
  // compared; and a Create is never ours (we create no CRM rows) — only a duplicated or replayed delivery of
  // one finds a link, rarely enough that a read on every CRM create would cost more than it saves.
  if (change.message === 'Delete' || change.message === 'Create' || !change.versionNumber) return { echo: false, because: 'notChecked' };
  let link: SyncLink | undefined | typeof TIMED_OUT;
  try {
    link = await within(check.links.getByCrmId(change.recordType, change.crmId), check.timeoutMs ?? DATAVERSE_ECHO_TIMEOUT_MS);
  } catch (error) {
    return { echo: false, because: 'lookupFailed', error: (error as Error)?.message ?? String(error) };
  }
  if (link === TIMED_OUT) return { echo: false, because: 'lookupTimedOut' };
  if (!link || !isCrmEcho(change, link)) return { echo: false, because: 'notEcho' };
  check.counters?.record(link.ownerSystemUserId, 'skippedEcho');
  return { echo: true, link };
}

type NotificationItem = GraphChangeItem | GraphLifecycleItem;

export interface GraphEchoResult {
  /** What is still to be enqueued, in the order received. */
  items: NotificationItem[];
  /** The notifications recognised as echoes (not enqueued). */
  echoes: GraphChangeItem[];
  /** Candidates whose link read failed or did not finish in time (enqueued). */
  unchecked: number;
}

/**
 * Removes the echoes from a batch's work items. Only `created`/`updated` changes carrying an etag are
 * candidates; their links are read concurrently (at most `concurrency` at once, one read per distinct item
 * of the batch — Outlook sends `created` and `updated` for one create), until all are read or the budget is
 * spent. A candidate whose read failed or had not finished is enqueued. Never throws.
 */
export async function withoutGraphEchoes(items: NotificationItem[], check: EchoCheck, deadline = Date.now() + (check.timeoutMs ?? GRAPH_ECHO_BUDGET_MS)): Promise<GraphEchoResult> {
  const candidates: number[] = [];
  items.forEach((item, i) => {
    if (item.kind === 'graphChange' && item.changeType !== 'deleted' && item.etag) candidates.push(i);
  });
  if (candidates.length === 0 || Date.now() >= deadline) return { items, echoes: [], unchecked: candidates.length };

  const reads = new Map<string, Promise<SyncLink | undefined>>();
  const verdicts = new Map<number, SyncLink | undefined>(); // index → link read (undefined: none); absent: unknown
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < candidates.length) {
      const index = candidates[next++]!;
      const change = items[index] as GraphChangeItem;
      const key = `${change.mailboxUserId.toLowerCase()}\n${change.graphId}`;
      let read = reads.get(key);
      if (!read) {
        read = Promise.resolve().then(() => check.links.getByGraphId(change.mailboxUserId, change.graphId));
        reads.set(key, read);
      }
      try {
        const link = await read;
        if (!stopped) verdicts.set(index, link);
      } catch {
        // unknown: enqueued
      }
    }
  };
  const workers = Array.from({ length: Math.min(check.concurrency ?? GRAPH_ECHO_CONCURRENCY, candidates.length) }, () => worker());
  await within(Promise.all(workers), deadline - Date.now());
  stopped = true;

  const kept: NotificationItem[] = [];
  const echoes: GraphChangeItem[] = [];
  items.forEach((item, i) => {
    const link = verdicts.get(i);
    if (item.kind === 'graphChange' && link && isGraphEcho(item, link)) {
      echoes.push(item);
      check.counters?.record(link.ownerSystemUserId, 'skippedEcho');
    } else {
      kept.push(item);
    }
  });
  return { items: kept, echoes, unchecked: candidates.length - verdicts.size };
}

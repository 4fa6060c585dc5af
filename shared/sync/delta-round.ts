/**
 * One Graph delta round for a mailbox and record type: follows @odata.nextLink pages to the
 * @odata.deltaLink, turns every changed item into a work item (`@removed` → deleted; a To Do task travels
 * with its work item, see CARRIES_ITEMS), and keeps the new delta link. A 410 (or any expired/invalid token) drops the cursor and runs a full round instead — still
 * idempotent, because the worker reconciles state and skips unchanged items by etag.
 *
 * Used by the To Do poller (app-only callers cannot subscribe to To Do tasks) and by the catch-up after a
 * `missed` or `subscriptionRemoved` lifecycle event (webhook = trigger, delta = truth).
 */
import { randomUUID } from 'node:crypto';
import { GraphRequestError } from '../graph/graph-errors';
import { GraphSubscriptionsGateway, type DeltaPage } from '../graph/graph-gateway';
import type { RecordType } from '../mappings/field-mapping';
import type { DeltaCursorStore } from './delta-cursors';
import { fitsWorkItem, type GraphChangeItem } from './work-item';

/**
 * Record types whose delta entries travel in their work items (GraphChangeItem.item), so that the worker
 * need not read the item again. To Do tasks: the delta page is where their changes are found at all, it
 * holds each task as a read returns it, and tasks are small. Events and contacts are found by notifications,
 * which carry only the id; their delta rounds are the safety net (reconciliation, catch-up after a lifecycle
 * event), events can be large, and calendarView delta returns "most" event properties rather than the event
 * as a read returns it — a property missing from the copy would be taken for one cleared in Outlook.
 */
export const CARRIES_ITEMS: ReadonlySet<RecordType> = new Set<RecordType>(['task']);

export interface DeltaRoundOptions {
  mailboxUserId: string;
  recordType: RecordType;
  /** To Do list id (tasks). */
  containerId?: string;
  /** calendarView window for events, in days before and after now. */
  calendarWindowDays?: { past: number; future: number };
  now?: Date;
  /**
   * Hands the round's items on (enqueues them) *before* the new delta link is stored, so a crash in
   * between repeats the round instead of losing its changes.
   */
  deliver?: (items: GraphChangeItem[]) => Promise<void>;
}

export interface DeltaRoundResult {
  items: GraphChangeItem[];
  fullResync: boolean;
  pages: number;
}

function firstPath(o: DeltaRoundOptions): string {
  const user = encodeURIComponent(o.mailboxUserId);
  switch (o.recordType) {
    case 'task':
      if (!o.containerId) throw new Error('A To Do delta round needs the list id');
      return GraphSubscriptionsGateway.todoTasksDeltaPath(o.mailboxUserId, o.containerId);
    case 'contact':
      return `/users/${user}/contacts/delta`;
    case 'appointment': {
      const now = o.now ?? new Date();
      const window = o.calendarWindowDays ?? { past: 30, future: 365 };
      const start = new Date(now.getTime() - window.past * 86_400_000).toISOString();
      const end = new Date(now.getTime() + window.future * 86_400_000).toISOString();
      return `/users/${user}/calendarView/delta?startDateTime=${start}&endDateTime=${end}`;
    }
  }
}

export async function runDeltaRound(gateway: GraphSubscriptionsGateway, cursors: DeltaCursorStore, options: DeltaRoundOptions): Promise<DeltaRoundResult> {
  const stored = await cursors.get(options.mailboxUserId, options.recordType);
  try {
    return await round(gateway, cursors, options, stored ?? firstPath(options), !stored);
  } catch (error) {
    const expired = error instanceof GraphRequestError && (error.status === 410 || error.code === 'NOT_FOUND' || error.graphCode === 'SyncStateNotFound' || error.graphCode === 'syncStateNotFound');
    if (!stored || !expired) throw error;
    await cursors.clear(options.mailboxUserId, options.recordType);
    return round(gateway, cursors, options, firstPath(options), true);
  }
}

async function round(gateway: GraphSubscriptionsGateway, cursors: DeltaCursorStore, o: DeltaRoundOptions, start: string, fullResync: boolean): Promise<DeltaRoundResult> {
  const items: GraphChangeItem[] = [];
  const receivedAt = (o.now ?? new Date()).toISOString();
  let link: string | undefined = start;
  let pages = 0;
  while (link) {
    const page: DeltaPage = await gateway.deltaPage(o.mailboxUserId, link);
    pages += 1;
    for (const entry of page.value) {
      const removed = '@removed' in entry;
      const etag = entry['@odata.etag'];
      const item: GraphChangeItem = {
        kind: 'graphChange', recordType: o.recordType, mailboxUserId: o.mailboxUserId.toLowerCase(), graphId: String(entry.id),
        ...(o.containerId ? { containerId: o.containerId } : {}),
        changeType: removed ? 'deleted' : 'updated',
        ...(typeof etag === 'string' && !removed ? { etag } : {}),
        correlationId: randomUUID(), receivedAt,
      };
      // The item itself, when it fits in the message (else the worker reads it, as for any other item).
      const carried: GraphChangeItem | undefined = !removed && CARRIES_ITEMS.has(o.recordType) ? { ...item, item: entry } : undefined;
      items.push(carried && fitsWorkItem(carried) ? carried : item);
    }
    if (page['@odata.deltaLink']) {
      if (o.deliver) await o.deliver(items);
      await cursors.set(o.mailboxUserId, o.recordType, page['@odata.deltaLink']);
      break;
    }
    link = page['@odata.nextLink'];
  }
  return { items, fullResync, pages };
}

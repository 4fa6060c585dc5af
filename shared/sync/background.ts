/**
 * The work that is not a single record change: Graph lifecycle events (fix the subscription, then catch
 * up with a delta round), Test & Enable runs (then the initial sync), the To Do delta poll, and the
 * subscription renewal pass. Each enqueues ordinary work items, so the worker stays the one place that
 * applies changes.
 */
import type { Runtime } from '../runtime';
import { syncsRecordType } from '../mailboxes/mailbox';
import { graphRound, reconcile } from './reconciliation';
import type { SyncOutcome } from './sync-services';
import type { GraphLifecycleItem, MailboxTestItem } from './work-item';

export async function applyGraphLifecycle(rt: Runtime, item: GraphLifecycleItem): Promise<SyncOutcome> {
  const mailboxes = (id: string) => rt.services.mailboxes.get(id);
  const stored = await rt.subscriptionStore.get(item.subscriptionId);
  const standing = await rt.subscriptions.handleLifecycle(item.subscriptionId, item.lifecycleEvent, mailboxes);
  if (!stored || !standing) return { action: 'skipped', reason: 'subscriptionNoLongerNeeded' };
  if (item.lifecycleEvent === 'reauthorizationRequired') return { action: 'updated', reason: 'reauthorized' };
  // missed / subscriptionRemoved: notifications may have been lost; the delta round is the truth (the same
  // round, cursor and window as reconciliation's, for this mailbox and record type).
  const round = await graphRound(rt, stored.mailboxUserId, stored.recordType);
  rt.log.log('information', 'caught up after lifecycle event', { lifecycleEvent: item.lifecycleEvent, recordType: stored.recordType, items: round.items, fullResync: round.full, correlationId: item.correlationId });
  return { action: 'updated', reason: `caughtUp:${round.items}` };
}

export async function runMailboxTest(rt: Runtime, item: MailboxTestItem): Promise<SyncOutcome> {
  const { mailbox, initialSync } = await rt.mailboxService.runTestAndEnable(item.systemUserId);
  await rt.workQueue.send(initialSync);
  // A (re-)enabled mailbox gets a reconciliation pass of its Graph side at once: what changed in it while
  // it was disabled, and fresh delta links. Its CRM rows are all in the initial sync already.
  if (mailbox.actStatus === 'success') await reconcile(rt, { systemUserId: item.systemUserId, crm: false });
  rt.log.log('information', 'test and enable finished', { systemUserId: item.systemUserId, actStatus: mailbox.actStatus, initialSync: initialSync.length, correlationId: item.correlationId });
  return { action: mailbox.actStatus === 'success' ? 'updated' : 'skipped', reason: mailbox.actStatus === 'success' ? `enabled:${initialSync.length}` : `testFailed` };
}

/**
 * Mailboxes whose To Do rounds run at once. Each mailbox has its own Graph budget, so they need not wait for
 * one another: one after the other, the last of 50 mailboxes would see its changes a whole round later.
 */
const TODO_POLL_CONCURRENCY = 8;

/** One To Do delta round per enabled mailbox syncing tasks. Returns the number of items enqueued. */
export async function pollTodo(rt: Runtime): Promise<number> {
  const due = (await rt.services.mailboxes.list()).filter((m) => syncsRecordType(m, 'task') && m.todoListId);
  let total = 0;
  let next = 0;
  const poller = async (): Promise<void> => {
    for (let mailbox = due[next++]; mailbox; mailbox = due[next++]) {
      try {
        total += (await graphRound(rt, mailbox.entraObjectId, 'task', mailbox.todoListId)).items;
      } catch (error) {
        // One mailbox's failure must not stop the others' polls.
        rt.log.log('warning', 'To Do poll failed for a mailbox', { systemUserId: mailbox.systemUserId, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(TODO_POLL_CONCURRENCY, due.length) }, poller));
  return total;
}

/**
 * One queue message through the engine. Transient failures are thrown so that the Functions host makes
 * the message visible again (host.json visibilityTimeout) and retries it; on the last allowed attempt —
 * or at once for a message that can never succeed (malformed) — the message is parked in
 * `<queue>-poison` *with its reason*, the link and the mailbox get the error and an alert, and the
 * original is completed. Nothing is dropped silently.
 */
import { SyncError, ensureError } from '../errors';
import type { Logger } from '../logging';
import type { MailboxCounters } from '../mailboxes/mailbox-counters';
import type { RecordType } from '../mappings/field-mapping';
import { clientRequestIdFor, correlationFields, runWithRequestContext } from '../observability/request-context';
import { applyCrmChange } from './crm-to-exchange';
import type { SyncOutcome, SyncServices } from './sync-services';
import { workItemSchema, type WorkItem } from './work-item';

export interface PoisonedMessage {
  reason: string;
  errorType: string;
  attempts: number;
  failedAt: string;
  correlationId?: string;
  /** The original message, as received. */
  message: unknown;
}

export interface WorkerEnvironment {
  dequeueCount: number;
  maxDequeueCount: number;
  /** Parks a message in the poison queue (the caller's queue client; tests use the real one). */
  poison(entry: PoisonedMessage): Promise<void>;
  /** Applies an Exchange-side change (exchange-to-crm); absent until that direction is wired. */
  applyGraphChange?: (services: SyncServices, item: Extract<WorkItem, { kind: 'graphChange' }>) => Promise<SyncOutcome>;
  /** Handles a Graph lifecycle notification (subscriptions); absent until wired. */
  applyGraphLifecycle?: (services: SyncServices, item: Extract<WorkItem, { kind: 'graphLifecycle' }>) => Promise<SyncOutcome>;
  /** Per-mailbox counters (absent: not counted). */
  counters?: MailboxCounters;
  /** Runs a mailbox Test & Enable; absent until wired. */
  runMailboxTest?: (services: SyncServices, item: Extract<WorkItem, { kind: 'mailboxTest' }>) => Promise<SyncOutcome>;
}

export type WorkerResult = { status: 'applied'; outcome: SyncOutcome } | { status: 'poisoned'; reason: string };

function isTransient(error: Error): boolean {
  const e = error as { transient?: boolean; isUserError?: boolean };
  if (typeof e.transient === 'boolean') return e.transient;
  return !(error instanceof SyncError && error.isUserError);
}

export async function processWorkItem(services: SyncServices, message: unknown, env: WorkerEnvironment, log: Logger): Promise<WorkerResult> {
  const parsed = workItemSchema.safeParse(message);
  if (!parsed.success) {
    const reason = `Malformed work item: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    await env.poison({ reason, errorType: 'MalformedWorkItem', attempts: env.dequeueCount, failedAt: new Date().toISOString(), message });
    log.log('error', 'work item poisoned', { reason });
    return { status: 'poisoned', reason };
  }
  const item = parsed.data;
  const ids = correlationFields({ correlationId: item.correlationId, clientRequestId: clientRequestIdFor(item.correlationId) });
  const itemLog = log.child({ ...ids, kind: item.kind, recordType: 'recordType' in item ? item.recordType : undefined });
  // The item's calls to Graph and Dataverse carry its correlation id (shared/observability/request-context.ts).
  return runWithRequestContext({ correlationId: item.correlationId, log: itemLog }, () => applyWorkItem(services, item, message, env, itemLog));
}

async function applyWorkItem(services: SyncServices, item: WorkItem, message: unknown, env: WorkerEnvironment, itemLog: Logger): Promise<WorkerResult> {
  try {
    const notWired: SyncOutcome = { action: 'skipped', reason: `${item.kind} handling is not enabled in this worker` };
    const outcome = item.kind === 'crmChange'
      ? await applyCrmChange(services, item)
      : item.kind === 'graphChange'
        ? (env.applyGraphChange ? await env.applyGraphChange(services, item) : notWired)
        : item.kind === 'graphLifecycle'
          ? (env.applyGraphLifecycle ? await env.applyGraphLifecycle(services, item) : notWired)
          : (env.runMailboxTest ? await env.runMailboxTest(services, item) : notWired);
    itemLog.log(outcome.action === 'skipped' ? 'debug' : 'information', `work item ${outcome.action}`, {
      crmId: item.kind === 'crmChange' ? item.crmId : undefined, graphId: outcome.graphId, reason: outcome.reason, conflicts: outcome.conflicts,
      dequeueCount: env.dequeueCount,
    });
    if (item.kind === 'crmChange' && item.initialSyncOf) await countInitialSync(services, env, item.initialSyncOf, 'done');
    countOutcome(env, item, outcome);
    return { status: 'applied', outcome };
  } catch (thrown) {
    const error = ensureError(thrown);
    const lastAttempt = env.dequeueCount >= env.maxDequeueCount || !isTransient(error);
    itemLog.log(lastAttempt ? 'error' : 'warning', lastAttempt ? 'work item failed for good' : 'work item failed, will retry', {
      error: error.message, errorType: error.name, dequeueCount: env.dequeueCount,
    });
    if (!lastAttempt) {
      await countRetry(services, env, item).catch(() => undefined); // best effort, like every counter
      throw error;
    }
    await env.poison({ reason: error.message, errorType: error.name, attempts: env.dequeueCount, failedAt: new Date().toISOString(), correlationId: item.correlationId, message });
    await recordFailure(services, item, error.message).catch((e) => itemLog.log('warning', 'could not record the failure', { error: String(e) }));
    if (item.kind === 'crmChange' && item.initialSyncOf) await countInitialSync(services, env, item.initialSyncOf, 'failed');
    return { status: 'poisoned', reason: error.message };
  }
}

async function linkOf(services: SyncServices, item: WorkItem) {
  if (item.kind === 'crmChange') return services.links.getByCrmId(item.recordType as RecordType, item.crmId);
  if (item.kind === 'graphChange') return services.links.getByGraphId(item.mailboxUserId, item.graphId);
  return undefined;
}

async function recordFailure(services: SyncServices, item: WorkItem, reason: string): Promise<void> {
  if (item.kind === 'mailboxTest') {
    // A Test & Enable that could not run to its end must not stay "running" forever.
    await services.mailboxes.update(item.systemUserId, (m) => {
      m.actStatus = 'failure';
      m.enabled = false;
      m.lastError = `The test could not complete: ${reason}`;
      m.alerts = [{ time: new Date().toISOString(), severity: 'error' as const, message: `Test & Enable could not complete: ${reason}` }, ...m.alerts].slice(0, 20);
    });
    return;
  }
  const link = await linkOf(services, item);
  if (!link) return;
  await services.links.update({ ...link, lastError: reason, lastErrorAt: new Date().toISOString() }).catch(() => undefined);
  await services.mailboxes.update(link.ownerSystemUserId, (m) => {
    m.counters.changesIn = (m.counters.changesIn ?? 0) + 1;
    m.counters.failed += 1;
    m.lastError = reason;
    m.alerts = [{ time: new Date().toISOString(), severity: 'error' as const, message: `A ${link.recordType} change could not be synced and was parked in the poison queue: ${reason}` }, ...m.alerts].slice(0, 20);
  });
}

/**
 * Initial-sync progress goes through the batched counters when the worker has them: every item of a
 * mailbox's initial sync writing the same mailbox row at once made the workers fight over its ETag until
 * items failed ("updated by too many writers at once") and the sync crawled.
 */
async function countInitialSync(services: SyncServices, env: WorkerEnvironment, systemUserId: string, outcome: 'done' | 'failed'): Promise<void> {
  if (env.counters) {
    env.counters.record(systemUserId, outcome === 'done' ? 'initialSyncDone' : 'initialSyncFailed');
    return;
  }
  await services.mailboxes.update(systemUserId, (m) => {
    m.initialSync[outcome] += 1;
    if (outcome === 'done') m.lastSyncOn = new Date().toISOString();
  });
}

/** Applied changes count per direction; skips count only when they were echoes or duplicates. */
function countOutcome(env: WorkerEnvironment, item: WorkItem, outcome: SyncOutcome): void {
  if (!env.counters || !outcome.systemUserId || (item.kind !== 'crmChange' && item.kind !== 'graphChange')) return;
  if (outcome.action === 'skipped') {
    env.counters.record(outcome.systemUserId, outcome.reason === 'staleOrEcho' ? 'skippedEcho' : 'skipped');
    return;
  }
  env.counters.record(outcome.systemUserId, item.kind === 'crmChange' ? 'toExchange' : 'toCrm', item.receivedAt);
}

/** A failed attempt the queue will repeat, counted on the mailbox of the item's link (when it has one). */
async function countRetry(services: SyncServices, env: WorkerEnvironment, item: WorkItem): Promise<void> {
  if (!env.counters) return;
  const link = await linkOf(services, item);
  if (link) env.counters.record(link.ownerSystemUserId, 'retried');
}

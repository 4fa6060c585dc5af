/**
 * Per-mailbox counters an operator sees in the admin API and page: changes in, changes applied to Exchange and
 * to the CRM, echoes skipped, attempts retried, initial-sync progress, the last sync time and lag. Added up in memory and written to
 * the mailbox row at most every couple of seconds — one row write per change would double the storage cost
 * of a sync, and many workers writing one mailbox's row at once (an initial sync) fight over its ETag.
 * (Failures are recorded at once, with their alert, by the worker.)
 */
import type { MailboxRegistry } from './mailbox-registry';

/** `skipped`: a change that needed nothing (not an echo); `retried`: a failed attempt the queue will repeat. */
type Counted = 'toExchange' | 'toCrm' | 'skippedEcho' | 'skipped' | 'retried' | 'initialSyncDone' | 'initialSyncFailed';
/** Outcomes that are one change each (changesIn); a retry is the same change again. */
const CHANGES: ReadonlySet<Counted> = new Set(['toExchange', 'toCrm', 'skippedEcho', 'skipped']);

interface Pending {
  changesIn: number;
  retried: number;
  skipped: number;
  toExchange: number;
  toCrm: number;
  skippedEcho: number;
  initialSyncDone: number;
  initialSyncFailed: number;
  lastSyncOn?: string;
  lastSyncLagMs?: number;
}

export class MailboxCounters {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly registry: MailboxRegistry, private readonly flushAfterMs = 2000) {}

  /** Counts one outcome; `receivedAt` (when the change reached us) gives the sync lag. */
  record(systemUserId: string, what: Counted, receivedAt?: string): void {
    const key = systemUserId.toLowerCase();
    const p = this.pending.get(key) ?? { changesIn: 0, retried: 0, skipped: 0, toExchange: 0, toCrm: 0, skippedEcho: 0, initialSyncDone: 0, initialSyncFailed: 0 };
    p[what] += 1;
    if (CHANGES.has(what)) p.changesIn += 1;
    if (what === 'toExchange' || what === 'toCrm' || what === 'initialSyncDone') {
      p.lastSyncOn = new Date().toISOString();
      if (receivedAt) p.lastSyncLagMs = Date.now() - Date.parse(receivedAt);
    }
    this.pending.set(key, p);
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flush(); }, this.flushAfterMs);
    this.timer.unref?.();
  }

  /** Writes what was counted (also called on shutdown and by tests). */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.flushing.then(async () => {
      for (const [systemUserId, p] of batch) {
        await this.registry.update(systemUserId, (m) => {
          m.counters.changesIn = (m.counters.changesIn ?? 0) + p.changesIn;
          m.counters.retried = (m.counters.retried ?? 0) + p.retried;
          m.counters.toExchange += p.toExchange;
          m.counters.toCrm += p.toCrm;
          m.counters.skippedEcho += p.skippedEcho;
          m.initialSync.done += p.initialSyncDone;
          m.initialSync.failed += p.initialSyncFailed;
          if (p.lastSyncOn) m.lastSyncOn = p.lastSyncOn;
          if (p.lastSyncLagMs !== undefined) m.lastSyncLagMs = p.lastSyncLagMs;
        }).catch(() => undefined); // counters are best effort; the next flush carries on
      }
    });
    return this.flushing;
  }
}

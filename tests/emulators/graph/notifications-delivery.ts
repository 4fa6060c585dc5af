/**
 * Delivery of notification POSTs to the apps' endpoints, the way Graph behaves towards a webhook:
 * - notifications for one URL that arrive within a short window go out together in one
 *   `{ "value": [...] }` POST (several subscriptions may share it; change and lifecycle items are not mixed);
 * - a POST not answered 2xx within the delivery timeout (3 s) failed; it is retried with exponential
 *   backoff until the retry window (4 h) is over, then its notifications are dropped and the owner is told
 *   (`onGiveUp`, which sends a `missed` lifecycle notification);
 * - nothing is promised about order, and a retried POST may overtake nothing or everything.
 *
 * Test-control faults (notifications-faults.ts) act on the notifications *before* they are batched;
 * delivery can be paused and resumed (all, or one subscription), and a subscription waiting for
 * reauthorization has its change notifications parked the same way; parked longer than the retry window,
 * they are given up like failed ones. Deliveries are counted per destination ("NOTIFY host/path"), apart
 * from the API call counters, so that benchmarks count API calls only.
 */
import { FaultList, type Channel, type DeliveryFault, type Outgoing } from './notifications-faults';
import type { DeliveryStats } from './subscription-model';
import type { SubscriptionSettings } from './subscription-settings';

export type { Channel, DeliveryFault, Outgoing } from './notifications-faults';

export interface DeliveryAttempt {
  at: string;
  url: string;
  channel: Channel;
  subscriptionIds: string[];
  items: number;
  /** HTTP status, or 'timeout' / 'error'. */
  result: number | 'timeout' | 'error';
  ok: boolean;
  durationMs: number;
  attempt: number;
}

export interface DeliveryHooks {
  settings(): SubscriptionSettings;
  /** Stats of a live subscription (undefined once it is gone). */
  stats(subscriptionId: string): DeliveryStats | undefined;
  /** Change notifications of a subscription waiting for reauthorization are parked. */
  held(subscriptionId: string): boolean;
  /** Called with notifications given up after their retries, or dropped by a fault with `sendMissed`. */
  onGiveUp(items: Outgoing[], reason: 'retries' | 'dropped'): void;
}

interface Batch {
  items: Outgoing[];
  timer: NodeJS.Timeout;
}

const LOG_LIMIT = 500;

export class NotificationDelivery {
  private readonly batches = new Map<string, Batch>();
  private readonly faults = new FaultList();
  private parked: Outgoing[] = [];
  private pausedAll = false;
  private readonly pausedSubs = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private readonly counters = new Map<string, number>();
  private readonly log: DeliveryAttempt[] = [];
  /** POSTs in flight plus reorder releases running. */
  private working = 0;
  /** Bumped by reset(), so that a release still running stops. */
  private generation = 0;
  private closed = false;

  constructor(private readonly hooks: DeliveryHooks) {}

  /** Hands one notification to delivery (after the test-control faults). */
  enqueue(out: Outgoing): void {
    if (this.closed) return;
    const fault = this.faults.take(out);
    if (!fault) { this.route(out); return; }
    const stats = this.hooks.stats(out.subscriptionId);
    switch (fault.action) {
      case 'drop':
        if (stats) stats.dropped += 1;
        if (fault.sendMissed) this.hooks.onGiveUp([out], 'dropped');
        return;
      case 'delay':
        this.later(fault.delayMs ?? 0, () => this.route(out));
        return;
      case 'duplicate':
        if (stats) stats.duplicated += 1;
        this.route(out);
        // The copy goes out in a POST of its own, as Graph's duplicates do.
        this.later(this.hooks.settings().batchWindowMs + 1, () => this.route({ ...out, item: { ...out.item } }));
        return;
      case 'reorder':
        fault.held.push(out);
        if (fault.count === 0) this.sendInOrder(this.faults.drain(fault));
        return;
    }
  }

  addFault(fault: DeliveryFault): void {
    this.faults.add(fault);
  }

  /** Removes pending faults; notifications held by a reorder are released first. */
  clearFaults(): void {
    this.releaseAllReordered();
    this.faults.clear();
  }

  /** Sends now, in reverse order, whatever reorder faults are holding, and ends those faults. */
  releaseAllReordered(): number {
    const drained = this.faults.drainAll();
    for (const held of drained) this.sendInOrder(held);
    return drained.reduce((n, held) => n + held.length, 0);
  }

  pause(subscriptionId?: string): void {
    if (subscriptionId) this.pausedSubs.add(subscriptionId);
    else this.pausedAll = true;
  }

  resume(subscriptionId?: string): void {
    if (subscriptionId) this.pausedSubs.delete(subscriptionId);
    else { this.pausedAll = false; this.pausedSubs.clear(); }
    this.unpark();
  }

  /**
   * Re-examines parked notifications (after a resume or a reauthorization). Those parked longer than the
   * retry window are dropped, as Graph drops notifications paused for more than 4 hours.
   */
  unpark(): void {
    const parked = this.parked;
    this.parked = [];
    const window = this.hooks.settings().retryWindowMs;
    const expired: Outgoing[] = [];
    for (const out of parked) {
      if (Date.now() - (out.parkedMs ?? Date.now()) > window) { expired.push(out); continue; }
      this.route(out);
    }
    if (expired.length === 0) return;
    for (const o of expired) { const s = this.hooks.stats(o.subscriptionId); if (s) s.dropped += 1; }
    this.hooks.onGiveUp(expired, 'retries');
  }

  /** Forgets the undelivered change notifications of a subscription that is gone. */
  discard(subscriptionId: string): void {
    const keep = (o: Outgoing): boolean => o.channel === 'lifecycle' || o.subscriptionId !== subscriptionId;
    this.parked = this.parked.filter(keep);
    for (const [key, batch] of this.batches) {
      batch.items = batch.items.filter(keep);
      if (batch.items.length === 0) { clearTimeout(batch.timer); this.timers.delete(batch.timer); this.batches.delete(key); }
    }
  }

  /** Counts a validation request (they are not API calls either). */
  countValidation(url: string): void {
    this.count('VALIDATE', url);
  }

  countersSnapshot(): Record<string, number> {
    return Object.fromEntries([...this.counters.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  resetCounters(): void {
    this.counters.clear();
  }

  attempts(): DeliveryAttempt[] {
    return [...this.log];
  }

  parkedCount(): number {
    return this.parked.length;
  }

  /** Nothing queued, in flight or waiting for a retry (parked and reorder-held notifications excepted). */
  busy(): boolean {
    return this.working > 0 || this.timers.size > 0 || this.batches.size > 0;
  }

  /** Resolves once `busy()` is false (polling; for tests). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.busy()) {
      if (Date.now() > deadline) throw new Error('notification delivery did not become idle');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Drops everything pending (not counted) and clears faults and pauses. */
  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.inFlight) c.abort();
    this.batches.clear();
    this.faults.clear();
    this.parked = [];
    this.pausedAll = false;
    this.pausedSubs.clear();
    this.log.length = 0;
    this.generation += 1;
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  /** One POST each, strictly one after the other, so that they arrive in this order. */
  private sendInOrder(items: Outgoing[]): void {
    this.working += 1;
    const generation = this.generation;
    void (async () => {
      try {
        for (const out of items) {
          if (this.closed || generation !== this.generation) return;
          if (this.parkIfNeeded(out)) continue;
          await this.send([out], 1);
        }
      } finally {
        this.working -= 1;
      }
    })();
  }

  private parkIfNeeded(out: Outgoing): boolean {
    if (this.pausedAll || this.pausedSubs.has(out.subscriptionId) || (out.channel === 'change' && this.hooks.held(out.subscriptionId))) {
      out.parkedMs ??= Date.now();
      this.parked.push(out);
      return true;
    }
    return false;
  }

  /** Into the batch of its destination, unless paused or held. */
  private route(out: Outgoing): void {
    if (this.closed) return;
    if (out.channel === 'change' && !this.hooks.stats(out.subscriptionId)) return; // subscription gone
    if (this.parkIfNeeded(out)) return;
    const settings = this.hooks.settings();
    const key = `${out.channel} ${out.url}`;
    let batch = this.batches.get(key);
    if (!batch) {
      const timer = this.later(settings.batchWindowMs, () => this.flush(key));
      batch = { items: [], timer };
      this.batches.set(key, batch);
    }
    batch.items.push(out);
    if (batch.items.length >= Math.max(1, settings.maxBatchSize)) {
      clearTimeout(batch.timer);
      this.timers.delete(batch.timer);
      this.flush(key);
    }
  }

  private flush(key: string): void {
    const batch = this.batches.get(key);
    if (!batch) return;
    this.batches.delete(key);
    if (batch.items.length === 0) return;
    void this.send(batch.items, 1);
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private count(verb: string, url: string): void {
    let key: string;
    try {
      const u = new URL(url);
      key = `${verb} ${u.host}${u.pathname}`;
    } catch {
      key = `${verb} ${url}`;
    }
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  /** One POST of a batch; on failure schedules the retry (or gives up). */
  private async send(items: Outgoing[], attempt: number): Promise<void> {
    if (this.closed || items.length === 0) return;
    this.working += 1;
    try {
      await this.attempt(items, attempt);
    } finally {
      this.working -= 1;
    }
  }

  private async attempt(items: Outgoing[], attempt: number): Promise<void> {
    const settings = this.hooks.settings();
    const first = items[0]!;
    const started = Date.now();
    for (const o of items) o.firstAttemptMs ??= started;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = AbortSignal.timeout(Math.max(1, settings.deliveryTimeoutMs));
    let result: DeliveryAttempt['result'];
    this.count('NOTIFY', first.url);
    try {
      const res = await fetch(first.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ value: items.map((o) => o.item) }),
        signal: AbortSignal.any([controller.signal, timeout]),
      });
      await res.arrayBuffer();
      result = res.status;
    } catch {
      result = timeout.aborted ? 'timeout' : 'error';
    } finally {
      this.inFlight.delete(controller);
    }
    if (this.closed || controller.signal.aborted) return;
    const ok = typeof result === 'number' && result >= 200 && result < 300;
    this.record({
      at: new Date(started).toISOString(), url: first.url, channel: first.channel,
      subscriptionIds: [...new Set(items.map((o) => o.subscriptionId))], items: items.length,
      result, ok, durationMs: Date.now() - started, attempt,
    });
    if (ok) {
      for (const o of items) {
        const stats = this.hooks.stats(o.subscriptionId);
        if (!stats) continue;
        if (o.channel === 'change') stats.delivered += 1; else stats.lifecycleDelivered += 1;
      }
      return;
    }
    for (const o of items) { const s = this.hooks.stats(o.subscriptionId); if (s) s.failed += 1; }
    const delay = Math.min(settings.retryInitialDelayMs * 2 ** (attempt - 1), settings.retryMaxDelayMs);
    const oldest = Math.min(...items.map((o) => o.firstAttemptMs ?? started));
    if (Date.now() + delay - oldest > settings.retryWindowMs) {
      for (const o of items) { const s = this.hooks.stats(o.subscriptionId); if (s) s.dropped += 1; }
      this.hooks.onGiveUp(items, 'retries');
      return;
    }
    this.later(delay, () => {
      // Notifications of subscriptions deleted meanwhile are not retried; paused ones wait.
      const live = items.filter((o) => o.channel === 'lifecycle' || this.hooks.stats(o.subscriptionId));
      const ready = live.filter((o) => !this.parkIfNeeded(o));
      if (ready.length === 0) return;
      for (const o of ready) { const s = this.hooks.stats(o.subscriptionId); if (s) s.retried += 1; }
      void this.send(ready, attempt + 1);
    });
  }

  private record(attempt: DeliveryAttempt): void {
    this.log.push(attempt);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }
}

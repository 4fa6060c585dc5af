/**
 * The live subscriptions and what happens to them over time: expiry (a timer deletes the subscription
 * silently, as Graph does), lifecycle events (subscriptionRemoved deletes it first; reauthorizationRequired
 * parks its change notifications until the app reauthorizes or renews), and the fan-out of every mailbox
 * write (GraphChange, our own app's included) to the subscriptions that hear it.
 *
 * Outlook's extra notifications are reproduced on purpose (graph.md §2.4): with `createdThenUpdated` (on by
 * default) each created event/contact is also notified as `updated` (same item, same etag), and with
 * `extraUpdatedProbability` an update may be notified twice. Code under test must be idempotent.
 */
import type { GraphChange, GraphContext } from './context';
import { NotificationDelivery, type Outgoing } from './notifications-delivery';
import { changeNotification, lifecycleNotification } from './notifications-payload';
import { runHandshake, type HandshakeResult } from './subscription-handshake';
import type { ChangeType, LifecycleEvent, StoredSubscription } from './subscription-model';
import { targetHears } from './subscription-resource';
import { DEFAULT_SUBSCRIPTION_SETTINGS, seededRandom, settingsProblems, type SubscriptionSettings } from './subscription-settings';

export class SubscriptionRegistry {
  private readonly subs = new Map<string, StoredSubscription>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private current: SubscriptionSettings;
  private random: () => number;
  private readonly closing = new AbortController();
  readonly delivery: NotificationDelivery;

  constructor(private readonly ctx: GraphContext, options: Partial<SubscriptionSettings> = {}) {
    this.current = { ...DEFAULT_SUBSCRIPTION_SETTINGS };
    this.random = seededRandom(this.current.randomSeed);
    this.configure(options);
    this.delivery = new NotificationDelivery({
      settings: () => this.current,
      stats: (id) => this.subs.get(id)?.stats,
      held: (id) => this.current.holdUntilReauthorized && this.subs.get(id)?.needsReauthorization === true,
      onGiveUp: (items, reason) => this.onGiveUp(items, reason),
    });
  }

  settings(): SubscriptionSettings {
    return { ...this.current };
  }

  /** Changes settings; throws on unknown keys or bad values. */
  configure(patch: Partial<SubscriptionSettings>): SubscriptionSettings {
    const problems = settingsProblems(patch as Record<string, unknown>);
    if (problems.length > 0) throw new RangeError(problems.join('; '));
    this.current = { ...this.current, ...patch };
    if (patch.randomSeed !== undefined) this.random = seededRandom(patch.randomSeed);
    return this.settings();
  }

  get(id: string): StoredSubscription | undefined {
    return this.subs.get(id);
  }

  all(): StoredSubscription[] {
    return [...this.subs.values()];
  }

  countForUser(userId: string): number {
    return this.all().filter((s) => s.target.userId.toLowerCase() === userId.toLowerCase()).length;
  }

  handshake(url: string): Promise<HandshakeResult> {
    this.delivery.countValidation(url);
    return runHandshake(url, this.current.validationTimeoutMs, this.closing.signal);
  }

  add(sub: StoredSubscription): void {
    this.subs.set(sub.id, sub);
    this.armExpiry(sub);
  }

  /** New expiration (PATCH); a renewal also counts as reauthorization. */
  renew(sub: StoredSubscription, expirationMs: number): void {
    sub.expirationMs = expirationMs;
    this.armExpiry(sub);
    this.reauthorize(sub);
  }

  reauthorize(sub: StoredSubscription): void {
    if (!sub.needsReauthorization) return;
    sub.needsReauthorization = false;
    this.delivery.unpark();
  }

  /** Deletes a subscription without telling anyone (DELETE, expiry, or before a subscriptionRemoved). */
  remove(id: string): boolean {
    const timer = this.expiryTimers.get(id);
    if (timer) clearTimeout(timer);
    this.expiryTimers.delete(id);
    const existed = this.subs.delete(id);
    this.delivery.discard(id);
    return existed;
  }

  /**
   * What Graph does for a lifecycle event; returns whether a notification was sent (only subscriptions
   * created with a lifecycleNotificationUrl get one).
   */
  triggerLifecycle(sub: StoredSubscription, event: LifecycleEvent): boolean {
    if (event === 'subscriptionRemoved') this.remove(sub.id);
    if (event === 'reauthorizationRequired') sub.needsReauthorization = true;
    return this.sendLifecycle(sub, event);
  }

  /** Fans one mailbox write out to the subscriptions that hear it. */
  onChange(change: GraphChange): void {
    const tenantId = this.ctx.seed.tenantId;
    for (const sub of this.subs.values()) {
      if (!targetHears(sub.target, change)) continue;
      const types: ChangeType[] = [change.changeType];
      if (change.changeType === 'created' && this.current.createdThenUpdated && change.kind !== 'todoTask') types.push('updated');
      if (change.changeType === 'updated' && this.current.extraUpdatedProbability > 0 && this.random() < this.current.extraUpdatedProbability) types.push('updated');
      types.forEach((type, i) => {
        if (!sub.changeTypes.includes(type)) return;
        if (i > 0) sub.stats.duplicated += 1;
        this.delivery.enqueue({ subscriptionId: sub.id, url: sub.notificationUrl, channel: 'change', item: changeNotification(sub, change, type, tenantId) });
      });
    }
  }

  /** Forgets every subscription (silently) and everything pending. */
  reset(): void {
    for (const id of [...this.subs.keys()]) this.remove(id);
    this.delivery.reset();
  }

  close(): void {
    this.closing.abort();
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    this.expiryTimers.clear();
    this.subs.clear();
    this.delivery.close();
  }

  private sendLifecycle(sub: StoredSubscription, event: LifecycleEvent): boolean {
    if (!sub.lifecycleNotificationUrl) return false;
    this.delivery.enqueue({
      subscriptionId: sub.id, url: sub.lifecycleNotificationUrl, channel: 'lifecycle',
      item: lifecycleNotification(sub, event, this.ctx.seed.tenantId),
    });
    return true;
  }

  /** Lost change notifications: one `missed` per affected subscription (Outlook events/contacts get them). */
  private onGiveUp(items: Outgoing[], reason: 'retries' | 'dropped'): void {
    if (reason === 'retries' && !this.current.missedOnGiveUp) return;
    const ids = new Set(items.filter((o) => o.channel === 'change').map((o) => o.subscriptionId));
    for (const id of ids) {
      const sub = this.subs.get(id);
      if (sub) this.sendLifecycle(sub, 'missed');
    }
  }

  private armExpiry(sub: StoredSubscription): void {
    const old = this.expiryTimers.get(sub.id);
    if (old) clearTimeout(old);
    const timer = setTimeout(() => { this.remove(sub.id); }, Math.max(0, sub.expirationMs - Date.now()));
    timer.unref();
    this.expiryTimers.set(sub.id, timer);
  }
}

/**
 * Keeps one Graph subscription per enabled mailbox and subscribable record type (events, contacts; To Do
 * tasks cannot be subscribed to by apps and are polled). Each subscription has its own random clientState.
 * Subscriptions are renewed well before they expire; lifecycle events are handled as Graph documents:
 * reauthorizationRequired → reauthorize (and renew), subscriptionRemoved → recreate, missed → nothing to
 * fix on the subscription (the caller catches up with a delta round in both of the latter cases).
 */
import { randomBytes } from 'node:crypto';
import { GraphRequestError } from '../graph/graph-errors';
import type { GraphSubscriptionsGateway } from '../graph/graph-gateway';
import type { RecordType } from '../mappings/field-mapping';
import { syncsRecordType, type Mailbox } from '../mailboxes/mailbox';
import type { StoredSubscription, SubscriptionStore } from './subscription-store';

export const SUBSCRIBABLE: readonly RecordType[] = ['appointment', 'contact'];

export interface SubscriptionManagerOptions {
  /** Public base of our HTTP functions, ending in /api. */
  publicBaseUrl: string;
  /** Requested lifetime; Outlook resources document 10,080 minutes (7 days), but the service rejects more
   *  than 10,070 ("Subscription expiration can only be 10070 minutes in the future"). */
  lifetimeMinutes?: number;
  /** Renew when less than this remains. */
  renewBeforeMinutes?: number;
}

function resourceFor(mailbox: Mailbox, recordType: RecordType): string {
  return recordType === 'appointment' ? `/users/${mailbox.entraObjectId}/events` : `/users/${mailbox.entraObjectId}/contacts`;
}

export class SubscriptionManager {
  private readonly lifetimeMs: number;
  private readonly renewBeforeMs: number;

  constructor(private readonly graph: GraphSubscriptionsGateway, private readonly store: SubscriptionStore, private readonly options: SubscriptionManagerOptions) {
    const lifetime = options.lifetimeMinutes ?? 4320;
    if (!(lifetime > 0 && lifetime <= 10070)) throw new RangeError(`lifetimeMinutes must be in (0, 10070] (what Graph accepts for Outlook resources), got ${lifetime}`);
    this.lifetimeMs = lifetime * 60_000;
    this.renewBeforeMs = (options.renewBeforeMinutes ?? Math.min(1440, lifetime / 2)) * 60_000;
  }

  private expiration(now = Date.now()): string {
    return new Date(now + this.lifetimeMs).toISOString();
  }

  private async create(mailbox: Mailbox, recordType: RecordType): Promise<StoredSubscription> {
    const clientState = randomBytes(32).toString('base64url');
    const created = await this.graph.create(mailbox.entraObjectId, {
      changeType: 'created,updated,deleted',
      notificationUrl: `${this.options.publicBaseUrl}/notifications`,
      lifecycleNotificationUrl: `${this.options.publicBaseUrl}/notifications/lifecycle`,
      resource: resourceFor(mailbox, recordType),
      expirationDateTime: this.expiration(),
      clientState,
    });
    const stored: StoredSubscription = {
      subscriptionId: created.id, mailboxUserId: mailbox.entraObjectId, systemUserId: mailbox.systemUserId, recordType,
      resource: created.resource, clientStates: [clientState], expirationDateTime: created.expirationDateTime, createdAt: new Date().toISOString(),
    };
    await this.store.save(stored);
    return stored;
  }

  /** Subscriptions of one mailbox, by record type. */
  async forMailbox(mailbox: Mailbox): Promise<StoredSubscription[]> {
    return (await this.store.list()).filter((s) => s.mailboxUserId === mailbox.entraObjectId);
  }

  /** Creates what an enabled mailbox lacks, deletes what it no longer syncs. */
  async ensureForMailbox(mailbox: Mailbox): Promise<StoredSubscription[]> {
    const existing = await this.forMailbox(mailbox);
    const result: StoredSubscription[] = [];
    for (const recordType of SUBSCRIBABLE) {
      const current = existing.find((s) => s.recordType === recordType);
      const wanted = syncsRecordType(mailbox, recordType);
      if (wanted && !current) result.push(await this.create(mailbox, recordType));
      else if (wanted && current) result.push(current);
      else if (!wanted && current) await this.remove(current);
    }
    return result;
  }

  async removeForMailbox(mailbox: Mailbox): Promise<number> {
    const existing = await this.forMailbox(mailbox);
    for (const s of existing) await this.remove(s);
    return existing.length;
  }

  private async remove(s: StoredSubscription): Promise<void> {
    await this.graph.delete(s.mailboxUserId, s.subscriptionId);
    await this.store.remove(s.subscriptionId);
  }

  /** Renews every subscription close to expiry; recreates those Graph no longer knows. */
  async renewDue(mailboxes: (systemUserId: string) => Promise<Mailbox | undefined>, now = Date.now()): Promise<{ renewed: number; recreated: number; removed: number }> {
    const counts = { renewed: 0, recreated: 0, removed: 0 };
    for (const s of await this.store.list()) {
      if (Date.parse(s.expirationDateTime) - now > this.renewBeforeMs) continue;
      const mailbox = await mailboxes(s.systemUserId);
      if (!mailbox || !syncsRecordType(mailbox, s.recordType)) {
        await this.remove(s);
        counts.removed += 1;
        continue;
      }
      try {
        const renewed = await this.graph.renew(s.mailboxUserId, s.subscriptionId, this.expiration(now));
        await this.store.save({ ...s, expirationDateTime: renewed.expirationDateTime, renewedAt: new Date(now).toISOString() });
        counts.renewed += 1;
      } catch (error) {
        if (!(error instanceof GraphRequestError && error.code === 'NOT_FOUND')) throw error;
        await this.store.remove(s.subscriptionId);
        await this.create(mailbox, s.recordType);
        counts.recreated += 1;
      }
    }
    return counts;
  }

  /** Handles a lifecycle event; returns the subscription that now stands (undefined if none). */
  async handleLifecycle(subscriptionId: string, event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed', mailboxes: (systemUserId: string) => Promise<Mailbox | undefined>): Promise<StoredSubscription | undefined> {
    const s = await this.store.get(subscriptionId);
    if (!s) return undefined;
    const mailbox = await mailboxes(s.systemUserId);
    if (!mailbox || !syncsRecordType(mailbox, s.recordType)) {
      await this.remove(s);
      return undefined;
    }
    if (event === 'missed') return s;
    if (event === 'reauthorizationRequired') {
      try {
        await this.graph.reauthorize(s.mailboxUserId, s.subscriptionId);
        const renewed = await this.graph.renew(s.mailboxUserId, s.subscriptionId, this.expiration());
        const updated = { ...s, expirationDateTime: renewed.expirationDateTime, renewedAt: new Date().toISOString() };
        await this.store.save(updated);
        return updated;
      } catch (error) {
        if (!(error instanceof GraphRequestError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    // subscriptionRemoved (or a reauthorization of a subscription Graph no longer has): recreate.
    await this.store.remove(s.subscriptionId);
    return this.create(mailbox, s.recordType);
  }
}

/**
 * Keeps one Graph subscription per enabled mailbox and subscribable record type (events, contacts; To Do
 * tasks cannot be subscribed to by apps and are polled). Each subscription has its own random clientState.
 * Subscriptions are renewed well before they expire; lifecycle events are handled as Graph documents:
 * reauthorizationRequired → reauthorize (and renew), subscriptionRemoved → recreate, missed → nothing to
 * fix on the subscription (the caller catches up with a delta round in both of the latter cases).
 *
 * clientState rotation. Graph cannot change a subscription's clientState (an update takes only
 * expirationDateTime and notificationUrl), so a rotation creates a new subscription for the same resource
 * with a new clientState first, and removes the old one after: both live, both accepted, during the overlap
 * (the sync is idempotent: a change notified twice is applied once). If the create fails, the old
 * subscription stays as it was and the error surfaces; an old subscription Graph no longer has (404) is
 * simply forgotten.
 * - automatic (`renewalPass`): a subscription whose clientState is older than `clientStateMaxAgeDays` is
 *   rotated, and the old one is kept for `rotationOverlapMinutes`: it is deleted by the first pass after
 *   that, so notifications Graph still had in flight for it are accepted;
 * - on demand (`rotateMailbox`, e.g. after a suspected leak): the old subscriptions are deleted at once (the
 *   caller then catches up with a delta round for what their in-flight notifications carried).
 * A replaced subscription that is still stored carries `retireAfter` and `replacedBy`; it is never renewed,
 * recreated or returned as a mailbox's subscription.
 */
import { randomBytes } from 'node:crypto';
import { GraphRequestError } from '../graph/graph-errors';
import type { GraphSubscriptionsGateway } from '../graph/graph-gateway';
import type { RecordType } from '../mappings/field-mapping';
import { syncsRecordType, type Mailbox } from '../mailboxes/mailbox';
import type { StoredSubscription, SubscriptionStore } from './subscription-store';

export const SUBSCRIBABLE: readonly RecordType[] = ['appointment', 'contact'];

/** The Graph calls the manager makes (GraphSubscriptionsGateway in the app). */
export type SubscriptionsApi = Pick<GraphSubscriptionsGateway, 'create' | 'renew' | 'reauthorize' | 'delete'>;
/** Where subscriptions are kept (SubscriptionStore in the app). */
export type SubscriptionStorage = Pick<SubscriptionStore, 'get' | 'save' | 'remove' | 'list'>;
export type MailboxLookup = (systemUserId: string) => Promise<Mailbox | undefined>;

export interface SubscriptionManagerOptions {
  /** Public base of our HTTP functions, ending in /api. */
  publicBaseUrl: string;
  /** Requested lifetime; Outlook resources document 10,080 minutes (7 days), but the service rejects more
   *  than 10,070 ("Subscription expiration can only be 10070 minutes in the future"). */
  lifetimeMinutes?: number;
  /** Renew when less than this remains. */
  renewBeforeMinutes?: number;
  /** Rotate (automatically, in the renewal pass) a clientState older than this many days; 0 or absent: never. */
  clientStateMaxAgeDays?: number;
  /** How long an automatically replaced subscription stays valid beside its replacement (default 10). */
  rotationOverlapMinutes?: number;
}

/** What one rotation did. */
export interface RotationResult {
  recordType: RecordType;
  /** The replaced subscription. */
  previousSubscriptionId: string;
  /** The new one (absent when its creation failed: the previous one then stands, unchanged). */
  subscriptionId?: string;
  /** Whether the previous subscription is gone already (otherwise it is deleted by a later renewal pass). */
  previousRemoved: boolean;
  /** Why the rotation failed (create) or is incomplete (delete of the previous one). */
  error?: string;
}

export interface RenewalPassReport {
  renewed: number;
  recreated: number;
  removed: number;
  /** clientStates rotated because they were older than clientStateMaxAgeDays. */
  rotated: number;
  /** Replaced subscriptions deleted after their overlap. */
  retired: number;
  /** Rotations and retirements that failed; the next pass tries again. */
  failures: Array<{ subscriptionId: string; recordType: RecordType; step: 'rotate' | 'retire'; error: string }>;
}

function resourceFor(mailbox: Mailbox, recordType: RecordType): string {
  return recordType === 'appointment' ? `/users/${mailbox.entraObjectId}/events` : `/users/${mailbox.entraObjectId}/contacts`;
}

const isNotFound = (error: unknown) => error instanceof GraphRequestError && error.code === 'NOT_FOUND';
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class SubscriptionManager {
  private readonly lifetimeMs: number;
  private readonly renewBeforeMs: number;
  private readonly maxClientStateAgeMs: number;
  private readonly overlapMs: number;

  constructor(private readonly graph: SubscriptionsApi, private readonly store: SubscriptionStorage, private readonly options: SubscriptionManagerOptions) {
    const lifetime = options.lifetimeMinutes ?? 4320;
    if (!(lifetime > 0 && lifetime <= 10070)) throw new RangeError(`lifetimeMinutes must be in (0, 10070] (what Graph accepts for Outlook resources), got ${lifetime}`);
    this.lifetimeMs = lifetime * 60_000;
    this.renewBeforeMs = (options.renewBeforeMinutes ?? Math.min(1440, lifetime / 2)) * 60_000;
    const maxAge = options.clientStateMaxAgeDays ?? 0;
    if (!(maxAge >= 0)) throw new RangeError(`clientStateMaxAgeDays must be >= 0, got ${maxAge}`);
    this.maxClientStateAgeMs = maxAge * 86_400_000;
    const overlap = options.rotationOverlapMinutes ?? 10;
    if (!(overlap >= 0)) throw new RangeError(`rotationOverlapMinutes must be >= 0, got ${overlap}`);
    this.overlapMs = overlap * 60_000;
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

  /** Every stored subscription of one mailbox, replaced ones still in their overlap included. */
  private async allForMailbox(mailbox: Mailbox): Promise<StoredSubscription[]> {
    return (await this.store.list()).filter((s) => s.mailboxUserId === mailbox.entraObjectId);
  }

  /** Subscriptions of one mailbox, by record type (the current ones: not those a rotation replaced). */
  async forMailbox(mailbox: Mailbox): Promise<StoredSubscription[]> {
    return (await this.allForMailbox(mailbox)).filter((s) => !s.retireAfter);
  }

  /** Creates what an enabled mailbox lacks, deletes what it no longer syncs. */
  async ensureForMailbox(mailbox: Mailbox): Promise<StoredSubscription[]> {
    const existing = await this.allForMailbox(mailbox);
    const result: StoredSubscription[] = [];
    for (const recordType of SUBSCRIBABLE) {
      const ofType = existing.filter((s) => s.recordType === recordType);
      const current = ofType.find((s) => !s.retireAfter);
      const wanted = syncsRecordType(mailbox, recordType);
      if (wanted && !current) result.push(await this.create(mailbox, recordType));
      else if (wanted && current) result.push(current);
      else if (!wanted) for (const s of ofType) await this.remove(s);
    }
    return result;
  }

  async removeForMailbox(mailbox: Mailbox): Promise<number> {
    const existing = await this.allForMailbox(mailbox);
    for (const s of existing) await this.remove(s);
    return existing.length;
  }

  /** Deletes a subscription in Graph (one Graph no longer has is fine), then forgets it. */
  private async remove(s: StoredSubscription): Promise<void> {
    try {
      await this.graph.delete(s.mailboxUserId, s.subscriptionId);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await this.store.remove(s.subscriptionId);
  }

  /**
   * Replaces a subscription by a new one with a new clientState (same mailbox and resource). The new one is
   * created first: if that fails, the error is thrown and `s` stands as it was. The old one is then deleted
   * at once (`overlapMs` 0), or kept valid for `overlapMs` and deleted by the first renewal pass after that.
   * A failed delete does not undo the rotation: the old subscription is kept as replaced, due for deletion
   * by the next pass, and the result says so.
   */
  async rotate(s: StoredSubscription, mailbox: Mailbox, options: { overlapMs?: number; now?: number } = {}): Promise<RotationResult> {
    if (s.retireAfter) throw new Error(`Subscription ${s.subscriptionId} was already replaced by ${s.replacedBy ?? 'another'}`);
    const overlapMs = options.overlapMs ?? 0;
    const now = options.now ?? Date.now();
    const created = await this.create(mailbox, s.recordType);
    const result: RotationResult = { recordType: s.recordType, previousSubscriptionId: s.subscriptionId, subscriptionId: created.subscriptionId, previousRemoved: false };
    if (overlapMs > 0) {
      await this.store.save({ ...s, retireAfter: new Date(now + overlapMs).toISOString(), replacedBy: created.subscriptionId });
      return result;
    }
    try {
      await this.remove(s);
      result.previousRemoved = true;
    } catch (error) {
      await this.store.save({ ...s, retireAfter: new Date(now).toISOString(), replacedBy: created.subscriptionId });
      result.error = `The new subscription ${created.subscriptionId} is in place, but deleting the previous one failed: ${messageOf(error)}. ` +
        'Its clientState stays valid until the next renewal pass deletes it.';
    }
    return result;
  }

  /**
   * On-demand rotation of every subscription of a mailbox (e.g. after a suspected leak): each current one
   * is replaced and deleted at once; ones a previous rotation replaced are deleted now rather than after
   * their overlap. Each subscription is attempted even when another fails; results say which failed.
   */
  async rotateMailbox(mailbox: Mailbox, now = Date.now()): Promise<RotationResult[]> {
    const results: RotationResult[] = [];
    for (const s of await this.allForMailbox(mailbox)) {
      if (s.retireAfter) {
        try {
          await this.remove(s);
        } catch (error) {
          results.push({ recordType: s.recordType, previousSubscriptionId: s.subscriptionId, ...(s.replacedBy ? { subscriptionId: s.replacedBy } : {}), previousRemoved: false, error: `Deleting the replaced subscription failed: ${messageOf(error)}` });
        }
        continue;
      }
      if (!syncsRecordType(mailbox, s.recordType)) continue; // the renewal pass removes it
      try {
        results.push(await this.rotate(s, mailbox, { overlapMs: 0, now }));
      } catch (error) {
        results.push({ recordType: s.recordType, previousSubscriptionId: s.subscriptionId, previousRemoved: false, error: `Creating the new subscription failed (the previous one stays in use): ${messageOf(error)}` });
      }
    }
    return results;
  }

  /** Renews every subscription close to expiry; recreates those Graph no longer knows. */
  async renewDue(mailboxes: MailboxLookup, now = Date.now()): Promise<{ renewed: number; recreated: number; removed: number }> {
    const counts = { renewed: 0, recreated: 0, removed: 0 };
    for (const s of await this.store.list()) {
      // A replaced subscription only waits for its deletion (retireDue); it is never renewed nor recreated.
      if (s.retireAfter) continue;
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
        if (!isNotFound(error)) throw error;
        await this.store.remove(s.subscriptionId);
        await this.create(mailbox, s.recordType);
        counts.recreated += 1;
      }
    }
    return counts;
  }

  /** Is this subscription's clientState due for rotation at `now`? */
  clientStateExpired(s: StoredSubscription, now = Date.now()): boolean {
    return this.maxClientStateAgeMs > 0 && !s.retireAfter && now - Date.parse(s.createdAt) >= this.maxClientStateAgeMs;
  }

  /**
   * The renewal timer's pass: deletes replaced subscriptions whose overlap is over, rotates clientStates
   * older than clientStateMaxAgeDays (the old subscription kept for the overlap), then renews what is close
   * to expiry. A failed rotation or deletion is reported and retried by the next pass; the others go on.
   */
  async renewalPass(mailboxes: MailboxLookup, now = Date.now()): Promise<RenewalPassReport> {
    const report: RenewalPassReport = { renewed: 0, recreated: 0, removed: 0, rotated: 0, retired: 0, failures: [] };
    for (const s of await this.store.list()) {
      if (!s.retireAfter || Date.parse(s.retireAfter) > now) continue;
      try {
        await this.remove(s);
        report.retired += 1;
      } catch (error) {
        report.failures.push({ subscriptionId: s.subscriptionId, recordType: s.recordType, step: 'retire', error: messageOf(error) });
      }
    }
    for (const s of await this.store.list()) {
      if (!this.clientStateExpired(s, now)) continue;
      const mailbox = await mailboxes(s.systemUserId);
      if (!mailbox || !syncsRecordType(mailbox, s.recordType)) continue; // renewDue removes it
      try {
        await this.rotate(s, mailbox, { overlapMs: this.overlapMs, now });
        report.rotated += 1;
      } catch (error) {
        report.failures.push({ subscriptionId: s.subscriptionId, recordType: s.recordType, step: 'rotate', error: messageOf(error) });
      }
    }
    Object.assign(report, await this.renewDue(mailboxes, now));
    return report;
  }

  /** Handles a lifecycle event; returns the subscription that now stands (undefined if none). */
  async handleLifecycle(subscriptionId: string, event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed', mailboxes: MailboxLookup): Promise<StoredSubscription | undefined> {
    const s = await this.store.get(subscriptionId);
    if (!s) return undefined;
    const mailbox = await mailboxes(s.systemUserId);
    if (!mailbox || !syncsRecordType(mailbox, s.recordType)) {
      await this.remove(s);
      return undefined;
    }
    if (event === 'missed') return s;
    if (s.retireAfter) {
      // A replaced subscription is not kept alive: its replacement stands (a catch-up round is harmless).
      await this.remove(s);
      return s.replacedBy ? this.store.get(s.replacedBy) : undefined;
    }
    if (event === 'reauthorizationRequired') {
      try {
        await this.graph.reauthorize(s.mailboxUserId, s.subscriptionId);
        const renewed = await this.graph.renew(s.mailboxUserId, s.subscriptionId, this.expiration());
        const updated = { ...s, expirationDateTime: renewed.expirationDateTime, renewedAt: new Date().toISOString() };
        await this.store.save(updated);
        return updated;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    // subscriptionRemoved (or a reauthorization of a subscription Graph no longer has): recreate.
    await this.store.remove(s.subscriptionId);
    return this.create(mailbox, s.recordType);
  }
}

/**
 * Our Graph subscriptions (Table Storage, table `GraphSubscriptions`, keyed by subscription id so that a
 * notification's subscription is one point read — cached in memory, as notifications must be answered
 * well inside Graph's 3 seconds). Each holds its own random clientState secret. Graph cannot change a
 * subscription's clientState, so a rotation creates a new subscription (new secret) for the same resource;
 * the old one, marked `retireAfter`, stays stored — its notifications and secret still accepted — until it
 * is deleted (subscription-manager.ts).
 *
 * The cache is shared by every store of the same table in the process (the notification endpoint, the
 * runtime's manager): a subscription removed here is refused at once by this process; other instances
 * refuse it once their cached copy ages out (`cacheMs`). A miss is remembered only briefly, so that a
 * subscription created just after a notification asked for it is not refused for long.
 */
import { RestError, type TableClient } from '@azure/data-tables';
import type { RecordType } from '../mappings/field-mapping';
import { tableClient, type StorageConnection } from '../storage';
import { ensureTableOnce } from '../table-handle';

export const SUBSCRIPTIONS_TABLE = 'GraphSubscriptions';
const PARTITION = 'subscription';
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CACHED = 10_000;
/** How long a miss (no such subscription) is remembered, at most. */
const MISS_CACHE_MS = 2_000;

type CacheEntry = { value: StoredSubscription | undefined; at: number };
/** Per table (account URL + name): one cache for every SubscriptionStore of that table in the process. */
const caches = new Map<string, Map<string, CacheEntry>>();

export interface StoredSubscription {
  subscriptionId: string;
  mailboxUserId: string;
  systemUserId: string;
  recordType: RecordType;
  resource: string;
  /** Valid clientState secrets (the current one first). */
  clientStates: string[];
  expirationDateTime: string;
  /** When the subscription — and so its clientState, which Graph cannot change — was created. */
  createdAt: string;
  renewedAt?: string;
  /**
   * Set once a rotation replaced this subscription: it is no longer the mailbox's subscription for its
   * record type, but stays valid (its notifications accepted) until the first renewal pass after this time
   * deletes it.
   */
  retireAfter?: string;
  /** The subscription that replaced this one (with retireAfter). */
  replacedBy?: string;
}

interface Entity {
  partitionKey: string;
  rowKey: string;
  mailboxUserId: string;
  document: string;
}

export class SubscriptionStore {
  private readonly ensureTable: () => Promise<void>;
  private readonly cache: Map<string, CacheEntry>;

  constructor(private readonly table: TableClient, private readonly cacheMs = 30_000) {
    this.ensureTable = ensureTableOnce(table);
    const key = `${table.url}|${table.tableName}`;
    let shared = caches.get(key);
    if (!shared) caches.set(key, shared = new Map());
    this.cache = shared;
  }

  static fromConnectionString(connection: StorageConnection): SubscriptionStore {
    return new SubscriptionStore(tableClient(connection, SUBSCRIPTIONS_TABLE));
  }


  async get(subscriptionId: string): Promise<StoredSubscription | undefined> {
    // Graph's subscription ids are GUIDs. Anything else comes from a caller of our anonymous endpoint: not
    // ours, and not even a valid Table Storage key ('/', '#', '?', control characters → a 400 from storage).
    if (!SUBSCRIPTION_ID.test(subscriptionId)) return undefined;
    const hit = this.cache.get(subscriptionId);
    if (hit && Date.now() - hit.at < (hit.value ? this.cacheMs : Math.min(this.cacheMs, MISS_CACHE_MS))) return hit.value;
    await this.ensureTable();
    let value: StoredSubscription | undefined;
    try {
      value = JSON.parse((await this.table.getEntity<Entity>(PARTITION, subscriptionId)).document) as StoredSubscription;
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
    this.remember(subscriptionId, value);
    return value;
  }

  /** Bounded: random GUIDs posted to the anonymous endpoint must not grow the cache without end. */
  private remember(subscriptionId: string, value: StoredSubscription | undefined): void {
    this.cache.delete(subscriptionId);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(subscriptionId, { value, at: Date.now() });
  }

  async save(subscription: StoredSubscription): Promise<void> {
    await this.ensureTable();
    await this.table.upsertEntity<Entity>({ partitionKey: PARTITION, rowKey: subscription.subscriptionId, mailboxUserId: subscription.mailboxUserId, document: JSON.stringify(subscription) }, 'Replace');
    this.remember(subscription.subscriptionId, subscription);
  }

  async remove(subscriptionId: string): Promise<void> {
    await this.ensureTable();
    try {
      await this.table.deleteEntity(PARTITION, subscriptionId);
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
    this.cache.delete(subscriptionId);
  }

  async list(): Promise<StoredSubscription[]> {
    await this.ensureTable();
    const all: StoredSubscription[] = [];
    for await (const e of this.table.listEntities<Entity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) {
      all.push(JSON.parse(e.document) as StoredSubscription);
    }
    return all;
  }
}

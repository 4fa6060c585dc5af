/**
 * Our Graph subscriptions (Table Storage, table `GraphSubscriptions`, keyed by subscription id so that a
 * notification's subscription is one point read — cached in memory, as notifications must be answered
 * well inside Graph's 3 seconds). Each holds its own random clientState secret; during a rotation the
 * previous one stays valid until the subscription is renewed with the new one.
 */
import { RestError, type TableClient } from '@azure/data-tables';
import type { RecordType } from '../mappings/field-mapping';
import { tableClient, type StorageConnection } from '../storage';
import { ensureTableOnce } from '../table-handle';

export const SUBSCRIPTIONS_TABLE = 'GraphSubscriptions';
const PARTITION = 'subscription';
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CACHED = 10_000;

export interface StoredSubscription {
  subscriptionId: string;
  mailboxUserId: string;
  systemUserId: string;
  recordType: RecordType;
  resource: string;
  /** Valid clientState secrets (the current one first). */
  clientStates: string[];
  expirationDateTime: string;
  createdAt: string;
  renewedAt?: string;
}

interface Entity {
  partitionKey: string;
  rowKey: string;
  mailboxUserId: string;
  document: string;
}

export class SubscriptionStore {
  private readonly ensureTable: () => Promise<void>;
  private readonly cache = new Map<string, { value: StoredSubscription | undefined; at: number }>();

  constructor(private readonly table: TableClient, private readonly cacheMs = 30_000) {
    this.ensureTable = ensureTableOnce(table);
  }

  static fromConnectionString(connection: StorageConnection): SubscriptionStore {
    return new SubscriptionStore(tableClient(connection, SUBSCRIPTIONS_TABLE));
  }


  async get(subscriptionId: string): Promise<StoredSubscription | undefined> {
    // Graph's subscription ids are GUIDs. Anything else comes from a caller of our anonymous endpoint: not
    // ours, and not even a valid Table Storage key ('/', '#', '?', control characters → a 400 from storage).
    if (!SUBSCRIPTION_ID.test(subscriptionId)) return undefined;
    const hit = this.cache.get(subscriptionId);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.value;
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

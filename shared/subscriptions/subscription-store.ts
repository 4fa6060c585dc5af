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
    const hit = this.cache.get(subscriptionId);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.value;
    await this.ensureTable();
    let value: StoredSubscription | undefined;
    try {
      value = JSON.parse((await this.table.getEntity<Entity>(PARTITION, subscriptionId)).document) as StoredSubscription;
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
    this.cache.set(subscriptionId, { value, at: Date.now() });
    return value;
  }

  async save(subscription: StoredSubscription): Promise<void> {
    await this.ensureTable();
    await this.table.upsertEntity<Entity>({ partitionKey: PARTITION, rowKey: subscription.subscriptionId, mailboxUserId: subscription.mailboxUserId, document: JSON.stringify(subscription) }, 'Replace');
    this.cache.set(subscription.subscriptionId, { value: subscription, at: Date.now() });
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

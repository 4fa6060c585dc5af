/**
 * The mailbox registry (Azure Table Storage, table `Mailboxes`, one row per CRM user keyed by
 * systemuserid). Writes are read-modify-write under the row's ETag, retried on a lost race, so that the
 * worker's counters and the admin API's changes never overwrite each other.
 */
import { RestError, type TableClient } from '@azure/data-tables';
import { tableClient, type StorageConnection } from '../storage';
import { ensureTableOnce } from '../table-handle';
import type { Mailbox, MailboxAlert } from './mailbox';

export const MAILBOXES_TABLE = 'Mailboxes';
const PARTITION = 'mailbox';
/** Alerts kept per mailbox (newest first). */
const MAX_ALERTS = 20;

/**
 * How stale a mailbox may be on the sync's hot path (getRecent): one table read less per change. Writes in
 * this process refresh it at once; another instance's change (a disable) is seen within this time.
 */
export const MAILBOX_CACHE_MS = 3_000;

/** Per table (every registry of one table in this process shares it): systemuserid → row and when it was read. */
const caches = new Map<string, Map<string, { mailbox: Mailbox | undefined; at: number }>>();

interface MailboxEntity {
  partitionKey: string;
  rowKey: string;
  entraObjectId: string;
  document: string;
}

export class MailboxRegistry {
  private readonly ensureTable: () => Promise<void>;
  private readonly cache: Map<string, { mailbox: Mailbox | undefined; at: number }>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = ensureTableOnce(table);
    const key = table.url;
    if (!caches.has(key)) caches.set(key, new Map());
    this.cache = caches.get(key)!;
  }

  private remember(systemUserId: string, mailbox: Mailbox | undefined): void {
    this.cache.set(systemUserId.toLowerCase(), { mailbox, at: Date.now() });
  }

  /** The mailbox as read at most `maxAgeMs` ago (the sync's hot path); `get` always reads. */
  async getRecent(systemUserId: string, maxAgeMs = MAILBOX_CACHE_MS): Promise<Mailbox | undefined> {
    const hit = this.cache.get(systemUserId.toLowerCase());
    if (hit && Date.now() - hit.at < maxAgeMs) return hit.mailbox;
    return this.get(systemUserId);
  }

  static fromConnectionString(connection: StorageConnection): MailboxRegistry {
    return new MailboxRegistry(tableClient(connection, MAILBOXES_TABLE));
  }


  async get(systemUserId: string): Promise<Mailbox | undefined> {
    await this.ensureTable();
    try {
      const e = await this.table.getEntity<MailboxEntity>(PARTITION, systemUserId.toLowerCase());
      const mailbox = JSON.parse(e.document) as Mailbox;
      this.remember(systemUserId, mailbox);
      return mailbox;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) {
        this.remember(systemUserId, undefined);
        return undefined;
      }
      throw error;
    }
  }

  async list(): Promise<Mailbox[]> {
    await this.ensureTable();
    const result: Mailbox[] = [];
    for await (const e of this.table.listEntities<MailboxEntity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) {
      result.push(JSON.parse(e.document) as Mailbox);
    }
    return result.sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  /** Adds a mailbox unless one exists (users appear without manual registration). */
  async ensure(mailbox: Mailbox): Promise<Mailbox> {
    await this.ensureTable();
    try {
      await this.table.createEntity<MailboxEntity>({ partitionKey: PARTITION, rowKey: mailbox.systemUserId, entraObjectId: mailbox.entraObjectId, document: JSON.stringify(mailbox) });
      this.remember(mailbox.systemUserId, mailbox);
      return mailbox;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 409) return (await this.get(mailbox.systemUserId))!;
      throw error;
    }
  }

  /** Applies `change` to the stored mailbox under its ETag, retrying lost races; undefined if absent. */
  async update(systemUserId: string, change: (mailbox: Mailbox) => void): Promise<Mailbox | undefined> {
    await this.ensureTable();
    for (let attempt = 0; attempt < 10; attempt++) {
      let entity;
      try {
        entity = await this.table.getEntity<MailboxEntity>(PARTITION, systemUserId.toLowerCase());
      } catch (error) {
        if (error instanceof RestError && error.statusCode === 404) return undefined;
        throw error;
      }
      const mailbox = JSON.parse(entity.document) as Mailbox;
      change(mailbox);
      try {
        await this.table.updateEntity<MailboxEntity>(
          { partitionKey: PARTITION, rowKey: mailbox.systemUserId, entraObjectId: mailbox.entraObjectId, document: JSON.stringify(mailbox) },
          'Replace', { etag: entity.etag });
        this.remember(systemUserId, mailbox);
        return mailbox;
      } catch (error) {
        if (!(error instanceof RestError && error.statusCode === 412)) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new Error(`Mailbox ${systemUserId} is being updated by too many writers at once`);
  }

  async addAlert(systemUserId: string, severity: MailboxAlert['severity'], message: string): Promise<void> {
    await this.update(systemUserId, (m) => {
      m.alerts = [{ time: new Date().toISOString(), severity, message }, ...m.alerts].slice(0, MAX_ALERTS);
    });
  }
}

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

interface MailboxEntity {
  partitionKey: string;
  rowKey: string;
  entraObjectId: string;
  document: string;
}

export class MailboxRegistry {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = ensureTableOnce(table);
  }

  static fromConnectionString(connection: StorageConnection): MailboxRegistry {
    return new MailboxRegistry(tableClient(connection, MAILBOXES_TABLE));
  }


  async get(systemUserId: string): Promise<Mailbox | undefined> {
    await this.ensureTable();
    try {
      const e = await this.table.getEntity<MailboxEntity>(PARTITION, systemUserId.toLowerCase());
      return JSON.parse(e.document) as Mailbox;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
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

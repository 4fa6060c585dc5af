/**
 * Where each mailbox's delta rounds stand (table `DeltaCursors`, PartitionKey = mailbox, RowKey = record
 * type): the @odata.deltaLink of the last complete round. Losing one only costs a full round, which the
 * worker absorbs cheaply (unchanged items are skipped by etag without a read).
 */
import { RestError, type TableClient } from '@azure/data-tables';
import type { RecordType } from '../mappings/field-mapping';
import { tableClient, type StorageConnection } from '../storage';
import { ensureTableOnce } from '../table-handle';

export const DELTA_CURSORS_TABLE = 'DeltaCursors';

export class DeltaCursorStore {
  private readonly ensureTable: () => Promise<void>;
  constructor(private readonly table: TableClient) {
    this.ensureTable = ensureTableOnce(table);
  }

  static fromConnectionString(connection: StorageConnection): DeltaCursorStore {
    return new DeltaCursorStore(tableClient(connection, DELTA_CURSORS_TABLE));
  }


  async get(mailboxUserId: string, recordType: RecordType): Promise<string | undefined> {
    await this.ensureTable();
    try {
      return (await this.table.getEntity<{ deltaLink: string }>(mailboxUserId.toLowerCase(), recordType)).deltaLink;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async set(mailboxUserId: string, recordType: RecordType, deltaLink: string): Promise<void> {
    await this.ensureTable();
    await this.table.upsertEntity({ partitionKey: mailboxUserId.toLowerCase(), rowKey: recordType, deltaLink }, 'Replace');
  }

  async clear(mailboxUserId: string, recordType: RecordType): Promise<void> {
    await this.ensureTable();
    try {
      await this.table.deleteEntity(mailboxUserId.toLowerCase(), recordType);
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
  }
}

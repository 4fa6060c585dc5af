/**
 * The correlation table (Azure Table Storage). Keys are chosen so that each look-up is one point read:
 * - the link itself:        PartitionKey `crm|<recordType>|<crmId>`, RowKey `link`
 *   (found from a Dataverse change, whatever the owner was before — an owner change moves the item between
 *   mailboxes, so the mailbox cannot be part of this key);
 * - the Graph-side index:   PartitionKey `mailbox|<mailboxUserId>`, RowKey base64url(<graphId>)
 *   (found from a Graph notification or delta, which know the mailbox and the item id; the partition also
 *   lists every linked item of a mailbox, for disable and reconciliation).
 * The two live in different partitions, so they cannot share a transaction: the link row is the truth and
 * is written first with an ETag condition; the index is derived from it and upserted after (an index row
 * left behind by a crash is detected on read, because it must point back to a link naming the same id).
 */
import { RestError, TableClient, type TableEntityResult } from '@azure/data-tables';
import type { RecordType } from '../mappings/field-mapping';
import { tableClient, type StorageConnection } from '../storage';
import { ensureTableOnce } from '../table-handle';
import type { SyncLink } from './link';

export const LINKS_TABLE = 'SyncLinks';

/** Raised when a conditional write lost a race: re-read and decide again. */
export class LinkConflictError extends Error {
  constructor(readonly recordType: RecordType, readonly crmId: string, reason: string) {
    super(`Correlation link ${recordType} ${crmId} changed concurrently (${reason}); re-read and retry`);
    this.name = 'LinkConflictError';
  }
}

interface LinkEntity {
  partitionKey: string;
  rowKey: string;
  recordType: string;
  crmId: string;
  mailboxUserId: string;
  ownerSystemUserId: string;
  state: string;
  graphId?: string;
  graphContainerId?: string;
  transactionId: string;
  claim?: string;
  crmVersion?: string;
  graphEtag?: string;
  /** JSON of SyncLink.crmState / graphModified. */
  crmState?: string;
  graphModified?: string;
  snapshot: string;
  intent?: string;
  deletedInExchange?: boolean;
  crmDeleted?: boolean;
  lastError?: string;
  lastErrorAt?: string;
  createdAt: string;
  updatedAt: string;
}

interface IndexEntity {
  partitionKey: string;
  rowKey: string;
  recordType: string;
  crmId: string;
  graphId: string;
}

const linkKey = (recordType: RecordType, crmId: string) => ({ partitionKey: `crm|${recordType}|${crmId.toLowerCase()}`, rowKey: 'link' });
const indexKey = (mailboxUserId: string, graphId: string) => ({
  partitionKey: `mailbox|${mailboxUserId.toLowerCase()}`,
  rowKey: Buffer.from(graphId, 'utf8').toString('base64url'),
});

/** Which index row a linked link needs: SyncLink.indexedAs. */
function indexName(mailboxUserId: string, graphId: string): string {
  return `${mailboxUserId.toLowerCase()}|${graphId}`;
}

/** The index row `link` needs and lacks (linked, naming an item other than the one indexed when read). */
function indexNeeded(link: Pick<SyncLink, 'state' | 'graphId' | 'mailboxUserId' | 'indexedAs'>): string | undefined {
  if (link.state !== 'linked' || !link.graphId) return undefined;
  const name = indexName(link.mailboxUserId, link.graphId);
  return name === link.indexedAs ? undefined : name;
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError && error.statusCode === status;
}

function toEntity(link: SyncLink): LinkEntity {
  const entity: LinkEntity = {
    ...linkKey(link.recordType, link.crmId),
    recordType: link.recordType,
    crmId: link.crmId.toLowerCase(),
    mailboxUserId: link.mailboxUserId.toLowerCase(),
    ownerSystemUserId: link.ownerSystemUserId.toLowerCase(),
    state: link.state,
    transactionId: link.transactionId,
    snapshot: JSON.stringify(link.snapshot),
    createdAt: link.createdAt,
    updatedAt: link.updatedAt,
  };
  if (link.intent && (link.intent.crm || link.intent.exchange)) entity.intent = JSON.stringify(link.intent);
  if (link.crmState) entity.crmState = JSON.stringify(link.crmState);
  if (link.graphModified) entity.graphModified = JSON.stringify(link.graphModified);
  // Table storage rejects undefined properties; leave absent ones out.
  for (const key of ['graphId', 'graphContainerId', 'claim', 'crmVersion', 'graphEtag', 'deletedInExchange', 'crmDeleted', 'lastError', 'lastErrorAt'] as const) {
    if (link[key] !== undefined) (entity as unknown as Record<string, unknown>)[key] = link[key];
  }
  return entity;
}

function fromEntity(e: TableEntityResult<LinkEntity>): SyncLink {
  return {
    recordType: e.recordType as RecordType,
    crmId: e.crmId,
    mailboxUserId: e.mailboxUserId,
    ownerSystemUserId: e.ownerSystemUserId,
    state: e.state as SyncLink['state'],
    graphId: e.graphId,
    graphContainerId: e.graphContainerId,
    transactionId: e.transactionId,
    claim: e.claim,
    crmVersion: e.crmVersion,
    graphEtag: e.graphEtag,
    snapshot: JSON.parse(e.snapshot) as SyncLink['snapshot'],
    intent: e.intent ? JSON.parse(e.intent) as SyncLink['intent'] : undefined,
    crmState: e.crmState ? JSON.parse(e.crmState) as SyncLink['crmState'] : undefined,
    graphModified: e.graphModified ? JSON.parse(e.graphModified) as SyncLink['graphModified'] : undefined,
    deletedInExchange: e.deletedInExchange,
    crmDeleted: e.crmDeleted,
    lastError: e.lastError,
    lastErrorAt: e.lastErrorAt,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    etag: e.etag,
    // A linked link's index row was written before the link named its item (create/update below).
    indexedAs: e.state === 'linked' && e.graphId ? indexName(e.mailboxUserId, e.graphId) : undefined,
  };
}

export class CorrelationStore {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = ensureTableOnce(table);
  }

  static fromConnectionString(connection: StorageConnection, tableName = LINKS_TABLE): CorrelationStore {
    return new CorrelationStore(tableClient(connection, tableName));
  }


  /** The link of a Dataverse row, or undefined. One point read. */
  async getByCrmId(recordType: RecordType, crmId: string): Promise<SyncLink | undefined> {
    await this.ensureTable();
    const { partitionKey, rowKey } = linkKey(recordType, crmId);
    try {
      return fromEntity(await this.table.getEntity<LinkEntity>(partitionKey, rowKey));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** The link of a Graph item in a mailbox, or undefined. One point read, plus one to follow the index. */
  async getByGraphId(mailboxUserId: string, graphId: string): Promise<SyncLink | undefined> {
    await this.ensureTable();
    const { partitionKey, rowKey } = indexKey(mailboxUserId, graphId);
    let index: IndexEntity;
    try {
      index = await this.table.getEntity<IndexEntity>(partitionKey, rowKey);
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
    const link = await this.getByCrmId(index.recordType as RecordType, index.crmId);
    // An index left over from a link that has since moved or been recreated no longer counts.
    if (!link || link.graphId !== graphId || link.mailboxUserId !== mailboxUserId.toLowerCase()) return undefined;
    return link;
  }

  /** Throws LinkConflictError when the link was changed (or deleted) since `link` was read: decide again. */
  async assertUnchanged(link: SyncLink): Promise<void> {
    const latest = await this.getByCrmId(link.recordType, link.crmId);
    if (latest?.etag !== link.etag) throw new LinkConflictError(link.recordType, link.crmId, 'changed by another worker meanwhile');
  }

  /** Creates a link; fails with LinkConflictError if one exists (another worker got there first). */
  async create(link: Omit<SyncLink, 'etag'>): Promise<SyncLink> {
    await this.ensureTable();
    const indexedAs = indexNeeded(link);
    // The index first: a linked link's index then always exists (a crash in between leaves an index row
    // pointing at a link that does not name its item, which readers ignore).
    if (indexedAs) await this.writeIndex(link);
    try {
      const result = await this.table.createEntity(toEntity(link));
      return { ...link, etag: result.etag, indexedAs: link.state === 'linked' ? indexedAs ?? link.indexedAs : undefined };
    } catch (error) {
      if (isStatus(error, 409)) throw new LinkConflictError(link.recordType, link.crmId, 'already exists');
      throw error;
    }
  }

  /** Replaces a link if it is unchanged since read (its etag); else LinkConflictError. */
  async update(link: SyncLink): Promise<SyncLink> {
    await this.ensureTable();
    if (!link.etag) throw new Error('update() needs a link read from the store (with its etag)');
    // The index is written only when the link comes to name another item (create, move), and before it does:
    // an update that keeps the item costs no index write.
    const indexedAs = indexNeeded(link);
    if (indexedAs) await this.writeIndex(link);
    try {
      const result = await this.table.updateEntity(toEntity(link), 'Replace', { etag: link.etag });
      return { ...link, etag: result.etag, indexedAs: link.state === 'linked' ? indexedAs ?? link.indexedAs : undefined };
    } catch (error) {
      if (isStatus(error, 412) || isStatus(error, 404)) throw new LinkConflictError(link.recordType, link.crmId, 'etag mismatch');
      throw error;
    }
  }

  /**
   * Marks the row deleted in CRM: an existing link becomes its tombstone (unlinked, index removed), or a
   * tombstone is created for a row never linked. Conditional like every write: LinkConflictError → decide again.
   */
  async recordCrmDeletion(recordType: RecordType, crmId: string, link?: SyncLink): Promise<SyncLink> {
    const at = new Date().toISOString();
    if (!link) {
      return this.create({ recordType, crmId, mailboxUserId: '', ownerSystemUserId: '', state: 'unlinked', crmDeleted: true, transactionId: '', snapshot: {}, createdAt: at, updatedAt: at });
    }
    const tombstone = await this.update({ ...link, state: 'unlinked', crmDeleted: true, claim: undefined, intent: undefined, updatedAt: at });
    if (link.graphId) await this.deleteIndex(link.mailboxUserId, link.graphId);
    return tombstone;
  }

  /** Deletes the tombstones of rows deleted before `before` (SyncLink.crmDeleted); returns how many. */
  async pruneTombstones(before: Date): Promise<number> {
    await this.ensureTable();
    let pruned = 0;
    const rows = this.table.listEntities<LinkEntity>({
      queryOptions: { filter: `RowKey eq 'link' and crmDeleted eq true and updatedAt lt '${before.toISOString()}'`, select: ['PartitionKey', 'RowKey'] },
    });
    for await (const row of rows) {
      try {
        await this.table.deleteEntity(row.partitionKey!, row.rowKey!, { etag: row.etag });
        pruned += 1;
      } catch (error) {
        if (!isStatus(error, 404) && !isStatus(error, 412)) throw error; // gone or changed meanwhile: leave it
      }
    }
    return pruned;
  }

  /** Deletes a link (and its index) if unchanged since read. */
  async delete(link: SyncLink): Promise<void> {
    await this.ensureTable();
    const { partitionKey, rowKey } = linkKey(link.recordType, link.crmId);
    try {
      await this.table.deleteEntity(partitionKey, rowKey, { etag: link.etag ?? '*' });
    } catch (error) {
      if (isStatus(error, 412)) throw new LinkConflictError(link.recordType, link.crmId, 'etag mismatch');
      if (!isStatus(error, 404)) throw error;
    }
    if (link.graphId) await this.deleteIndex(link.mailboxUserId, link.graphId);
  }

  /** Removes the Graph-side index of a link whose item left a mailbox (owner change, unlink). */
  async deleteIndex(mailboxUserId: string, graphId: string): Promise<void> {
    const { partitionKey, rowKey } = indexKey(mailboxUserId, graphId);
    try {
      await this.table.deleteEntity(partitionKey, rowKey);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
  }

  /** Every link whose item is in a mailbox (follows the mailbox's index partition). */
  async *listByMailbox(mailboxUserId: string): AsyncIterable<SyncLink> {
    await this.ensureTable();
    const partitionKey = `mailbox|${mailboxUserId.toLowerCase()}`;
    const rows = this.table.listEntities<IndexEntity>({
      queryOptions: { filter: `PartitionKey eq '${partitionKey.replace(/'/g, "''")}'` },
    });
    for await (const index of rows) {
      const link = await this.getByCrmId(index.recordType as RecordType, index.crmId);
      if (link && link.graphId === index.graphId && link.mailboxUserId === mailboxUserId.toLowerCase()) yield link;
    }
  }

  private async writeIndex(link: SyncLink): Promise<void> {
    if (!link.graphId || link.state !== 'linked') return;
    const entity: IndexEntity = {
      ...indexKey(link.mailboxUserId, link.graphId),
      recordType: link.recordType,
      crmId: link.crmId.toLowerCase(),
      graphId: link.graphId,
    };
    await this.table.upsertEntity(entity, 'Replace');
  }
}

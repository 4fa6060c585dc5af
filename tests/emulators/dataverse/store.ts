/**
 * The org's rows, in memory, with what the platform keeps beside them: the org-wide row version (the SQL
 * rowversion behind `versionnumber` and `@odata.etag`), a log of deletions for change tracking, and
 * transactions.
 *
 * A transaction is an undo log carried through async calls (AsyncLocalStorage): a request, or a `$batch` change
 * set whose inner requests join it, either commits (its after-commit work runs: operation listeners) or undoes
 * exactly the rows it touched, so concurrent requests on other rows are unaffected. Row versions are not given
 * back on rollback, as SQL Server's are not.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Row } from './context';

interface Transaction {
  undo: Array<() => void>;
  afterCommit: Array<() => void>;
}

export interface Deletion {
  table: string;
  id: string;
  version: number;
}

export class RowStore {
  private readonly data = new Map<string, Map<string, Row>>();
  private readonly deletions: Deletion[] = [];
  private readonly transactions = new AsyncLocalStorage<Transaction>();
  private version: number;
  /** Change-tracking tokens issued at or below this version are refused as expired. */
  private expiredThrough = 0;

  constructor(startVersion = 72_936_000) {
    this.version = startVersion;
  }

  get currentVersion(): number { return this.version; }
  nextVersion(): number { return ++this.version; }

  isExpired(tokenVersion: number): boolean { return tokenVersion <= this.expiredThrough; }

  /** Invalidates every change-tracking token issued so far (the next token is newer than any old one). */
  expireTokens(): void {
    this.expiredThrough = this.version;
    this.version += 1;
  }

  private table(logicalName: string): Map<string, Row> {
    let rows = this.data.get(logicalName);
    if (!rows) {
      rows = new Map();
      this.data.set(logicalName, rows);
    }
    return rows;
  }

  /** The stored row (do not mutate; `put` a changed copy). */
  get(logicalName: string, id: string): Row | undefined {
    return this.table(logicalName).get(id.toLowerCase());
  }

  rows(logicalName: string): Row[] {
    return [...this.table(logicalName).values()];
  }

  put(logicalName: string, id: string, row: Row): void {
    const rows = this.table(logicalName);
    const key = id.toLowerCase();
    const previous = rows.get(key);
    this.recordUndo(() => { if (previous) rows.set(key, previous); else rows.delete(key); });
    rows.set(key, row);
  }

  remove(logicalName: string, id: string): Row | undefined {
    const rows = this.table(logicalName);
    const key = id.toLowerCase();
    const previous = rows.get(key);
    if (!previous) return undefined;
    rows.delete(key);
    const entry: Deletion = { table: logicalName, id: key, version: this.nextVersion() };
    this.deletions.push(entry);
    this.recordUndo(() => {
      rows.set(key, previous);
      const index = this.deletions.indexOf(entry);
      if (index >= 0) this.deletions.splice(index, 1);
    });
    return previous;
  }

  /** Deletions of a table after a version, oldest first. */
  deletionsSince(logicalName: string, version: number): Deletion[] {
    return this.deletions.filter((d) => d.table === logicalName && d.version > version);
  }

  private recordUndo(undo: () => void): void {
    this.transactions.getStore()?.undo.push(undo);
  }

  get inTransaction(): boolean { return this.transactions.getStore() !== undefined; }

  /** Runs `fn` in the current transaction, or in a new one that commits when `fn` resolves and undoes on throw. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.transactions.getStore()) return fn();
    const tx: Transaction = { undo: [], afterCommit: [] };
    let result: T;
    try {
      result = await this.transactions.run(tx, fn);
    } catch (error) {
      for (const undo of tx.undo.reverse()) undo();
      throw error;
    }
    for (const work of tx.afterCommit) work();
    return result;
  }

  /** Runs `work` once the outermost transaction commits (dropped on rollback); immediately outside one. */
  afterCommit(work: () => void): void {
    const tx = this.transactions.getStore();
    if (tx) tx.afterCommit.push(work);
    else work();
  }
}

/**
 * Test helper: a minimal in-memory DataverseContext (no Web API, no network) for unit tests of the registration
 * side. Writes are made directly, as the sync application user, and follow the server's pipeline contract:
 * in-transaction listeners (a throw rolls the write back), then onOperation listeners; lookups are stored as
 * `{ id, logicalName }` as the server stores them.
 */
import { randomUUID } from 'node:crypto';
import { EmulatorHttpError, EmulatorServer } from '../common/server';
import type { SandboxSeed } from '../seed';
import type { DataverseContext, DataverseOperation, Row, TableDefinition } from './context';

export class WebhookTestContext {
  readonly ctx: DataverseContext;
  private readonly tables = new Map<string, { def: TableDefinition; rows: Row[] }>();
  private readonly listeners = new Set<(op: DataverseOperation) => void>();
  private readonly txListeners = new Set<(op: DataverseOperation) => Promise<void>>();

  constructor(readonly seed: SandboxSeed) {
    const tables = this.tables;
    this.ctx = {
      server: new EmulatorServer({ name: 'dataverse-test' }),
      seed,
      orgUrl: () => 'https://127.0.0.1:7302',
      organizationId: '4ef5b371-e89e-e711-8122-000d3aa2331c',
      organizationName: 'sandbox',
      authenticate: () => { throw new Error('not used in these tests'); },
      registerTable: (def) => { tables.set(def.logicalName, { def, rows: (def.seedRows ?? []).map((r) => this.normalize(def, r)) }); },
      rows: (logicalName) => this.table(logicalName).rows.map((r) => ({ ...r })),
      onOperation: (listener) => { this.listeners.add(listener); return () => { this.listeners.delete(listener); }; },
      onOperationInTransaction: (listener) => { this.txListeners.add(listener); return () => { this.txListeners.delete(listener); }; },
      putRow: (logicalName, row) => this.put(logicalName, this.normalize(this.table(logicalName).def, row)),
      deleteRow: (logicalName, id) => this.remove(logicalName, id),
      dataverseError: (status, code, message, headers) => new EmulatorHttpError(status, { error: { code, message } }, headers),
    };
  }

  table(logicalName: string): { def: TableDefinition; rows: Row[] } {
    const t = this.tables.get(logicalName);
    if (!t) throw new Error(`no table ${logicalName}`);
    return t;
  }

  /** Bare GUIDs in lookup columns become EntityRefs, as the server stores them (context.ts, Row). */
  private normalize(def: TableDefinition, row: Row): Row {
    const out: Row = { ...row };
    for (const [column, value] of Object.entries(row)) {
      const type = def.columns[column]?.type;
      if (typeof value === 'string' && (type === 'lookup' || type === 'owner' || type === 'customer')) {
        out[column] = { id: value.toLowerCase(), logicalName: def.columns[column]!.targets?.[0] ?? 'unknown' };
      }
    }
    return out;
  }

  private put(logicalName: string, row: Row): void {
    const t = this.table(logicalName);
    const key = t.def.primaryIdAttribute;
    const i = t.rows.findIndex((r) => r[key] === row[key]);
    if (i >= 0) t.rows[i] = row;
    else t.rows.push(row);
  }

  private remove(logicalName: string, id: string): void {
    const t = this.table(logicalName);
    const i = t.rows.findIndex((r) => r[t.def.primaryIdAttribute] === id);
    if (i >= 0) t.rows.splice(i, 1);
  }

  private async write(messageName: DataverseOperation['messageName'], logicalName: string, id: string,
    parts: { target: Row; before?: Row; after?: Row }, apply: () => void, undo: () => void): Promise<void> {
    const user = this.seed.clients.sync.dataverseApplicationUserId!;
    const requestId = randomUUID();
    const op: DataverseOperation = {
      messageName, table: this.table(logicalName).def, id, ...parts, initiatingUserId: user, userId: user,
      correlationId: randomUUID(), requestId, operationId: requestId, depth: 1, operationCreatedOn: new Date(),
    };
    apply();
    try {
      for (const listener of [...this.txListeners]) await listener(op);
    } catch (error) {
      undo();
      throw error;
    }
    for (const listener of [...this.listeners]) listener(op);
  }

  async create(logicalName: string, row: Row): Promise<string> {
    const { def } = this.table(logicalName);
    const id = String(row[def.primaryIdAttribute] ?? randomUUID());
    const after: Row = { ...this.normalize(def, row), [def.primaryIdAttribute]: id };
    await this.write('Create', logicalName, id, { target: row, after }, () => this.put(logicalName, after), () => this.remove(logicalName, id));
    return id;
  }

  async update(logicalName: string, id: string, patch: Row): Promise<void> {
    const { def, rows } = this.table(logicalName);
    const before = rows.find((r) => r[def.primaryIdAttribute] === id);
    if (!before) throw new Error(`${logicalName} ${id} not found`);
    const after: Row = { ...before, ...this.normalize(def, patch) };
    await this.write('Update', logicalName, id, { target: patch, before, after }, () => this.put(logicalName, after), () => this.put(logicalName, before));
  }

  async delete(logicalName: string, id: string): Promise<void> {
    const { def, rows } = this.table(logicalName);
    const before = rows.find((r) => r[def.primaryIdAttribute] === id);
    if (!before) throw new Error(`${logicalName} ${id} not found`);
    await this.write('Delete', logicalName, id, { target: {}, before }, () => this.remove(logicalName, id), () => this.put(logicalName, before));
  }
}

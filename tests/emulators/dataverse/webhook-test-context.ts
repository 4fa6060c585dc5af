/**
 * Test helper: a minimal in-memory DataverseContext (no Web API) for testing the webhook feature on its own:
 * writes are made programmatically and run the same pipeline contract the server follows (in-transaction
 * listeners with rollback on a throw, then onOperation listeners). Lookups are stored in the logical shape.
 */
import { randomUUID } from 'node:crypto';
import { EmulatorHttpError, EmulatorServer } from '../common/server';
import type { SandboxCertificate } from '../common/tls';
import type { SandboxSeed } from '../seed';
import type { DataverseContext, DataverseOperation, Row, TableDefinition } from './context';

export interface TestWriteOptions {
  /** The caller's own systemuserid (default: the seed's sync application user). */
  callerId?: string;
  /** The impersonated user (default: the caller). */
  userId?: string;
  tag?: string;
}

export class WebhookTestContext {
  readonly server: EmulatorServer;
  readonly ctx: DataverseContext;
  private readonly tables = new Map<string, { def: TableDefinition; rows: Row[] }>();
  private readonly listeners: ((op: DataverseOperation) => void)[] = [];
  private readonly txListeners: ((op: DataverseOperation) => Promise<void>)[] = [];

  constructor(readonly seed: SandboxSeed, tls: SandboxCertificate, options: { inTransactionHook?: boolean } = {}) {
    this.server = new EmulatorServer({ name: 'dataverse-test', tls });
    const self = this;
    const ctx: DataverseContext = {
      server: this.server,
      seed,
      orgUrl: () => this.server.url || 'https://127.0.0.1:7302',
      organizationId: '4ef5b371-e89e-e711-8122-000d3aa2331c',
      organizationName: 'sandbox',
      authenticate: () => { throw new Error('not used in these tests'); },
      registerTable(def) { self.tables.set(def.logicalName, { def, rows: (def.seedRows ?? []).map((r) => ({ ...r })) }); },
      rows(logicalName) { return self.table(logicalName).rows.map((r) => ({ ...r })); },
      onOperation(listener) {
        self.listeners.push(listener);
        return () => { self.listeners.splice(self.listeners.indexOf(listener), 1); };
      },
      putRow(logicalName, row) { self.put(logicalName, row); },
      deleteRow(logicalName, id) { self.remove(logicalName, id); },
      dataverseError(status, code, message, headers) { return new EmulatorHttpError(status, { error: { code, message } }, headers); },
    };
    if (options.inTransactionHook !== false) {
      ctx.onOperationInTransaction = (listener) => {
        self.txListeners.push(listener);
        return () => { self.txListeners.splice(self.txListeners.indexOf(listener), 1); };
      };
    }
    this.ctx = ctx;
  }

  table(logicalName: string): { def: TableDefinition; rows: Row[] } {
    const t = this.tables.get(logicalName);
    if (!t) throw new Error(`no table ${logicalName}`);
    return t;
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

  /** Bare GUIDs in lookup columns become EntityRefs, as the server stores them (context.ts, Row). */
  private normalize(logicalName: string, row: Row): Row {
    const { columns } = this.table(logicalName).def;
    const out: Row = { ...row };
    for (const [column, value] of Object.entries(row)) {
      const def = columns[column];
      if (typeof value === 'string' && def && ['lookup', 'owner', 'customer'].includes(def.type)) {
        out[column] = { id: value.toLowerCase(), logicalName: def.targets?.[0] ?? 'unknown' };
      }
    }
    return out;
  }

  private async run(op: DataverseOperation, apply: () => void, undo: () => void): Promise<void> {
    apply();
    try {
      for (const l of [...this.txListeners]) await l(op);
    } catch (error) {
      undo();
      throw error;
    }
    for (const l of [...this.listeners]) l(op);
  }

  private operation(messageName: DataverseOperation['messageName'], logicalName: string, id: string, target: Row, before: Row | undefined, after: Row | undefined, o: TestWriteOptions): DataverseOperation {
    const callerId = o.callerId ?? this.seed.clients.sync.dataverseApplicationUserId!;
    const requestId = randomUUID();
    return {
      messageName, table: this.table(logicalName).def, id, target,
      ...(before ? { before } : {}), ...(after ? { after } : {}),
      initiatingUserId: callerId, userId: o.userId ?? callerId,
      correlationId: randomUUID(), requestId, operationId: requestId, depth: 1, operationCreatedOn: new Date(),
      ...(o.tag !== undefined ? { tag: o.tag } : {}),
    };
  }

  private stamp(o: TestWriteOptions): Row {
    const user = o.userId ?? o.callerId ?? this.seed.clients.sync.dataverseApplicationUserId!;
    const caller = o.callerId ?? this.seed.clients.sync.dataverseApplicationUserId!;
    return {
      modifiedon: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      modifiedby: { id: user, logicalName: 'systemuser' },
      modifiedonbehalfby: o.userId && o.userId !== caller ? { id: caller, logicalName: 'systemuser' } : null,
    };
  }

  async create(logicalName: string, row: Row, o: TestWriteOptions = {}): Promise<string> {
    const t = this.table(logicalName);
    const id = String(row[t.def.primaryIdAttribute] ?? randomUUID());
    const after: Row = { ...this.normalize(logicalName, row), [t.def.primaryIdAttribute]: id, createdon: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), ...this.stamp(o), versionnumber: Date.now() };
    await this.run(this.operation('Create', logicalName, id, row, undefined, after, o), () => this.put(logicalName, after), () => this.remove(logicalName, id));
    return id;
  }

  async update(logicalName: string, id: string, patch: Row, o: TestWriteOptions = {}): Promise<void> {
    const t = this.table(logicalName);
    const before = t.rows.find((r) => r[t.def.primaryIdAttribute] === id);
    if (!before) throw new Error(`${logicalName} ${id} not found`);
    const after: Row = { ...before, ...this.normalize(logicalName, patch), ...this.stamp(o), versionnumber: Date.now() };
    await this.run(this.operation('Update', logicalName, id, patch, { ...before }, after, o), () => this.put(logicalName, after), () => this.put(logicalName, before));
  }

  async delete(logicalName: string, id: string, o: TestWriteOptions = {}): Promise<void> {
    const t = this.table(logicalName);
    const before = t.rows.find((r) => r[t.def.primaryIdAttribute] === id);
    if (!before) throw new Error(`${logicalName} ${id} not found`);
    await this.run(this.operation('Delete', logicalName, id, {}, { ...before }, undefined, o), () => this.remove(logicalName, id), () => this.put(logicalName, before));
  }
}

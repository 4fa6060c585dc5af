/**
 * What the parts of the Dataverse emulator share: table definitions, the write pipeline's operations
 * (what plug-in steps and webhooks observe), caller authentication and Dataverse's error shape.
 * `server.ts` builds it (Web API); `webhooks.ts` (service endpoints, plug-in steps, RemoteExecutionContext
 * delivery) consumes it and adds its registration tables through `registerTable`.
 */
import type { EmulatorHttpError, EmulatorRequest, EmulatorServer } from '../common/server';
import type { SandboxSeed } from '../seed';

export type ColumnType =
  | 'uniqueidentifier' | 'string' | 'memo' | 'integer' | 'bigint' | 'decimal' | 'double' | 'money'
  | 'boolean' | 'datetime' | 'picklist' | 'state' | 'status' | 'lookup' | 'owner' | 'customer' | 'partylist';

export interface ColumnDefinition {
  type: ColumnType;
  maxLength?: number;
  /** ApplicationRequired: a create without it fails. */
  required?: boolean;
  /** Set by the platform only (createdon, versionnumber…). */
  readOnly?: boolean;
  /** Lookup targets (logical names), for lookup/owner/customer columns. */
  targets?: string[];
  /** Allowed option values, for picklist/state/status columns. */
  options?: number[];
  min?: number;
  max?: number;
}

export interface TableDefinition {
  logicalName: string;
  entitySetName: string;
  primaryIdAttribute: string;
  primaryNameAttribute?: string;
  ownership: 'UserOwned' | 'OrganizationOwned' | 'None';
  isActivity?: boolean;
  changeTrackingEnabled?: boolean;
  /** statecode → allowed statuscodes, and which states make the row read-only. */
  states?: { [statecode: number]: { statuscodes: number[]; readOnly?: boolean } };
  columns: Record<string, ColumnDefinition>;
}

export type Row = Record<string, unknown>;

/** One completed platform operation, as the event pipeline hands it to plug-in steps. */
export interface DataverseOperation {
  messageName: 'Create' | 'Update' | 'Delete' | 'Assign' | 'SetState';
  table: TableDefinition;
  id: string;
  /** The columns the request set (the `Target`). For Delete: empty. */
  target: Row;
  /** Whole row before the operation (absent for Create). */
  before?: Row;
  /** Whole row after the operation (absent for Delete). */
  after?: Row;
  /** systemuserid of the caller (the application user) */
  initiatingUserId: string;
  /** systemuserid the operation ran as (the impersonated user, else the caller) */
  userId: string;
  correlationId: string;
  requestId: string;
  operationId: string;
  depth: number;
  operationCreatedOn: Date;
}

export interface DataverseCaller {
  /** The caller's own systemuserid (its application user). */
  callerSystemUserId: string;
  /** The user the request runs as (CallerObjectId / MSCRMCallerID), else the caller. */
  effectiveSystemUserId: string;
  clientId: string;
}

export interface DataverseContext {
  server: EmulatorServer;
  seed: SandboxSeed;
  /** e.g. https://127.0.0.1:7302 */
  orgUrl(): string;
  organizationId: string;
  organizationName: string;
  /** Verifies the Bearer token (aud = org URL) and impersonation headers; throws 401/403 in Dataverse's shape. */
  authenticate(req: EmulatorRequest): Promise<DataverseCaller>;
  /** Adds a table to the Web API (GET/POST/PATCH/DELETE by its entity set name). */
  registerTable(table: TableDefinition): void;
  /** Reads rows of a table directly (no HTTP, no counters). */
  rows(logicalName: string): Row[];
  /** Subscribes to every completed operation (after the transaction); returns an unsubscribe function. */
  onOperation(listener: (operation: DataverseOperation) => void): () => void;
  /** `{ error: { code: "0x…", message } }` with the matching status. */
  dataverseError(status: number, code: string, message: string, headers?: Record<string, string>): EmulatorHttpError;
}

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
  /**
   * A create without it fails. Only SystemRequired columns are enforced by the platform; ApplicationRequired
   * ("Business Required") is enforced by forms, not by the Web API, so such columns leave this unset.
   */
  required?: boolean;
  /** Set by the platform only (createdon, versionnumber…). */
  readOnly?: boolean;
  /** Lookup targets (logical names), for lookup/owner/customer columns. */
  targets?: string[];
  /** Allowed option values, for picklist/state/status columns. */
  options?: number[];
  /** Option labels (picklist/state/status), for FormattedValue annotations and state names in errors. */
  labels?: Record<number, string>;
  min?: number;
  max?: number;
  /** Accepted on create/update but never returned by the Web API (serviceendpoint.authvalue); `rows()` still has it. */
  writeOnly?: boolean;
  /** datetime columns: DateOnly columns read and write 'YYYY-MM-DD'; the default is UserLocal (UTC instants). */
  behavior?: 'UserLocal' | 'DateOnly' | 'TimeZoneIndependent';
  /**
   * lookup/customer/owner columns: the single-valued navigation property per target (logical name → name), for
   * `<nav>@odata.bind`, `$expand` and the associatednavigationproperty annotation. Default: the column name when
   * there is one target (or for owner columns), else `<column>_<target>` (e.g. `parentcustomerid_account`).
   */
  navigationProperties?: Record<string, string>;
  /** Value the platform sets on create when the request does not (e.g. prioritycode 1). */
  default?: unknown;
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
  /** Platform rows present from the start (sdkmessage, sdkmessagefilter), stored as given. */
  seedRows?: Row[];
  /** Platform reference table: readable through the Web API, but Create/Update/Delete are refused. */
  readOnly?: boolean;
  /** statecode a create gets (default: the lowest state); its default status is the first of its statuscodes. */
  createState?: number;
  /** Collection-valued navigation properties (name → the table and its lookup column pointing back here). */
  collections?: Record<string, { table: string; referencingAttribute: string }>;
  /** ObjectTypeCode of the table (e.g. task 4212), for consumers that need it. */
  objectTypeCode?: number;
}

/**
 * A row as the Web API server stores it and hands it out (`rows()`, operations), keyed by column logical name:
 * - strings, numbers (integer, bigint, decimal, double, money) and booleans as JSON values; unset = null;
 * - uniqueidentifier: lowercase GUID string;
 * - datetime: ISO 8601 UTC string without milliseconds ('2024-05-01T09:30:00Z'); DateOnly columns 'YYYY-MM-DD';
 * - picklist/state/status: the option number;
 * - lookup/owner/customer: `{ id, logicalName }` (an EntityRef) or null. Rows given to `putRow` or as `seedRows`
 *   may hold a bare GUID string instead (the column's first target is assumed); they are stored as EntityRefs;
 * - partylist (appointment requiredattendees/optionalattendees/organizer): an array of
 *   `{ activitypartyid, partyid: EntityRef | null, addressused, participationtypemask }`.
 */
export type Row = Record<string, unknown>;

/** A lookup value inside a Row. */
export interface EntityRef {
  id: string;
  logicalName: string;
}

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
  /** The request's `tag` query parameter (the immutable shared variable `tag`), if any. */
  tag?: string;
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
  /**
   * Subscribes to every operation *inside* its transaction (synchronous plug-in steps, registration checks): the
   * server awaits the listeners, in order, after applying the change and before answering. If one throws, the
   * change is rolled back (no row change, no onOperation, no change-tracking entry) and the request fails with the
   * thrown EmulatorHttpError. Also called for writes to the registration tables. Returns an unsubscribe function.
   */
  onOperationInTransaction?(listener: (operation: DataverseOperation) => Promise<void>): () => void;
  /** Writes a platform-owned row without the Web API (asyncoperation): inserts, or replaces by primary id. */
  putRow?(logicalName: string, row: Row): void;
  /** Removes a platform-owned row (an auto-deleted asyncoperation). */
  deleteRow?(logicalName: string, id: string): void;
  /** `{ error: { code: "0x…", message } }` with the matching status. */
  dataverseError(status: number, code: string, message: string, headers?: Record<string, string>): EmulatorHttpError;
  /** The organization's root business unit (RemoteExecutionContext.BusinessUnitId). */
  businessUnitId?: string;
}

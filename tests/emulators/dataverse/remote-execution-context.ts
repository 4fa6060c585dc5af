/**
 * Builds the RemoteExecutionContext a webhook step receives for one platform operation, member for member as
 * in the documented payloads (fixtures webhook-*.json, newer shape: with the Azure AD object id fields):
 * members in alphabetical order (DataContract order), parameter collections as `{key, value}` arrays, a
 * Stage-30 ParentContext, the step as OwningExtension, and the images the step registered (plus the
 * `AsynchronousStepPrimaryName` post-image every asynchronous step gets).
 */
import type { DataverseOperation, Row } from './context';
import type { StepImage, WebhookStep } from './registration-reader';
import { targetColumnNames } from './registration-reader';
import {
  attributes, columnValue, dataContractDate, entity, entityReference, optionSetValue,
  type DataContractEntity, type KeyValue,
} from './remote-execution-context-values';
import { lookupId } from './registration-rows';

export type RemoteExecutionContext = Record<string, unknown>;

/** What the context needs to know about the org and its users. */
export interface ContextEnvironment {
  organizationId: string;
  organizationName: string;
  /** systemuser → its business unit. */
  businessUnitId(systemUserId: string): string;
  /** systemuser → Entra object id (00000000-… when the user has none, as SYSTEM in the sample). */
  aadObjectId(systemUserId: string): string;
}

export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
/** The platform's own step that runs the main operation (Stage 30), named as in the documented sync payload. */
const OBJECT_MODEL_STEP = { id: 'b7a297bf-d810-ef11-9f8a-6045bdd4c6be', name: 'ObjectModel Implementation' };
const AUDIT_COLUMNS = ['modifiedon', 'modifiedby', 'modifiedonbehalfby'];

function owningExtension(id: string, name: string | null): unknown {
  // The documented payloads carry the step reference without `__type`.
  return entityReference('sdkmessageprocessingstep', id, name, false);
}

/** DataContract serializes members in ordinal order (IsExecutingOffline, IsInTransaction, IsOfflinePlayback, IsolationMode). */
function ordinal<T extends Record<string, unknown>>(members: T): T {
  return Object.fromEntries(Object.keys(members).sort().map((k) => [k, members[k]])) as T;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The Update Target: the columns sent, the key, columns the platform recomputed, then the audit columns. */
function updateTargetColumns(operation: DataverseOperation): string[] {
  const { table, before = {}, after = {} } = operation;
  const sent = targetColumnNames(table, operation.target);
  const recomputed = Object.keys(table.columns).filter((c) =>
    !sent.includes(c) && c !== 'versionnumber' && !AUDIT_COLUMNS.includes(c) && table.columns[c]?.readOnly
    && !same(columnValue(before, c), columnValue(after, c)));
  const ordered = [...sent, table.primaryIdAttribute, ...recomputed, ...AUDIT_COLUMNS];
  return [...new Set(ordered)].filter((c) => columnValue(after, c) !== undefined || AUDIT_COLUMNS.includes(c));
}

function rowVersion(row: Row | undefined): string | null {
  const v = row?.versionnumber;
  return v === undefined || v === null ? null : String(v);
}

/** The request's own parameters (what the Stage-30 ParentContext shows): the Target as sent. */
function requestParameters(operation: DataverseOperation): KeyValue[] {
  const { table, id, messageName } = operation;
  const reference = entityReference(table.logicalName, id);
  if (messageName === 'Delete') return [{ key: 'Target', value: reference }];
  const row: Row = { ...pick(operation.after ?? {}, targetColumnNames(table, operation.target)), [table.primaryIdAttribute]: id };
  return [{ key: 'Target', value: entity(table.logicalName, id, attributes(table, row), true) }];
}

function pick(row: Row, columns: string[]): Row {
  const out: Row = {};
  for (const c of columns) {
    const v = columnValue(row, c);
    if (v !== undefined) out[c] = v;
  }
  return out;
}

/** InputParameters as the step's stage sees them. */
function inputParameters(operation: DataverseOperation, stage: number): KeyValue[] {
  const { table, id, messageName, after = {} } = operation;
  const reference = entityReference(table.logicalName, id);
  const postOperation = stage === 40;
  switch (messageName) {
    case 'Delete':
      return [{ key: 'Target', value: reference }];
    case 'Create': {
      // After the main operation the Target holds what the request set plus what the platform set (defaults,
      // owner, audit; modifiedonbehalfby even when empty, as in the documented sample), not the row version.
      if (!postOperation) return requestParameters(operation);
      const sent = targetColumnNames(table, operation.target);
      const columns = Object.keys(after).filter((c) => !c.includes('@') && c !== 'versionnumber'
        && (sent.includes(c) || c === 'modifiedonbehalfby' || (after[c] !== null && after[c] !== undefined)));
      return [{ key: 'Target', value: entity(table.logicalName, id, attributes(table, after, columns), true) }];
    }
    case 'Update':
      return [{
        key: 'Target',
        value: entity(table.logicalName, id, attributes(table, after, updateTargetColumns(operation)), true, rowVersion(after)),
      }];
    case 'Assign': {
      const owner = lookupId(after, 'ownerid');
      return [
        { key: 'Target', value: reference },
        { key: 'Assignee', value: owner ? entityReference('systemuser', owner) : null },
      ];
    }
    case 'SetState':
      return [
        { key: 'EntityMoniker', value: reference },
        { key: 'State', value: optionSetValue(Number(columnValue(after, 'statecode') ?? 0)) },
        { key: 'Status', value: optionSetValue(Number(columnValue(after, 'statuscode') ?? -1)) },
      ];
  }
}

function image(operation: DataverseOperation, row: Row, spec: { alias: string; attributes?: string[] }): KeyValue<DataContractEntity> {
  const { table, id } = operation;
  return { key: spec.alias, value: entity(table.logicalName, id, attributes(table, row, spec.attributes, true), false) };
}

function images(operation: DataverseOperation, step: WebhookStep, kind: 'pre' | 'post'): KeyValue<DataContractEntity>[] {
  const row = kind === 'pre' ? operation.before : operation.after;
  if (!row || (kind === 'post' && step.stage !== 40)) return [];
  const wanted = (i: StepImage): boolean => i.imageType === 2 || i.imageType === (kind === 'pre' ? 0 : 1);
  const out = step.images.filter(wanted).map((i) => image(operation, row, i));
  if (kind === 'post' && step.mode === 1) {
    // Every asynchronous step gets the primary name and key (fixture webhook-update-contact-async-postoperation).
    const { table } = operation;
    const columns = [table.primaryNameAttribute, table.primaryIdAttribute].filter((c): c is string => !!c);
    out.push(image(operation, { [table.primaryIdAttribute]: operation.id, ...pick(row, columns) }, { alias: 'AsynchronousStepPrimaryName', attributes: columns }));
  }
  return out;
}

interface Header {
  BusinessUnitId: string;
  CorrelationId: string;
  Depth: number;
  InitiatingUserAgent: string;
  InitiatingUserAzureActiveDirectoryObjectId: string;
  InitiatingUserId: string;
}

/**
 * The context POSTed to a webhook step. `operationId`: for an asynchronous step the system job
 * (asyncoperation) id, as in the documented async sample; otherwise the operation's own id.
 */
export function buildRemoteExecutionContext(
  operation: DataverseOperation, step: WebhookStep, env: ContextEnvironment, operationId = operation.operationId,
): RemoteExecutionContext {
  const async = step.mode === 1;
  const userId = step.impersonatingUserId ?? operation.userId;
  const header: Header = {
    BusinessUnitId: env.businessUnitId(userId),
    CorrelationId: operation.correlationId,
    Depth: operation.depth,
    InitiatingUserAgent: '',
    InitiatingUserAzureActiveDirectoryObjectId: env.aadObjectId(operation.initiatingUserId),
    InitiatingUserId: operation.initiatingUserId,
  };
  const shared: KeyValue[] = operation.tag !== undefined ? [{ key: 'tag', value: operation.tag }] : [];
  const common = {
    IsExecutingOffline: false,
    IsOfflinePlayback: false,
    IsolationMode: 1,
    MessageName: step.messageName,
    Mode: step.mode,
    OperationCreatedOn: dataContractDate(operation.operationCreatedOn),
    OperationId: operationId,
    OrganizationId: env.organizationId,
    OrganizationName: env.organizationName,
  };
  const tail = {
    PrimaryEntityId: operation.id,
    PrimaryEntityName: operation.table.logicalName,
    // The documented async sample has no RequestId; the synchronous one repeats the operation id.
    RequestId: async ? null : operation.requestId,
    SecondaryEntityName: 'none',
  };
  const parent = ordinal({
    ...header,
    InputParameters: requestParameters(operation),
    IsInTransaction: !async,
    ...common,
    OutputParameters: [],
    OwningExtension: async ? owningExtension(step.id, step.name) : owningExtension(OBJECT_MODEL_STEP.id, OBJECT_MODEL_STEP.name),
    ParentContext: null,
    PostEntityImages: [],
    PreEntityImages: [],
    ...tail,
    SharedVariables: shared,
    Stage: 30,
    UserAzureActiveDirectoryObjectId: env.aadObjectId(operation.userId),
    UserId: operation.userId,
  });
  return ordinal({
    ...header,
    InputParameters: inputParameters(operation, step.stage),
    // PreValidation (10) runs outside the database transaction; asynchronous steps run after it.
    IsInTransaction: !async && step.stage !== 10,
    ...common,
    OutputParameters: operation.messageName === 'Create' && step.stage === 40 ? [{ key: 'id', value: operation.id }] : [],
    OwningExtension: owningExtension(step.id, step.name),
    ParentContext: parent,
    PostEntityImages: images(operation, step, 'post'),
    PreEntityImages: operation.messageName === 'Create' ? [] : images(operation, step, 'pre'),
    ...tail,
    // The documented async sample carries the shared variables on the ParentContext only.
    SharedVariables: async ? [] : shared,
    Stage: step.stage,
    UserAzureActiveDirectoryObjectId: env.aadObjectId(userId),
    UserId: userId,
  });
}

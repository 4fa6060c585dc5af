import { parseRemoteExecutionContext, toCrmChange } from '../../../shared/dataverse/remote-execution-context';
import type { DataverseOperation, TableDefinition } from '../../emulators/dataverse/context';
import type { WebhookStep } from '../../emulators/dataverse/registration-reader';
import { buildRemoteExecutionContext, type ContextEnvironment } from '../../emulators/dataverse/remote-execution-context';
import { fixture } from '../../support/fixtures';

const newer = fixture('dataverse/webhook-update-msdyn_agentstatus-newer-shape.json');
const older = fixture('dataverse/webhook-update-contact-async-postoperation.json');
const CONTRACTS = 'http://schemas.microsoft.com/xrm/2011/Contracts';

const contact: TableDefinition = {
  logicalName: 'contact', entitySetName: 'contacts', primaryIdAttribute: 'contactid', primaryNameAttribute: 'fullname',
  ownership: 'UserOwned',
  columns: {
    contactid: { type: 'uniqueidentifier' },
    firstname: { type: 'string', maxLength: 50 },
    lastname: { type: 'string', maxLength: 50 },
    fullname: { type: 'string', readOnly: true },
    telephone1: { type: 'string', maxLength: 50 },
    birthdate: { type: 'datetime' },
    creditlimit: { type: 'money' },
    statecode: { type: 'state', options: [0, 1] },
    statuscode: { type: 'status', options: [1, 2] },
    ownerid: { type: 'owner', targets: ['systemuser', 'team'] },
    modifiedon: { type: 'datetime', readOnly: true },
    modifiedby: { type: 'lookup', targets: ['systemuser'], readOnly: true },
    modifiedonbehalfby: { type: 'lookup', targets: ['systemuser'], readOnly: true },
    versionnumber: { type: 'bigint', readOnly: true },
  },
};

const APP_USER = '0a1b2c3d-00a1-4e5f-8a9b-0000000000a1';
const ADELE = '0a1b2c3d-0001-4e5f-8a9b-000000000001';
const env: ContextEnvironment = {
  organizationId: '4ef5b371-e89e-e711-8122-000d3aa2331c',
  organizationName: 'sandbox',
  businessUnitId: () => 'e2b9dd85-e89e-e711-8122-000d3aa2331c',
  aadObjectId: (id) => (id === ADELE ? '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51' : '5e4f2a7-app'),
};

const before = {
  contactid: '6d81597f-0f9f-e711-8122-000d3aa2331c', firstname: 'Jim', lastname: 'Glynn', fullname: 'Jim Glynn',
  telephone1: '555-0100', birthdate: '1980-02-03T00:00:00Z', creditlimit: 1500, statecode: 0, statuscode: 1,
  ownerid: ADELE, modifiedon: '2026-11-20T08:00:00Z', modifiedby: APP_USER, modifiedonbehalfby: null, versionnumber: 1001,
};
const after = { ...before, firstname: 'James', fullname: 'James Glynn', modifiedon: '2026-11-25T10:00:00Z', modifiedby: ADELE, versionnumber: 1002 };

function operation(over: Partial<DataverseOperation> = {}): DataverseOperation {
  return {
    messageName: 'Update', table: contact, id: before.contactid, target: { firstname: 'James' }, before, after,
    initiatingUserId: APP_USER, userId: ADELE, correlationId: 'b374239d-4233-41a9-8b17-a86cb4f737b5',
    requestId: '09097f27-6123-4c61-b463-af00adb2e082', operationId: '09097f27-6123-4c61-b463-af00adb2e082',
    depth: 1, operationCreatedOn: new Date(1764064800000), ...over,
  };
}

function step(over: Partial<WebhookStep> = {}): WebhookStep {
  return {
    id: '75417616-4ea2-e711-8122-000d3aa2331c', name: 'sync: Update of contact', messageName: 'Update', mode: 1, stage: 40, rank: 1,
    asyncAutoDelete: false, endpoint: { id: 'e1', name: 'functions', url: 'https://127.0.0.1/api/dataverse', authType: 4, authValue: 'k' },
    images: [], ...over,
  };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const keys = (o: object): string[] => Object.keys(o).sort();
const attr = (entity: Json, key: string): unknown => (entity.Attributes as Json[]).find((a) => a.key === key)?.value;

describe('RemoteExecutionContext built by the Dataverse emulator', () => {
  test('an async post-operation Update has exactly the members of the documented (newer) payload, in DataContract order', () => {
    const context = buildRemoteExecutionContext(operation(), step(), env, 'job-id') as Json;
    expect(Object.keys(context)).toEqual(Object.keys(newer));
    expect(Object.keys(context.ParentContext)).toEqual(Object.keys(newer.ParentContext));
    expect(keys(context.OwningExtension)).toEqual(keys(older.OwningExtension));
    const target = context.InputParameters[0];
    expect(target.key).toBe('Target');
    expect(keys(target.value)).toEqual(keys(newer.InputParameters[0].value));
    expect(target.value.__type).toBe(newer.InputParameters[0].value.__type);
    expect(context).toMatchObject({
      MessageName: 'Update', Mode: 1, Stage: 40, IsInTransaction: false, PrimaryEntityName: 'contact', SecondaryEntityName: 'none',
      PrimaryEntityId: before.contactid, OperationId: 'job-id', RequestId: null, OutputParameters: [], Depth: 1,
      OperationCreatedOn: '/Date(1764064800000)/', OrganizationId: env.organizationId,
    });
    expect(context.ParentContext).toMatchObject({ Stage: 30, Mode: 1, ParentContext: null, OperationId: 'job-id', PostEntityImages: [] });
  });

  test('the Update Target holds the sent columns, the key, recomputed columns and the audit columns, with typed values', () => {
    const context = buildRemoteExecutionContext(operation(), step(), env) as Json;
    const target = context.InputParameters[0].value;
    expect((target.Attributes as Json[]).map((a) => a.key)).toEqual(['firstname', 'contactid', 'fullname', 'modifiedon', 'modifiedby', 'modifiedonbehalfby']);
    expect(attr(target, 'modifiedon')).toBe(`/Date(${Date.parse('2026-11-25T10:00:00Z')})/`);
    expect(attr(target, 'modifiedby')).toEqual({ __type: `EntityReference:${CONTRACTS}`, Id: ADELE, KeyAttributes: [], LogicalName: 'systemuser', Name: null, RowVersion: null });
    expect(attr(target, 'modifiedonbehalfby')).toBeNull();
    expect(target.RowVersion).toBe('1002');
    // The ParentContext (Stage 30) shows the request as sent.
    expect((context.ParentContext.InputParameters[0].value.Attributes as Json[]).map((a) => a.key)).toEqual(['firstname', 'contactid']);
  });

  test('images carry the registered columns; async steps also get AsynchronousStepPrimaryName', () => {
    const withImages = step({
      images: [
        { id: 'i1', alias: 'pre', imageType: 0, attributes: ['firstname', 'statecode', 'ownerid', 'creditlimit', 'birthdate'], messagePropertyName: 'Target' },
        { id: 'i2', alias: 'post', imageType: 1, messagePropertyName: 'Target' },
      ],
    });
    const context = buildRemoteExecutionContext(operation(), withImages, env) as Json;
    const [pre] = context.PreEntityImages as Json[];
    expect(pre!.key).toBe('pre');
    expect(keys(pre!.value)).toEqual(keys(older.PostEntityImages[0].value));
    expect(pre!.value.Attributes).toEqual([
      { key: 'firstname', value: 'Jim' },
      { key: 'statecode', value: { __type: `OptionSetValue:${CONTRACTS}`, Value: 0 } },
      { key: 'ownerid', value: { __type: `EntityReference:${CONTRACTS}`, Id: ADELE, KeyAttributes: [], LogicalName: 'systemuser', Name: null, RowVersion: null } },
      { key: 'creditlimit', value: { __type: `Money:${CONTRACTS}`, Value: 1500 } },
      { key: 'birthdate', value: `/Date(${Date.parse('1980-02-03T00:00:00Z')})/` },
    ]);
    expect((context.PostEntityImages as Json[]).map((i) => i.key)).toEqual(['post', 'AsynchronousStepPrimaryName']);
    const post = (context.PostEntityImages as Json[])[0]!;
    expect(attr(post.value, 'firstname')).toBe('James');
    // An image is a retrieved entity: empty columns are left out.
    expect((post.value.Attributes as Json[]).map((a) => a.key)).toEqual(Object.keys(after).filter((k) => after[k as keyof typeof after] !== null));
    const primary = (context.PostEntityImages as Json[])[1]!;
    expect(primary.value.Attributes).toEqual([{ key: 'fullname', value: 'James Glynn' }, { key: 'contactid', value: before.contactid }]);
  });

  test('a sync post-operation Create carries the columns set, the new id as output, and runs in the transaction', () => {
    const created = buildRemoteExecutionContext(operation({ messageName: 'Create', target: { firstname: 'James', lastname: 'Glynn' }, before: undefined }), step({ mode: 0, messageName: 'Create' }), env) as Json;
    expect(created).toMatchObject({ MessageName: 'Create', Mode: 0, IsInTransaction: true, RequestId: '09097f27-6123-4c61-b463-af00adb2e082', PreEntityImages: [], PostEntityImages: [] });
    expect(created.OutputParameters).toEqual([{ key: 'id', value: before.contactid }]);
    // What the request and the platform set (modifiedonbehalfby even when empty), without the row version.
    expect((created.InputParameters[0].value.Attributes as Json[]).map((a) => a.key)).toEqual(Object.keys(after).filter((k) => k !== 'versionnumber'));
    expect(created.ParentContext.OwningExtension.Name).toBe('ObjectModel Implementation');
  });

  test('a Delete targets an EntityReference and has a pre-image but no post-image', () => {
    const deleted = buildRemoteExecutionContext(operation({ messageName: 'Delete', target: {}, after: undefined }),
      step({ messageName: 'Delete', images: [{ id: 'i', alias: 'gone', imageType: 2, attributes: ['fullname'], messagePropertyName: 'Target' }] }), env) as Json;
    expect(deleted.InputParameters).toEqual([{ key: 'Target', value: { __type: `EntityReference:${CONTRACTS}`, Id: before.contactid, KeyAttributes: [], LogicalName: 'contact', Name: null, RowVersion: null } }]);
    expect(deleted.PreEntityImages[0].value.Attributes).toEqual([{ key: 'fullname', value: 'Jim Glynn' }]);
    expect(deleted.PostEntityImages).toEqual([]);
  });

  test('Assign and SetState carry their own parameters (Target/Assignee, EntityMoniker/State/Status)', () => {
    const reference = { __type: `EntityReference:${CONTRACTS}`, Id: before.contactid, KeyAttributes: [], LogicalName: 'contact', Name: null, RowVersion: null };
    const assigned = buildRemoteExecutionContext(operation({ messageName: 'Assign', target: { ownerid: { id: APP_USER, logicalName: 'systemuser' } }, after: { ...after, ownerid: { id: APP_USER, logicalName: 'systemuser' } } }),
      step({ messageName: 'Assign' }), env) as Json;
    expect(assigned.InputParameters).toEqual([
      { key: 'Target', value: reference },
      { key: 'Assignee', value: { ...reference, Id: APP_USER, LogicalName: 'systemuser' } },
    ]);
    const closed = buildRemoteExecutionContext(operation({ messageName: 'SetState', target: { statecode: 1, statuscode: 2 }, after: { ...after, statecode: 1, statuscode: 2 } }),
      step({ messageName: 'SetStateDynamicEntity' }), env) as Json;
    expect(closed.MessageName).toBe('SetStateDynamicEntity');
    expect(closed.InputParameters).toEqual([
      { key: 'EntityMoniker', value: reference },
      { key: 'State', value: { __type: `OptionSetValue:${CONTRACTS}`, Value: 1 } },
      { key: 'Status', value: { __type: `OptionSetValue:${CONTRACTS}`, Value: 2 } },
    ]);
  });

  test('impersonation: InitiatingUserId is the calling application user, UserId the impersonated user', () => {
    const context = buildRemoteExecutionContext(operation(), step(), env) as Json;
    expect(context).toMatchObject({
      InitiatingUserId: APP_USER, InitiatingUserAzureActiveDirectoryObjectId: '5e4f2a7-app',
      UserId: ADELE, UserAzureActiveDirectoryObjectId: '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51',
    });
    const runAs = buildRemoteExecutionContext(operation({ userId: APP_USER }), step({ impersonatingUserId: ADELE }), env) as Json;
    expect(runAs.UserId).toBe(ADELE);
    expect(runAs.ParentContext.UserId).toBe(APP_USER);
  });

  test('the tag shared variable is on the ParentContext of an async step and at the top of a sync one', () => {
    const asyncContext = buildRemoteExecutionContext(operation({ tag: 'crm-exchange-sync' }), step(), env) as Json;
    expect(asyncContext.SharedVariables).toEqual([]);
    expect(asyncContext.ParentContext.SharedVariables).toEqual([{ key: 'tag', value: 'crm-exchange-sync' }]);
    const syncContext = buildRemoteExecutionContext(operation({ tag: 'x' }), step({ mode: 0 }), env) as Json;
    expect(syncContext.SharedVariables).toEqual([{ key: 'tag', value: 'x' }]);
  });

  test('our own webhook parser accepts what the emulator sends', () => {
    const context = buildRemoteExecutionContext(operation(), step({ images: [{ id: 'i2', alias: 'post', imageType: 1, messagePropertyName: 'Target' }] }), env);
    const change = toCrmChange(parseRemoteExecutionContext(JSON.parse(JSON.stringify(context))), { sizeExceeded: false, correlationId: 'c' });
    expect(change).toMatchObject({ recordType: 'contact', message: 'Update', crmId: before.contactid, initiatingUserId: APP_USER, userId: ADELE });
    expect(change.postImage).toMatchObject({ firstname: 'James', _ownerid_value: ADELE, statecode: 0 });
  });
});

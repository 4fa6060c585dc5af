/**
 * The plug-in registration tables, added to the Web API like any table so that a registration script
 * (Plugin Registration Tool equivalent) works against the emulator as against an org:
 * serviceendpoint (webhooks: contract 8), sdkmessageprocessingstep, sdkmessageprocessingstepimage, and the
 * read-only catalog sdkmessage / sdkmessagefilter. Columns and choice values follow the table reference
 * pages (reference/entities/serviceendpoint.md, sdkmessageprocessingstep.md, sdkmessageprocessingstepimage.md).
 */
import type { ColumnDefinition, Row, TableDefinition } from './context';
import { catalogFilters, catalogMessages } from './registration-catalog';

export const CONTRACT_WEBHOOK = 8;
export const AUTH_TYPE = { WebhookKey: 4, HttpHeader: 5, HttpQueryString: 6 } as const;
export const STEP_MODE = { Synchronous: 0, Asynchronous: 1 } as const;
export const STEP_STAGE = { PreValidation: 10, PreOperation: 20, PostOperation: 40 } as const;
export const IMAGE_TYPE = { PreImage: 0, PostImage: 1, Both: 2 } as const;

const audit: Record<string, ColumnDefinition> = {
  createdon: { type: 'datetime', readOnly: true },
  modifiedon: { type: 'datetime', readOnly: true },
  createdby: { type: 'lookup', targets: ['systemuser'], readOnly: true },
  modifiedby: { type: 'lookup', targets: ['systemuser'], readOnly: true },
  versionnumber: { type: 'bigint', readOnly: true },
};

export const SERVICE_ENDPOINT_TABLE: TableDefinition = {
  logicalName: 'serviceendpoint',
  entitySetName: 'serviceendpoints',
  primaryIdAttribute: 'serviceendpointid',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4618,
  collections: { serviceendpoint_sdkmessageprocessingstep: { table: 'sdkmessageprocessingstep', referencingAttribute: 'eventhandler' } },
  columns: {
    serviceendpointid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 256, required: true },
    description: { type: 'memo', maxLength: 2000 },
    // 1 OneWay, 2 Queue, 3 Rest, 4 TwoWay, 5 Topic, 6 Queue_Persistent, 7 EventHub, 8 Webhook, 9 EventGrid
    contract: { type: 'picklist', options: [1, 2, 3, 4, 5, 6, 7, 8, 9], required: true },
    url: { type: 'string', maxLength: 2000 },
    // 1 ACS, 2 SASKey, 3 SASToken, 4 WebhookKey, 5 HttpHeader, 6 HttpQueryString, 7 ConnectionString, 8 AccessKey, 9 ManagedIdentity
    authtype: { type: 'picklist', options: [1, 2, 3, 4, 5, 6, 7, 8, 9], required: true },
    // The key, or the `<settings><setting name value/></settings>` XML; never readable back.
    authvalue: { type: 'memo', maxLength: 4000, writeOnly: true },
    // 1 .NETBinary, 2 Json, 3 XML
    messageformat: { type: 'picklist', options: [1, 2, 3] },
    // 1 None, 2 UserId, 3 UserInfo
    userclaim: { type: 'picklist', options: [1, 2, 3] },
    namespaceaddress: { type: 'string', maxLength: 255 },
    namespaceformat: { type: 'picklist', options: [1, 2] },
    path: { type: 'string', maxLength: 160 },
    solutionnamespace: { type: 'string', maxLength: 160 },
    connectionmode: { type: 'picklist', options: [1, 2] },
    ...audit,
  },
};

export const STEP_TABLE: TableDefinition = {
  logicalName: 'sdkmessageprocessingstep',
  entitySetName: 'sdkmessageprocessingsteps',
  primaryIdAttribute: 'sdkmessageprocessingstepid',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4608,
  collections: {
    sdkmessageprocessingstepid_sdkmessageprocessingstepimage: { table: 'sdkmessageprocessingstepimage', referencingAttribute: 'sdkmessageprocessingstepid' },
  },
  states: { 0: { statuscodes: [1] }, 1: { statuscodes: [2] } },
  columns: {
    sdkmessageprocessingstepid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 256, required: true },
    description: { type: 'string', maxLength: 256 },
    mode: { type: 'picklist', options: [0, 1], required: true },
    stage: { type: 'picklist', options: [10, 20, 40], required: true },
    rank: { type: 'integer', min: 0, max: 2147483647, required: true },
    filteringattributes: { type: 'memo', maxLength: 100000 },
    asyncautodelete: { type: 'boolean' },
    // 0 ServerOnly, 1 MicrosoftDynamics365Client, 2 Both
    supporteddeployment: { type: 'picklist', options: [0, 1, 2] },
    invocationsource: { type: 'picklist', options: [-1, 0, 1] },
    configuration: { type: 'memo', maxLength: 1073741823 },
    statecode: { type: 'state', options: [0, 1] },
    statuscode: { type: 'status', options: [1, 2] },
    eventhandler: { type: 'lookup', targets: ['serviceendpoint', 'plugintype'], required: true },
    sdkmessageid: { type: 'lookup', targets: ['sdkmessage'], required: true },
    sdkmessagefilterid: { type: 'lookup', targets: ['sdkmessagefilter'] },
    impersonatinguserid: { type: 'lookup', targets: ['systemuser'] },
    ...audit,
  },
};

export const STEP_IMAGE_TABLE: TableDefinition = {
  logicalName: 'sdkmessageprocessingstepimage',
  entitySetName: 'sdkmessageprocessingstepimages',
  primaryIdAttribute: 'sdkmessageprocessingstepimageid',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4615,
  columns: {
    sdkmessageprocessingstepimageid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 256 },
    description: { type: 'string', maxLength: 256 },
    entityalias: { type: 'string', maxLength: 256, required: true },
    imagetype: { type: 'picklist', options: [0, 1, 2], required: true },
    // Comma-separated logical names; empty = all columns.
    attributes: { type: 'memo', maxLength: 100000 },
    messagepropertyname: { type: 'string', maxLength: 256, required: true },
    relatedattributename: { type: 'string', maxLength: 256 },
    sdkmessageprocessingstepid: { type: 'lookup', targets: ['sdkmessageprocessingstep'], required: true },
    ...audit,
  },
};

export const SDK_MESSAGE_TABLE: TableDefinition = {
  logicalName: 'sdkmessage',
  entitySetName: 'sdkmessages',
  primaryIdAttribute: 'sdkmessageid',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4606,
  readOnly: true,
  collections: { sdkmessageid_sdkmessagefilter: { table: 'sdkmessagefilter', referencingAttribute: 'sdkmessageid' } },
  columns: {
    sdkmessageid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 256 },
    categoryname: { type: 'string', maxLength: 25 },
    isprivate: { type: 'boolean' },
    autotransact: { type: 'boolean' },
    availability: { type: 'integer' },
  },
  seedRows: catalogMessages().map(({ sdkmessageid, name }): Row => ({
    sdkmessageid, name, categoryname: null, isprivate: false, autotransact: true, availability: 0,
  })),
};

export const SDK_MESSAGE_FILTER_TABLE: TableDefinition = {
  logicalName: 'sdkmessagefilter',
  entitySetName: 'sdkmessagefilters',
  primaryIdAttribute: 'sdkmessagefilterid',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 4607,
  readOnly: true,
  columns: {
    sdkmessagefilterid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 256 },
    sdkmessageid: { type: 'lookup', targets: ['sdkmessage'] },
    primaryobjecttypecode: { type: 'string', maxLength: 128 },
    secondaryobjecttypecode: { type: 'string', maxLength: 128 },
    iscustomprocessingstepallowed: { type: 'boolean' },
    isvisible: { type: 'boolean' },
    availability: { type: 'integer' },
  },
  seedRows: catalogFilters().map((f): Row => ({
    sdkmessagefilterid: f.sdkmessagefilterid,
    name: null,
    sdkmessageid: { id: f.sdkmessageid, logicalName: 'sdkmessage' },
    primaryobjecttypecode: f.primaryobjecttypecode,
    secondaryobjecttypecode: 'none',
    iscustomprocessingstepallowed: true,
    isvisible: true,
    availability: 0,
  })),
};

export const REGISTRATION_TABLES: TableDefinition[] = [
  SDK_MESSAGE_TABLE, SDK_MESSAGE_FILTER_TABLE, SERVICE_ENDPOINT_TABLE, STEP_TABLE, STEP_IMAGE_TABLE,
];

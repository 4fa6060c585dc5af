/**
 * The tables the Web API serves out of the box: the synchronized ones (appointment, task, contact, with
 * activityparty), the lookups they point to (account, systemuser, team, businessunit, organization).
 * Column types, lengths and choices follow the table reference pages (reference/entities/*.md) as summarized in
 * research/dataverse.md §2.1–2.2 and §3.4 and fixtures/dataverse/optionsets.json.
 */
import type { ColumnDefinition, TableDefinition } from './context';

const PRIORITY: ColumnDefinition = { type: 'picklist', options: [0, 1, 2], labels: { 0: 'Low', 1: 'Normal', 2: 'High' }, default: 1 };

/** System columns every table with an audit trail has (set by the platform only). */
export const AUDIT_COLUMNS: Record<string, ColumnDefinition> = {
  createdon: { type: 'datetime', readOnly: true },
  modifiedon: { type: 'datetime', readOnly: true },
  createdby: { type: 'lookup', targets: ['systemuser'], readOnly: true },
  modifiedby: { type: 'lookup', targets: ['systemuser'], readOnly: true },
  createdonbehalfby: { type: 'lookup', targets: ['systemuser'], readOnly: true },
  modifiedonbehalfby: { type: 'lookup', targets: ['systemuser'], readOnly: true },
  versionnumber: { type: 'bigint', readOnly: true },
  // Writable on create only (data migration); kept so that a sync can show the original creation time.
  overriddencreatedon: { type: 'datetime' },
};

/** Owner columns of user-owned tables: ownerid is written (`ownerid@odata.bind`), the others follow it. */
export const OWNERSHIP_COLUMNS: Record<string, ColumnDefinition> = {
  ownerid: { type: 'owner', targets: ['systemuser', 'team'] },
  owninguser: { type: 'lookup', targets: ['systemuser'], readOnly: true },
  owningteam: { type: 'lookup', targets: ['team'], readOnly: true },
  owningbusinessunit: { type: 'lookup', targets: ['businessunit'], readOnly: true },
};

/** Columns of every activity (activitypointer). */
function activityColumns(logicalName: string): Record<string, ColumnDefinition> {
  return {
    activityid: { type: 'uniqueidentifier' },
    subject: { type: 'string', maxLength: 200 },
    activitytypecode: { type: 'string', maxLength: 64, readOnly: true },
    isregularactivity: { type: 'boolean', readOnly: true },
    scheduledstart: { type: 'datetime' },
    scheduledend: { type: 'datetime' },
    actualstart: { type: 'datetime' },
    actualend: { type: 'datetime' },
    actualdurationminutes: { type: 'integer', min: 0, max: 2147483647 },
    scheduleddurationminutes: { type: 'integer', min: 0, max: 2147483647 },
    prioritycode: PRIORITY,
    category: { type: 'string', maxLength: 250 },
    subcategory: { type: 'string', maxLength: 250 },
    regardingobjectid: {
      type: 'lookup', targets: ['account', 'contact'],
      navigationProperties: { account: `regardingobjectid_account_${logicalName}`, contact: `regardingobjectid_contact_${logicalName}` },
    },
    ...OWNERSHIP_COLUMNS,
    ...AUDIT_COLUMNS,
  };
}

export const TASK_TABLE: TableDefinition = {
  logicalName: 'task',
  entitySetName: 'tasks',
  primaryIdAttribute: 'activityid',
  primaryNameAttribute: 'subject',
  ownership: 'UserOwned',
  isActivity: true,
  changeTrackingEnabled: true,
  objectTypeCode: 4212,
  // Open: 2 Not Started (default), 3 In Progress, 4 Waiting on someone else, 7 Deferred; Completed: 5; Canceled: 6.
  states: { 0: { statuscodes: [2, 3, 4, 7] }, 1: { statuscodes: [5], readOnly: true }, 2: { statuscodes: [6], readOnly: true } },
  createState: 0,
  columns: {
    ...activityColumns('task'),
    description: { type: 'memo', maxLength: 2000 },
    percentcomplete: { type: 'integer', min: 0, max: 100 },
    statecode: { type: 'state', options: [0, 1, 2], labels: { 0: 'Open', 1: 'Completed', 2: 'Canceled' } },
    statuscode: {
      type: 'status', options: [2, 3, 4, 5, 6, 7],
      labels: { 2: 'Not Started', 3: 'In Progress', 4: 'Waiting on someone else', 5: 'Completed', 6: 'Canceled', 7: 'Deferred' },
    },
  },
};

export const APPOINTMENT_TABLE: TableDefinition = {
  logicalName: 'appointment',
  entitySetName: 'appointments',
  primaryIdAttribute: 'activityid',
  primaryNameAttribute: 'subject',
  ownership: 'UserOwned',
  isActivity: true,
  changeTrackingEnabled: true,
  objectTypeCode: 4201,
  // Open: 1 Free, 2 Tentative; Completed: 3; Canceled: 4; Scheduled: 5 Busy (default), 6 Out of Office.
  states: {
    0: { statuscodes: [1, 2] }, 1: { statuscodes: [3], readOnly: true }, 2: { statuscodes: [4], readOnly: true }, 3: { statuscodes: [5, 6] },
  },
  // A created appointment is Scheduled/Busy, as one saved (booked) in the app.
  createState: 3,
  collections: { appointment_activity_parties: { table: 'activityparty', referencingAttribute: 'activityid' } },
  columns: {
    ...activityColumns('appointment'),
    description: { type: 'memo', maxLength: 1048576 },
    location: { type: 'string', maxLength: 200 },
    isalldayevent: { type: 'boolean', default: false },
    ismapiprivate: { type: 'boolean', default: false },
    globalobjectid: { type: 'string', maxLength: 300 },
    instancetypecode: {
      type: 'picklist', options: [0, 1, 2, 3, 4], readOnly: true, default: 0,
      labels: { 0: 'Not Recurring', 1: 'Recurring Master', 2: 'Recurring Instance', 3: 'Recurring Exception', 4: 'Recurring Future Exception' },
    },
    seriesid: { type: 'uniqueidentifier', readOnly: true },
    requiredattendees: { type: 'partylist' },
    optionalattendees: { type: 'partylist' },
    organizer: { type: 'partylist' },
    statecode: { type: 'state', options: [0, 1, 2, 3], labels: { 0: 'Open', 1: 'Completed', 2: 'Canceled', 3: 'Scheduled' } },
    statuscode: {
      type: 'status', options: [1, 2, 3, 4, 5, 6],
      labels: { 1: 'Free', 2: 'Tentative', 3: 'Completed', 4: 'Canceled', 5: 'Busy', 6: 'Out of Office' },
    },
  },
};

export const ACTIVITY_PARTY_TABLE: TableDefinition = {
  logicalName: 'activityparty',
  entitySetName: 'activityparties',
  primaryIdAttribute: 'activitypartyid',
  ownership: 'None',
  objectTypeCode: 135,
  columns: {
    activitypartyid: { type: 'uniqueidentifier' },
    activityid: {
      type: 'lookup', targets: ['appointment', 'task'],
      navigationProperties: { appointment: 'activityid_appointment', task: 'activityid_task' },
    },
    partyid: { type: 'lookup', targets: ['systemuser', 'contact', 'account'] },
    participationtypemask: {
      type: 'picklist', options: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      labels: {
        1: 'Sender', 2: 'To Recipient', 3: 'CC Recipient', 4: 'BCC Recipient', 5: 'Required attendee', 6: 'Optional attendee',
        7: 'Organizer', 8: 'Regarding', 9: 'Owner', 10: 'Resource', 11: 'Customer', 12: 'Chat Participant',
      },
    },
    addressused: { type: 'string', maxLength: 200 },
    ispartydeleted: { type: 'boolean', readOnly: true, default: false },
    versionnumber: { type: 'bigint', readOnly: true },
  },
};

const ADDRESS_PARTS: Array<[string, ColumnDefinition]> = [
  ['name', { type: 'string', maxLength: 200 }],
  ['line1', { type: 'string', maxLength: 250 }],
  ['line2', { type: 'string', maxLength: 250 }],
  ['line3', { type: 'string', maxLength: 250 }],
  ['city', { type: 'string', maxLength: 80 }],
  ['stateorprovince', { type: 'string', maxLength: 50 }],
  ['postalcode', { type: 'string', maxLength: 20 }],
  ['country', { type: 'string', maxLength: 80 }],
  ['postofficebox', { type: 'string', maxLength: 20 }],
  ['telephone1', { type: 'string', maxLength: 50 }],
];

function addressColumns(n: 1 | 2 | 3): Record<string, ColumnDefinition> {
  return Object.fromEntries(ADDRESS_PARTS.map(([part, def]) => [`address${n}_${part}`, def]));
}

const ACTIVE_INACTIVE = {
  states: { 0: { statuscodes: [1] }, 1: { statuscodes: [2] } },
  statecode: { type: 'state', options: [0, 1], labels: { 0: 'Active', 1: 'Inactive' } } as ColumnDefinition,
  statuscode: { type: 'status', options: [1, 2], labels: { 1: 'Active', 2: 'Inactive' } } as ColumnDefinition,
};

export const CONTACT_TABLE: TableDefinition = {
  logicalName: 'contact',
  entitySetName: 'contacts',
  primaryIdAttribute: 'contactid',
  primaryNameAttribute: 'fullname',
  ownership: 'UserOwned',
  changeTrackingEnabled: true,
  objectTypeCode: 2,
  states: ACTIVE_INACTIVE.states,
  collections: {
    Contact_Tasks: { table: 'task', referencingAttribute: 'regardingobjectid' },
    Contact_Appointments: { table: 'appointment', referencingAttribute: 'regardingobjectid' },
  },
  columns: {
    contactid: { type: 'uniqueidentifier' },
    salutation: { type: 'string', maxLength: 100 },
    firstname: { type: 'string', maxLength: 50 },
    middlename: { type: 'string', maxLength: 50 },
    lastname: { type: 'string', maxLength: 50 },
    suffix: { type: 'string', maxLength: 10 },
    // "First Last" (the org's default full-name format); computed on every write.
    fullname: { type: 'string', maxLength: 160, readOnly: true },
    yomifirstname: { type: 'string', maxLength: 150 },
    yomilastname: { type: 'string', maxLength: 150 },
    yomifullname: { type: 'string', maxLength: 450, readOnly: true },
    nickname: { type: 'string', maxLength: 100 },
    jobtitle: { type: 'string', maxLength: 100 },
    department: { type: 'string', maxLength: 100 },
    parentcustomerid: { type: 'customer', targets: ['account', 'contact'] },
    emailaddress1: { type: 'string', maxLength: 100 },
    emailaddress2: { type: 'string', maxLength: 100 },
    emailaddress3: { type: 'string', maxLength: 100 },
    telephone1: { type: 'string', maxLength: 50 }, // Business Phone
    telephone2: { type: 'string', maxLength: 50 }, // Home Phone
    telephone3: { type: 'string', maxLength: 50 }, // Other Phone
    business2: { type: 'string', maxLength: 50 },
    home2: { type: 'string', maxLength: 50 },
    mobilephone: { type: 'string', maxLength: 50 },
    fax: { type: 'string', maxLength: 50 },
    pager: { type: 'string', maxLength: 50 },
    company: { type: 'string', maxLength: 50 }, // Company Phone
    callback: { type: 'string', maxLength: 50 },
    assistantname: { type: 'string', maxLength: 100 },
    assistantphone: { type: 'string', maxLength: 50 },
    managername: { type: 'string', maxLength: 100 },
    managerphone: { type: 'string', maxLength: 50 },
    spousesname: { type: 'string', maxLength: 100 },
    childrensnames: { type: 'string', maxLength: 255 },
    governmentid: { type: 'string', maxLength: 50 },
    websiteurl: { type: 'string', maxLength: 200 },
    ftpsiteurl: { type: 'string', maxLength: 200 },
    birthdate: { type: 'datetime', behavior: 'DateOnly' },
    anniversary: { type: 'datetime', behavior: 'DateOnly' },
    gendercode: { type: 'picklist', options: [1, 2], labels: { 1: 'Male', 2: 'Female' } },
    description: { type: 'memo', maxLength: 2000 },
    ...addressColumns(1),
    ...addressColumns(2),
    ...addressColumns(3),
    statecode: ACTIVE_INACTIVE.statecode,
    statuscode: ACTIVE_INACTIVE.statuscode,
    ...OWNERSHIP_COLUMNS,
    ...AUDIT_COLUMNS,
  },
};

export const ACCOUNT_TABLE: TableDefinition = {
  logicalName: 'account',
  entitySetName: 'accounts',
  primaryIdAttribute: 'accountid',
  primaryNameAttribute: 'name',
  ownership: 'UserOwned',
  changeTrackingEnabled: true,
  objectTypeCode: 1,
  states: ACTIVE_INACTIVE.states,
  collections: {
    contact_customer_accounts: { table: 'contact', referencingAttribute: 'parentcustomerid' },
    Account_Tasks: { table: 'task', referencingAttribute: 'regardingobjectid' },
  },
  columns: {
    accountid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 160 },
    accountnumber: { type: 'string', maxLength: 20 },
    telephone1: { type: 'string', maxLength: 50 },
    fax: { type: 'string', maxLength: 50 },
    emailaddress1: { type: 'string', maxLength: 100 },
    websiteurl: { type: 'string', maxLength: 200 },
    description: { type: 'memo', maxLength: 2000 },
    ...addressColumns(1),
    statecode: ACTIVE_INACTIVE.statecode,
    statuscode: ACTIVE_INACTIVE.statuscode,
    ...OWNERSHIP_COLUMNS,
    ...AUDIT_COLUMNS,
  },
};

/** Users are managed in the admin center, not by the sync: the Web API serves them read-only here. */
export const SYSTEMUSER_TABLE: TableDefinition = {
  logicalName: 'systemuser',
  entitySetName: 'systemusers',
  primaryIdAttribute: 'systemuserid',
  primaryNameAttribute: 'fullname',
  ownership: 'OrganizationOwned',
  objectTypeCode: 8,
  readOnly: true,
  columns: {
    systemuserid: { type: 'uniqueidentifier' },
    fullname: { type: 'string', maxLength: 200, readOnly: true },
    firstname: { type: 'string', maxLength: 256 },
    lastname: { type: 'string', maxLength: 256 },
    // Primary Email = the Entra UPN (SystemRequired).
    internalemailaddress: { type: 'string', maxLength: 100 },
    domainname: { type: 'string', maxLength: 1024 },
    azureactivedirectoryobjectid: { type: 'uniqueidentifier' },
    applicationid: { type: 'uniqueidentifier' },
    isdisabled: { type: 'boolean' },
    // 0 Read-Write, 1 Administrative, 2 Read, 3 Support User, 4 Non-interactive, 5 Delegated Admin
    accessmode: {
      type: 'picklist', options: [0, 1, 2, 3, 4, 5],
      labels: { 0: 'Read-Write', 1: 'Administrative', 2: 'Read', 3: 'Support User', 4: 'Non-interactive', 5: 'Delegated Admin' },
    },
    title: { type: 'string', maxLength: 128 },
    businessunitid: { type: 'lookup', targets: ['businessunit'] },
    ...AUDIT_COLUMNS,
  },
};

export const TEAM_TABLE: TableDefinition = {
  logicalName: 'team',
  entitySetName: 'teams',
  primaryIdAttribute: 'teamid',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 9,
  readOnly: true,
  columns: {
    teamid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 160 },
    teamtype: { type: 'picklist', options: [0, 1, 2, 3], labels: { 0: 'Owner', 1: 'Access', 2: 'Security Group', 3: 'Office Group' } },
    isdefault: { type: 'boolean' },
    businessunitid: { type: 'lookup', targets: ['businessunit'] },
    ...AUDIT_COLUMNS,
  },
};

export const BUSINESSUNIT_TABLE: TableDefinition = {
  logicalName: 'businessunit',
  entitySetName: 'businessunits',
  primaryIdAttribute: 'businessunitid',
  primaryNameAttribute: 'name',
  ownership: 'OrganizationOwned',
  objectTypeCode: 10,
  readOnly: true,
  columns: {
    businessunitid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 160 },
    ...AUDIT_COLUMNS,
  },
};

export const ORGANIZATION_TABLE: TableDefinition = {
  logicalName: 'organization',
  entitySetName: 'organizations',
  primaryIdAttribute: 'organizationid',
  primaryNameAttribute: 'name',
  ownership: 'None',
  objectTypeCode: 1019,
  readOnly: true,
  columns: {
    organizationid: { type: 'uniqueidentifier' },
    name: { type: 'string', maxLength: 160 },
    // Change-tracking tokens older than this are refused (ExpiredVersionStamp).
    expirechangetrackingindays: { type: 'integer', min: 0, max: 365 },
    versionnumber: { type: 'bigint', readOnly: true },
  },
};

export const BUILT_IN_TABLES: TableDefinition[] = [
  ORGANIZATION_TABLE, BUSINESSUNIT_TABLE, TEAM_TABLE, SYSTEMUSER_TABLE,
  ACCOUNT_TABLE, CONTACT_TABLE, TASK_TABLE, APPOINTMENT_TABLE, ACTIVITY_PARTY_TABLE,
];

/**
 * The org the emulator starts with: organization, root business unit and its default team, the seed's users as
 * systemusers (same Entra object id; internalemailaddress = UPN) and the application users of the sync and
 * people clients, a few accounts, and per user a handful of contacts and open tasks they own (CRM sample data
 * in the style of Microsoft's: Fourth Coffee, Litware…). No appointments. Ids are stable across runs; dates
 * are relative to the start (tasks due yesterday … next week).
 */
import { syncOwnerParty } from './activity-parties';
import type { EntityRef, Row, TableDefinition } from './context';
import { stableGuid } from './ids';
import { blankRow, type TableRegistry } from './schema';
import type { RowStore } from './store';
import type { SandboxSeed } from '../seed';
import { toStoredInstant } from './values';

export interface OrgIdentity {
  organizationId: string;
  organizationName: string;
  businessUnitId: string;
}

interface ContactSample {
  firstname: string;
  lastname: string;
  jobtitle: string;
  department: string;
  account: string;
  telephone1: string;
  mobilephone: string;
  telephone2?: string;
  fax?: string;
  birthdate?: string;
  spousesname?: string;
  city: string;
  state: string;
  postalcode: string;
  line1: string;
}

const ACCOUNTS: Array<{ name: string; accountnumber: string; telephone1: string; domain: string; city: string; state: string; postalcode: string; line1: string }> = [
  { name: 'Fourth Coffee', accountnumber: 'FC-28856', telephone1: '+1 425 555 0142', domain: 'fourthcoffee.example', city: 'Redmond', state: 'WA', postalcode: '98052', line1: '1 Microsoft Way' },
  { name: 'Litware, Inc.', accountnumber: 'LW-40113', telephone1: '+1 214 555 0198', domain: 'litware.example', city: 'Dallas', state: 'TX', postalcode: '75201', line1: '4500 Commerce Street' },
  { name: 'Adventure Works Cycles', accountnumber: 'AW-10032', telephone1: '+1 206 555 0117', domain: 'adventure-works.example', city: 'Bothell', state: 'WA', postalcode: '98011', line1: '1220 Mill Creek Road' },
  { name: 'Alpine Ski House', accountnumber: 'AS-77120', telephone1: '+1 970 555 0163', domain: 'alpineskihouse.example', city: 'Aspen', state: 'CO', postalcode: '81611', line1: '300 Summit Drive' },
  { name: 'Fabrikam, Inc.', accountnumber: 'FB-55017', telephone1: '+1 425 555 0184', domain: 'fabrikam.example', city: 'Lynnwood', state: 'WA', postalcode: '98036', line1: '18200 Alderwood Mall Pkwy' },
  { name: 'Contoso Pharmaceuticals', accountnumber: 'CP-63201', telephone1: '+1 617 555 0121', domain: 'contosopharma.example', city: 'Boston', state: 'MA', postalcode: '02110', line1: '75 State Street' },
];

/** Four contacts per seed user, in seed order (users beyond three reuse the list with their own ids). */
const CONTACTS: ContactSample[][] = [
  [
    { firstname: 'Yvonne', lastname: 'McKay', jobtitle: 'Purchasing Manager', department: 'Procurement', account: 'Fourth Coffee', telephone1: '+1 425 555 0143', mobilephone: '+1 425 555 0172', fax: '+1 425 555 0144', birthdate: '1981-04-12', city: 'Redmond', state: 'WA', postalcode: '98052', line1: '1 Microsoft Way' },
    { firstname: 'Susanna', lastname: 'Stubberod', jobtitle: 'Operations Director', department: 'Operations', account: 'Litware, Inc.', telephone1: '+1 214 555 0199', mobilephone: '+1 214 555 0131', telephone2: '+1 214 555 0176', spousesname: 'Erik', city: 'Dallas', state: 'TX', postalcode: '75201', line1: '4500 Commerce Street' },
    { firstname: 'Nancy', lastname: 'Anderson', jobtitle: 'Account Manager', department: 'Sales', account: 'Adventure Works Cycles', telephone1: '+1 206 555 0118', mobilephone: '+1 206 555 0152', city: 'Bothell', state: 'WA', postalcode: '98011', line1: '1220 Mill Creek Road' },
    { firstname: 'Maria', lastname: 'Campbell', jobtitle: 'Head of Marketing', department: 'Marketing', account: 'Fabrikam, Inc.', telephone1: '+1 425 555 0185', mobilephone: '+1 425 555 0127', birthdate: '1977-11-03', city: 'Lynnwood', state: 'WA', postalcode: '98036', line1: '18200 Alderwood Mall Pkwy' },
  ],
  [
    { firstname: 'Thomas', lastname: 'Andersen', jobtitle: 'Chief Financial Officer', department: 'Finance', account: 'Alpine Ski House', telephone1: '+1 970 555 0164', mobilephone: '+1 970 555 0190', spousesname: 'Ingrid', city: 'Aspen', state: 'CO', postalcode: '81611', line1: '300 Summit Drive' },
    { firstname: 'Paul', lastname: 'Cannon', jobtitle: 'Procurement Lead', department: 'Procurement', account: 'Contoso Pharmaceuticals', telephone1: '+1 617 555 0122', mobilephone: '+1 617 555 0148', fax: '+1 617 555 0123', city: 'Boston', state: 'MA', postalcode: '02110', line1: '75 State Street' },
    { firstname: 'Sidney', lastname: 'Higa', jobtitle: 'IT Manager', department: 'Information Technology', account: 'Fourth Coffee', telephone1: '+1 425 555 0146', mobilephone: '+1 425 555 0161', birthdate: '1988-06-21', city: 'Redmond', state: 'WA', postalcode: '98052', line1: '1 Microsoft Way' },
    { firstname: 'Rene', lastname: 'Valdes', jobtitle: 'Sales Director', department: 'Sales', account: 'Litware, Inc.', telephone1: '+1 214 555 0102', mobilephone: '+1 214 555 0189', telephone2: '+1 214 555 0155', city: 'Dallas', state: 'TX', postalcode: '75201', line1: '4500 Commerce Street' },
  ],
  [
    { firstname: 'Darren', lastname: 'Parker', jobtitle: 'Facilities Coordinator', department: 'Facilities', account: 'Adventure Works Cycles', telephone1: '+1 206 555 0119', mobilephone: '+1 206 555 0133', city: 'Bothell', state: 'WA', postalcode: '98011', line1: '1220 Mill Creek Road' },
    { firstname: 'Rachel', lastname: 'Ford', jobtitle: 'Regional Manager', department: 'Sales', account: 'Alpine Ski House', telephone1: '+1 970 555 0165', mobilephone: '+1 970 555 0141', birthdate: '1985-02-28', city: 'Aspen', state: 'CO', postalcode: '81611', line1: '300 Summit Drive' },
    { firstname: 'Patrick', lastname: 'Sands', jobtitle: 'Quality Assurance Lead', department: 'Quality', account: 'Contoso Pharmaceuticals', telephone1: '+1 617 555 0124', mobilephone: '+1 617 555 0177', spousesname: 'Olivia', city: 'Boston', state: 'MA', postalcode: '02110', line1: '75 State Street' },
    { firstname: 'Jim', lastname: 'Glynn', jobtitle: 'Logistics Planner', department: 'Supply Chain', account: 'Fabrikam, Inc.', telephone1: '+1 425 555 0186', mobilephone: '+1 425 555 0112', fax: '+1 425 555 0187', city: 'Lynnwood', state: 'WA', postalcode: '98036', line1: '18200 Alderwood Mall Pkwy' },
  ],
];

/** Task templates: due offset in days (negative = overdue), status, percent, priority. */
const TASKS: Array<{ subject: (c: ContactSample) => string; description: string; dueDays: number; startDays?: number; statuscode: number; percent: number; priority: number }> = [
  { subject: (c) => `Send revised proposal to ${c.account}`, description: 'Include the volume discount agreed on the last call and the updated delivery schedule.', dueDays: 2, startDays: 0, statuscode: 2, percent: 0, priority: 2 },
  { subject: (c) => `Call ${c.firstname} ${c.lastname} about the contract renewal`, description: 'Confirm renewal terms and the decision timeline.', dueDays: 1, statuscode: 3, percent: 25, priority: 1 },
  { subject: (c) => `Prepare quarterly business review for ${c.account}`, description: 'Usage figures, open cases and next quarter goals.', dueDays: 7, startDays: 3, statuscode: 2, percent: 0, priority: 1 },
  { subject: (c) => `Follow up on open invoice with ${c.firstname}`, description: 'Invoice is 30 days past due; ask for a payment date.', dueDays: -2, statuscode: 4, percent: 50, priority: 2 },
];

function daysFrom(now: Date, days: number, hourUtc: number): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days, hourUtc));
  return toStoredInstant(d);
}

export function seedSampleData(store: RowStore, registry: TableRegistry, seed: SandboxSeed, now = new Date()): OrgIdentity {
  const org: OrgIdentity = {
    organizationId: stableGuid('organization'),
    organizationName: 'crmsandbox',
    businessUnitId: stableGuid('businessunit'),
  };
  const created = daysFrom(now, -120, 9);
  const system: EntityRef = { id: seed.clients.sync.dataverseApplicationUserId ?? stableGuid('system'), logicalName: 'systemuser' };
  const put = (logicalName: string, values: Row, owner?: EntityRef): Row => {
    const table: TableDefinition = registry.require(logicalName);
    const id = String(values[table.primaryIdAttribute]);
    const row: Row = { ...blankRow(table) };
    const audit: Row = { createdon: created, modifiedon: created, createdby: owner ?? system, modifiedby: owner ?? system, versionnumber: store.nextVersion() };
    for (const [k, v] of Object.entries(audit)) if (k in table.columns) row[k] = v;
    if (owner && table.ownership === 'UserOwned') {
      Object.assign(row, { ownerid: owner, owninguser: owner, owningbusinessunit: { id: org.businessUnitId, logicalName: 'businessunit' } });
    }
    Object.assign(row, values);
    store.put(logicalName, id, row);
    return row;
  };

  put('organization', { organizationid: org.organizationId, name: org.organizationName, expirechangetrackingindays: 90 });
  put('businessunit', { businessunitid: org.businessUnitId, name: org.organizationName });
  const bu: EntityRef = { id: org.businessUnitId, logicalName: 'businessunit' };
  put('team', { teamid: stableGuid('team/default'), name: org.organizationName, teamtype: 0, isdefault: true, businessunitid: bu });

  const domain = seed.users[0]?.userPrincipalName.split('@')[1] ?? 'contoso.example';
  for (const user of seed.users) {
    const [firstname, ...rest] = user.displayName.split(' ');
    put('systemuser', {
      systemuserid: user.systemUserId, fullname: user.displayName, firstname, lastname: rest.join(' ') || null,
      internalemailaddress: user.userPrincipalName, domainname: user.userPrincipalName,
      azureactivedirectoryobjectid: user.entraObjectId, applicationid: null, isdisabled: user.crmDisabled ?? false,
      accessmode: 0, title: 'Account Executive', businessunitid: bu,
    });
  }
  for (const client of Object.values(seed.clients)) {
    if (!client.dataverseApplicationUserId) continue;
    put('systemuser', {
      systemuserid: client.dataverseApplicationUserId, fullname: `# ${client.displayName}`, firstname: '#', lastname: client.displayName,
      internalemailaddress: `${client.clientId}@${domain}`, domainname: `${client.clientId}@${domain}`,
      // The service principal's object id, as the identity emulator puts it in the app's tokens (oid).
      azureactivedirectoryobjectid: `5e${client.clientId.slice(2)}`, applicationid: client.clientId, isdisabled: false,
      accessmode: 4, title: null, businessunitid: bu,
    });
  }

  const accountIds = new Map<string, string>();
  ACCOUNTS.forEach((a, i) => {
    const owner = seed.users[i % Math.max(seed.users.length, 1)];
    const id = stableGuid(`account/${a.name}`);
    accountIds.set(a.name, id);
    put('account', {
      accountid: id, name: a.name, accountnumber: a.accountnumber, telephone1: a.telephone1, emailaddress1: `info@${a.domain}`,
      websiteurl: `https://www.${a.domain}`, address1_line1: a.line1, address1_city: a.city, address1_stateorprovince: a.state,
      address1_postalcode: a.postalcode, address1_country: 'United States', statecode: 0, statuscode: 1,
    }, owner ? { id: owner.systemUserId, logicalName: 'systemuser' } : undefined);
  });

  seed.users.forEach((user, u) => {
    const owner: EntityRef = { id: user.systemUserId, logicalName: 'systemuser' };
    const samples = CONTACTS[u % CONTACTS.length]!;
    samples.forEach((c, i) => {
      const contactId = stableGuid(`contact/${user.userPrincipalName}/${i}`);
      const accountDomain = ACCOUNTS.find((a) => a.name === c.account)?.domain ?? 'example.com';
      put('contact', {
        contactid: contactId, firstname: c.firstname, lastname: c.lastname, fullname: `${c.firstname} ${c.lastname}`,
        yomifullname: `${c.firstname} ${c.lastname}`, jobtitle: c.jobtitle, department: c.department,
        parentcustomerid: { id: accountIds.get(c.account)!, logicalName: 'account' },
        emailaddress1: `${c.firstname}.${c.lastname}@${accountDomain}`.toLowerCase(),
        telephone1: c.telephone1, mobilephone: c.mobilephone, telephone2: c.telephone2 ?? null, fax: c.fax ?? null,
        birthdate: c.birthdate ?? null, spousesname: c.spousesname ?? null,
        address1_line1: c.line1, address1_city: c.city, address1_stateorprovince: c.state, address1_postalcode: c.postalcode,
        address1_country: 'United States', statecode: 0, statuscode: 1,
      }, owner);
      const template = TASKS[i % TASKS.length]!;
      const taskId = stableGuid(`task/${user.userPrincipalName}/${i}`);
      put('task', {
        activityid: taskId, subject: template.subject(c), description: template.description,
        scheduledend: daysFrom(now, template.dueDays, 17), scheduledstart: template.startDays !== undefined ? daysFrom(now, template.startDays, 8) : null,
        percentcomplete: template.percent, prioritycode: template.priority, statecode: 0, statuscode: template.statuscode,
        regardingobjectid: { id: contactId, logicalName: 'contact' }, activitytypecode: 'task', isregularactivity: true,
      }, owner);
      syncOwnerParty(store, { id: taskId, logicalName: 'task' }, owner);
    });
  });
  return org;
}

/**
 * Dataverse contact ↔ Outlook contact (default contacts folder of the owner's mailbox), after Dynamics'
 * synchronized-fields table for Contact (research: dataverse.md §3.4). Every row of that table whose
 * Outlook field exists on Graph's v1.0 contact type is mapped; all are two-way and settable unless noted.
 *
 * | field           | Dataverse                                 | Graph contact                    | notes                    |
 * |-----------------|-------------------------------------------|----------------------------------|--------------------------|
 * | fullName        | firstname, middlename, lastname           | givenName, middleName, surname   | fixed; writes displayName|
 * | yomiFirstName   | yomifirstname                             | yomiGivenName                    |                          |
 * | yomiLastName    | yomilastname                              | yomiSurname                      |                          |
 * | nickname        | nickname                                  | nickName                         |                          |
 * | jobTitle        | jobtitle                                  | jobTitle                         |                          |
 * | department      | department                                | department                       |                          |
 * | companyName     | parentcustomerid (its name)               | companyName                      | fixed, crmToExchange     |
 * | assistantName   | assistantname                             | assistantName                    |                          |
 * | managerName     | managername                               | manager                          |                          |
 * | spouse          | spousesname                               | spouseName                       |                          |
 * | children        | childrensnames (one text)                 | children[]                       |                          |
 * | birthday        | birthdate (DateOnly)                      | birthday                         |                          |
 * | notes           | description (Memo 2000)                   | personalNotes                    |                          |
 * | webPage         | websiteurl                                | businessHomePage                 |                          |
 * | businessPhones  | telephone1, business2                     | businessPhones[0..1]             | Business Phone, Phone 2  |
 * | homePhones      | telephone2, home2                         | homePhones[0..1]                 | Home Phone, Home Phone 2 |
 * | mobile          | mobilephone                               | mobilePhone                      |                          |
 * | email           | emailaddress1..3                          | emailAddresses[0..2]             | E-mail, E-mail 2, 3      |
 * | businessAddress | address1_* ("Mailing/Business Address")   | businessAddress                  |                          |
 * | homeAddress     | address2_*                                | homeAddress                      | default none             |
 * | otherAddress    | address3_*                                | otherAddress                     | default none             |
 *
 * Collections. Outlook has exactly two business phones, two home phones and three email addresses, and
 * Graph lists the filled ones without gaps (an empty Business Phone with a filled Business Phone 2 reads
 * as businessPhones: ['x']). So each collection is ONE field owning all of Outlook's slots: canonical =
 * the list of filled values in slot order; written to Dataverse as slot 1, 2(, 3) (gaps close up: a
 * value in business2 alone moves to telephone1 when Exchange changes the list), written to Graph as the
 * whole list. Nothing Outlook-only lives in those lists, so a CRM change of telephone1 rewrites the two
 * business slots with CRM's values and wipes nothing else. Email display names (Graph's `name`) are kept
 * from the current item when the caller passes it, else the address is the name (as Outlook shows it).
 *
 * Full Name (fixed two-way in Dynamics): Dataverse's fullname is computed and read-only, so the field is
 * the name parts: canonical { first, middle, last } (null when all are empty). Writing to Graph also
 * sets displayName to "first middle last", Outlook's own default.
 *
 * Addresses: canonical { street, city, state, postalCode, countryOrRegion } or null when all empty;
 * street = Dataverse's line1–3 joined by '\n' (empty lines dropped; a Graph street of more than three
 * lines keeps its first two and joins the rest into the third). Dynamics syncs only the mailing
 * (business) address by default; home and other follow a system setting, here a direction override.
 *
 * Company Name: the parent account's (or contact's) name, from the lookup's formatted-value annotation
 * (reads need Prefer: odata.include-annotations="OData.Community.Display.V1.FormattedValue"); a row with
 * a parent but no name throws (guessing null would clear Outlook's company). Exchange → CRM would mean
 * finding an account by name, so it is not done (Dynamics' table: Parent ↔ Company Name, fixed).
 *
 * Not mapped (no property on Graph's v1.0 contact): Anniversary, Assistant's Phone, Business Fax,
 * Callback, Company Main Phone, FTP Site, Government ID, Other Phone (telephone3), Pager. They exist
 * only as MAPI properties, reachable through singleValueExtendedProperties; see the report.
 */
import type { Canonical, CrmRow, FieldMapping, GraphItem, RecordMapping, SyncDirection } from './field-mapping';
import { canonicalDateOnly, canonicalPlainText, canonicalText, textField } from './conversions';
import { MappingError, oneWayOnly } from './mapping-error';

// ---------------------------------------------------------------- full name

const NAME_MAX = 50;
const NAME_PARTS = [['first', 'firstname', 'givenName'], ['middle', 'middlename', 'middleName'], ['last', 'lastname', 'surname']] as const;

function nameOf(source: Record<string, unknown>, side: 1 | 2): Canonical {
  const parts = Object.fromEntries(NAME_PARTS.map((p) => [p[0], canonicalText(source[p[side]], NAME_MAX)]));
  return Object.values(parts).every((v) => v === null) ? null : parts;
}

function namePart(value: Canonical, part: string): string | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? canonicalText(value[part], NAME_MAX) : null;
}

const fullName: FieldMapping = {
  name: 'fullName',
  crmColumns: NAME_PARTS.map((p) => p[1]),
  graphProperties: [...NAME_PARTS.map((p) => p[2]), 'displayName'],
  defaultDirection: 'twoWay',
  settable: false,
  fromCrm: (row) => nameOf(row, 1),
  fromGraph: (item) => nameOf(item, 2),
  toCrm: (value) => Object.fromEntries(NAME_PARTS.map((p) => [p[1], namePart(value, p[0])])),
  toGraph: (value) => {
    const item: GraphItem = Object.fromEntries(NAME_PARTS.map((p) => [p[2], namePart(value, p[0])]));
    const display = NAME_PARTS.map((p) => namePart(value, p[0])).filter(Boolean).join(' ');
    if (display) item.displayName = display;
    return item;
  },
};

// ---------------------------------------------------------------- lists: phones, email, children

function listOf(value: Canonical): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Dataverse slot columns ↔ a Graph list of strings (see "Collections" above). */
function slotsField(name: string, columns: readonly string[], graphProperty: string, maxLength: number): FieldMapping {
  const canonical = (values: unknown[]): Canonical =>
    values.map((v) => canonicalText(v, maxLength)).filter((v): v is string => v !== null).slice(0, columns.length);
  return {
    name,
    crmColumns: columns,
    graphProperties: [graphProperty],
    defaultDirection: 'twoWay',
    settable: true,
    fromCrm: (row) => canonical(columns.map((c) => row[c])),
    fromGraph: (item) => canonical(Array.isArray(item[graphProperty]) ? (item[graphProperty] as unknown[]) : []),
    toCrm: (value) => {
      const list = listOf(value);
      return Object.fromEntries(columns.map((c, i) => [c, canonicalText(list[i], maxLength)]));
    },
    toGraph: (value) => ({ [graphProperty]: listOf(value).slice(0, columns.length) }),
  };
}

const EMAIL_COLUMNS = ['emailaddress1', 'emailaddress2', 'emailaddress3'];

function graphEmails(item: GraphItem | undefined): Array<{ address: unknown; name: unknown }> {
  const list = item?.emailAddresses;
  return Array.isArray(list) ? list.filter((e) => !!e && typeof e === 'object') : [];
}

const email: FieldMapping = {
  ...slotsField('email', EMAIL_COLUMNS, 'emailAddresses', 100),
  fromGraph: (item) => graphEmails(item).map((e) => canonicalText(e.address, 100)).filter((a): a is string => a !== null).slice(0, 3),
  toGraph: (value, _ctx, current) => {
    const names = new Map(graphEmails(current).map((e) => [canonicalText(e.address, 100)?.toLowerCase(), e.name]));
    return {
      emailAddresses: listOf(value).slice(0, 3).map((address) => {
        const name = names.get(address.toLowerCase());
        return { address, name: typeof name === 'string' && name ? name : address };
      }),
    };
  },
};

const CHILDREN_MAX = 255;

/** Children: Outlook's list ↔ Dataverse's one text "Children's Names" (comma-separated, 255). */
function childrenOf(values: unknown[]): Canonical {
  const names = values
    .flatMap((v) => (typeof v === 'string' ? v.split(/[,;]/) : []))
    .map((n) => canonicalText(n))
    .filter((n): n is string => n !== null);
  const kept: string[] = [];
  for (const n of names) {
    if ([...kept, n].join(', ').length > CHILDREN_MAX) break;
    kept.push(n);
  }
  return kept;
}

const children: FieldMapping = {
  name: 'children',
  crmColumns: ['childrensnames'],
  graphProperties: ['children'],
  defaultDirection: 'twoWay',
  settable: true,
  fromCrm: (row) => childrenOf([row.childrensnames]),
  fromGraph: (item) => childrenOf(Array.isArray(item.children) ? item.children : []),
  toCrm: (value) => ({ childrensnames: listOf(value).join(', ') || null }),
  toGraph: (value) => ({ children: listOf(value) }),
};

// ---------------------------------------------------------------- single values

const birthday: FieldMapping = {
  name: 'birthday',
  crmColumns: ['birthdate'],
  graphProperties: ['birthday'],
  defaultDirection: 'twoWay',
  settable: true,
  fromCrm: (row) => canonicalDateOnly(row.birthdate),
  fromGraph: (item) => canonicalDateOnly(item.birthday),
  toCrm: (value) => ({ birthdate: canonicalDateOnly(value) }),
  // Midnight UTC: the nearest-midnight reading above gives the same date back.
  toGraph: (value) => ({ birthday: canonicalDateOnly(value) ? `${canonicalDateOnly(value)}T00:00:00Z` : null }),
};

const notes: FieldMapping = {
  name: 'notes',
  crmColumns: ['description'],
  graphProperties: ['personalNotes'],
  defaultDirection: 'twoWay',
  settable: true,
  fromCrm: (row) => canonicalPlainText(row.description, 2000),
  fromGraph: (item) => canonicalPlainText(item.personalNotes, 2000),
  toCrm: (value) => ({ description: canonicalPlainText(value, 2000) }),
  toGraph: (value) => ({ personalNotes: canonicalPlainText(value, 2000) ?? '' }),
};

const PARENT_NAME_KEYS = [
  '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue',
  'parentcustomerid@OData.Community.Display.V1.FormattedValue',
  '_parentcustomerid_value_Formatted',
];

const companyName: FieldMapping = {
  name: 'companyName',
  crmColumns: ['parentcustomerid'],
  graphProperties: ['companyName'],
  defaultDirection: 'crmToExchange',
  settable: false,
  fromCrm: (row) => {
    const parent = row._parentcustomerid_value;
    if (parent === undefined || parent === null || parent === '') return null;
    const name = PARENT_NAME_KEYS.map((k) => row[k]).find((v) => typeof v === 'string');
    if (name === undefined) {
      throw new MappingError('A contact row with a parentcustomerid must carry its formatted value (read with Prefer: odata.include-annotations="OData.Community.Display.V1.FormattedValue")');
    }
    return canonicalText(name);
  },
  fromGraph: (item) => canonicalText(item.companyName),
  toCrm: () => oneWayOnly('companyName', 'crmToExchange'),
  toGraph: (value) => ({ companyName: canonicalText(value) }),
};

// ---------------------------------------------------------------- addresses

const ADDRESS_PARTS = [
  ['city', 'city', 80], ['state', 'stateorprovince', 50], ['postalCode', 'postalcode', 20], ['countryOrRegion', 'country', 80],
] as const;
const LINE_MAX = 250;

function streetOf(lines: unknown[]): string | null {
  const kept = lines.map((l) => canonicalText(l, LINE_MAX)).filter((l): l is string => l !== null);
  if (kept.length > 3) kept.splice(2, kept.length - 2, canonicalText(kept.slice(2).join(' '), LINE_MAX)!);
  return kept.length > 0 ? kept.join('\n') : null;
}

function addressOf(street: string | null, parts: Record<string, unknown>): Canonical {
  const value: Record<string, Canonical> = { street };
  for (const [graph, , max] of ADDRESS_PARTS) value[graph] = canonicalText(parts[graph], max);
  return Object.values(value).every((v) => v === null) ? null : value;
}

function addressPart(value: Canonical, key: string): unknown {
  return value && typeof value === 'object' && !Array.isArray(value) ? value[key] : null;
}

/** Dataverse address{n}_line1..3, _city, _stateorprovince, _postalcode, _country ↔ a Graph physicalAddress. */
function addressField(name: string, n: 1 | 2 | 3, graphProperty: string, direction: SyncDirection): FieldMapping {
  const col = (part: string) => `address${n}_${part}`;
  const lines = ['line1', 'line2', 'line3'].map(col);
  return {
    name,
    crmColumns: [...lines, ...ADDRESS_PARTS.map((p) => col(p[1]))],
    graphProperties: [graphProperty],
    defaultDirection: direction,
    settable: true,
    fromCrm: (row) => addressOf(streetOf(lines.map((c) => row[c])), Object.fromEntries(ADDRESS_PARTS.map((p) => [p[0], row[col(p[1])]]))),
    fromGraph: (item) => {
      const a = item[graphProperty];
      if (!a || typeof a !== 'object') return null;
      const address = a as Record<string, unknown>;
      return addressOf(typeof address.street === 'string' ? streetOf(address.street.split(/\r\n|\r|\n/)) : null, address);
    },
    toCrm: (value) => {
      const street = canonicalText(addressPart(value, 'street'));
      const streetLines = street ? street.split('\n') : [];
      const row: CrmRow = Object.fromEntries(lines.map((c, i) => [c, canonicalText(streetLines[i], LINE_MAX)]));
      for (const [graph, crm, max] of ADDRESS_PARTS) row[col(crm)] = canonicalText(addressPart(value, graph), max);
      return row;
    },
    toGraph: (value) => {
      const address: Record<string, unknown> = { street: canonicalText(addressPart(value, 'street')) };
      for (const [graph, , max] of ADDRESS_PARTS) address[graph] = canonicalText(addressPart(value, graph), max);
      return { [graphProperty]: address };
    },
  };
}

export const CONTACT_MAPPING: RecordMapping = {
  recordType: 'contact',
  crmTable: 'contact',
  crmEntitySet: 'contacts',
  crmPrimaryId: 'contactid',
  fields: [
    fullName,
    textField('yomiFirstName', 'yomifirstname', 'yomiGivenName', 150),
    textField('yomiLastName', 'yomilastname', 'yomiSurname', 150),
    textField('nickname', 'nickname', 'nickName', 100),
    textField('jobTitle', 'jobtitle', 'jobTitle', 100),
    textField('department', 'department', 'department', 100),
    companyName,
    textField('assistantName', 'assistantname', 'assistantName', 100),
    textField('managerName', 'managername', 'manager', 100),
    textField('spouse', 'spousesname', 'spouseName', 100),
    children,
    birthday,
    notes,
    textField('webPage', 'websiteurl', 'businessHomePage', 200),
    slotsField('businessPhones', ['telephone1', 'business2'], 'businessPhones', 50),
    slotsField('homePhones', ['telephone2', 'home2'], 'homePhones', 50),
    textField('mobile', 'mobilephone', 'mobilePhone', 50),
    email,
    addressField('businessAddress', 1, 'businessAddress', 'twoWay'),
    addressField('homeAddress', 2, 'homeAddress', 'none'),
    addressField('otherAddress', 3, 'otherAddress', 'none'),
  ],
  crmLookupColumns: ['parentcustomerid'],
};

import fc from 'fast-check';
import { CONTACT_MAPPING } from '../../../shared/mappings/contact-mapping';
import type { Canonical, CrmRow, GraphItem } from '../../../shared/mappings/field-mapping';
import { MappingError } from '../../../shared/mappings/mapping-error';
import { canonicalText } from '../../../shared/mappings/conversions';
import { fixture } from '../../support/fixtures';
import { arb, crmRowOf, crmValuesOf, EASTERN, field, graphItemOf, graphValuesOf, TOKYO, UTC, ZONES, type Values } from './support';

const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
const graphContact = fixture<GraphItem>('graph/contact.json');
const crmContact = fixture<CrmRow>('dataverse/contact.json');

/** The fixture row with every synced column filled, as a Web API read with annotations returns it. */
const fullCrmContact: CrmRow = {
  ...crmContact,
  firstname: 'Rafel', middlename: null, lastname: 'Shillo', yomifirstname: null, yomilastname: null, nickname: 'Raf',
  department: 'R&D', assistantname: 'Pat', managername: 'Adele Vance', spousesname: 'Sam', childrensnames: 'Ana, Ben',
  birthdate: '1990-02-28', websiteurl: 'https://contoso.com/rafel', telephone1: ' +1 425 555 0100 ', business2: null,
  telephone2: '+1 425 555 0111', home2: '+1 425 555 0112', mobilephone: '+1 425 555 0199', telephone3: '+1 555 0000', fax: '+1 425 555 0101',
  emailaddress1: 'rafel@contoso.com', emailaddress2: null, emailaddress3: 'rafel@fabrikam.com',
  address1_line1: 'One Microsoft Way', address1_line2: 'Building 92', address1_line3: null, address1_city: 'Redmond',
  address1_stateorprovince: 'WA', address1_postalcode: '98052', address1_country: 'USA',
  address2_line1: null, address2_line2: null, address2_line3: null, address2_city: null, address2_stateorprovince: null, address2_postalcode: null, address2_country: null,
  address3_line1: '1 Main St', address3_line2: null, address3_line3: null, address3_city: 'Seattle', address3_stateorprovince: null, address3_postalcode: null, address3_country: null,
  _parentcustomerid_value: '7d8b4a2e-1f3c-4e5a-9b6d-0c1e2f3a4b5c',
  [`_parentcustomerid_value${FORMATTED}`]: 'Contoso Ltd',
  '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
};

/** companyName is CRM → Exchange only: its CRM value is built from the lookup, as Dataverse returns it. */
const crmSources = {
  companyName: (value: Canonical): CrmRow => (value === null
    ? { _parentcustomerid_value: null }
    : { _parentcustomerid_value: '7d8b4a2e-1f3c-4e5a-9b6d-0c1e2f3a4b5c', [`_parentcustomerid_value${FORMATTED}`]: value }),
};

describe('contact ↔ contact: the documented payloads', () => {
  test('fixture graph/contact.json reads as Alex Wilber with one email, empty elsewhere', () => {
    expect(graphValuesOf(CONTACT_MAPPING, graphContact, UTC)).toEqual({
      fullName: { first: 'Alex', middle: null, last: 'Wilber' }, yomiFirstName: null, yomiLastName: null, nickname: null,
      jobTitle: null, department: null, companyName: null, assistantName: null, managerName: null, spouse: null, children: [],
      birthday: null, notes: null, webPage: null, businessPhones: [], homePhones: [], mobile: null,
      email: ['Alex@FineArtSchool.net'], businessAddress: null, homeAddress: null, otherAddress: null,
    });
  });

  test('fixture dataverse/contact.json (a partial read) reads its job title; description null ≡ no notes', () => {
    expect(crmValuesOf(CONTACT_MAPPING, crmContact, UTC)).toMatchObject({ jobTitle: 'Junior Developer', notes: null, fullName: null });
  });

  test('a full CRM row maps every pair of the table that Graph has', () => {
    const v = crmValuesOf(CONTACT_MAPPING, fullCrmContact, UTC);
    expect(v).toEqual({
      fullName: { first: 'Rafel', middle: null, last: 'Shillo' }, yomiFirstName: null, yomiLastName: null, nickname: 'Raf',
      jobTitle: 'Junior Developer', department: 'R&D', companyName: 'Contoso Ltd', assistantName: 'Pat', managerName: 'Adele Vance',
      spouse: 'Sam', children: ['Ana', 'Ben'], birthday: '1990-02-28', notes: null, webPage: 'https://contoso.com/rafel',
      businessPhones: ['+1 425 555 0100'], homePhones: ['+1 425 555 0111', '+1 425 555 0112'], mobile: '+1 425 555 0199',
      email: ['rafel@contoso.com', 'rafel@fabrikam.com'],
      businessAddress: { street: 'One Microsoft Way\nBuilding 92', city: 'Redmond', state: 'WA', postalCode: '98052', countryOrRegion: 'USA' },
      homeAddress: null,
      otherAddress: { street: '1 Main St', city: 'Seattle', state: null, postalCode: null, countryOrRegion: null },
    });
    const item = graphItemOf(CONTACT_MAPPING, v, UTC);
    expect(item).toMatchObject({
      givenName: 'Rafel', middleName: null, surname: 'Shillo', displayName: 'Rafel Shillo', companyName: 'Contoso Ltd',
      manager: 'Adele Vance', spouseName: 'Sam', children: ['Ana', 'Ben'], birthday: '1990-02-28T00:00:00Z', businessHomePage: 'https://contoso.com/rafel',
      businessPhones: ['+1 425 555 0100'], homePhones: ['+1 425 555 0111', '+1 425 555 0112'], mobilePhone: '+1 425 555 0199',
      emailAddresses: [{ address: 'rafel@contoso.com', name: 'rafel@contoso.com' }, { address: 'rafel@fabrikam.com', name: 'rafel@fabrikam.com' }],
      businessAddress: { street: 'One Microsoft Way\nBuilding 92', city: 'Redmond', state: 'WA', postalCode: '98052', countryOrRegion: 'USA' },
      personalNotes: '',
    });
    expect(graphValuesOf(CONTACT_MAPPING, item, UTC)).toEqual(v);
  });

  test.each(ZONES.map((z) => [z.windowsTimeZone, z] as const))('every field: CRM → Graph → CRM and Graph → CRM → Graph are stable (%s)', (_name, ctx) => {
    for (const row of [crmContact, fullCrmContact]) {
      const v = crmValuesOf(CONTACT_MAPPING, row, ctx);
      expect(graphValuesOf(CONTACT_MAPPING, graphItemOf(CONTACT_MAPPING, v, ctx), ctx)).toEqual(v);
      expect(crmValuesOf(CONTACT_MAPPING, crmRowOf(CONTACT_MAPPING, v, ctx, crmSources), ctx)).toEqual(v);
    }
    const g = graphValuesOf(CONTACT_MAPPING, graphContact, ctx);
    expect(crmValuesOf(CONTACT_MAPPING, crmRowOf(CONTACT_MAPPING, g, ctx, crmSources), ctx)).toEqual(g);
    expect(graphValuesOf(CONTACT_MAPPING, graphItemOf(CONTACT_MAPPING, g, ctx), ctx)).toEqual(g);
  });
});

describe('collections own all of Outlook\'s slots', () => {
  const phones = field(CONTACT_MAPPING, 'businessPhones');
  const email = field(CONTACT_MAPPING, 'email');

  test('Business Phone and Business Phone 2 are Graph\'s two business phones; a change of telephone1 rewrites both slots and nothing else', () => {
    expect(phones.crmColumns).toEqual(['telephone1', 'business2']);
    expect(phones.fromGraph({ businessPhones: ['+1 555 0100', '+1 555 0102'] }, UTC)).toEqual(['+1 555 0100', '+1 555 0102']);
    expect(phones.toGraph(['+1 555 0199', '+1 555 0102'], UTC)).toEqual({ businessPhones: ['+1 555 0199', '+1 555 0102'] });
    expect(phones.toCrm(['+1 555 0199', '+1 555 0102'], UTC)).toEqual({ telephone1: '+1 555 0199', business2: '+1 555 0102' });
  });

  test('Graph lists filled slots without gaps: a lone Business Phone 2 reads like a Business Phone (documented: it moves to telephone1 when written back)', () => {
    const v = phones.fromCrm({ telephone1: null, business2: '+1 555 0102' }, UTC);
    expect(v).toEqual(['+1 555 0102']);
    expect(phones.fromGraph(phones.toGraph(v, UTC), UTC)).toEqual(v);
    expect(phones.toCrm(v, UTC)).toEqual({ telephone1: '+1 555 0102', business2: null });
  });

  test('"" and whitespace-only phones are no phone', () => {
    expect(phones.fromCrm({ telephone1: '  ', business2: '' }, UTC)).toEqual([]);
    expect(phones.fromGraph({ businessPhones: [' ', '+1 555 0100 '] }, UTC)).toEqual(['+1 555 0100']);
  });

  test('E-mail 1–3 ↔ emailAddresses[0..2]; display names Outlook shows are kept when the current item is passed', () => {
    const current: GraphItem = { emailAddresses: [{ address: 'Adele@Contoso.com', name: 'Adele Vance (work)' }] };
    expect(email.toGraph(['adele@contoso.com', 'adele@home.example'], UTC, current)).toEqual({
      emailAddresses: [{ address: 'adele@contoso.com', name: 'Adele Vance (work)' }, { address: 'adele@home.example', name: 'adele@home.example' }],
    });
    expect(email.toCrm(['a@x.com'], UTC)).toEqual({ emailaddress1: 'a@x.com', emailaddress2: null, emailaddress3: null });
    expect(email.fromGraph({ emailAddresses: [{ name: 'no address' }, { address: 'a@x.com' }] }, UTC)).toEqual(['a@x.com']);
  });

  test("children: Outlook's list ↔ one comma-separated Dataverse text", () => {
    const children = field(CONTACT_MAPPING, 'children');
    expect(children.fromCrm({ childrensnames: 'Ana; Ben,  Cy ' }, UTC)).toEqual(['Ana', 'Ben', 'Cy']);
    expect(children.toCrm(['Ana', 'Ben'], UTC)).toEqual({ childrensnames: 'Ana, Ben' });
    expect(children.toCrm([], UTC)).toEqual({ childrensnames: null });
    expect(children.fromGraph({ children: ['Ana, Ben', 'Cy'] }, UTC)).toEqual(['Ana', 'Ben', 'Cy']);
  });
});

describe('single fields', () => {
  test('Full Name is the name parts (fullname is computed in Dataverse); displayName follows them in Outlook', () => {
    const fullName = field(CONTACT_MAPPING, 'fullName');
    expect(fullName.settable).toBe(false);
    expect(fullName.crmColumns).not.toContain('fullname');
    expect(fullName.toGraph({ first: 'Adele', middle: null, last: 'Vance' }, UTC)).toEqual({ givenName: 'Adele', middleName: null, surname: 'Vance', displayName: 'Adele Vance' });
    expect(fullName.toCrm({ first: 'Adele', middle: null, last: 'Vance' }, UTC)).toEqual({ firstname: 'Adele', middlename: null, lastname: 'Vance' });
    expect(fullName.fromGraph({ givenName: '', surname: null }, UTC)).toBeNull();
  });

  test('Company Name is the parent account\'s name, CRM → Exchange only; a parent without its name is an error', () => {
    const company = field(CONTACT_MAPPING, 'companyName');
    expect(company.defaultDirection).toBe('crmToExchange');
    expect(company.fromCrm({ _parentcustomerid_value: null }, UTC)).toBeNull();
    // The webhook image shape (data-contract.ts): the formatted value lands on the column itself.
    expect(company.fromCrm({ _parentcustomerid_value: 'x', [`parentcustomerid${FORMATTED}`]: 'Fabrikam' }, UTC)).toBe('Fabrikam');
    expect(company.fromCrm({ _parentcustomerid_value: 'x', _parentcustomerid_value_Formatted: 'Fabrikam' }, UTC)).toBe('Fabrikam');
    expect(() => company.fromCrm({ _parentcustomerid_value: 'x' }, UTC)).toThrow(MappingError);
    expect(() => company.toCrm('Fabrikam', UTC)).toThrow(/companyName.*crmToExchange/);
    expect(CONTACT_MAPPING.crmLookupColumns).toEqual(['parentcustomerid']);
  });

  test('birthday is a date on both sides, whatever time of day Outlook stored it at', () => {
    const birthday = field(CONTACT_MAPPING, 'birthday');
    expect(birthday.fromGraph({ birthday: '1974-07-22T11:59:00Z' }, TOKYO)).toBe('1974-07-22');
    expect(birthday.fromGraph({ birthday: '1974-07-21T15:00:00Z' }, TOKYO)).toBe('1974-07-22'); // Tokyo midnight
    expect(birthday.fromCrm({ birthdate: '1974-07-22' }, EASTERN)).toBe('1974-07-22');
    expect(birthday.toCrm('1974-07-22', EASTERN)).toEqual({ birthdate: '1974-07-22' });
    expect(birthday.toGraph(null, EASTERN)).toEqual({ birthday: null });
  });

  test('addresses: lines ↔ street; a Graph street of more than three lines keeps two and joins the rest', () => {
    const address = field(CONTACT_MAPPING, 'businessAddress');
    const v = address.fromGraph({ businessAddress: { street: 'Suite 1\r\nFloor 2\r\nBuilding 3\r\nCampus 4', city: 'Redmond' } }, UTC);
    expect(v).toEqual({ street: 'Suite 1\nFloor 2\nBuilding 3 Campus 4', city: 'Redmond', state: null, postalCode: null, countryOrRegion: null });
    expect(address.toCrm(v, UTC)).toMatchObject({ address1_line1: 'Suite 1', address1_line2: 'Floor 2', address1_line3: 'Building 3 Campus 4', address1_city: 'Redmond' });
    expect(address.fromGraph({ businessAddress: {} }, UTC)).toBeNull();
    expect(address.toGraph(null, UTC)).toEqual({ businessAddress: { street: null, city: null, state: null, postalCode: null, countryOrRegion: null } });
  });

  test('default directions: the mailing (business) address syncs, home and other only when an administrator turns them on', () => {
    expect(field(CONTACT_MAPPING, 'businessAddress').defaultDirection).toBe('twoWay');
    expect(field(CONTACT_MAPPING, 'homeAddress')).toMatchObject({ defaultDirection: 'none', settable: true });
    expect(field(CONTACT_MAPPING, 'otherAddress')).toMatchObject({ defaultDirection: 'none', settable: true });
  });

  test('a long Outlook value compares equal to what the Dataverse column can hold', () => {
    const jobTitle = field(CONTACT_MAPPING, 'jobTitle');
    const long = 'x'.repeat(150);
    expect(jobTitle.fromGraph({ jobTitle: long }, UTC)).toBe('x'.repeat(100));
    expect(jobTitle.fromCrm(jobTitle.toCrm(jobTitle.fromGraph({ jobTitle: long }, UTC), UTC), UTC)).toBe('x'.repeat(100));
  });
});

describe('property: whole-contact round trips are stable', () => {
  const text = arb.text;
  const address: fc.Arbitrary<Canonical> = fc.record({
    lines: fc.array(text(250), { maxLength: 3 }),
    city: text(80), state: text(50), postalCode: text(20), countryOrRegion: text(80),
  }).map(({ lines, ...parts }) => {
    const street = lines.filter((l): l is string => typeof l === 'string').join('\n') || null;
    const value = { street, ...parts };
    return Object.values(value).every((x) => x === null) ? null : value;
  });
  const name: fc.Arbitrary<Canonical> = fc.record({ first: text(50), middle: text(50), last: text(50) })
    .map((n) => (Object.values(n).every((x) => x === null) ? null : n));
  const slots = (max: number, item: fc.Arbitrary<string>) => fc.array(item, { maxLength: max });
  const children = fc.array(fc.string({ maxLength: 30 }), { maxLength: 12 }).map((names) => {
    const kept: string[] = [];
    for (const n of names.map((x) => canonicalText(x.replace(/[,;]/g, ''))).filter((x): x is string => x !== null)) {
      if ([...kept, n].join(', ').length > 255) break;
      kept.push(n);
    }
    return kept;
  });
  const contact: fc.Arbitrary<Values> = fc.record({
    fullName: name, yomiFirstName: text(150), yomiLastName: text(150), nickname: text(100), jobTitle: text(100),
    department: text(100), companyName: text(300), assistantName: text(100), managerName: text(100), spouse: text(100),
    children, birthday: arb.optionalDate(), notes: arb.plainText(2000), webPage: text(200),
    businessPhones: slots(2, arb.phone()), homePhones: slots(2, arb.phone()), mobile: text(50), email: slots(3, arb.email()),
    businessAddress: address, homeAddress: address, otherAddress: address,
  });

  test('fromCrm(toCrm(v)) = v and fromGraph(toGraph(v)) = v', () => {
    fc.assert(fc.property(contact, fc.constantFrom(...ZONES), (values, ctx) => {
      expect(crmValuesOf(CONTACT_MAPPING, crmRowOf(CONTACT_MAPPING, values, ctx, crmSources), ctx)).toEqual(values);
      expect(graphValuesOf(CONTACT_MAPPING, graphItemOf(CONTACT_MAPPING, values, ctx), ctx)).toEqual(values);
    }), { numRuns: 500 });
  });
});

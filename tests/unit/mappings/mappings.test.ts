/**
 * Invariants every mapping must keep: the table's defaults, Graph properties that exist in the v1.0
 * schema, writes confined to the declared columns/properties, and no two fields writing the same one.
 */
import { CRM_LOOKUP_COLUMNS, crmExpandFor, RECORD_MAPPINGS } from '../../../shared/mappings';
import type { Canonical, RecordMapping } from '../../../shared/mappings/field-mapping';
import { fixture } from '../../support/fixtures';
import { UTC } from './support';

const GRAPH_TYPE = { task: 'todoTask', contact: 'contact', appointment: 'event' } as const;

/** A representative non-null canonical value per field, to see what toCrm/toGraph write. */
const SAMPLE: Record<string, Canonical> = {
  subject: 'x', description: 'x', dueDate: '2024-01-01', startDate: '2024-01-01', status: 'completed', dateCompleted: '2024-01-01',
  priority: 'high', location: 'x', appointmentTime: { isAllDay: false, start: '2024-01-01T10:00:00Z', end: '2024-01-01T11:00:00Z' },
  showAs: 'oof', attendees: [{ address: 'a@x.com', type: 'required' }], fullName: { first: 'a', middle: 'b', last: 'c' },
  children: ['a'], birthday: '2000-01-01', notes: 'x', businessPhones: ['1', '2'], homePhones: ['1', '2'], email: ['a@x.com'],
  businessAddress: { street: 'a', city: 'b', state: 'c', postalCode: 'd', countryOrRegion: 'e' },
  homeAddress: { street: 'a', city: 'b', state: 'c', postalCode: 'd', countryOrRegion: 'e' },
  otherAddress: { street: 'a', city: 'b', state: 'c', postalCode: 'd', countryOrRegion: 'e' },
};
const sample = (name: string): Canonical => SAMPLE[name] ?? 'x';

const mappings = Object.values(RECORD_MAPPINGS);

describe.each(mappings.map((m) => [m.recordType, m] as const))('%s mapping', (_type, mapping: RecordMapping) => {
  test('field names are unique', () => {
    const names = mapping.fields.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test('every Graph property it reads or writes exists on the v1.0 type (schema fixture)', () => {
    const schema = fixture<{ properties: Array<{ name: string }> }>(`graph/schema/${GRAPH_TYPE[mapping.recordType]}.json`);
    const known = new Set(schema.properties.map((p) => p.name));
    for (const f of mapping.fields) for (const p of f.graphProperties) expect([f.name, p, known.has(p)]).toEqual([f.name, p, true]);
  });

  test('toGraph writes only its declared properties, and no two fields write the same one', () => {
    const owner = new Map<string, string>();
    for (const f of mapping.fields) {
      for (const key of Object.keys(f.toGraph(sample(f.name), UTC))) {
        expect([f.name, key, f.graphProperties.includes(key)]).toEqual([f.name, key, true]);
        expect([key, owner.get(key) ?? f.name]).toEqual([key, f.name]);
        owner.set(key, f.name);
      }
    }
  });

  test('toCrm writes only its declared columns, and no two fields write the same one', () => {
    const owner = new Map<string, string>();
    for (const f of mapping.fields) {
      if (f.defaultDirection === 'crmToExchange' && !f.settable) continue; // one-way: no CRM write
      for (const key of Object.keys(f.toCrm(sample(f.name), UTC))) {
        expect([f.name, key, f.crmColumns.includes(key)]).toEqual([f.name, key, true]);
        expect([key, owner.get(key) ?? f.name]).toEqual([key, f.name]);
        owner.set(key, f.name);
      }
    }
  });
});

test("default directions and settability follow Dynamics' synchronized-fields table", () => {
  const table = Object.fromEntries(mappings.map((m) => [m.recordType, Object.fromEntries(m.fields.map((f) => [f.name, `${f.defaultDirection}${f.settable ? '' : ' (fixed)'}`]))]));
  expect(table).toEqual({
    task: {
      subject: 'twoWay', description: 'twoWay', dueDate: 'twoWay', startDate: 'twoWay', status: 'twoWay (fixed)', dateCompleted: 'twoWay', priority: 'twoWay (fixed)',
    },
    appointment: {
      subject: 'twoWay', description: 'twoWay', location: 'twoWay', appointmentTime: 'twoWay (fixed)', priority: 'twoWay (fixed)',
      showAs: 'twoWay (fixed)', attendees: 'crmToExchange (fixed)',
    },
    contact: {
      fullName: 'twoWay (fixed)', yomiFirstName: 'twoWay', yomiLastName: 'twoWay', nickname: 'twoWay', jobTitle: 'twoWay', department: 'twoWay',
      companyName: 'crmToExchange (fixed)', assistantName: 'twoWay', managerName: 'twoWay', spouse: 'twoWay', children: 'twoWay', birthday: 'twoWay',
      notes: 'twoWay', webPage: 'twoWay', businessPhones: 'twoWay', homePhones: 'twoWay', mobile: 'twoWay', email: 'twoWay',
      businessAddress: 'twoWay', homeAddress: 'none', otherAddress: 'none',
    },
  });
});

test('what Dataverse reads must ask for: the lookup columns and the appointment parties', () => {
  expect([...CRM_LOOKUP_COLUMNS]).toEqual(['parentcustomerid']);
  expect(crmExpandFor('appointment').map((e) => e.property)).toEqual(['appointment_activity_parties']);
  expect(crmExpandFor('task')).toEqual([]);
});

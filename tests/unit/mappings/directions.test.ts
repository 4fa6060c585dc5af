import { ConfigurationError } from '../../../shared/errors';
import { applyDirectionOverrides, applyDirectionSettings, FieldDirectionError } from '../../../shared/mappings/directions';
import { buildMappings, RECORD_MAPPINGS, TASK_MAPPING } from '../../../shared/mappings';
import { field } from './support';

describe('direction overrides', () => {
  test('a settable field takes any of the four directions; the others keep theirs; the input is not mutated', () => {
    const changed = applyDirectionOverrides(TASK_MAPPING, { description: 'crmToExchange', dueDate: 'none' });
    expect(field(changed, 'description').defaultDirection).toBe('crmToExchange');
    expect(field(changed, 'dueDate').defaultDirection).toBe('none');
    expect(field(changed, 'subject').defaultDirection).toBe('twoWay');
    expect(field(TASK_MAPPING, 'description').defaultDirection).toBe('twoWay');
  });

  test('a fixed field is rejected with an error naming it (its own default is accepted as a no-op)', () => {
    expect(() => applyDirectionOverrides(TASK_MAPPING, { status: 'crmToExchange' }))
      .toThrow("Direction setting rejected: task field 'status' has a fixed direction (twoWay) in Dynamics' synchronized-fields table and cannot be set to crmToExchange");
    try {
      applyDirectionOverrides(RECORD_MAPPINGS.contact, { fullName: 'none' });
      throw new Error('expected a FieldDirectionError');
    } catch (error) {
      expect(error).toBeInstanceOf(FieldDirectionError);
      expect(error).toMatchObject({ recordType: 'contact', field: 'fullName', isUserError: true });
    }
    expect(field(applyDirectionOverrides(TASK_MAPPING, { status: 'twoWay' }), 'status').defaultDirection).toBe('twoWay');
  });

  test('unknown fields and invalid directions are rejected, naming the field', () => {
    expect(() => applyDirectionOverrides(TASK_MAPPING, { dueDat: 'none' })).toThrow(/unknown task field 'dueDat' \(fields: subject, description, dueDate/);
    expect(() => applyDirectionOverrides(TASK_MAPPING, { subject: 'both' })).toThrow(/invalid direction "both" for task field 'subject'/);
  });
});

describe('direction settings (all record types)', () => {
  test('applies per record type, from an object or its JSON text', () => {
    const mappings = buildMappings('{"contact": {"homeAddress": "twoWay"}, "appointment": {"location": "exchangeToCrm"}}');
    expect(field(mappings.contact, 'homeAddress').defaultDirection).toBe('twoWay');
    expect(field(mappings.appointment, 'location').defaultDirection).toBe('exchangeToCrm');
    expect(mappings.task).toBe(RECORD_MAPPINGS.task);
    expect(buildMappings(undefined)).toEqual(RECORD_MAPPINGS);
  });

  test('every problem is reported at once, each under its setting path', () => {
    let caught: unknown;
    try {
      applyDirectionSettings(RECORD_MAPPINGS, { task: { status: 'none', subject: 'sideways' }, lead: {}, contact: 'twoWay' }, 'SYNC_FIELD_DIRECTIONS');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).problems.map((p) => p.setting)).toEqual([
      'SYNC_FIELD_DIRECTIONS.task.status', 'SYNC_FIELD_DIRECTIONS.task.subject', 'SYNC_FIELD_DIRECTIONS.lead', 'SYNC_FIELD_DIRECTIONS.contact',
    ]);
    expect(() => applyDirectionSettings(RECORD_MAPPINGS, '{not json')).toThrow(/SYNC_FIELD_DIRECTIONS: is not valid JSON/);
    expect(() => applyDirectionSettings(RECORD_MAPPINGS, [])).toThrow(/must be an object keyed by record type/);
  });
});

import { withoutWritesToClosedRow } from '../../../shared/sync/closed-rows';
import { mergeThreeWay, type MergeField } from '../../../shared/sync/three-way-merge';

const fields: MergeField[] = ['subject', 'status', 'location'].map((name) => ({ name, direction: 'twoWay' }));

describe('Exchange edits to completed or canceled rows', () => {
  test('a completed task keeps Outlook edits in Outlook; the snapshot keeps the CRM values', () => {
    const crm = { subject: 'CRM', status: 'completed', location: null };
    const merged = withoutWritesToClosedRow('task', crm, false, mergeThreeWay(fields, crm, { ...crm, subject: 'Outlook' }, crm, 'crmWins'));
    expect(merged.toCrm).toEqual({});
    expect(merged.snapshot.subject).toBe('CRM');
    expect(merged.keptInExchange).toEqual(['subject']);
  });

  test('reopening a completed task in Outlook still reaches the CRM, with the other edits', () => {
    const crm = { subject: 'CRM', status: 'completed', location: null };
    const merged = withoutWritesToClosedRow('task', crm, true, mergeThreeWay(fields, crm, { ...crm, subject: 'Outlook', status: 'notStarted' }, crm, 'crmWins'));
    expect(merged.toCrm).toEqual({ subject: 'Outlook', status: 'notStarted' });
    expect(merged.keptInExchange).toEqual([]);
  });

  test('a closed appointment (statecode 1 or 2) takes nothing from Exchange; an open one does', () => {
    const crm = { subject: 'CRM', status: null, location: 'Room 1' };
    const merge = () => mergeThreeWay(fields, crm, { ...crm, location: 'Room 2' }, crm, 'crmWins');
    expect(withoutWritesToClosedRow('appointment', crm, true, merge())).toMatchObject({ toCrm: {}, keptInExchange: ['location'], snapshot: { location: 'Room 1' } });
    expect(withoutWritesToClosedRow('appointment', crm, false, merge())).toMatchObject({ toCrm: { location: 'Room 2' }, keptInExchange: [] });
  });
});

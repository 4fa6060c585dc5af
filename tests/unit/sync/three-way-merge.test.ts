import fc from 'fast-check';
import { mergeThreeWay, type MergeField } from '../../../shared/sync/three-way-merge';

const twoWay = (name: string): MergeField => ({ name, direction: 'twoWay' });

describe('three-way merge', () => {
  test('a field changed on one side flows to the other; unchanged fields are not written', () => {
    const base = { subject: 'Call', phone: '+1 555 0100', notes: null };
    const r = mergeThreeWay([twoWay('subject'), twoWay('phone'), twoWay('notes')],
      { ...base, subject: 'Call Adele' }, { ...base, phone: '+1 555 0199' }, base, 'crmWins');
    expect(r.toGraph).toEqual({ subject: 'Call Adele' });
    expect(r.toCrm).toEqual({ phone: '+1 555 0199' });
    expect(r.snapshot).toEqual({ subject: 'Call Adele', phone: '+1 555 0199', notes: null });
    expect(r.conflicts).toEqual([]);
  });

  test('the same field changed on both sides follows the policy', () => {
    const base = { subject: 'a' };
    const crmWins = mergeThreeWay([twoWay('subject')], { subject: 'crm' }, { subject: 'outlook' }, base, 'crmWins');
    expect(crmWins).toEqual({ toGraph: { subject: 'crm' }, toCrm: {}, snapshot: { subject: 'crm' }, conflicts: ['subject'] });
    const exchangeWins = mergeThreeWay([twoWay('subject')], { subject: 'crm' }, { subject: 'outlook' }, base, 'exchangeWins');
    expect(exchangeWins).toEqual({ toGraph: {}, toCrm: { subject: 'outlook' }, snapshot: { subject: 'outlook' }, conflicts: ['subject'] });
    const agreed = mergeThreeWay([twoWay('subject')], { subject: 'same' }, { subject: 'same' }, base, 'crmWins');
    expect(agreed).toEqual({ toGraph: {}, toCrm: {}, snapshot: { subject: 'same' }, conflicts: [] });
  });

  test('directions are respected, even against the policy', () => {
    const base = { a: 1, b: 1, c: 1 };
    const fields: MergeField[] = [{ name: 'a', direction: 'crmToExchange' }, { name: 'b', direction: 'exchangeToCrm' }, { name: 'c', direction: 'none' }];
    const r = mergeThreeWay(fields, { a: 2, b: 2, c: 2 }, { a: 3, b: 3, c: 3 }, base, 'crmWins');
    expect(r.toGraph).toEqual({ a: 2 });
    expect(r.toCrm).toEqual({ b: 3 });
    expect(r.snapshot).toEqual({ a: 2, b: 3 });
    const oneSided = mergeThreeWay(fields, { a: 1, b: 5, c: 1 }, base, base, 'crmWins');
    expect(oneSided.toGraph).toEqual({});
  });

  test('property: after applying the writes both sides equal the snapshot on two-way fields, and a second merge writes nothing', () => {
    const value = fc.oneof(fc.constant(null), fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3 }));
    const names = ['f1', 'f2', 'f3', 'f4'];
    const values = fc.record(Object.fromEntries(names.map((n) => [n, value])) as Record<string, typeof value>);
    fc.assert(fc.property(values, values, values, fc.constantFrom('crmWins' as const, 'exchangeWins' as const), (crm, graph, base, policy) => {
      const fields = names.map(twoWay);
      const r = mergeThreeWay(fields, crm, graph, base, policy);
      const crmAfter = { ...crm, ...r.toCrm };
      const graphAfter = { ...graph, ...r.toGraph };
      expect(crmAfter).toEqual(r.snapshot);
      expect(graphAfter).toEqual(r.snapshot);
      const again = mergeThreeWay(fields, crmAfter, graphAfter, r.snapshot, policy);
      expect(again.toCrm).toEqual({});
      expect(again.toGraph).toEqual({});
    }), { numRuns: 500 });
  });
});

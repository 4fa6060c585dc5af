import type { SyncLink } from '../../../shared/correlation/link';
import { mergeBase } from '../../../shared/sync/write-intents';

const link = (intent?: SyncLink['intent']): SyncLink => ({
  recordType: 'contact', crmId: 'c', mailboxUserId: 'm', ownerSystemUserId: 'o', state: 'linked', transactionId: 't',
  snapshot: { jobTitle: 'Buyer', mobile: '+1 555 0100' }, createdAt: '', updatedAt: '', ...(intent ? { intent } : {}),
});

describe('writes recorded before they are made', () => {
  test('a recorded CRM write that the row shows is taken as synced (our own echo is no CRM edit)', () => {
    const base = mergeBase(link({ crm: { jobTitle: 'Lead' } }), { crm: { jobTitle: 'Lead', mobile: '+1 555 0100' } });
    expect(base).toEqual({ jobTitle: 'Lead', mobile: '+1 555 0100' });
  });

  test('a recorded write that did not land (the side shows something else) changes nothing', () => {
    const base = mergeBase(link({ crm: { jobTitle: 'Lead' }, exchange: { mobile: '+44 20 0000' } }), { crm: { jobTitle: 'Head buyer' }, exchange: { mobile: '+1 555 0100' } });
    expect(base).toEqual({ jobTitle: 'Buyer', mobile: '+1 555 0100' });
  });

  test('a side not read is not judged; without intents the base is the snapshot', () => {
    expect(mergeBase(link({ exchange: { mobile: '+44 20 0000' } }), { crm: { mobile: '+44 20 0000' } })).toEqual({ jobTitle: 'Buyer', mobile: '+1 555 0100' });
    expect(mergeBase(link(), { crm: { jobTitle: 'x' } })).toEqual({ jobTitle: 'Buyer', mobile: '+1 555 0100' });
  });
});

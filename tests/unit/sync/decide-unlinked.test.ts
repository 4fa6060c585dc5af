import type { SyncLink } from '../../../shared/correlation/link';
import { newMailbox, type Mailbox } from '../../../shared/mailboxes/mailbox';
import { decideCrmChange } from '../../../shared/sync/decide';
import { DEFAULT_SYNC_POLICY } from '../../../shared/sync/sync-policy';

const adele: Mailbox = { ...newMailbox({ systemUserId: 'u1', displayName: 'Adele', emailAddress: 'adele@x', entraObjectId: 'mbx-adele' }), approval: 'approved', enabled: true };
const unlinked: SyncLink = {
  recordType: 'appointment', crmId: 'c1', mailboxUserId: 'mbx-adele', ownerSystemUserId: 'u1', state: 'unlinked', graphId: 'g1', transactionId: 't',
  crmVersion: '100', snapshot: {}, deletedInExchange: true, createdAt: '', updatedAt: '',
};
const input = (versionnumber: number) => ({
  recordType: 'appointment' as const, row: { activityid: 'c1', _ownerid_value: 'u1', versionnumber }, incomingVersion: String(versionnumber),
  link: unlinked, ownerMailbox: adele, policy: DEFAULT_SYNC_POLICY,
});

test('a row whose item was deleted in Outlook (link retired) is not recreated by a late delivery of an old version', () => {
  expect(decideCrmChange(input(100))).toEqual({ kind: 'skip', reason: 'unlinked' });
});

test('a newer CRM change brings it back to Exchange (recovering whatever an earlier attempt made)', () => {
  expect(decideCrmChange(input(101))).toMatchObject({ kind: 'create', recover: true });
});

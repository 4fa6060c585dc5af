import type { SyncLink } from '../../../shared/correlation/link';
import { newMailbox, type Mailbox } from '../../../shared/mailboxes/mailbox';
import { decideCrmChange, decideGraphChange, isNotNewer } from '../../../shared/sync/decide';
import { DEFAULT_SYNC_POLICY } from '../../../shared/sync/sync-policy';

const adele: Mailbox = { ...newMailbox({ systemUserId: 'u1', displayName: 'Adele', emailAddress: 'adele@x', entraObjectId: 'mbx-adele' }), approval: 'approved', enabled: true };
const alex: Mailbox = { ...newMailbox({ systemUserId: 'u2', displayName: 'Alex', emailAddress: 'alex@x', entraObjectId: 'mbx-alex' }), approval: 'approved', enabled: true };
const link = (o: Partial<SyncLink> = {}): SyncLink => ({
  recordType: 'task', crmId: 'c1', mailboxUserId: 'mbx-adele', ownerSystemUserId: 'u1', state: 'linked', graphId: 'g1', transactionId: 't',
  crmVersion: '100', graphEtag: 'W/"e1"', snapshot: {}, createdAt: '', updatedAt: '', etag: 's1', ...o,
});
const row = { activityid: 'c1', _ownerid_value: 'u1', versionnumber: 101 };
const base = { recordType: 'task' as const, policy: DEFAULT_SYNC_POLICY };

describe('CRM change decisions', () => {
  test('a new row owned by an enabled user is created in their mailbox; not enabled → skipped', () => {
    expect(decideCrmChange({ ...base, row, ownerMailbox: adele })).toEqual({ kind: 'create', mailbox: adele, recover: false });
    expect(decideCrmChange({ ...base, row })).toEqual({ kind: 'skip', reason: 'outOfScope' });
  });

  test('a pending or retired link means an earlier attempt may have created the item: recover', () => {
    const pending = link({ state: 'pending', graphId: undefined });
    expect(decideCrmChange({ ...base, row, link: pending, ownerMailbox: adele })).toEqual({ kind: 'create', mailbox: adele, link: pending, recover: true });
    const unlinked = link({ state: 'unlinked' });
    expect(decideCrmChange({ ...base, row, link: unlinked, ownerMailbox: adele })).toMatchObject({ kind: 'create', recover: true });
  });

  test('same mailbox → update; another enabled owner → move; a non-enabled owner → logical delete per policy', () => {
    expect(decideCrmChange({ ...base, row, link: link(), ownerMailbox: adele })).toMatchObject({ kind: 'update' });
    expect(decideCrmChange({ ...base, row, link: link(), ownerMailbox: alex })).toMatchObject({ kind: 'move', to: alex });
    expect(decideCrmChange({ ...base, row, link: link() })).toMatchObject({ kind: 'deleteInExchange', because: 'logicalDelete' });
    expect(decideCrmChange({ ...base, row, link: link(), policy: { ...DEFAULT_SYNC_POLICY, logicalDelete: 'unlink' } })).toMatchObject({ kind: 'unlink', because: 'logicalDelete' });
  });

  test('a delivery no newer than what was synced is a duplicate, a replay or our echo', () => {
    expect(decideCrmChange({ ...base, row, incomingVersion: '100', link: link(), ownerMailbox: adele })).toEqual({ kind: 'skip', reason: 'staleOrEcho' });
    expect(decideCrmChange({ ...base, row, incomingVersion: '99', link: link(), ownerMailbox: adele })).toEqual({ kind: 'skip', reason: 'staleOrEcho' });
    expect(isNotNewer('18446744073709551615', '18446744073709551614')).toBe(false);
    expect(isNotNewer(undefined, '1')).toBe(false);
  });

  test('deletes follow Dynamics\' rules per type', () => {
    expect(decideCrmChange({ ...base, row: null, deletedOwnerMaySync: false })).toEqual({ kind: 'skip', reason: 'notLinked' });
    expect(decideCrmChange({ ...base, row: null, link: link() })).toMatchObject({ kind: 'deleteInExchange', because: 'crmDelete' });
    expect(decideCrmChange({ ...base, row: null, link: link(), completedInExchange: true })).toMatchObject({ kind: 'unlink' });
    expect(decideCrmChange({ ...base, recordType: 'contact', row: null, link: link({ recordType: 'contact' }) })).toMatchObject({ kind: 'unlink', because: 'crmDelete' });
    expect(decideCrmChange({ ...base, recordType: 'appointment', row: null, link: link({ recordType: 'appointment' }), endsInFuture: true })).toMatchObject({ kind: 'deleteInExchange' });
    expect(decideCrmChange({ ...base, recordType: 'appointment', row: null, link: link({ recordType: 'appointment' }), endsInFuture: false })).toMatchObject({ kind: 'unlink' });
  });
});

describe('Exchange change decisions', () => {
  const item = { id: 'g1', '@odata.etag': 'W/"e2"' };
  test('no link: created in Exchange, not synced', () => {
    expect(decideGraphChange({ ...base, item, policy: DEFAULT_SYNC_POLICY })).toEqual({ kind: 'skip', reason: 'createdInExchange' });
  });
  test('our own write echoing back is skipped by etag', () => {
    expect(decideGraphChange({ ...base, item: { ...item, '@odata.etag': 'W/"e1"' }, link: link() })).toEqual({ kind: 'skip', reason: 'staleOrEcho' });
    expect(decideGraphChange({ ...base, item, incomingEtag: 'W/"e1"', link: link() })).toEqual({ kind: 'skip', reason: 'staleOrEcho' });
    expect(decideGraphChange({ ...base, item, link: link() })).toMatchObject({ kind: 'update' });
  });
  test('completed or canceled CRM appointments take no changes from Exchange', () => {
    expect(decideGraphChange({ ...base, recordType: 'appointment', item, link: link({ recordType: 'appointment' }), crmReadOnly: true })).toEqual({ kind: 'skip', reason: 'crmReadOnly' });
  });
  test('deletes in Exchange: tasks and contacts deleted in CRM; past or closed appointments kept', () => {
    expect(decideGraphChange({ ...base, item: null, link: link() })).toMatchObject({ kind: 'deleteInCrm' });
    expect(decideGraphChange({ ...base, recordType: 'appointment', item: null, link: link({ recordType: 'appointment' }), endsInFuture: false })).toMatchObject({ kind: 'unlink' });
    expect(decideGraphChange({ ...base, recordType: 'appointment', item: null, link: link({ recordType: 'appointment' }), crmReadOnly: true, endsInFuture: true })).toMatchObject({ kind: 'unlink' });
    expect(decideGraphChange({ ...base, recordType: 'appointment', item: null, link: link({ recordType: 'appointment' }), endsInFuture: true })).toMatchObject({ kind: 'deleteInCrm' });
    expect(decideGraphChange({ ...base, item: null, link: link(), policy: { ...DEFAULT_SYNC_POLICY, exchangeDelete: { ...DEFAULT_SYNC_POLICY.exchangeDelete, task: 'unlink' } } })).toMatchObject({ kind: 'unlink' });
  });
});

describe('tombstones of rows deleted in CRM', () => {
  test('a deleted row never linked is remembered when its owner may sync (or is unknown), not otherwise', () => {
    expect(decideCrmChange({ ...base, row: null })).toEqual({ kind: 'recordDeletion' });
    expect(decideCrmChange({ ...base, row: null, deletedOwnerMaySync: true })).toEqual({ kind: 'recordDeletion' });
    expect(decideCrmChange({ ...base, row: null, deletedOwnerMaySync: false })).toEqual({ kind: 'skip', reason: 'notLinked' });
    const retired = link({ state: 'unlinked', deletedInExchange: true });
    expect(decideCrmChange({ ...base, row: null, link: retired })).toEqual({ kind: 'recordDeletion', link: retired });
  });

  test('a delivery about a deleted row (reordered behind its Delete, replayed) creates nothing, whatever its version', () => {
    const tombstone = link({ state: 'unlinked', crmDeleted: true, crmVersion: undefined });
    expect(decideCrmChange({ ...base, row, incomingVersion: '999', link: tombstone, ownerMailbox: adele })).toEqual({ kind: 'skip', reason: 'deletedInCrm' });
    expect(decideCrmChange({ ...base, row: null, link: tombstone })).toEqual({ kind: 'skip', reason: 'notLinked' });
  });
});

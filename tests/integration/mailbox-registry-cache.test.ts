/**
 * The sync's hot path reads a change's mailbox through a short cache (MailboxRegistry.getRecent): one table
 * read less per change. The admin API's reads stay fresh, writes in this process refresh the cache at once,
 * and another process's change is seen once the cache time has passed.
 */
import { startAzurite, type RunningAzurite } from '../../tools/azurite';
import { MailboxRegistry } from '../../shared/mailboxes/mailbox-registry';
import { newMailbox } from '../../shared/mailboxes/mailbox';
import { tableClient } from '../../shared/storage';

let azurite: RunningAzurite;
beforeAll(async () => { azurite = await startAzurite(); });
afterAll(() => azurite.stop());

test('getRecent serves a recent read; writes here refresh it; a change made elsewhere shows after the cache time', async () => {
  const registry = MailboxRegistry.fromConnectionString(azurite.connectionString);
  const systemUserId = '0a1b2c3d-0001-4e5f-8a9b-0000000000aa';
  await registry.ensure({ ...newMailbox({ systemUserId, displayName: 'Adele', emailAddress: 'adele@x', entraObjectId: 'e1' }), approval: 'approved', enabled: true });
  expect(await registry.getRecent(systemUserId)).toMatchObject({ enabled: true });

  // Written through this process's registry: seen at once.
  await registry.update(systemUserId, (m) => { m.enabled = false; });
  expect(await registry.getRecent(systemUserId)).toMatchObject({ enabled: false });

  // Written by another instance (straight to the table): the cache answers until its time is up; get() reads.
  const table = tableClient(azurite.connectionString, 'Mailboxes');
  const row = await table.getEntity<{ document: string }>('mailbox', systemUserId);
  await table.updateEntity({ partitionKey: 'mailbox', rowKey: systemUserId, document: JSON.stringify({ ...JSON.parse(row.document), enabled: true }) }, 'Merge');
  expect(await registry.getRecent(systemUserId)).toMatchObject({ enabled: false });
  expect(await registry.getRecent(systemUserId, 0)).toMatchObject({ enabled: true });
  expect(await registry.get(systemUserId)).toMatchObject({ enabled: true });
});

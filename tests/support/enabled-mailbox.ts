/**
 * A seed user's mailbox registered and left as a successful Test & Enable leaves it (approved, enabled, its time
 * zone and default To Do list recorded) — without running the test: for tests, the bench and the soak, which
 * exercise the sync rather than the mailbox flow.
 */
import { newMailbox, type Mailbox } from '../../shared/mailboxes/mailbox';
import type { MailboxRegistry } from '../../shared/mailboxes/mailbox-registry';
import type { SeedUser } from '../emulators/seed';

export async function markEnabled(registry: MailboxRegistry, user: SeedUser, syncMethods: Partial<Mailbox['syncMethods']>, todoListId: string): Promise<Mailbox> {
  await registry.ensure(newMailbox({ systemUserId: user.systemUserId, displayName: user.displayName, emailAddress: user.userPrincipalName, entraObjectId: user.entraObjectId }));
  return (await registry.update(user.systemUserId, (m) => {
    m.syncMethods = { appointments: 'none', contacts: 'none', tasks: 'none', ...syncMethods };
    m.approval = 'approved';
    m.actStatus = 'success';
    m.enabled = true;
    m.timeZone = user.timeZone;
    m.todoListId = todoListId;
  }))!;
}

/**
 * A sandbox for a test file: everything started on free ports, the people clients, and helpers to enable
 * a mailbox through the shared/ API (the admin flow has its own tests) and to read mailboxes as Outlook.
 */
import { MailboxRegistry } from '../../shared/mailboxes/mailbox-registry';
import type { Mailbox } from '../../shared/mailboxes/mailbox';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../tools/sandbox/sandbox';
import { peopleClients } from './people';
import { eventually } from './eventually';
import { markEnabled } from './enabled-mailbox';

export type SeedUserName = 'adele' | 'alex' | 'megan';

export async function sandboxFixture(options: SandboxOptions = {}) {
  const sandbox: RunningSandbox = await startSandbox(options);
  const people = peopleClients(sandbox.manifest);
  const registry = MailboxRegistry.fromConnectionString(sandbox.manifest.storage.connectionString);
  const user = (name: SeedUserName) => sandbox.seed.users[{ adele: 0, alex: 1, megan: 2 }[name]]!;

  async function defaultListId(name: SeedUserName): Promise<string> {
    const lists = await people.graph.api(`/users/${user(name).entraObjectId}/todo/lists`).get() as { value: Array<{ id: string; wellknownListName: string }> };
    return lists.value.find((l) => l.wellknownListName === 'defaultList')!.id;
  }

  /** Enables a user's mailbox for the given record types, as Test & Enable would leave it. */
  async function enable(name: SeedUserName, types: Partial<Mailbox['syncMethods']> = { appointments: 'serverSideSync', contacts: 'serverSideSync', tasks: 'serverSideSync' }): Promise<Mailbox> {
    return markEnabled(registry, user(name), types, await defaultListId(name));
  }

  /** The To Do tasks of a user's default list, with their linked resources. */
  async function todoTasks(name: SeedUserName): Promise<Array<Record<string, any>>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const listId = await defaultListId(name);
    const page = await people.graph.api(`/users/${user(name).entraObjectId}/todo/lists/${listId}/tasks`).expand('linkedResources').top(100).get();
    return page.value;
  }

  const linkedTo = (crmId: string) => (t: Record<string, any>) => (t.linkedResources ?? []).some((r: { externalId?: string }) => r.externalId === crmId); // eslint-disable-line @typescript-eslint/no-explicit-any

  /** The To Do task the sync made for a CRM task, once it is there. */
  const syncedTodoTask = (name: SeedUserName, crmId: string) => eventually(async () => {
    const [t] = (await todoTasks(name)).filter(linkedTo(crmId));
    expect(t).toBeDefined();
    return t!;
  });

  return { sandbox, people, registry, user, enable, defaultListId, todoTasks, linkedTo, syncedTodoTask, stop: () => sandbox.stop() };
}

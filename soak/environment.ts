/**
 * The soak's world: the sandbox (Azurite, the identity, Graph and Dataverse emulators, the app in the local
 * Functions host as a child process), the mailboxes enabled as Test & Enable leaves them (with their Graph
 * subscriptions), the app's own runtime for the one thing the soak asks of it directly — the
 * reconciliation pass —, the people, and HTTP access to the emulators' test controls.
 *
 * Users: the first `mailboxes` users in the sync app's Exchange scope are enabled; one more in-scope user
 * stays disabled, and Megan is outside the app's mailbox scope. Rows owned by the last two must never
 * have an item anywhere.
 */
import type { QueueClient } from '@azure/storage-queue';
import { loadConfig } from '../shared/config';
import type { Mailbox } from '../shared/mailboxes/mailbox';
import { mappingContext } from '../shared/sync/record-values';
import type { MappingContext } from '../shared/mappings';
import { createRuntime, type Runtime } from '../shared/runtime';
import { queueClient } from '../shared/storage';
import { startSandbox, type RunningSandbox } from '../tools/sandbox/sandbox';
import { EmulatorControls } from '../tests/emulators/common/controls-client';
import type { SeedUser } from '../tests/emulators/seed';
import { HostTracker } from './host-tracker';
import { PeopleApi } from './people-api';
import { markEnabled } from '../tests/support/enabled-mailbox';

/** A schedule that does not fire during a run: the soak runs the reconciliation passes itself. */
export const NEVER = '0 0 0 1 1 *';
/** To Do tasks are polled (apps cannot subscribe to them): often, so that a quiet state is reached quickly. */
export const TODO_POLL_SECONDS = 3;

export interface SoakUsers {
  enabled: SeedUser[];
  /** In the app's Exchange scope, but its mailbox is not enabled. */
  disabled: SeedUser[];
  /** Outside the app's Exchange scope (Megan). */
  outOfScope: SeedUser[];
  all: SeedUser[];
}

export interface SoakEnv {
  sandbox: RunningSandbox;
  rt: Runtime;
  people: PeopleApi;
  users: SoakUsers;
  mailboxes: Mailbox[];
  graph: EmulatorControls;
  dataverse: EmulatorControls;
  host: HostTracker;
  workQueue: QueueClient;
  poisonQueue: QueueClient;
  /** A test-control call on an emulator (`graph` or `dataverse`), its JSON answer (or undefined). */
  control(service: 'graph' | 'dataverse', method: string, path: string, body?: unknown): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  userById(systemUserId: string): SeedUser | undefined;
  isEnabled(systemUserId: string): boolean;
  /** The mapping context of a user's mailbox (zone, address), as the sync builds it. */
  ctxOf(user: SeedUser): MappingContext;
  stop(): Promise<void>;
}

export async function startSoakEnv(mailboxCount: number, log: (line: string) => void, echoHostOutput = false, appLogLevel = 'information'): Promise<SoakEnv> {
  // Adele and Alex are the named in-scope users; extra seed users fill up the enabled ones, plus one that stays disabled.
  const sandbox = await startSandbox({
    seed: { extraUsers: Math.max(0, mailboxCount + 1 - 2) },
    appSettings: { SYNC_TODO_POLL_SCHEDULE: `*/${TODO_POLL_SECONDS} * * * * *`, SYNC_RECONCILIATION_SCHEDULE: NEVER, SYNC_LOG_LEVEL: appLogLevel },
    echoHostOutput,
  });
  try {
    const inScope = sandbox.seed.users.filter((u) => u.inSyncAppMailboxScope && !u.crmDisabled);
    const users: SoakUsers = {
      enabled: inScope.slice(0, mailboxCount),
      disabled: inScope.slice(mailboxCount),
      outOfScope: sandbox.seed.users.filter((u) => !u.inSyncAppMailboxScope),
      all: sandbox.seed.users,
    };
    // The soak's own runtime only runs reconciliation passes (their reports go into the figures).
    const rt = createRuntime(loadConfig({ ...process.env, ...sandbox.appSettings, SYNC_LOG_LEVEL: 'warning' }));
    const people = new PeopleApi(sandbox.manifest);
    const graphBase = sandbox.manifest.urls.graph.replace(/\/v1\.0$/, '');
    const bases = { graph: graphBase, dataverse: sandbox.manifest.urls.dataverse };
    const control = async (service: 'graph' | 'dataverse', method: string, path: string, body?: unknown) => {
      const res = await fetch(`${bases[service]}/_emulator/${path}`, {
        method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${service} ${method} /_emulator/${path} → ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };

    const mailboxes: Mailbox[] = [];
    for (const user of users.enabled) {
      const lists = await people.graph('GET', `/users/${user.entraObjectId}/todo/lists`);
      const todoListId = (lists.body.value as Array<{ id: string; wellknownListName: string }>).find((l) => l.wellknownListName === 'defaultList')!.id;
      const mailbox = await markEnabled(rt.services.mailboxes, user, { appointments: 'serverSideSync', contacts: 'serverSideSync', tasks: 'serverSideSync' }, todoListId);
      await rt.subscriptions.ensureForMailbox(mailbox);
      mailboxes.push(mailbox);
    }
    log(`mailboxes enabled: ${users.enabled.map((u) => u.displayName).join(', ')}; not enabled: ${[...users.disabled, ...users.outOfScope].map((u) => u.displayName).join(', ')}`);

    const enabledIds = new Set(users.enabled.map((u) => u.systemUserId.toLowerCase()));
    const byId = new Map(users.all.map((u) => [u.systemUserId.toLowerCase(), u]));
    const connection = sandbox.appSettings.AzureWebJobsStorage!;
    const queueName = sandbox.appSettings.SYNC_WORK_QUEUE!;
    return {
      sandbox, rt, people, users, mailboxes, control,
      graph: new EmulatorControls(graphBase),
      dataverse: new EmulatorControls(sandbox.manifest.urls.dataverse),
      host: new HostTracker(sandbox),
      workQueue: queueClient(connection, queueName),
      poisonQueue: queueClient(connection, `${queueName}-poison`),
      userById: (id) => byId.get(id.toLowerCase()),
      isEnabled: (id) => enabledIds.has(id.toLowerCase()),
      ctxOf: (user) => mappingContext({ timeZone: user.timeZone, emailAddress: user.userPrincipalName }),
      stop: () => sandbox.stop(),
    };
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}

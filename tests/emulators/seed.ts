/**
 * The sandbox tenant and org: one description that the identity, Graph and Dataverse emulators each read
 * their part of, so that a user is the same person everywhere (same Entra object id; UPN = the CRM user's
 * internalemailaddress), like a real tenant connected to a real org.
 */

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

export interface SeedUser {
  displayName: string;
  userPrincipalName: string;
  /** Entra ID object id = Graph user id = Dataverse systemuser.azureactivedirectoryobjectid */
  entraObjectId: string;
  systemUserId: string;
  /** Windows time zone name of the mailbox (Graph mailboxSettings.timeZone). */
  timeZone: string;
  /** Inside the sync app's Exchange "RBAC for Applications" scope? */
  inSyncAppMailboxScope: boolean;
  /** systemuser.isdisabled in CRM */
  crmDisabled?: boolean;
}

export interface SeedClient {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** Application permissions (app roles) granted per resource (audience). */
  roles: Record<string, string[]>;
  /** Dataverse application user (systemuser with applicationid = clientId), if any. */
  dataverseApplicationUserId?: string;
  /** May send CallerObjectId / MSCRMCallerID to act as another user. */
  mayImpersonate?: boolean;
  /** Graph mailbox scope: undefined = every mailbox (no RBAC for Applications restriction). */
  mailboxScope?: 'inSyncAppMailboxScope';
}

export interface SandboxSeed {
  tenantId: string;
  /** App ID URI of our own admin API (the audience of admin tokens). */
  adminApiAudience: string;
  users: SeedUser[];
  clients: { sync: SeedClient; admin: SeedClient; people: SeedClient };
}

export const GRAPH_SYNC_ROLES = ['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All', 'MailboxSettings.Read', 'User.Read.All'];

export interface SeedOptions {
  /**
   * More users after the three named ones (benchmarks need 50 mailboxes): "Bench User n", in the sync
   * app's mailbox scope, with time zones taken in turn from a few regions. Ids are derived from n, so a
   * run is reproducible.
   */
  extraUsers?: number;
}

const EXTRA_USER_TIME_ZONES = ['W. Europe Standard Time', 'Eastern Standard Time', 'Pacific Standard Time', 'GMT Standard Time', 'Tokyo Standard Time', 'AUS Eastern Standard Time'];

/** The n-th extra user (1-based): the same person in Entra ID, Exchange and the CRM, like the named ones. */
export function extraSeedUser(n: number): SeedUser {
  const hex = n.toString(16).padStart(12, '0');
  return {
    displayName: `Bench User ${n}`, userPrincipalName: `bench${n}@contoso.example`,
    entraObjectId: `e1a2b3c4-0000-4e00-9b00-${hex}`, systemUserId: `0a1b2c3d-1000-4e5f-8a9b-${hex}`,
    timeZone: EXTRA_USER_TIME_ZONES[(n - 1) % EXTRA_USER_TIME_ZONES.length]!, inSyncAppMailboxScope: true,
  };
}

/** The default seed; the Dataverse URL is filled in at start (`dataverseUrl` is its audience). */
export function defaultSeed(dataverseUrl: string, options: SeedOptions = {}): SandboxSeed {
  const tenantId = '7d0f6b3e-5a1c-4c8e-9e59-2b8d4a1f0c11';
  const adminApiAudience = 'api://crm-exchange-sync';
  const extraUsers = Array.from({ length: options.extraUsers ?? 0 }, (_, i) => extraSeedUser(i + 1));
  return {
    tenantId,
    adminApiAudience,
    users: [
      {
        displayName: 'Adele Vance', userPrincipalName: 'adelev@contoso.example',
        entraObjectId: '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51', systemUserId: '0a1b2c3d-0001-4e5f-8a9b-000000000001',
        timeZone: 'Tokyo Standard Time', inSyncAppMailboxScope: true,
      },
      {
        displayName: 'Alex Wilber', userPrincipalName: 'alexw@contoso.example',
        entraObjectId: '5b2c9d14-7e3f-4a61-b0c8-9d2e1f3a4b62', systemUserId: '0a1b2c3d-0002-4e5f-8a9b-000000000002',
        timeZone: 'Eastern Standard Time', inSyncAppMailboxScope: true,
      },
      {
        displayName: 'Megan Bowen', userPrincipalName: 'meganb@contoso.example',
        entraObjectId: '8c4d1e27-2f9a-4b73-a5d6-3e1f0b9c8d73', systemUserId: '0a1b2c3d-0003-4e5f-8a9b-000000000003',
        timeZone: 'W. Europe Standard Time', inSyncAppMailboxScope: false,
      },
      ...extraUsers,
    ],
    clients: {
      sync: {
        clientId: 'b1e4f2a7-3c5d-4e6f-9a8b-1c2d3e4f5a61', clientSecret: 'sandbox-sync-secret',
        displayName: 'crm-exchange-sync',
        roles: { [GRAPH_RESOURCE]: GRAPH_SYNC_ROLES, [dataverseUrl]: [] },
        dataverseApplicationUserId: '0a1b2c3d-00a1-4e5f-8a9b-0000000000a1',
        mailboxScope: 'inSyncAppMailboxScope',
      },
      admin: {
        clientId: 'c2f5a3b8-4d6e-4f70-8b9c-2d3e4f5a6b72', clientSecret: 'sandbox-admin-secret',
        displayName: 'crm-exchange-sync admin client',
        roles: { [adminApiAudience]: ['Sync.Admin'] },
      },
      people: {
        clientId: 'd3a6b4c9-5e7f-4081-9cad-3e4f5a6b7c83', clientSecret: 'sandbox-people-secret',
        displayName: 'sandbox people (Outlook and CRM users)',
        roles: { [GRAPH_RESOURCE]: GRAPH_SYNC_ROLES, [dataverseUrl]: [] },
        dataverseApplicationUserId: '0a1b2c3d-00a2-4e5f-8a9b-0000000000a2',
        mayImpersonate: true,
      },
    },
  };
}

/**
 * Who may call what: the Bearer token (401 InvalidAuthenticationToken), the application roles per
 * workload (403), the Exchange "RBAC for Applications" mailbox scope of the calling app (403
 * ErrorAccessDenied for a mailbox outside it), then the per-(app, mailbox) throttle. RBAC for Applications
 * covers Mail, Calendars, Contacts and MailboxSettings; To Do (Tasks.*) is not an Exchange application
 * role, so Tasks.ReadWrite.All stays tenant-wide here, as in a real tenant.
 */
import type { EmulatorRequest, EmulatorResponse, RouteHandler } from '../common/server';
import { createBearerVerifier, type BearerVerifier } from '../common/auth';
import { GRAPH_RESOURCE, type SandboxSeed, type SeedUser } from '../seed';
import type { GraphCaller } from './context';
import { errors, graphError } from './errors';
import type { GraphStore, Mailbox } from './store';
import type { MailboxThrottle } from './throttle';

export type Workload = 'calendar' | 'contacts' | 'todo' | 'mailboxSettings';

const READ_ROLES: Record<Workload, string[]> = {
  calendar: ['Calendars.Read', 'Calendars.ReadWrite'],
  contacts: ['Contacts.Read', 'Contacts.ReadWrite'],
  todo: ['Tasks.Read.All', 'Tasks.ReadWrite.All'],
  mailboxSettings: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
};
const WRITE_ROLES: Record<Workload, string[]> = {
  calendar: ['Calendars.ReadWrite'],
  contacts: ['Contacts.ReadWrite'],
  todo: ['Tasks.ReadWrite.All'],
  mailboxSettings: ['MailboxSettings.ReadWrite'],
};
export const DIRECTORY_READ_ROLES = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const SCOPED: Record<Workload, boolean> = { calendar: true, contacts: true, mailboxSettings: true, todo: false };

const WWW_AUTHENTICATE = 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export interface MailboxCall {
  caller: GraphCaller;
  user: SeedUser;
  mailbox: Mailbox;
  /** The `{userId}` path segment as the client wrote it (id or UPN). */
  userSegment: string;
}

export class Access {
  private readonly verifier: BearerVerifier;

  constructor(
    private readonly seed: SandboxSeed,
    identityUrl: string,
    private readonly store: GraphStore,
    private readonly throttle: MailboxThrottle,
  ) {
    this.verifier = createBearerVerifier({ jwksUrl: `${identityUrl}/${seed.tenantId}/discovery/v2.0/keys`, audience: GRAPH_RESOURCE });
  }

  async authenticate(req: EmulatorRequest): Promise<GraphCaller> {
    const result = await this.verifier.verify(req);
    if (!result.ok) {
      const reason = result.reason;
      const message = !req.headers.authorization ? 'Access token is empty.'
        : /aud/.test(reason) ? 'Access token validation failure. Invalid audience.'
          : /exp/.test(reason) ? 'Lifetime validation failed, the token is expired.'
            : /Compact JWS|not a Bearer/i.test(reason) ? 'CompactToken parsing failed with error code: 80049217'
              : 'Access token validation failure.';
      throw graphError(401, 'InvalidAuthenticationToken', message, { 'WWW-Authenticate': WWW_AUTHENTICATE });
    }
    const clientId = String(result.claims.appid ?? result.claims.azp ?? '');
    return { clientId, roles: Array.isArray(result.claims.roles) ? result.claims.roles : [] };
  }

  resolveUser(idOrUpn: string): SeedUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.seed.users.find((u) => u.entraObjectId.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
  }

  /** A mailbox-scope check like Exchange's RBAC for Applications (seed client `mailboxScope`). */
  inScope(clientId: string, user: SeedUser): boolean {
    const client = Object.values(this.seed.clients).find((c) => c.clientId === clientId);
    if (!client?.mailboxScope) return true;
    return user[client.mailboxScope] === true;
  }

  mailboxUser(caller: GraphCaller, idOrUpn: string): SeedUser {
    const user = this.resolveUser(idOrUpn);
    if (!user) throw errors.invalidUser(idOrUpn);
    if (!this.inScope(caller.clientId, user)) throw errors.accessDenied();
    return user;
  }

  /** A route on `/users/{userId}/…`: token, role, user, scope (Outlook workloads), throttle, then the handler. */
  mailboxRoute(workload: Workload, write: boolean, handler: (req: EmulatorRequest, call: MailboxCall) => EmulatorResponse | Promise<EmulatorResponse>): RouteHandler {
    return async (req) => {
      const caller = await this.authenticate(req);
      const roles = write ? WRITE_ROLES[workload] : READ_ROLES[workload];
      if (!caller.roles.some((r) => roles.includes(r))) throw errors.accessDenied();
      const segment = req.params.userId ?? '';
      const user = SCOPED[workload] ? this.mailboxUser(caller, segment) : this.resolveUser(segment);
      if (!user) throw errors.invalidUser(segment);
      const mailbox = this.store.mailbox(user.entraObjectId);
      return this.throttle.run(caller.clientId, user.entraObjectId, () => handler(req, { caller, user, mailbox, userSegment: segment }));
    };
  }
}

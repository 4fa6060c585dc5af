/**
 * Who is calling: the Bearer token must be the identity emulator's, for this org (aud = the org URL, with or
 * without the trailing slash), else 401 with Dataverse's `WWW-Authenticate: Bearer authorization_uri=…,
 * resource_id=…` challenge and no body. The token's app must have an enabled application user in the org, else
 * 403 "The user is not a member of the organization." (0x80072560).
 *
 * Impersonation (impersonate-another-user-web-api.md): `CallerObjectId: <Entra object id>` (preferred) or
 * `MSCRMCallerID: <systemuserid>` runs the request as that user; the caller needs prvActOnBehalfOfAnotherUser
 * (the seed's `mayImpersonate`), else 403 0x80040220.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createBearerVerifier, type BearerVerifier } from '../common/auth';
import { EmulatorHttpError, type EmulatorRequest } from '../common/server';
import type { SandboxSeed } from '../seed';
import type { DataverseCaller, Row } from './context';
import { missingPrivilege, notFound, notMember, userDisabled } from './errors';
import { isGuid } from './ids';
import type { RowStore } from './store';

export interface AuthOptions {
  seed: SandboxSeed;
  identityUrl: string;
  orgUrl: () => string;
  organizationId: string;
  store: RowStore;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class DataverseAuth {
  private verifier: BearerVerifier | undefined;

  constructor(private readonly options: AuthOptions) {}

  private users(): Row[] {
    return this.options.store.rows('systemuser');
  }

  private challenge(): EmulatorHttpError {
    const { identityUrl, seed, orgUrl } = this.options;
    return new EmulatorHttpError(401, undefined, {
      'WWW-Authenticate': `Bearer authorization_uri=${identityUrl}/${seed.tenantId}/oauth2/authorize, resource_id=${orgUrl()}/`,
    });
  }

  async authenticate(req: Pick<EmulatorRequest, 'headers'>): Promise<DataverseCaller> {
    const { seed, identityUrl, orgUrl } = this.options;
    this.verifier ??= createBearerVerifier({
      jwksUrl: `${identityUrl}/${seed.tenantId}/discovery/v2.0/keys`,
      audience: [orgUrl(), `${orgUrl()}/`],
    });
    const verdict = await this.verifier.verify(req);
    if (!verdict.ok || verdict.claims.tid !== seed.tenantId) throw this.challenge();
    const clientId = String(verdict.claims.appid ?? verdict.claims.azp ?? '').toLowerCase();
    const appUser = this.users().find((u) => String(u.applicationid ?? '').toLowerCase() === clientId);
    if (!appUser || appUser.isdisabled === true) throw notMember();
    const callerSystemUserId = String(appUser.systemuserid);
    return this.impersonate({ callerSystemUserId, effectiveSystemUserId: callerSystemUserId, clientId }, req.headers);
  }

  /** Applies CallerObjectId / MSCRMCallerID headers to an authenticated caller (also per $batch part). */
  impersonate(caller: DataverseCaller, headers: IncomingHttpHeaders): DataverseCaller {
    const objectId = header(headers, 'callerobjectid');
    const systemUserId = header(headers, 'mscrmcallerid');
    if (!objectId && !systemUserId) return caller;
    const client = Object.values(this.options.seed.clients).find((c) => c.clientId.toLowerCase() === caller.clientId);
    if (!client?.mayImpersonate) throw missingPrivilege(caller.callerSystemUserId, 'prvActOnBehalfOfAnotherUser', 8, 'systemuser');
    let user: Row | undefined;
    if (objectId) {
      user = isGuid(objectId) ? this.users().find((u) => String(u.azureactivedirectoryobjectid ?? '').toLowerCase() === objectId.toLowerCase()) : undefined;
      if (!user) throw notMember();
    } else {
      const id = systemUserId!.replace(/[{}]/g, '').toLowerCase();
      user = isGuid(id) ? this.users().find((u) => u.systemuserid === id) : undefined;
      if (!user) throw notFound('systemuser', id);
    }
    if (user.isdisabled === true) throw userDisabled(String(user.systemuserid), this.options.organizationId);
    return { ...caller, effectiveSystemUserId: String(user.systemuserid) };
  }
}

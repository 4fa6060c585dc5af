/**
 * Authentication of admin API calls: an Entra ID access token (v2.0) for our admin API's audience,
 * signed by the tenant (keys from its JWKS), carrying the `Sync.Admin` app role. No or invalid token →
 * 401; valid token without the role → 403.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { BadRequestError } from '../errors';

export const ADMIN_ROLE = 'Sync.Admin';

export interface AdminCaller {
  /** Object id of the calling user or service principal. */
  oid?: string;
  /** Client id of the calling app. */
  appId?: string;
  name?: string;
}

export interface AdminAuthOptions {
  /** e.g. https://login.microsoftonline.com/<tenant> */
  authority: string;
  tenantId: string;
  /** Accepted audiences: the admin API's App ID URI (and its client id, which v2.0 tokens may carry). */
  audiences: string[];
}

export function createAdminAuthenticator(options: AdminAuthOptions): (authorization: string | null) => Promise<AdminCaller> {
  const jwks = createRemoteJWKSet(new URL(`${options.authority}/discovery/v2.0/keys`));
  const issuer = `${options.authority}/v2.0`;
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new BadRequestError('A Bearer token is required (Authorization: Bearer <token>)', 401, 'Unauthorized');
    let payload: JWTPayload & { roles?: unknown; tid?: string; oid?: string; azp?: string; appid?: string; name?: string };
    try {
      ({ payload } = await jwtVerify(match[1]!, jwks, { issuer, audience: options.audiences, clockTolerance: 60 }));
    } catch (error) {
      throw new BadRequestError(`The token is not valid for this API: ${(error as Error).message}`, 401, 'InvalidToken');
    }
    if (payload.tid !== options.tenantId) throw new BadRequestError('The token was issued for another tenant', 401, 'InvalidToken');
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    if (!roles.includes(ADMIN_ROLE)) throw new BadRequestError(`The token lacks the ${ADMIN_ROLE} app role`, 403, 'Forbidden');
    return { oid: payload.oid, appId: payload.azp ?? payload.appid, name: payload.name };
  };
}

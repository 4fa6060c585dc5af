/**
 * Bearer-token checks shared by the Graph and Dataverse emulators: the token must be a JWT signed by the
 * identity emulator (keys from its JWKS, as resource servers fetch Entra ID's), unexpired, for this
 * resource's audience. Each emulator turns a failure into its own service's 401 body.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { EmulatorRequest } from './server';

export interface AccessTokenClaims extends JWTPayload {
  tid?: string;
  appid?: string;
  azp?: string;
  oid?: string;
  roles?: string[];
  idtyp?: string;
}

export type BearerResult = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

export interface BearerVerifier {
  verify(req: Pick<EmulatorRequest, 'headers'>): Promise<BearerResult>;
}

/** `jwksUrl` is the identity emulator's `/{tenant}/discovery/v2.0/keys`. */
export function createBearerVerifier(options: { jwksUrl: string; audience: string | string[] }): BearerVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 1000 });
  return {
    async verify(req) {
      const header = req.headers.authorization;
      if (!header) return { ok: false, reason: 'Access token is empty.' };
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) return { ok: false, reason: 'Authorization header is not a Bearer token.' };
      try {
        const { payload } = await jwtVerify(match[1]!, jwks, { audience: options.audience, clockTolerance: 5 });
        return { ok: true, claims: payload as AccessTokenClaims };
      } catch (error) {
        return { ok: false, reason: `Access token validation failure: ${(error as Error).message}` };
      }
    },
  };
}

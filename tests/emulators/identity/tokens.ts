/**
 * Signing keys and access tokens shaped like Entra ID's: v1.0 tokens (iss https://sts.windows.net/{tid}/,
 * appid) for Microsoft's own resources such as Graph and Dataverse, whose APIs accept v1.0 tokens; v2.0
 * tokens (iss {authority}/v2.0, azp) for app registrations of ours that ask for v2.0 (our admin API).
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID().replace(/-/g, '');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  return { kid, privateKey, publicJwk };
}

export interface AppTokenRequest {
  tenantId: string;
  /** The authority base, e.g. https://127.0.0.1:7300 (v2.0 issuer = `${base}/${tenantId}/v2.0`). */
  identityBase: string;
  audience: string;
  version: '1.0' | '2.0';
  clientId: string;
  /** Object id of the app's service principal in the tenant. */
  servicePrincipalId: string;
  roles: string[];
  lifetimeSeconds: number;
}

export async function signAppToken(key: SigningKey, r: AppTokenRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    tid: r.tenantId,
    oid: r.servicePrincipalId,
    sub: r.servicePrincipalId,
    idtyp: 'app',
    ver: r.version,
    ...(r.roles.length > 0 ? { roles: r.roles } : {}),
    ...(r.version === '1.0' ? { appid: r.clientId, appidacr: '1' } : { azp: r.clientId, azpacr: '1' }),
  };
  const issuer = r.version === '1.0' ? `https://sts.windows.net/${r.tenantId}/` : `${r.identityBase}/${r.tenantId}/v2.0`;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .setIssuer(issuer)
    .setAudience(r.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + r.lifetimeSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/**
 * Authorization headers for the admin API: the one valid kind (an admin client's token for the admin API's
 * audience, with Sync.Admin) and everything that must be refused — no role, another audience, a signature
 * of our own making, `alg: none`, claims edited under the original signature, one character changed,
 * other schemes, junk. Built once per test file from the identity emulator, as Entra would issue them.
 */
import { generateKeyPair, SignJWT } from 'jose';
import fc from 'fast-check';
import type { RunningSandbox } from '../../../tools/sandbox/sandbox';
import { GRAPH_RESOURCE } from '../../emulators/seed';
import { headerValue } from './requests';

export interface AdminTokens {
  /** `Bearer <valid admin token>`: the only header that gets in. */
  valid: string;
  /** Every token minted here (the log scan looks for them). */
  all: string[];
  /** Authorization headers that must get a 401 or 403. */
  refused: fc.Arbitrary<string | undefined>;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function adminTokens(sandbox: RunningSandbox): Promise<AdminTokens> {
  const { seed, identity, manifest } = sandbox;
  const admin = await identity.issueToken(seed.clients.admin, seed.adminApiAudience);
  const noRole = await identity.issueToken(seed.clients.people, seed.adminApiAudience);
  const graph = await identity.issueToken(seed.clients.admin, GRAPH_RESOURCE);
  const sync = await identity.issueToken(seed.clients.sync, seed.adminApiAudience);
  const [header, payload, signature] = admin.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid }).sign(privateKey);
  const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 3600 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
  const noneAlg = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
  const roleAdded = `${header}.${b64({ ...(JSON.parse(Buffer.from(noRole.split('.')[1]!, 'base64url').toString()) as object), roles: ['Sync.Admin'] })}.${noRole.split('.')[2]}`;
  const otherTenant = `${header}.${b64({ ...claims, tid: '00000000-0000-0000-0000-000000000000' })}.${signature}`;
  const tokens = [admin, noRole, graph, sync, forged, expired, noneAlg, roleAdded, otherTenant];

  // Which character to change: any in the header, the claims or the signature — except the signature's last,
  // whose low bits base64url does not use (changing them leaves the same signature bytes: still valid).
  const oneCharChanged = fc.tuple(fc.nat({ max: admin.length - 2 }), fc.constantFrom('A', 'B', 'z', '0', '-', '_', '.')).map(([i, ch]) => admin.slice(0, i) + ch + admin.slice(i + 1)).filter((t) => t !== admin);
  const refused = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(...[noRole, graph, sync, forged, expired, noneAlg, roleAdded, otherTenant].map((t) => `Bearer ${t}`)),
    oneCharChanged.map((t) => `Bearer ${t}`),
    fc.constantFrom(`Basic ${Buffer.from(`${manifest.clients.admin.clientId}:wrong`).toString('base64')}`, admin, `Bearer`, `Bearer ${admin} ${admin}`, `Bearer ${header}.${payload}`, `Token ${admin}`, `Bearer ${admin}x`),
    headerValue,
  );
  return { valid: `Bearer ${admin}`, all: tokens, refused };
}

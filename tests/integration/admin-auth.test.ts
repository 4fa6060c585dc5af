import { SignJWT, generateKeyPair } from 'jose';
import { createAdminAuthenticator } from '../../shared/admin/admin-auth';
import { ensureSandboxCertificate } from '../emulators/common/tls';
import { createIdentityEmulator, type IdentityEmulator } from '../emulators/identity/server';
import { defaultSeed, GRAPH_RESOURCE } from '../emulators/seed';

const seed = defaultSeed('https://127.0.0.1:7399');
let identity: IdentityEmulator;
let authenticate: ReturnType<typeof createAdminAuthenticator>;

beforeAll(async () => {
  identity = await createIdentityEmulator({ seed, tls: ensureSandboxCertificate() });
  const base = await identity.listen(0);
  authenticate = createAdminAuthenticator({ authority: `${base}/${seed.tenantId}`, tenantId: seed.tenantId, audiences: [seed.adminApiAudience] });
});
afterAll(() => identity.close());

test('a token of the admin client for the admin API, with Sync.Admin, is accepted', async () => {
  const token = await identity.issueToken(seed.clients.admin, seed.adminApiAudience);
  await expect(authenticate(`Bearer ${token}`)).resolves.toMatchObject({ appId: seed.clients.admin.clientId });
});

test('no token, garbage, another audience, a foreign signature → 401; no role → 403', async () => {
  await expect(authenticate(null)).rejects.toMatchObject({ status: 401 });
  await expect(authenticate('Bearer not.a.jwt')).rejects.toMatchObject({ status: 401 });
  const graphToken = await identity.issueToken(seed.clients.sync, GRAPH_RESOURCE);
  await expect(authenticate(`Bearer ${graphToken}`)).rejects.toMatchObject({ status: 401 });
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({ roles: ['Sync.Admin'], tid: seed.tenantId }).setProtectedHeader({ alg: 'RS256', kid: 'x' })
    .setAudience(seed.adminApiAudience).setIssuer('whatever').setExpirationTime('1h').sign(privateKey);
  await expect(authenticate(`Bearer ${forged}`)).rejects.toMatchObject({ status: 401 });
  const noRole = await identity.issueToken(seed.clients.people, seed.adminApiAudience);
  await expect(authenticate(`Bearer ${noRole}`)).rejects.toMatchObject({ status: 403, code: 'Forbidden' });
});

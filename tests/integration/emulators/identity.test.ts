import { ConfidentialClientApplication } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { createBearerVerifier } from '../../emulators/common/auth';
import { ensureSandboxCertificate } from '../../emulators/common/tls';
import { createIdentityEmulator, type IdentityEmulator } from '../../emulators/identity/server';
import { defaultSeed, GRAPH_RESOURCE } from '../../emulators/seed';

const dataverseUrl = 'https://127.0.0.1:7399';
const seed = defaultSeed(dataverseUrl);
let identity: IdentityEmulator;
let authority: string;

beforeAll(async () => {
  identity = await createIdentityEmulator({ seed, tls: ensureSandboxCertificate() });
  const base = await identity.listen(0);
  authority = `${base}/${seed.tenantId}`;
});
afterAll(() => identity.close());

function msal(clientId: string, clientSecret: string): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { clientId, clientSecret, authority, knownAuthorities: [new URL(authority).host] },
  });
}

test('msal-node gets a Graph token by client credentials, with the app roles and a verifiable signature', async () => {
  const { clientId, clientSecret } = seed.clients.sync;
  const app = msal(clientId, clientSecret);
  const result = await app.acquireTokenByClientCredential({ scopes: [`${GRAPH_RESOURCE}/.default`] });
  expect(result?.accessToken).toBeTruthy();
  const claims = decodeJwt(result!.accessToken);
  expect(claims).toMatchObject({
    aud: GRAPH_RESOURCE, tid: seed.tenantId, appid: clientId, idtyp: 'app', ver: '1.0',
    iss: `https://sts.windows.net/${seed.tenantId}/`,
  });
  expect(claims.roles).toEqual(expect.arrayContaining(['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All']));
  const verifier = createBearerVerifier({ jwksUrl: `${authority}/discovery/v2.0/keys`, audience: GRAPH_RESOURCE });
  const verdict = await verifier.verify({ headers: { authorization: `Bearer ${result!.accessToken}` } });
  expect(verdict.ok).toBe(true);
  const wrongAudience = createBearerVerifier({ jwksUrl: `${authority}/discovery/v2.0/keys`, audience: dataverseUrl });
  expect((await wrongAudience.verify({ headers: { authorization: `Bearer ${result!.accessToken}` } })).ok).toBe(false);
  // Second call is served from msal's cache.
  const again = await app.acquireTokenByClientCredential({ scopes: [`${GRAPH_RESOURCE}/.default`] });
  expect(again?.fromCache).toBe(true);
});

test('a Dataverse token has the org URL as audience; an admin-API token is v2.0 with the Sync.Admin role', async () => {
  const dv = await msal(seed.clients.sync.clientId, seed.clients.sync.clientSecret)
    .acquireTokenByClientCredential({ scopes: [`${dataverseUrl}/.default`] });
  expect(decodeJwt(dv!.accessToken).aud).toBe(dataverseUrl);
  const admin = await msal(seed.clients.admin.clientId, seed.clients.admin.clientSecret)
    .acquireTokenByClientCredential({ scopes: [`${seed.adminApiAudience}/.default`] });
  expect(decodeJwt(admin!.accessToken)).toMatchObject({
    aud: seed.adminApiAudience, ver: '2.0', azp: seed.clients.admin.clientId, roles: ['Sync.Admin'], iss: `${authority}/v2.0`,
  });
});

test('a wrong secret gets the real endpoint\'s invalid_client error', async () => {
  await expect(msal(seed.clients.sync.clientId, 'not-the-secret').acquireTokenByClientCredential({
    scopes: [`${GRAPH_RESOURCE}/.default`],
  })).rejects.toMatchObject({ errorCode: 'invalid_client', errorMessage: expect.stringContaining('AADSTS7000215') });

  const res = await fetch(`${authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: seed.clients.sync.clientId, client_secret: 'x', scope: `${GRAPH_RESOURCE}/.default` }),
  });
  expect(res.status).toBe(401);
  const body = await res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
  expect(body.trace_id).toEqual(expect.any(String));
  expect(body.correlation_id).toEqual(expect.any(String));
});

test('unknown client, scope without /.default, and unknown resource are rejected as Entra ID does', async () => {
  const post = (form: Record<string, string>) => fetch(`${authority}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
  });
  const base = { grant_type: 'client_credentials', client_id: seed.clients.sync.clientId, client_secret: seed.clients.sync.clientSecret };
  const unknown = await post({ ...base, client_id: '00000000-0000-0000-0000-00000000dead', scope: `${GRAPH_RESOURCE}/.default` });
  expect(unknown.status).toBe(400);
  expect(await unknown.json()).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
  const badScope = await post({ ...base, scope: `${GRAPH_RESOURCE}/Calendars.ReadWrite` });
  expect(await badScope.json()).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
  const badResource = await post({ ...base, scope: 'https://nowhere.example/.default' });
  expect(await badResource.json()).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
});

test('openid configuration and JWKS are served for the tenant only', async () => {
  const conf = await (await fetch(`${authority}/v2.0/.well-known/openid-configuration`)).json() as Record<string, string>;
  expect(conf.issuer).toBe(`${authority}/v2.0`);
  expect(conf.token_endpoint).toBe(`${authority}/oauth2/v2.0/token`);
  const jwks = await (await fetch(conf.jwks_uri!)).json() as { keys: Array<Record<string, string>> };
  expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
  const other = await fetch(authority.replace(seed.tenantId, 'contoso.example') + '/v2.0/.well-known/openid-configuration');
  expect(other.status).toBe(400);
});

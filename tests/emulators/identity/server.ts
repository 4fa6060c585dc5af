/**
 * Microsoft Entra ID (identity platform v2.0 endpoints), enough for app-only callers:
 * - POST /{tenant}/oauth2/v2.0/token — client credentials with client_secret, scope `<resource>/.default`;
 * - GET  /{tenant}/v2.0/.well-known/openid-configuration and GET /{tenant}/discovery/v2.0/keys (JWKS);
 * - GET  /sandbox/manifest — describes the running sandbox (set by the sandbox launcher).
 * Errors use the endpoint's documented JSON (error, error_description with an AADSTS code, error_codes,
 * timestamp, trace_id, correlation_id).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { EmulatorHttpError, EmulatorServer, type EmulatorRequest } from '../common/server';
import type { SandboxSeed, SeedClient } from '../seed';
import { createSigningKey, signAppToken, type SigningKey } from './tokens';

export interface IdentityEmulatorOptions {
  seed: SandboxSeed;
  tls: { cert: string; key: string };
  /** Audiences (resources) whose tokens are v2.0; others get v1.0 tokens. Default: the admin API. */
  v2Audiences?: string[];
  tokenLifetimeSeconds?: number;
}

export interface IdentityEmulator {
  server: EmulatorServer;
  /** Sets what GET /sandbox/manifest answers. */
  setManifest(manifest: unknown): void;
  /** Mints a token directly (for tests of the resource emulators). */
  issueToken(client: SeedClient, audience: string): Promise<string>;
  listen(port: number): Promise<string>;
  close(): Promise<void>;
}

function aadError(status: number, error: string, code: number, description: string): EmulatorHttpError {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return new EmulatorHttpError(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Service-principal object ids are stable per app so that `oid` identifies the caller. */
function servicePrincipalId(clientId: string): string {
  return `5e${clientId.slice(2)}`;
}

export async function createIdentityEmulator(options: IdentityEmulatorOptions): Promise<IdentityEmulator> {
  const { seed } = options;
  const key: SigningKey = await createSigningKey();
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  const v2Audiences = new Set(options.v2Audiences ?? [seed.adminApiAudience]);
  const clients = Object.values(seed.clients);
  let manifest: unknown = { tenantId: seed.tenantId };
  const server = new EmulatorServer({
    name: 'identity',
    tls: options.tls,
    faultBody: (status) => (status === 429
      ? { error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server terminated an operation because it encountered a client request loop.', error_codes: [50196] }
      : { error: 'server_error', error_description: `AADSTS90000: injected ${status}`, error_codes: [90000] }),
  });

  const checkTenant = (req: EmulatorRequest): void => {
    const tenant = req.params.tenant;
    if (tenant !== seed.tenantId) {
      throw aadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
  };

  const issueToken = (client: SeedClient, audience: string): Promise<string> =>
    signAppToken(key, {
      tenantId: seed.tenantId,
      identityBase: server.url,
      audience,
      version: v2Audiences.has(audience) ? '2.0' : '1.0',
      clientId: client.clientId,
      servicePrincipalId: servicePrincipalId(client.clientId),
      roles: client.roles[audience] ?? [],
      lifetimeSeconds: lifetime,
    });

  server.route('GET', '/{tenant}/v2.0/.well-known/openid-configuration', (req) => {
    checkTenant(req);
    const base = `${server.url}/${seed.tenantId}`;
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
      },
    };
  });

  server.route('GET', '/{tenant}/discovery/v2.0/keys', (req) => {
    checkTenant(req);
    return { status: 200, body: { keys: [key.publicJwk] } };
  });

  server.route('POST', '/{tenant}/oauth2/v2.0/token', async (req) => {
    checkTenant(req);
    const contentType = String(req.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      throw aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    }
    const form = new URLSearchParams(req.body.toString('utf8'));
    // client_secret_basic: credentials in the Authorization header.
    const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(secret ?? '');
    }
    const grantType = form.get('grant_type');
    if (!grantType) throw aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (grantType !== 'client_credentials') {
      throw aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
    }
    if (!clientId) throw aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    const client = clients.find((c) => c.clientId === clientId);
    if (!client) {
      throw aadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${seed.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    }
    if (form.get('client_assertion')) {
      throw aadError(401, 'invalid_client', 700027, 'Client assertion failed signature validation. (The sandbox accepts client secrets only.)');
    }
    if (!clientSecret) {
      throw aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (!secretsEqual(clientSecret, client.clientSecret)) {
      throw aadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }
    const scope = form.get('scope') ?? '';
    const scopes = scope.split(' ').filter(Boolean);
    if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) {
      throw aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const resource = scopes[0]!.slice(0, -'/.default'.length).replace(/\/$/, '');
    const knownResources = new Set(clients.flatMap((c) => Object.keys(c.roles)).map((r) => r.replace(/\/$/, '')));
    if (!knownResources.has(resource)) {
      throw aadError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${seed.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    }
    const audience = Object.keys(client.roles).find((r) => r.replace(/\/$/, '') === resource) ?? resource;
    const accessToken = await issueToken(client, audience);
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
      body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
    };
  });

  server.route('GET', '/sandbox/manifest', () => ({ status: 200, body: manifest }));

  return {
    server,
    setManifest(m) { manifest = m; },
    issueToken,
    listen: (port) => server.listen(port),
    close: () => server.close(),
  };
}

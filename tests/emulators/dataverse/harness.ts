/**
 * For tests: an identity emulator plus a Dataverse emulator on free ports, with the seed's Dataverse resource
 * set to the org URL, msal-node clients for the seeded app registrations, a `dynamics-web-api` client factory,
 * and a small `call()` for raw Web API requests.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { DynamicsWebApi } from 'dynamics-web-api';
import net from 'node:net';
import { ensureSandboxCertificate } from '../common/tls';
import { createIdentityEmulator, type IdentityEmulator } from '../identity/server';
import { defaultSeed, type SandboxSeed, type SeedClient } from '../seed';
import { API_PATH } from './scope';
import { createDataverseEmulator, type DataverseEmulator, type DataverseEmulatorOptions } from './server';

export interface DataverseSandbox {
  seed: SandboxSeed;
  identity: IdentityEmulator;
  dataverse: DataverseEmulator;
  orgUrl: string;
  /** `${orgUrl}/api/data/v9.2` */
  apiUrl: string;
  authority: string;
  token(client: SeedClient): Promise<string>;
  /** dynamics-web-api pointed at the emulator, tokens from msal-node (client credentials). */
  webApi(client: SeedClient, config?: Record<string, unknown>): DynamicsWebApi;
  /** A raw Web API request (path relative to /api/data/v9.2/, or absolute); JSON bodies are serialized. */
  call(path: string, init?: { method?: string; client?: SeedClient | null; headers?: Record<string, string>; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startDataverseSandbox(options: Pick<DataverseEmulatorOptions, 'throttle'> = {}): Promise<DataverseSandbox> {
  const tls = ensureSandboxCertificate();
  const port = await freePort();
  const orgUrl = `https://127.0.0.1:${port}`;
  const seed = defaultSeed(orgUrl);
  const identity = await createIdentityEmulator({ seed, tls });
  const identityUrl = await identity.listen(0);
  const dataverse = createDataverseEmulator({ seed, tls, identityUrl, orgUrl, ...options });
  await dataverse.listen(port);
  const authority = `${identityUrl}/${seed.tenantId}`;
  const apps = new Map<string, ConfidentialClientApplication>();
  const msal = (client: SeedClient): ConfidentialClientApplication => {
    let app = apps.get(client.clientId);
    if (!app) {
      app = new ConfidentialClientApplication({
        auth: { clientId: client.clientId, clientSecret: client.clientSecret, authority, knownAuthorities: [new URL(authority).host] },
      });
      apps.set(client.clientId, app);
    }
    return app;
  };
  const token = async (client: SeedClient): Promise<string> => {
    const result = await msal(client).acquireTokenByClientCredential({ scopes: [`${orgUrl}/.default`] });
    if (!result) throw new Error('no token');
    return result.accessToken;
  };
  const apiUrl = `${orgUrl}${API_PATH}`;
  return {
    seed, identity, dataverse, orgUrl, apiUrl, authority, token,
    webApi(client, config = {}) {
      return new DynamicsWebApi({
        serverUrl: orgUrl,
        dataApi: { version: '9.2' },
        onTokenRefresh: () => msal(client).acquireTokenByClientCredential({ scopes: [`${orgUrl}/.default`] }).then((r) => r?.accessToken ?? null),
        ...config,
      });
    },
    async call(path, init = {}) {
      const client = init.client === undefined ? seed.clients.sync : init.client;
      const headers: Record<string, string> = { Accept: 'application/json', 'OData-Version': '4.0', 'OData-MaxVersion': '4.0', ...init.headers };
      if (client) headers.Authorization = `Bearer ${await token(client)}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['Content-Type'] ??= 'application/json';
      }
      const url = /^https?:/.test(path) ? path : `${apiUrl}/${path}`;
      return fetch(url, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
    },
    async close() {
      await dataverse.close();
      await identity.close();
    },
  };
}

/**
 * The admin API as its callers see it: an Entra token (client credentials of the sandbox's admin client,
 * which holds the Sync.Admin app role) and plain HTTP against the Functions host. Also tokens that must be
 * refused: one of the people client for the same audience (valid, no role) and one for another audience.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { Mailbox } from '../../shared/mailboxes/mailbox';

export interface AdminManifest {
  authority: string;
  urls: { functions: string };
  clients: { admin: { clientId: string; clientSecret: string; scope: string }; people: { clientId: string; clientSecret: string } };
}

export interface AdminCallResult<T = unknown> {
  status: number;
  body: T;
}

export function adminApi(manifest: AdminManifest) {
  const msal = (client: { clientId: string; clientSecret: string }) => new ConfidentialClientApplication({
    auth: { clientId: client.clientId, clientSecret: client.clientSecret, authority: manifest.authority, knownAuthorities: [new URL(manifest.authority).host] },
  });
  const adminApp = msal(manifest.clients.admin);
  const peopleApp = msal(manifest.clients.people);
  const tokenOf = async (app: ConfidentialClientApplication, scope: string) => (await app.acquireTokenByClientCredential({ scopes: [scope] }))!.accessToken;

  const adminToken = () => tokenOf(adminApp, manifest.clients.admin.scope);
  /** A valid token for the admin API's audience, without the Sync.Admin role. */
  const noRoleToken = () => tokenOf(peopleApp, manifest.clients.admin.scope);
  /** A valid token for Microsoft Graph: wrong audience for the admin API. */
  const otherAudienceToken = () => tokenOf(peopleApp, 'https://graph.microsoft.com/.default');

  /** One call; `authorization` null sends no header, undefined sends the admin token. */
  async function call<T = any>(method: string, path: string, options: { body?: unknown; authorization?: string | null } = {}): Promise<AdminCallResult<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? `Bearer ${await adminToken()}` : options.authorization;
    if (authorization !== null) headers.authorization = authorization;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${manifest.urls.functions}${path}`, {
      method, headers, body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
    return { status: res.status, body: body as T };
  }

  const getMailbox = async (systemUserId: string): Promise<Mailbox> => {
    const res = await call<Mailbox>('GET', `/mailboxes/${systemUserId}`);
    if (res.status !== 200) throw new Error(`GET mailbox ${systemUserId}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  return { call, getMailbox, adminToken, noRoleToken, otherAudienceToken };
}

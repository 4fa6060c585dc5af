/**
 * The admin API over HTTP, as the CLI uses it: a bearer token (client credentials of an app with the
 * Sync.Admin role, through msal-node and the token provider the app itself uses, or a ready token), JSON in
 * and out, and errors that say what to do rather than only what happened.
 */
import { createTokenProvider, TokenAcquisitionError } from '../../shared/identity/token-provider';
import type { ClientStateRotationReport } from '../../shared/admin/client-state-rotation';
import type { Mailbox, SyncMethod } from '../../shared/mailboxes/mailbox';

export class CliError extends Error {}

/** Why a fetch failed, in the words of the network layer (ECONNREFUSED, CERT_…), not just "fetch failed". */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
}

export interface AdminConnection {
  /** Base of the app's HTTP functions, ending in /api. */
  url: string;
  token?: string;
  credentials?: { authority: string; clientId: string; clientSecret: string; scope: string };
}

export type MailboxAction = 'approve' | 'reject' | 'test-and-enable' | 'disable';

function hint(status: number, code: string | undefined): string {
  if (status === 401) return ' Check --authority, --client-id/--client-secret and --scope (the admin API\'s Application ID URI + /.default), or that the token has not expired.';
  if (status === 403) return ' Assign the Sync.Admin app role of the admin API to the calling app (or user) in Entra ID, with admin consent.';
  if (status === 404 && code === undefined) return ' Is --url the app\'s base ending in /api (e.g. https://<app>.azurewebsites.net/api)?';
  return '';
}

export class AdminClient {
  private readonly getToken: () => Promise<string>;

  constructor(private readonly connection: AdminConnection) {
    const { token, credentials } = connection;
    if (token) {
      this.getToken = async () => token;
    } else if (credentials) {
      const provider = createTokenProvider(credentials);
      this.getToken = async () => {
        try {
          return await provider.getToken(credentials.scope);
        } catch (error) {
          if (error instanceof TokenAcquisitionError) {
            throw new CliError(`${error.message}\n  ${error.isUserError ? 'Check the tenant (--authority), --client-id and --client-secret of the admin app registration.' : `Could not reach ${credentials.authority}.`}`);
          }
          throw error;
        }
      };
    } else {
      throw new CliError('No credentials: give --token, or --authority, --client-id and --client-secret (or --sandbox).');
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.connection.url}${path}`;
    const token = await this.getToken();
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(`Cannot reach the admin API at ${this.connection.url}: ${networkReason(error)}`);
    }
    const text = await res.text();
    let json: unknown;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      const what = error?.message ?? (text.trim().slice(0, 200) || res.statusText || 'no details');
      throw new CliError(`${method} ${path} → ${res.status}${error?.code ? ` ${error.code}` : ''}: ${what}.${hint(res.status, error?.code)}`.replace(/\.\.(\s|$)/, '.$1'));
    }
    return json as T;
  }

  async list(actStatus?: string): Promise<Mailbox[]> {
    const query = actStatus ? `?actStatus=${encodeURIComponent(actStatus)}` : '';
    return (await this.request<{ value: Mailbox[] }>('GET', `/mailboxes${query}`)).value;
  }

  get(systemUserId: string): Promise<Mailbox> {
    return this.request<Mailbox>('GET', `/mailboxes/${systemUserId}`);
  }

  setSyncMethods(systemUserId: string, syncMethods: Partial<Record<'appointments' | 'contacts' | 'tasks', SyncMethod>>): Promise<Mailbox> {
    return this.request<Mailbox>('PATCH', `/mailboxes/${systemUserId}`, { syncMethods });
  }

  action(systemUserId: string, action: MailboxAction): Promise<Mailbox> {
    return this.request<Mailbox>('POST', `/mailboxes/${systemUserId}/${action}`);
  }

  /** New Graph subscriptions (new clientStates) for the mailbox, the old ones deleted; a 502 (incomplete) throws. */
  rotateClientState(systemUserId: string): Promise<ClientStateRotationReport> {
    return this.request<ClientStateRotationReport>('POST', `/mailboxes/${systemUserId}/rotate-client-state`);
  }
}

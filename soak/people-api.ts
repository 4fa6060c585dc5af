/**
 * How the soak's "people" reach the services: CRM users through the Dataverse Web API (the people app,
 * impersonating the user with MSCRMCallerID) and Outlook through Graph (the people app). Plain fetch rather
 * than the SDKs, so that every answer is seen: injected faults (429, 500, 503, a dropped connection) hit
 * people as they hit the sync app, and a person simply tries again. An injected fault never reaches the
 * emulator's handler, so a retried write is applied once. The faults a person absorbed are tallied, so
 * that the report can tell how many of the injected faults reached the sync app itself.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';

export type FaultTally = Record<string, number>;

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: unknown, what: string) {
    super(`${what} → ${status} ${JSON.stringify(body).slice(0, 300)}`);
  }
}

const RETRIED = new Set([429, 500, 502, 503, 504]);

export interface PeopleManifest {
  authority: string;
  urls: { graph: string; dataverse: string };
  clients: { people: { clientId: string; clientSecret: string } };
}

export class PeopleApi {
  readonly absorbed: FaultTally = {};
  private readonly msal: ConfidentialClientApplication;

  constructor(private readonly manifest: PeopleManifest) {
    this.msal = new ConfidentialClientApplication({
      auth: { clientId: manifest.clients.people.clientId, clientSecret: manifest.clients.people.clientSecret, authority: manifest.authority, knownAuthorities: [new URL(manifest.authority).host] },
    });
  }

  private async token(scope: string): Promise<string> {
    return (await this.msal.acquireTokenByClientCredential({ scopes: [scope] }))!.accessToken;
  }

  private absorb(service: string, what: number | 'drop'): void {
    const key = `${service} ${what}`;
    this.absorbed[key] = (this.absorbed[key] ?? 0) + 1;
  }

  /** One call, retried (as a person would) on throttling, server errors and dropped connections. */
  private async call(service: 'graph' | 'dataverse', url: string, init: { method: string; headers: Record<string, string>; body?: unknown }, what: string): Promise<ApiResponse> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { method: init.method, headers: init.headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
      } catch (error) {
        this.absorb(service, 'drop');
        if (attempt >= 10) throw new Error(`${what}: ${String(error)}`);
        await new Promise((r) => setTimeout(r, Math.min(4000, 500 * attempt)));
        continue;
      }
      const text = await res.text();
      const body = text ? safeJson(text) : undefined;
      if (RETRIED.has(res.status) && attempt < 10) {
        this.absorb(service, res.status);
        const retryAfter = Number(res.headers.get('retry-after'));
        // A person tries again after a moment (honouring Retry-After), not in a tight loop.
        await new Promise((r) => setTimeout(r, Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 5) * 1000 : Math.min(4000, 500 * attempt)));
        continue;
      }
      if (res.status >= 400) throw new ApiError(res.status, body, what);
      return { status: res.status, headers: res.headers, body };
    }
  }

  /** Graph as Outlook does it, with immutable ids. `path` starts at /users/…. */
  async graph(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token('https://graph.microsoft.com/.default')}`, prefer: 'IdType="ImmutableId"' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.call('graph', `${this.manifest.urls.graph}${path}`, { method, headers, body }, `Graph ${method} ${path}`);
  }

  /** The Web API as a CRM user (impersonated); reads carry formatted values (lookup names). */
  async crm(userId: string, method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.token(`${this.manifest.urls.dataverse}/.default`)}`,
      accept: 'application/json', 'odata-version': '4.0', 'odata-maxversion': '4.0',
      mscrmcallerid: userId,
      prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"',
      ...extraHeaders,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.call('dataverse', `${this.manifest.urls.dataverse}/api/data/v9.2${path}`, { method, headers, body }, `Dataverse ${method} ${path}`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The GUID in an OData-EntityId header: `…/tasks(00000000-…)`. */
export function entityIdOf(res: ApiResponse): string {
  const header = res.headers.get('odata-entityid') ?? '';
  const id = /\(([0-9a-f-]{36})\)\s*$/i.exec(header)?.[1];
  if (!id) throw new Error(`No OData-EntityId in the answer (${header || 'absent'})`);
  return id.toLowerCase();
}

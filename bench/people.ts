/**
 * The people of the benchmark, over HTTP like everyone else: CRM users writing rows (the people app
 * impersonating them, so a row is created *by* and *owned by* the user) and the same users editing their
 * mailbox as Outlook would. Plain fetch, so that each write is exactly one API call (the figures subtract
 * it) and a bulk load can use Dataverse's $batch.
 */
import { randomUUID } from 'node:crypto';
import { peopleClients } from '../tests/support/people';
import type { SandboxManifest } from '../tools/sandbox/sandbox';

export class HttpError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what} → ${status} ${body.slice(0, 300)}`);
  }
}

export type Row = Record<string, unknown>;

export class People {
  private readonly tokens = new Map<string, { value: string; until: number }>();
  private readonly clients;
  private readonly dataverseApi: string;
  readonly graphApi: string;

  constructor(private readonly manifest: SandboxManifest) {
    this.clients = peopleClients(manifest);
    this.dataverseApi = `${manifest.urls.dataverse}/api/data/v9.2`;
    this.graphApi = manifest.urls.graph;
  }

  private async token(scope: string): Promise<string> {
    const cached = this.tokens.get(scope);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = await this.clients.token(scope);
    this.tokens.set(scope, { value, until: Date.now() + 30 * 60_000 });
    return value;
  }

  private async crm(method: string, path: string, asUser: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(`${this.dataverseApi}/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.token(`${this.manifest.urls.dataverse}/.default`)}`,
        'content-type': 'application/json', accept: 'application/json', 'OData-Version': '4.0', 'OData-MaxVersion': '4.0',
        MSCRMCallerID: asUser, ...extra,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new HttpError(res.status, await res.text(), `${method} ${path}`);
    return res;
  }

  /** Creates a row as the CRM user (the owner by default); returns its id. */
  async crmCreate(entitySet: string, data: Row, asUser: string): Promise<string> {
    const res = await this.crm('POST', entitySet, asUser, data);
    await res.arrayBuffer();
    const id = /\(([0-9a-f-]{36})\)/i.exec(res.headers.get('odata-entityid') ?? '')?.[1];
    if (!id) throw new Error(`Create in ${entitySet} answered no OData-EntityId`);
    return id.toLowerCase();
  }

  async crmUpdate(entitySet: string, id: string, data: Row, asUser: string): Promise<void> {
    await (await this.crm('PATCH', `${entitySet}(${id})`, asUser, data)).arrayBuffer();
  }

  async crmGet(entitySet: string, id: string, select: string[], asUser: string): Promise<Row> {
    return (await (await this.crm('GET', `${entitySet}(${id})?$select=${select.join(',')}`, asUser)).json()) as Row;
  }

  /** Creates many rows in one `$batch` request (at most 1000; one API request for the service limits). */
  async crmBatchCreate(entitySet: string, rows: Row[], asUser: string): Promise<void> {
    const boundary = `batch_${randomUUID()}`;
    const parts = rows.map((row) => [
      `--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '',
      `POST ${this.dataverseApi}/${entitySet} HTTP/1.1`, 'Content-Type: application/json', '', JSON.stringify(row),
    ].join('\r\n'));
    const body = `${parts.join('\r\n')}\r\n--${boundary}--\r\n`;
    const res = await fetch(`${this.dataverseApi}/$batch`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await this.token(`${this.manifest.urls.dataverse}/.default`)}`,
        'content-type': `multipart/mixed; boundary=${boundary}`, accept: 'application/json', 'OData-Version': '4.0', 'OData-MaxVersion': '4.0',
        MSCRMCallerID: asUser,
      },
      body,
    });
    const text = await res.text();
    if (!res.ok) throw new HttpError(res.status, text, `POST $batch (${rows.length} × ${entitySet})`);
    const failed = (text.match(/HTTP\/1\.1 [45]\d\d/g) ?? []).length;
    if (failed > 0) throw new Error(`$batch: ${failed} of ${rows.length} creates failed: ${text.slice(0, 500)}`);
  }

  private async graph(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(path.startsWith('https:') ? path : `${this.graphApi}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.token('https://graph.microsoft.com/.default')}`,
        'content-type': 'application/json', Prefer: 'IdType="ImmutableId"',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new HttpError(res.status, await res.text(), `${method} ${path}`);
    return res;
  }

  async graphGet<T = Row>(path: string): Promise<T> {
    return (await (await this.graph('GET', path)).json()) as T;
  }

  /** Returns undefined for a 404 (the reader polls for items that may not exist yet). */
  async graphFind<T = Row>(path: string): Promise<T | undefined> {
    try {
      return await this.graphGet<T>(path);
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return undefined;
      throw error;
    }
  }

  async graphPatch(path: string, body: Row): Promise<Row> {
    return (await (await this.graph('PATCH', path, body)).json()) as Row;
  }

  async graphPost(path: string, body: Row): Promise<Row> {
    return (await (await this.graph('POST', path, body)).json()) as Row;
  }
}

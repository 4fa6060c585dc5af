/**
 * Everything the sync asks of the Dataverse Web API, through dynamics-web-api. That library does not
 * retry, so service-protection 429s (and 503s) are retried here after their Retry-After, a few times;
 * what still fails surfaces as a DataverseRequestError for the queue's own retry and poison handling.
 * `propagateErrors` makes a stale If-Match throw (by default the library swallows the 412).
 */
import { DynamicsWebApi } from 'dynamics-web-api';
import type { CrmRow } from '../mappings/field-mapping';
import type { TokenProvider } from '../identity/token-provider';
import { correlationFields, currentRequestContext } from '../observability/request-context';
import { toDataverseRequestError, type DataverseRequestError } from './dataverse-errors';

/**
 * The current change's id on every Dataverse call. The Web API documents no client correlation header;
 * this is the one Microsoft's own Dataverse ServiceClient sends (a GUID per request, beside its
 * x-ms-client-session-id), which Microsoft support can look up in the service's telemetry.
 */
export const CLIENT_REQUEST_ID_HEADER = 'x-ms-client-request-id';

export interface DataverseGatewayOptions {
  dataverseUrl: string;
  tokens: TokenProvider;
  /** Retries of a throttled call before giving up (default 3). */
  maxThrottleRetries?: number;
  /** Longest Retry-After we wait in-process, in seconds (default 30); longer waits go back to the queue. */
  maxRetryAfterSeconds?: number;
}

export class DataverseGateway {
  private readonly api: DynamicsWebApi;
  private readonly maxRetries: number;
  private readonly maxWait: number;

  constructor(options: DataverseGatewayOptions) {
    const scope = `${options.dataverseUrl}/.default`;
    this.api = new DynamicsWebApi({
      serverUrl: options.dataverseUrl,
      dataApi: { version: '9.2' },
      propagateErrors: true,
      // Lookup names (a contact's parent account → Outlook's company name) come as annotations.
      includeAnnotations: 'OData.Community.Display.V1.FormattedValue',
      onTokenRefresh: () => options.tokens.getToken(scope),
    });
    this.maxRetries = options.maxThrottleRetries ?? 3;
    this.maxWait = options.maxRetryAfterSeconds ?? 30;
  }

  /** Headers of a request made now: the client request id when it runs for a change. */
  private headers(): { headers?: Record<string, string> } {
    const current = currentRequestContext();
    return current ? { headers: { [CLIENT_REQUEST_ID_HEADER]: current.clientRequestId } } : {};
  }

  private async call<T>(what: string, fn: () => Promise<T>, write = false): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await fn();
        this.logCall(what, write, attempt, 'ok');
        return result;
      } catch (raw) {
        const error: DataverseRequestError = toDataverseRequestError(raw, what);
        const wait = error.retryAfterSeconds ?? (error.code === 'TEMPORARY' ? 2 ** attempt : undefined);
        if ((error.code === 'THROTTLED' || error.code === 'TEMPORARY') && attempt < this.maxRetries && wait !== undefined && wait <= this.maxWait) {
          // Jitter spreads the retries of many workers hit by one limit.
          await new Promise((r) => setTimeout(r, wait * 1000 * (1 + Math.random() * 0.2)));
          continue;
        }
        this.logCall(what, write, attempt, error.code);
        throw error;
      }
    }
  }

  /** A line per call made for a change (writes at information level); `what` names ids only. */
  private logCall(what: string, write: boolean, attempt: number, outcome: string): void {
    const current = currentRequestContext();
    current?.log?.log(write ? 'information' : 'debug', 'dataverse request', { ...correlationFields(current), operation: what, outcome, retries: attempt });
  }

  /** A row by id with the given columns, or undefined when it does not exist. */
  async retrieve(entitySet: string, id: string, select: readonly string[], expand?: Array<{ property: string; select?: string[] }>): Promise<CrmRow | undefined> {
    try {
      return await this.call(`Reading ${entitySet}(${id})`, () =>
        this.api.retrieve<CrmRow>({ collection: entitySet, key: id, select: [...select], ...(expand ? { expand } : {}), ...this.headers() }));
    } catch (error) {
      if ((error as DataverseRequestError).code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Rows matching an OData filter, following every page. */
  async retrieveAll(entitySet: string, select: readonly string[], filter?: string): Promise<CrmRow[]> {
    return this.call(`Querying ${entitySet}`, async () => {
      const response = await this.api.retrieveAll<CrmRow>({ collection: entitySet, select: [...select], ...(filter ? { filter } : {}), ...this.headers() });
      return response.value;
    });
  }

  /**
   * Change tracking (`Prefer: odata.track-changes`): without a delta link, every row of the table; with
   * one, the rows created or changed since and `$deletedEntity` entries ({ id, reason }) for deleted ones.
   * Follows every page; returns the rows and the delta link for next time. Change tracking allows no
   * $filter, so a table is read whole: callers route rows themselves. An expired token throws
   * (400 0x80044352; see isExpiredChangeToken in sync/reconciliation.ts).
   */
  async changes(entitySet: string, select: readonly string[], deltaLink?: string): Promise<{ rows: CrmRow[]; deltaLink: string }> {
    const rows: CrmRow[] = [];
    let link = deltaLink;
    for (;;) {
      const page = await this.call(`Reading changes of ${entitySet}`, () =>
        this.api.retrieveMultiple<CrmRow>({ collection: entitySet, select: [...select], trackChanges: true, ...this.headers() }, link));
      rows.push(...page.value);
      if (page.oDataNextLink) { link = page.oDataNextLink; continue; }
      if (!page.oDataDeltaLink) throw new Error(`Dataverse answered a change-tracking read of ${entitySet} without a delta link`);
      return { rows, deltaLink: page.oDataDeltaLink };
    }
  }

  /** PATCH with If-Match (the row's @odata.etag); returns the updated row (return=representation). */
  async update(entitySet: string, id: string, data: CrmRow, ifMatch: string | undefined, select: readonly string[]): Promise<CrmRow> {
    return this.call(`Updating ${entitySet}(${id})`, async () => {
      const row = await this.api.update<CrmRow>({
        collection: entitySet, key: id, data, ifmatch: ifMatch ?? '*', returnRepresentation: true, select: [...select], ...this.headers(),
      });
      return row as CrmRow;
    }, true);
  }

  /** POST; returns the new row's id. */
  async create(entitySet: string, data: CrmRow): Promise<string> {
    return this.call(`Creating in ${entitySet}`, async () => String(await this.api.create({ collection: entitySet, data, ...this.headers() })), true);
  }

  async delete(entitySet: string, id: string): Promise<void> {
    try {
      await this.call(`Deleting ${entitySet}(${id})`, () => this.api.deleteRecord({ collection: entitySet, key: id, ...this.headers() }), true);
    } catch (error) {
      if ((error as DataverseRequestError).code !== 'NOT_FOUND') throw error;
    }
  }

  /** The caller's own systemuserid (WhoAmI). */
  async whoAmI(): Promise<{ UserId: string; OrganizationId: string; BusinessUnitId: string }> {
    return this.call('WhoAmI', () => this.api.callFunction({ functionName: 'WhoAmI', ...this.headers() }) as Promise<{ UserId: string; OrganizationId: string; BusinessUnitId: string }>);
  }
}

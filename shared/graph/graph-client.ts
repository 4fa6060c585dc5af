/**
 * The Microsoft Graph client, configured from settings only. Tokens are attached by the library's
 * AuthenticationHandler, which does so only for Graph hosts and `customHosts` — the configured base URL's
 * host is added there (a sovereign cloud's Graph, or the sandbox). The default middleware chain keeps the
 * RetryHandler, which honours Retry-After on 429/503/504.
 *
 * In front of that chain, the request-context handler sends the current change's id as `client-request-id`
 * (Graph's documented client-generated GUID, echoed in its response next to its own `request-id`) on every
 * request made for a change — $batch included, as one request — and logs each one with Graph's request-id.
 * The library's TelemetryHandler keeps a client-request-id it finds and invents one only when there is none,
 * and the RetryHandler resends the same headers, so retries carry the same id.
 */
import { Client, MiddlewareFactory, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import type { TokenProvider } from '../identity/token-provider';
import { correlationFields, currentRequestContext } from '../observability/request-context';

export const CLIENT_REQUEST_ID_HEADER = 'client-request-id';

function setRequestHeader(context: Context, name: string, value: string): void {
  if (typeof context.request !== 'string') {
    context.request.headers.set(name, value);
    return;
  }
  context.options ??= {};
  const headers = context.options.headers;
  if (headers instanceof Headers) headers.set(name, value);
  else if (Array.isArray(headers)) context.options.headers = [...headers.filter(([k]) => k?.toLowerCase() !== name), [name, value]];
  else context.options.headers = { ...Object.fromEntries(Object.entries(headers ?? {}).filter(([k]) => k.toLowerCase() !== name)), [name]: value };
}

/** Sends the current change's id as client-request-id, and logs the call (writes at information level). */
export class RequestContextHandler implements Middleware {
  private next: Middleware | undefined;

  async execute(context: Context): Promise<void> {
    const current = currentRequestContext();
    if (!current) return this.next!.execute(context);
    setRequestHeader(context, CLIENT_REQUEST_ID_HEADER, current.clientRequestId);
    const method = (context.options?.method ?? (typeof context.request === 'string' ? 'GET' : context.request.method)).toUpperCase();
    const url = new URL(typeof context.request === 'string' ? context.request : context.request.url);
    try {
      await this.next!.execute(context);
    } finally {
      // Paths hold ids only (users, items, lists); the query string may hold a filter value, so it is left out.
      current.log?.log(method === 'GET' ? 'debug' : 'information', 'graph request', {
        ...correlationFields(current), method, path: url.pathname, status: context.response?.status,
        requestId: context.response?.headers.get('request-id') ?? undefined,
      });
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export function createGraphClient(options: { graphBaseUrl: string; tokens: TokenProvider }): Client {
  const url = new URL(options.graphBaseUrl);
  const version = url.pathname.replace(/^\/+|\/+$/g, '') || 'v1.0';
  // National clouds have their own Graph host (graph.microsoft.us…), which is also the token audience.
  const scope = `https://${url.hostname.startsWith('graph.') ? url.hostname : 'graph.microsoft.com'}/.default`;
  const authProvider = { getAccessToken: () => options.tokens.getToken(scope) };
  return Client.initWithMiddleware({
    baseUrl: url.origin,
    defaultVersion: version,
    customHosts: new Set([url.hostname]),
    middleware: [new RequestContextHandler(), ...MiddlewareFactory.getDefaultMiddlewareChain(authProvider)],
  });
}

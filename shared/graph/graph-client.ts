/**
 * The Microsoft Graph client, configured from settings only. Tokens are attached by the library's
 * AuthenticationHandler, which does so only for Graph hosts and `customHosts` — the configured base URL's
 * host is added there (a sovereign cloud's Graph, or the sandbox). The default middleware chain keeps the
 * RetryHandler, which honours Retry-After on 429/503/504.
 */
import { Client } from '@microsoft/microsoft-graph-client';
import type { TokenProvider } from '../identity/token-provider';

export function createGraphClient(options: { graphBaseUrl: string; tokens: TokenProvider }): Client {
  const url = new URL(options.graphBaseUrl);
  const version = url.pathname.replace(/^\/+|\/+$/g, '') || 'v1.0';
  // National clouds have their own Graph host (graph.microsoft.us…), which is also the token audience.
  const scope = `https://${url.hostname.startsWith('graph.') ? url.hostname : 'graph.microsoft.com'}/.default`;
  return Client.initWithMiddleware({
    baseUrl: url.origin,
    defaultVersion: version,
    customHosts: new Set([url.hostname]),
    authProvider: { getAccessToken: () => options.tokens.getToken(scope) },
  });
}

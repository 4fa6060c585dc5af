/**
 * App-only access tokens (client credentials) from Entra ID through msal-node, cached by msal.
 * `knownAuthorities` names the configured authority host so that msal reads that host's own OpenID
 * metadata instead of asking the public cloud's instance discovery (needed for sovereign clouds and the
 * sandbox alike; harmless for login.microsoftonline.com).
 */
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { SyncError } from '../errors';

export class TokenAcquisitionError extends SyncError {
  readonly isUserError: boolean;
  constructor(readonly scope: string, readonly code: string, message: string) {
    super(`Could not get a token for ${scope}: ${code}: ${message}`);
    // Wrong secret, unknown app, missing consent: the operator's to fix. Network trouble: ours.
    this.isUserError = ['invalid_client', 'unauthorized_client', 'invalid_scope', 'invalid_resource', 'invalid_tenant'].includes(code);
  }
}

export interface TokenProvider {
  getToken(scope: string): Promise<string>;
}

export function createTokenProvider(options: { authority: string; clientId: string; clientSecret: string }): TokenProvider {
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authority: options.authority,
      knownAuthorities: [new URL(options.authority).host],
    },
    system: { loggerOptions: { logLevel: LogLevel.Warning, piiLoggingEnabled: false, loggerCallback: () => {} } },
  });
  return {
    async getToken(scope) {
      let result;
      try {
        result = await app.acquireTokenByClientCredential({ scopes: [scope] });
      } catch (error) {
        const e = error as { errorCode?: string; errorMessage?: string; message?: string };
        throw new TokenAcquisitionError(scope, e.errorCode ?? 'unknown_error', (e.errorMessage ?? e.message ?? '').split('\n')[0] ?? '');
      }
      // msal returns an empty token (not an error) for an error response without an `error` field.
      if (!result?.accessToken) throw new TokenAcquisitionError(scope, 'empty_token', 'the token endpoint answered without an access token');
      return result.accessToken;
    },
  };
}

/**
 * A TokenCredential (the Azure SDKs' credential contract) backed by msal-node's managed identity support,
 * so that our table and queue clients reach storage without account keys, like the Functions host does
 * with `AzureWebJobsStorage__credential=managedidentity`. (msal-node is already a dependency; the
 * @azure/identity releases that still support Node 20 would bring older msal copies along.)
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { ManagedIdentityApplication } from '@azure/msal-node';

export function managedIdentityCredential(clientId?: string): TokenCredential {
  const app = new ManagedIdentityApplication(clientId ? { managedIdentityIdParams: { userAssignedClientId: clientId } } : {});
  return {
    async getToken(scopes: string | string[]): Promise<AccessToken | null> {
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      const result = await app.acquireToken({ resource: scope.replace(/\/\.default$/, '') });
      return { token: result.accessToken, expiresOnTimestamp: result.expiresOn?.getTime() ?? Date.now() + 5 * 60_000 };
    },
  };
}

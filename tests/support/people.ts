/**
 * "People": what humans do in the sandbox — a CRM user editing rows (a Dataverse application user allowed
 * to impersonate the seeded users, so rows are created *by* and *for* them), and the same users editing
 * their mailbox as Outlook would (Graph with the people app). Tests act through these, over HTTP, never
 * by reaching into an emulator's memory.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';
import { DynamicsWebApi } from 'dynamics-web-api';

export interface PeopleManifest {
  tenantId: string;
  authority: string;
  urls: { graph: string; dataverse: string; identity: string };
  clients: { people: { clientId: string; clientSecret: string } };
}

export function peopleClients(manifest: PeopleManifest) {
  const msal = new ConfidentialClientApplication({
    auth: { clientId: manifest.clients.people.clientId, clientSecret: manifest.clients.people.clientSecret, authority: manifest.authority, knownAuthorities: [new URL(manifest.authority).host] },
  });
  const token = async (scope: string) => (await msal.acquireTokenByClientCredential({ scopes: [scope] }))!.accessToken;
  const graphUrl = new URL(manifest.urls.graph);
  const graph = Client.initWithMiddleware({
    baseUrl: graphUrl.origin, defaultVersion: graphUrl.pathname.replace(/^\/+/, ''), customHosts: new Set([graphUrl.hostname]),
    authProvider: { getAccessToken: () => token('https://graph.microsoft.com/.default') },
  });
  /** A Dataverse client acting as a CRM user (impersonation by systemuserid). */
  const crmAs = (systemUserId: string) => new DynamicsWebApi({
    serverUrl: manifest.urls.dataverse, dataApi: { version: '9.2' }, impersonate: systemUserId, propagateErrors: true,
    onTokenRefresh: () => token(`${manifest.urls.dataverse}/.default`),
  });
  return { graph, crmAs, token };
}

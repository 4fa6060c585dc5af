/**
 * The process's object graph, built once from the validated configuration: gateways, stores, mappings,
 * policy, and the services the functions hand their inputs to. Function modules call `getRuntime()` at
 * load (= start), so a bad setting stops the app at once with one message.
 */
import { decodeJwt } from 'jose';
import { CorrelationStore } from './correlation/correlation-store';
import { getConfig, type SyncConfig } from './config';
import { DataverseGateway } from './dataverse/dataverse-gateway';
import { createGraphClient } from './graph/graph-client';
import { GraphGateway, GraphSubscriptionsGateway } from './graph/graph-gateway';
import { MailboxPacer } from './graph/mailbox-pacer';
import { createTokenProvider } from './identity/token-provider';
import { createAdminAuthenticator } from './admin/admin-auth';
import { createLogger, type Logger } from './logging';
import { MailboxCounters } from './mailboxes/mailbox-counters';
import { MailboxRegistry } from './mailboxes/mailbox-registry';
import { MailboxService } from './mailboxes/mailbox-service';
import { buildMappings, CRM_LOOKUP_COLUMNS, type RecordType } from './mappings';
import { missingRegistrations } from './registration/dataverse-registration';
import { SubscriptionManager } from './subscriptions/subscription-manager';
import { SubscriptionStore } from './subscriptions/subscription-store';
import { DeltaCursorStore } from './sync/delta-cursors';
import { crmPatch, crmSelect } from './sync/record-values';
import type { SyncServices } from './sync/sync-services';
import { DEFAULT_SYNC_POLICY } from './sync/sync-policy';
import { WorkQueue } from './sync/work-queue';
import type { EchoCheck } from './sync/echoes';

export interface Runtime {
  config: SyncConfig;
  log: Logger;
  services: SyncServices;
  graphSubscriptions: GraphSubscriptionsGateway;
  subscriptions: SubscriptionManager;
  subscriptionStore: SubscriptionStore;
  deltaCursors: DeltaCursorStore;
  mailboxService: MailboxService;
  workQueue: WorkQueue;
  counters: MailboxCounters;
  /** What the webhook and notification endpoints need to recognise echoes of our own writes. */
  echoCheck: EchoCheck;
  authenticateAdmin: ReturnType<typeof createAdminAuthenticator>;
}

export function createRuntime(config: SyncConfig): Runtime {
  const log = createLogger({ level: config.logLevel, fields: { app: 'crm-exchange-sync' } });
  const tokens = createTokenProvider({ authority: config.authority, clientId: config.clientId, clientSecret: config.clientSecret });
  const graphClient = createGraphClient({ graphBaseUrl: config.graphBaseUrl, tokens });
  const pacer = new MailboxPacer(config.graphMaxConcurrencyPerMailbox);
  const graph = new GraphGateway(graphClient, pacer);
  const graphSubscriptions = new GraphSubscriptionsGateway(graphClient, pacer);
  const dataverse = new DataverseGateway({ dataverseUrl: config.dataverseUrl, tokens });
  const links = CorrelationStore.fromConnectionString(config.storageConnection);
  const mailboxes = MailboxRegistry.fromConnectionString(config.storageConnection);
  const subscriptionStore = SubscriptionStore.fromConnectionString(config.storageConnection);
  const mappings = buildMappings(config.fieldDirections);
  const services: SyncServices = {
    links, mailboxes, graph, dataverse, mappings,
    lookupColumns: CRM_LOOKUP_COLUMNS,
    policy: { ...DEFAULT_SYNC_POLICY, conflict: config.conflictPolicy },
    log,
    crmWebUrl: (recordType: RecordType, crmId: string) => `${config.dataverseUrl}/main.aspx?pagetype=entityrecord&etn=${recordType}&id=${crmId}`,
    async writeCrm(link, values, ctx, ifMatch) {
      const mapping = mappings[link.recordType];
      const select = crmSelect(mapping, CRM_LOOKUP_COLUMNS);
      const patch = crmPatch(mapping, values, ctx);
      const { statecode, statuscode, ...rest } = patch;
      if (statecode !== 0 || Object.keys(rest).length === 0) {
        return dataverse.update(mapping.crmEntitySet, link.crmId, patch, ifMatch, select);
      }
      // Reopening: a closed activity is read-only, so the state changes first, then the other columns.
      const reopened = await dataverse.update(mapping.crmEntitySet, link.crmId, { statecode, statuscode }, ifMatch, select);
      return dataverse.update(mapping.crmEntitySet, link.crmId, rest, reopened['@odata.etag'] as string | undefined, select);
    },
  };
  const subscriptions = new SubscriptionManager(graphSubscriptions, subscriptionStore, { publicBaseUrl: config.publicBaseUrl, clientStateMaxAgeDays: config.clientStateMaxAgeDays });
  const graphScope = `https://${new URL(config.graphBaseUrl).hostname.startsWith('graph.') ? new URL(config.graphBaseUrl).hostname : 'graph.microsoft.com'}/.default`;
  const mailboxService = new MailboxService({
    registry: mailboxes, dataverse, graph, subscriptions, links, mappings, lookupColumns: CRM_LOOKUP_COLUMNS,
    async graphRoles() {
      const claims = decodeJwt(await tokens.getToken(graphScope));
      return Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
    },
    missingWebhookSteps: (types) => missingRegistrations(dataverse, types.map((t) => mappings[t].crmTable)),
  });
  const counters = new MailboxCounters(mailboxes);
  return {
    config, log, services, graphSubscriptions, subscriptions, subscriptionStore,
    deltaCursors: DeltaCursorStore.fromConnectionString(config.storageConnection),
    mailboxService,
    workQueue: new WorkQueue(config.storageConnection, config.workQueue),
    counters,
    echoCheck: { links, counters },
    authenticateAdmin: createAdminAuthenticator({ authority: config.authority, tenantId: config.tenantId, audiences: [config.adminApiAudience, config.clientId] }),
  };
}

let runtime: Runtime | undefined;

export function getRuntime(): Runtime {
  runtime ??= createRuntime(getConfig());
  return runtime;
}

/**
 * Webhooks of the Dataverse emulator: the plug-in registration tables (through `ctx.registerTable`, so a
 * registration script uses the Web API as against an org), and the event pipeline's webhook steps: for each
 * platform operation, the enabled steps for its message and table POST a RemoteExecutionContext to their
 * service endpoint: synchronous steps inside the request (a failure fails the request and rolls the write
 * back), asynchronous ones afterwards as System Jobs with retries. Test controls: see webhook-controls.ts.
 */
import type { DataverseContext, DataverseOperation, Row } from './context';
import { stableGuid } from './ids';
import { RegistrationReader, type WebhookStep } from './registration-reader';
import { lookupId } from './registration-rows';
import { REGISTRATION_TABLES } from './registration-tables';
import { REGISTRATION_TABLE_NAMES, validateRegistration } from './registration-validation';
import { buildRemoteExecutionContext, EMPTY_GUID, type ContextEnvironment } from './remote-execution-context';
import { registerWebhookControls } from './webhook-controls';
import { WebhookDeliverer, type DeliveryFault, type DeliveryInfo, type DeliveryLogEntry, type EndpointCounters } from './webhook-delivery';
import { buildWebhookRequest } from './webhook-request';
import { WebhookSender } from './webhook-sender';
import { DEFAULT_WEBHOOKS_SETTINGS, type WebhooksOptions, type WebhooksSettings } from './webhook-settings';
import { ASYNC_OPERATION_TABLE, systemJobRow } from './webhook-system-job-table';
import { SystemJobQueue, type SystemJob } from './webhook-system-jobs';

export type { WebhooksOptions, WebhooksSettings } from './webhook-settings';
export type { SystemJob } from './webhook-system-jobs';
export type { DeliveryFault, DeliveryLogEntry, EndpointCounters } from './webhook-delivery';

export interface WebhooksFeature {
  close(): Promise<void>;
  systemJobs(): SystemJob[];
  /** Forgets completed System Jobs. */
  clearSystemJobs(): void;
  deliveryCounters(): EndpointCounters[];
  deliveries(): DeliveryLogEntry[];
  resetDeliveries(): void;
  addFault(fault: DeliveryFault): void;
  clearFaults(): void;
  /** Holds asynchronous deliveries (synchronous steps still run inside their request). */
  pause(): void;
  resume(): void;
  /** Waits until no System Job is pending (or the timeout). */
  drain(timeoutMs?: number): Promise<{ idle: boolean; pending: number }>;
  settings(): WebhooksSettings;
  configure(partial: WebhooksOptions): void;
}

/**
 * What a failing synchronous webhook step makes the request fail with. The docs only say the user sees an
 * "Endpoint unavailable" error and the operation is rolled back; the code is ServiceBusPostFailed (0x80044175,
 * "The service bus post failed.", from the documented error-code list), the status a guess (400, as for
 * other platform exceptions): neither was verified against a real org.
 */
export const SYNC_WEBHOOK_FAILURE_CODE = '0x80044175';

function safeRows(ctx: DataverseContext, logicalName: string): Row[] {
  try {
    return ctx.rows(logicalName);
  } catch {
    return [];
  }
}

/** Users' Entra object ids and business units, from the seed and the systemuser table. */
function contextEnvironment(ctx: DataverseContext): ContextEnvironment {
  const userRow = (id: string): Row | undefined => safeRows(ctx, 'systemuser').find((u) => String(u.systemuserid).toLowerCase() === id.toLowerCase());
  return {
    organizationId: ctx.organizationId,
    organizationName: ctx.organizationName,
    businessUnitId(systemUserId) {
      const row = userRow(systemUserId);
      return (row && lookupId(row, 'businessunitid')) ?? ctx.businessUnitId ?? stableGuid(`businessunit/${ctx.organizationId}`);
    },
    aadObjectId(systemUserId) {
      const id = systemUserId.toLowerCase();
      const row = userRow(id);
      const stored = row?.azureactivedirectoryobjectid;
      if (typeof stored === 'string' && stored) return stored.toLowerCase();
      const user = ctx.seed.users.find((u) => u.systemUserId.toLowerCase() === id);
      if (user) return user.entraObjectId;
      // An application user's object id is its service principal's (identity emulator's rule: "5e" + clientId[2:]).
      const client = Object.values(ctx.seed.clients).find((c) => c.dataverseApplicationUserId?.toLowerCase() === id);
      return client ? `5e${client.clientId.slice(2)}` : EMPTY_GUID;
    },
  };
}

export function registerWebhooks(ctx: DataverseContext, options: WebhooksOptions = {}): WebhooksFeature {
  let settings: WebhooksSettings = { ...DEFAULT_WEBHOOKS_SETTINGS, ...options };
  for (const table of [...REGISTRATION_TABLES, ASYNC_OPERATION_TABLE]) ctx.registerTable(table);
  const reader = new RegistrationReader(ctx);
  const env = contextEnvironment(ctx);
  const sender = new WebhookSender();
  const deliverer = new WebhookDeliverer(sender, () => settings.timeoutMs);
  // System Jobs are also rows of the asyncoperation table when the server lets platform code write rows.
  const mirror = (job: SystemJob): void => {
    if (job.autoDeleted) ctx.deleteRow?.('asyncoperation', job.asyncoperationid);
    else ctx.putRow?.('asyncoperation', systemJobRow(job));
  };
  const queue = new SystemJobQueue(deliverer, () => settings.asyncRetryDelaysMs, mirror);

  const delivery = (operation: DataverseOperation, step: WebhookStep, systemJobId?: string): DeliveryInfo => {
    const context = buildRemoteExecutionContext(operation, step, env, systemJobId);
    const request = buildWebhookRequest(step.endpoint, context, {
      organizationHost: new URL(ctx.orgUrl()).hostname,
      entityName: operation.table.logicalName,
      messageName: step.messageName,
      correlationId: operation.correlationId,
    }, settings.sizeLimitBytes);
    return {
      endpoint: step.endpoint, request, stepId: step.id, mode: step.mode, messageName: step.messageName,
      entityName: operation.table.logicalName, primaryEntityId: operation.id, ...(systemJobId ? { systemJobId } : {}),
    };
  };

  const runSynchronousSteps = async (operation: DataverseOperation, failRequest: boolean): Promise<void> => {
    for (const step of reader.stepsFor(operation).filter((s) => s.mode === 0)) {
      const result = await deliverer.deliver(delivery(operation, step));
      if (!result.ok && failRequest) {
        // The user sees "Endpoint unavailable"; the write is rolled back (PAD register-web-hook.md, synchronous mode).
        throw ctx.dataverseError(400, SYNC_WEBHOOK_FAILURE_CODE,
          `The service bus post failed. Webhook step '${step.name}' (service endpoint '${step.endpoint.name}'): ${result.error}`);
      }
    }
  };

  const unsubscribe: (() => void)[] = [];
  if (ctx.onOperationInTransaction) {
    unsubscribe.push(ctx.onOperationInTransaction(async (operation) => {
      if (REGISTRATION_TABLE_NAMES.has(operation.table.logicalName)) {
        validateRegistration(ctx, operation);
        return;
      }
      await runSynchronousSteps(operation, true);
    }));
  }
  unsubscribe.push(ctx.onOperation((operation) => {
    if (REGISTRATION_TABLE_NAMES.has(operation.table.logicalName)) return;
    // Without an in-transaction hook, synchronous steps can only run after the write and cannot fail it.
    if (!ctx.onOperationInTransaction) void runSynchronousSteps(operation, false);
    for (const step of reader.stepsFor(operation).filter((s) => s.mode === 1)) {
      const asyncoperationid = stableGuid(`asyncoperation/${operation.operationId}/${step.id}`);
      queue.enqueue({
        asyncoperationid,
        name: step.name,
        operationtype: 1,
        owningextensionid: step.id,
        serviceendpointid: step.endpoint.id,
        messagename: step.messageName,
        primaryentitytype: operation.table.logicalName,
        regardingobjectid: operation.id,
        correlationid: operation.correlationId,
        createdon: new Date().toISOString(),
      }, delivery(operation, step, asyncoperationid), step.asyncAutoDelete);
    }
  }));

  const feature: WebhooksFeature = {
    async close() {
      for (const off of unsubscribe) off();
      queue.close();
      sender.abortAll();
    },
    systemJobs: () => queue.list(),
    clearSystemJobs: () => { for (const job of queue.clearCompleted()) ctx.deleteRow?.('asyncoperation', job.asyncoperationid); },
    deliveryCounters: () => deliverer.countersSnapshot(),
    deliveries: () => deliverer.deliveries(),
    resetDeliveries: () => deliverer.resetCounters(),
    addFault: (fault) => deliverer.addFault(fault),
    clearFaults: () => deliverer.clearFaults(),
    pause: () => queue.pause(),
    resume: () => queue.resume(),
    drain: (timeoutMs = 10_000) => queue.drain(timeoutMs),
    settings: () => ({ ...settings, asyncRetryDelaysMs: [...settings.asyncRetryDelaysMs] }),
    configure: (partial) => { settings = { ...settings, ...partial }; },
  };
  registerWebhookControls(ctx.server, feature);
  return feature;
}

import { app, output, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getConfig } from '../shared/config';
import { BadRequestError } from '../shared/errors';
import { fromBadRequest } from '../shared/http-errors';
import { getRuntime } from '../shared/runtime';
import { acceptDataverseDelivery, crmEcho, deliveryCorrelationId } from '../shared/webhooks/dataverse-webhook';

const config = getConfig();
const runtime = getRuntime();
const workQueue = output.storageQueue({ queueName: '%SYNC_WORK_QUEUE%', connection: 'AzureWebJobsStorage' });

/**
 * POST /api/webhooks/dataverse — the URL of the Dataverse service endpoint (WebhookKey auth: its `code` is
 * this function's key). Answers 202 once the work item is handed to the queue binding — or, with `skipped: 'echo'`
 * and nothing enqueued, when the delivery is an echo of our own write or stale (shared/sync/echoes.ts).
 */
export async function dataverseWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const correlationId = deliveryCorrelationId(request.headers.get('x-ms-correlation-request-id'));
  try {
    const body = Buffer.from(await request.arrayBuffer());
    const item = acceptDataverseDelivery({ headers: request.headers, body }, config.dataverseWebhookSecrets, correlationId);
    const echo = await crmEcho(item, runtime.echoCheck);
    if (echo.echo) {
      runtime.log.log('debug', 'dataverse webhook echo skipped', { correlationId, recordType: item.recordType, crmId: item.crmId, versionNumber: item.versionNumber });
      return { status: 202, jsonBody: { correlationId, recordType: item.recordType, crmId: item.crmId, skipped: 'echo' } };
    }
    if (echo.because === 'lookupFailed' || echo.because === 'lookupTimedOut') {
      runtime.log.log('warning', 'dataverse webhook echo check failed, enqueued', { correlationId, because: echo.because, error: echo.error });
    }
    context.extraOutputs.set(workQueue, item);
    return { status: 202, jsonBody: { correlationId, recordType: item.recordType, crmId: item.crmId } };
  } catch (error) {
    if (error instanceof BadRequestError) {
      context.warn(JSON.stringify({ message: 'dataverse webhook refused', code: error.code, status: error.status, correlationId }));
      return fromBadRequest(error);
    }
    throw error;
  }
}

app.http('dataverseWebhook', {
  route: 'webhooks/dataverse',
  methods: ['POST'],
  authLevel: 'function',
  extraOutputs: [workQueue],
  handler: dataverseWebhook,
});

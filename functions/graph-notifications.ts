import { randomUUID } from 'node:crypto';
import { app, output, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getConfig } from '../shared/config';
import { BadRequestError } from '../shared/errors';
import { fromBadRequest } from '../shared/http-errors';
import { getRuntime } from '../shared/runtime';
import { SubscriptionStore } from '../shared/subscriptions/subscription-store';
import { acceptNotifications, droppedSummary, parseNotificationBatch, validationResponse } from '../shared/webhooks/graph-notifications';

const config = getConfig();
const subscriptions = SubscriptionStore.fromConnectionString(config.storageConnection);
const runtime = getRuntime();
const workQueue = output.storageQueue({ queueName: '%SYNC_WORK_QUEUE%', connection: 'AzureWebJobsStorage' });

/**
 * POST /api/notifications and /api/notifications/lifecycle — Graph change and lifecycle notifications.
 * Anonymous at the host: Graph authenticates with the per-subscription clientState, checked here.
 */
export async function graphNotifications(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const handshake = validationResponse(request.query.get('validationToken'));
  if (handshake) return handshake;
  try {
    const batch = parseNotificationBatch(Buffer.from(await request.arrayBuffer()));
    const base = randomUUID();
    const result = await acceptNotifications(batch, (id) => subscriptions.get(id), (i) => `${base}-${i}`, new Date(), runtime.echoCheck);
    if (result.items.length > 0) context.extraOutputs.set(workQueue, result.items);
    if (result.dropped.length > 0) {
      context.warn(JSON.stringify({ message: 'graph notifications dropped', correlationId: base, ...droppedSummary(result.dropped) }));
    }
    if (result.echoes.length > 0 || result.echoesUnchecked > 0) {
      runtime.log.log(result.echoesUnchecked > 0 ? 'warning' : 'debug', 'graph notification echoes', { correlationId: base, skipped: result.echoes.length, unchecked: result.echoesUnchecked });
    }
    return { status: 202 };
  } catch (error) {
    if (error instanceof BadRequestError) return fromBadRequest(error);
    throw error;
  }
}

app.http('graphNotifications', {
  route: 'notifications/{kind?}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraOutputs: [workQueue],
  handler: graphNotifications,
});

/**
 * What the Graph notification endpoints do, free of Functions types:
 * - the validation handshake: a POST with `?validationToken=` is answered 200 text/plain with the token;
 * - a change-notification batch: each notification's clientState is checked, in constant time, against
 *   the secret stored for its subscription; notifications for unknown subscriptions or with a wrong
 *   clientState are dropped (still answered 202, counted and logged — Graph would otherwise retry them);
 *   valid ones become work items — except our own writes echoing (shared/sync/echoes.ts): a `created` or
 *   `updated` notification whose etag is the one the link recorded enqueues nothing;
 * - lifecycle notifications (reauthorizationRequired, subscriptionRemoved, missed) become lifecycle work items.
 * A body that is not a notification batch is a BadRequestError (400), and nothing is enqueued.
 */
import { z } from 'zod';
import { BadRequestError } from '../errors';
import { matchesAnySecret } from '../secrets';
import type { StoredSubscription } from '../subscriptions/subscription-store';
import { MAX_WORK_ITEM_BYTES, type GraphChangeItem, type GraphLifecycleItem } from '../sync/work-item';
import { GRAPH_ECHO_BUDGET_MS, withoutGraphEchoes, type EchoCheck } from '../sync/echoes';

export const MAX_NOTIFICATION_BODY_BYTES = 1024 * 1024;
/** Graph item ids are a few hundred characters at most; the link index keys them (base64) in a 1 KB row key. */
export const MAX_GRAPH_ID_BYTES = 512;

const notificationSchema = z.object({
  subscriptionId: z.string().min(1),
  clientState: z.string().nullish(),
  changeType: z.string().optional(),
  resource: z.string().optional(),
  lifecycleEvent: z.string().optional(),
  tenantId: z.string().optional(),
  subscriptionExpirationDateTime: z.string().optional(),
  resourceData: z.object({
    id: z.string().min(1),
    '@odata.etag': z.string().optional(),
    '@odata.type': z.string().optional(),
    '@odata.id': z.string().optional(),
  }).passthrough().optional(),
}).passthrough();

const batchSchema = z.object({
  value: z.array(notificationSchema).min(1).max(1000),
  validationTokens: z.array(z.string()).optional(),
}).passthrough();

export interface NotificationResult {
  items: Array<GraphChangeItem | GraphLifecycleItem>;
  dropped: Array<{ subscriptionId: string; reason: 'unknownSubscription' | 'clientStateMismatch' | 'unsupported' }>;
  /** Valid change notifications recognised as echoes of our own writes: answered, not enqueued. */
  echoes: GraphChangeItem[];
  /** Echo candidates whose link could not be read in time (or at all): enqueued, the worker decides. */
  echoesUnchecked: number;
}

/**
 * One log line's worth of dropped notifications: counts by reason and a few subscription ids, cut short. The
 * ids come from anyone who posts to the anonymous endpoint: a line per notification, ids as sent, would let
 * one request of 1,000 notifications write a megabyte of logs.
 */
export function droppedSummary(dropped: NotificationResult['dropped']): { dropped: number; reasons: Record<string, number>; subscriptionIds: string[] } {
  const reasons: Record<string, number> = {};
  for (const d of dropped) reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;
  const ids = [...new Set(dropped.map((d) => d.subscriptionId))].slice(0, 5).map((id) => (id.length > 64 ? `${id.slice(0, 64)}…` : id));
  return { dropped: dropped.length, reasons, subscriptionIds: ids };
}

/** The validation handshake's answer, or undefined when the request is not one. */
export function validationResponse(validationToken: string | null): { status: 200; body: string; headers: Record<string, string> } | undefined {
  if (validationToken === null) return undefined;
  // The query parameter arrives URL-decoded already; Graph expects that decoded value back, as plain text.
  return { status: 200, body: validationToken, headers: { 'content-type': 'text/plain; charset=utf-8' } };
}

export function parseNotificationBatch(body: Buffer): z.infer<typeof batchSchema> {
  if (body.length > MAX_NOTIFICATION_BODY_BYTES) throw new BadRequestError(`Body of ${body.length} bytes exceeds ${MAX_NOTIFICATION_BODY_BYTES}`, 413, 'PayloadTooLarge');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestError('Body is not valid JSON', 400, 'InvalidJson');
  }
  const parsed = batchSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new BadRequestError(`Not a Graph notification batch: ${issues}`, 400, 'InvalidNotification');
  }
  return parsed.data;
}

const CHANGE_TYPES = new Set(['created', 'updated', 'deleted']);
const LIFECYCLE_EVENTS = new Set(['reauthorizationRequired', 'subscriptionRemoved', 'missed']);

export async function acceptNotifications(
  batch: z.infer<typeof batchSchema>,
  lookup: (subscriptionId: string) => Promise<StoredSubscription | undefined>,
  correlationId: (index: number) => string,
  now = new Date(),
  echoCheck?: EchoCheck,
): Promise<NotificationResult> {
  const started = Date.now();
  const result: NotificationResult = { items: [], dropped: [], echoes: [], echoesUnchecked: 0 };
  for (const [index, n] of batch.value.entries()) {
    const subscription = await lookup(n.subscriptionId);
    if (!subscription) {
      result.dropped.push({ subscriptionId: n.subscriptionId, reason: 'unknownSubscription' });
      continue;
    }
    if (!matchesAnySecret(n.clientState ?? undefined, subscription.clientStates)) {
      result.dropped.push({ subscriptionId: n.subscriptionId, reason: 'clientStateMismatch' });
      continue;
    }
    const base = { correlationId: correlationId(index), receivedAt: now.toISOString() };
    if (n.lifecycleEvent) {
      if (!LIFECYCLE_EVENTS.has(n.lifecycleEvent)) {
        result.dropped.push({ subscriptionId: n.subscriptionId, reason: 'unsupported' });
        continue;
      }
      result.items.push({ kind: 'graphLifecycle', subscriptionId: n.subscriptionId, lifecycleEvent: n.lifecycleEvent as GraphLifecycleItem['lifecycleEvent'], ...base });
      continue;
    }
    if (!n.changeType || !CHANGE_TYPES.has(n.changeType) || !n.resourceData?.id || Buffer.byteLength(n.resourceData.id) > MAX_GRAPH_ID_BYTES) {
      result.dropped.push({ subscriptionId: n.subscriptionId, reason: 'unsupported' });
      continue;
    }
    const etag = n.resourceData['@odata.etag'];
    const item: GraphChangeItem = {
      kind: 'graphChange',
      recordType: subscription.recordType,
      mailboxUserId: subscription.mailboxUserId,
      graphId: n.resourceData.id,
      changeType: n.changeType as GraphChangeItem['changeType'],
      ...(etag ? { etag } : {}),
      subscriptionId: n.subscriptionId,
      ...base,
    };
    // Never enqueue what the queue cannot hold (the output binding would fail the whole batch: a 500).
    if (Buffer.byteLength(JSON.stringify(item)) > MAX_WORK_ITEM_BYTES) {
      result.dropped.push({ subscriptionId: n.subscriptionId, reason: 'unsupported' });
      continue;
    }
    result.items.push(item);
  }
  if (!echoCheck) return result;
  // Graph wants the answer within 3 s: the link reads share one budget, counted from the batch's arrival.
  const filtered = await withoutGraphEchoes(result.items, echoCheck, started + (echoCheck.timeoutMs ?? GRAPH_ECHO_BUDGET_MS));
  return { ...result, items: filtered.items, echoes: filtered.echoes, echoesUnchecked: filtered.unchecked };
}

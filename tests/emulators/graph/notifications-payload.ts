/**
 * The items of a notification POST (`{ "value": [ ... ] }`, a changeNotificationCollection).
 *
 * Change notification (basic, no resource data), as the doc's message example
 * (change-notification-message-created.json) with the event/contact names Outlook uses:
 *   { id, subscriptionId, subscriptionExpirationDateTime, clientState, changeType,
 *     resource: "Users/{userId}/Events/{itemId}", tenantId,
 *     resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": "Users/{userId}/Events/{itemId}",
 *                     "@odata.etag": "W/\"{changeKey}\"", id: "{itemId}" } }
 * The item id is the immutable id when the subscription was created with `Prefer: IdType="ImmutableId"`,
 * else the default id. A deleted item has no etag.
 *
 * Lifecycle notification (lifecycle-*.json): { subscriptionId, subscriptionExpirationDateTime, tenantId,
 * clientState, lifecycleEvent } — no resource, no resourceData.
 */
import { randomBytes } from 'node:crypto';
import type { GraphChange } from './context';
import { notificationDateTime, type ChangeType, type LifecycleEvent, type StoredSubscription } from './subscription-model';

const COLLECTION: Record<GraphChange['kind'], { segment: string; type: string }> = {
  event: { segment: 'Events', type: '#Microsoft.Graph.Event' },
  contact: { segment: 'Contacts', type: '#Microsoft.Graph.Contact' },
  todoTask: { segment: 'Tasks', type: '#Microsoft.Graph.TodoTask' },
};

/** A short opaque notification id, like the doc sample's "lsgTZMr9KwAAA". */
function notificationId(): string {
  return randomBytes(10).toString('base64url').slice(0, 13);
}

export function changeNotification(sub: StoredSubscription, change: GraphChange, changeType: ChangeType, tenantId: string): Record<string, unknown> {
  const itemId = sub.immutableIds || !change.regularId ? change.id : change.regularId;
  const { segment, type } = COLLECTION[change.kind];
  const path = `Users/${change.userId}/${segment}/${itemId}`;
  return {
    id: notificationId(),
    subscriptionId: sub.id,
    subscriptionExpirationDateTime: notificationDateTime(sub.expirationMs),
    changeType,
    resource: path,
    resourceData: {
      '@odata.type': type,
      '@odata.id': path,
      ...(change.changeKey && changeType !== 'deleted' ? { '@odata.etag': `W/"${change.changeKey}"` } : {}),
      id: itemId,
    },
    clientState: sub.clientState,
    tenantId,
  };
}

export function lifecycleNotification(sub: StoredSubscription, lifecycleEvent: LifecycleEvent, tenantId: string): Record<string, unknown> {
  return {
    lifecycleEvent,
    subscriptionId: sub.id,
    subscriptionExpirationDateTime: notificationDateTime(sub.expirationMs),
    clientState: sub.clientState,
    tenantId,
  };
}

import type { StoredSubscription } from '../../shared/subscriptions/subscription-store';
import { acceptNotifications, parseNotificationBatch, validationResponse } from '../../shared/webhooks/graph-notifications';
import { BadRequestError } from '../../shared/errors';
import { fixture } from '../support/fixtures';

const subscription: StoredSubscription = {
  subscriptionId: '{subscription_guid}', mailboxUserId: '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51', systemUserId: '0a1b2c3d-0001-4e5f-8a9b-000000000001',
  recordType: 'contact', resource: 'users/3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51/contacts', clientStates: ['secretClientValue'],
  expirationDateTime: '2030-01-01T00:00:00Z', createdAt: '2026-11-25T00:00:00Z',
};
const lookup = async (id: string) => (id === subscription.subscriptionId ? subscription : undefined);
const body = (x: unknown) => Buffer.from(JSON.stringify(x));

describe('Graph notifications', () => {
  test('the validation handshake answers the token as text/plain', () => {
    expect(validationResponse('Validation: Testing client application reachability for subscription Request-Id: 1')).toEqual({
      status: 200, body: 'Validation: Testing client application reachability for subscription Request-Id: 1', headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    expect(validationResponse(null)).toBeUndefined();
  });

  test('the documented change notification becomes a work item with the resource etag', async () => {
    const batch = parseNotificationBatch(body(fixture('graph/change-notification-message-created.json')));
    const result = await acceptNotifications(batch, lookup, (i) => `c${i}`, new Date('2026-11-25T00:00:00Z'));
    expect(result.dropped).toEqual([]);
    expect(result.items).toEqual([{
      kind: 'graphChange', recordType: 'contact', mailboxUserId: subscription.mailboxUserId, graphId: '{long_id_string}', changeType: 'created',
      etag: 'W/"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf"', subscriptionId: '{subscription_guid}', correlationId: 'c0', receivedAt: '2026-11-25T00:00:00.000Z',
    }]);
  });

  test('a wrong clientState or an unknown subscription is dropped, not enqueued', async () => {
    const n = fixture('graph/change-notification-message-created.json');
    const wrong = { value: [{ ...n.value[0], clientState: 'guess' }, { ...n.value[0], subscriptionId: 'other' }, { ...n.value[0], clientState: undefined }] };
    const result = await acceptNotifications(parseNotificationBatch(body(wrong)), lookup, () => 'c');
    expect(result.items).toEqual([]);
    expect(result.dropped.map((d) => d.reason)).toEqual(['clientStateMismatch', 'unknownSubscription', 'clientStateMismatch']);
  });

  test('lifecycle notifications become lifecycle work items', async () => {
    for (const file of ['lifecycle-missed.json', 'lifecycle-reauthorization-required.json', 'lifecycle-subscription-removed.json']) {
      const doc = fixture(`graph/${file}`);
      const n = { ...doc.value[0], subscriptionId: subscription.subscriptionId, clientState: 'secretClientValue' };
      const result = await acceptNotifications(parseNotificationBatch(body({ value: [n] })), lookup, () => 'c');
      expect(result.items).toHaveLength(1);
      expect(result.items[0]).toMatchObject({ kind: 'graphLifecycle', subscriptionId: subscription.subscriptionId, lifecycleEvent: doc.value[0].lifecycleEvent });
    }
  });

  test('malformed bodies are refused', () => {
    for (const bad of [Buffer.from('nope'), body({}), body({ value: [] }), body({ value: [{ changeType: 'created' }] })]) {
      expect(() => parseNotificationBatch(bad)).toThrow(BadRequestError);
    }
  });
});

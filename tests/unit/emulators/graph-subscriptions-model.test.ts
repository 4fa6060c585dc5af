/**
 * The pure parts of the Graph emulator's subscriptions: resource paths, body checks and caps, date
 * formats, notification payloads, the handshake URL, settings checks and the seeded PRNG.
 */
import type { GraphChange } from '../../emulators/graph/context';
import { encodeId, mailboxTag } from '../../emulators/graph/ids';
import { changeNotification, lifecycleNotification } from '../../emulators/graph/notifications-payload';
import { validationUrl } from '../../emulators/graph/subscription-handshake';
import {
  emptyStats, graphDateTime, notificationDateTime, parseCreateRequest, parseRenewRequest, SubscriptionRequestError,
  UNPROCESSABLE, type StoredSubscription,
} from '../../emulators/graph/subscription-model';
import { parseResource, targetHears } from '../../emulators/graph/subscription-resource';
import { seededRandom, settingsProblems } from '../../emulators/graph/subscription-settings';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const USER = '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51';

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    changeType: 'created,updated',
    notificationUrl: 'https://hooks.example/notify?kind=event',
    resource: `users/${USER}/events`,
    expirationDateTime: '2030-01-03T00:00:00.0000000Z',
    clientState: 'secret',
    ...overrides,
  };
}

function rejection(fn: () => unknown): SubscriptionRequestError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SubscriptionRequestError) return error;
    throw error;
  }
  throw new Error('expected a SubscriptionRequestError');
}

describe('parseResource', () => {
  test.each([
    [`users/${USER}/events`, { kind: 'event', user: USER }],
    [`/Users/${USER}/Events`, { kind: 'event', user: USER }],
    ['/users/adelev%40contoso.example/events', { kind: 'event', user: 'adelev@contoso.example' }],
    [`/users/${USER}/contacts`, { kind: 'contact', user: USER }],
    [`/users/${USER}/contactFolders/AAMkF==/contacts`, { kind: 'contact', user: USER, folderId: 'AAMkF==' }],
    [`/users/${USER}/todo/lists/L1/tasks`, { kind: 'todoTask', user: USER, listId: 'L1' }],
    ['/me/events', { kind: 'me' }],
    [`/users/${USER}/events?$select=subject`, { kind: 'query', path: `/users/${USER}/events` }],
  ])('%s', (resource, expected) => {
    expect(parseResource(resource)).toEqual(expected);
  });

  test.each([`/users/${USER}/messages`, `/users/${USER}/events/x`, '/users//events', `/groups/${USER}/events`, `/users/${USER}/calendar/events`])('%s is not subscribable', (resource) => {
    expect(parseResource(resource)).toBeUndefined();
  });
});

describe('targetHears', () => {
  const tag = mailboxTag(USER);
  const change = (over: Partial<GraphChange> = {}): GraphChange => ({
    userId: USER, kind: 'contact', id: encodeId(tag, 'contact', 'a'.repeat(32), true), changeType: 'created',
    clientId: 'app', containerId: encodeId(tag, 'contactFolder', 'b'.repeat(32)), ...over,
  });

  test('same user and kind; the user id compares case-insensitively', () => {
    expect(targetHears({ kind: 'contact', userId: USER.toUpperCase() }, change())).toBe(true);
    expect(targetHears({ kind: 'event', userId: USER }, change())).toBe(false);
    expect(targetHears({ kind: 'contact', userId: '5b2c9d14-7e3f-4a61-b0c8-9d2e1f3a4b62' }, change())).toBe(false);
  });

  test('a folder subscription hears its folder, whichever id form named it', () => {
    expect(targetHears({ kind: 'contact', userId: USER, folderKey: 'b'.repeat(32) }, change())).toBe(true);
    expect(targetHears({ kind: 'contact', userId: USER, folderKey: 'c'.repeat(32) }, change())).toBe(false);
    expect(targetHears({ kind: 'contact', userId: USER, folderKey: 'b'.repeat(32) }, change({ containerId: undefined }))).toBe(false);
  });
});

describe('parseCreateRequest', () => {
  test('a valid body, with defaults and the change types de-duplicated', () => {
    const parsed = parseCreateRequest(body({ changeType: 'created, updated,created', id: 'ignored' }), 10_070, NOW);
    expect(parsed).toMatchObject({
      changeTypes: ['created', 'updated'], clientState: 'secret', lifecycleNotificationUrl: null, latestSupportedTlsVersion: 'v1_2',
      includeResourceData: null, hasEncryptionCertificate: false, expirationMs: Date.parse('2030-01-03T00:00:00Z'),
    });
  });

  test('expiration: must be in the future and at most the cap, to the millisecond', () => {
    const at = (minutes: number): string => new Date(NOW + minutes * 60_000).toISOString();
    expect(parseCreateRequest(body({ expirationDateTime: at(10_070) }), 10_070, NOW).expirationMs).toBe(NOW + 10_070 * 60_000);
    expect(rejection(() => parseCreateRequest(body({ expirationDateTime: new Date(NOW + 10_070 * 60_000 + 1).toISOString() }), 10_070, NOW)))
      .toMatchObject({ status: 400, code: 'ExtensionError', message: 'Subscription expiration can only be 10070 minutes in the future.' });
    expect(rejection(() => parseCreateRequest(body({ expirationDateTime: at(0) }), 10_070, NOW)).status).toBe(400);
    expect(parseCreateRequest(body({ expirationDateTime: '2030-01-01T10:00:00+09:00' }), 10_070, NOW).expirationMs).toBe(NOW + 3_600_000);
  });

  test.each([
    [{ expirationDateTime: '2030-01-02' }, UNPROCESSABLE],
    [{ expirationDateTime: 'tomorrow' }, UNPROCESSABLE],
    [{ clientState: 42 }, UNPROCESSABLE],
    [{ includeResourceData: 'yes' }, UNPROCESSABLE],
    [{ changeType: '' }, 'changeType is a required property for subscription creation'],
    [{ resource: undefined }, 'resource is a required property for subscription creation'],
    [{ notificationUrl: 'not a url' }, "Invalid notification url='not a url'."],
    [{ notificationUrl: 'ftp://hooks.example/x' }, "NotificationUrl scheme='ftp' is not supported."],
    [{ latestSupportedTlsVersion: 'v2_0' }, "Invalid 'latestSupportedTlsVersion' attribute: 'v2_0'."],
  ])('%j is refused', (overrides, message) => {
    expect(rejection(() => parseCreateRequest(body(overrides), 10_070, NOW))).toMatchObject({ status: 400, message });
  });

  test('clientState: 128 characters are fine, 129 are not', () => {
    expect(parseCreateRequest(body({ clientState: 'x'.repeat(128) }), 10_070, NOW).clientState).toHaveLength(128);
    expect(rejection(() => parseCreateRequest(body({ clientState: 'x'.repeat(129) }), 10_070, NOW)).status).toBe(400);
  });

  test('not an object', () => {
    expect(rejection(() => parseCreateRequest([body()], 10_070, NOW)).message).toBe(UNPROCESSABLE);
  });
});

describe('parseRenewRequest', () => {
  test('expirationDateTime and/or notificationUrl; nothing else', () => {
    expect(parseRenewRequest({ expirationDateTime: '2030-01-02T00:00:00Z' }, 10_070, NOW)).toEqual({ expirationMs: Date.parse('2030-01-02T00:00:00Z') });
    expect(parseRenewRequest({ notificationUrl: 'https://x.example/n', id: 'ignored' }, 10_070, NOW)).toEqual({ notificationUrl: 'https://x.example/n' });
    expect(rejection(() => parseRenewRequest({ clientState: 'new' }, 10_070, NOW)).status).toBe(400);
    expect(rejection(() => parseRenewRequest({ id: 'x' }, 10_070, NOW)).message).toMatch(/either the 'expirationDateTime' or 'notificationUrl'/);
  });
});

test('date formats: 7 fractional digits, Z on the subscription, +00:00 in notifications', () => {
  const ms = Date.parse('2031-02-03T04:05:06.789Z');
  expect(graphDateTime(ms)).toBe('2031-02-03T04:05:06.7890000Z');
  expect(notificationDateTime(ms)).toBe('2031-02-03T04:05:06.7890000+00:00');
});

describe('payloads', () => {
  const sub = (over: Partial<StoredSubscription> = {}): StoredSubscription => ({
    id: 'c1b7f3a2-0000-4000-8000-000000000001', resource: 'x', target: { kind: 'event', userId: USER }, applicationId: 'app', creatorId: 'sp',
    changeType: 'created', changeTypes: ['created'], clientState: 'cs', notificationUrl: 'https://n', lifecycleNotificationUrl: 'https://l',
    expirationMs: NOW, latestSupportedTlsVersion: 'v1_2', notificationUrlAppId: null, includeResourceData: null, immutableIds: false,
    needsReauthorization: false, createdMs: NOW, stats: emptyStats(), ...over,
  });
  const change: GraphChange = { userId: USER, kind: 'event', id: 'IMMUTABLE', regularId: 'REGULAR', changeType: 'updated', clientId: 'app', changeKey: 'CK' };

  test('a change notification names the item in the subscription\'s id form', () => {
    const regular = changeNotification(sub(), change, 'updated', 'tenant');
    expect(regular).toMatchObject({
      resource: `Users/${USER}/Events/REGULAR`, changeType: 'updated', clientState: 'cs', tenantId: 'tenant',
      subscriptionExpirationDateTime: '2030-01-01T00:00:00.0000000+00:00',
      resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': `Users/${USER}/Events/REGULAR`, '@odata.etag': 'W/"CK"', id: 'REGULAR' },
    });
    expect(changeNotification(sub({ immutableIds: true }), change, 'updated', 't').resourceData).toMatchObject({ id: 'IMMUTABLE' });
  });

  test('deleted items carry no etag; a subscription without clientState sends null', () => {
    const item = changeNotification(sub({ clientState: null }), { ...change, changeType: 'deleted', changeKey: undefined }, 'deleted', 't');
    expect(item.resourceData).not.toHaveProperty('@odata.etag');
    expect(item.clientState).toBeNull();
  });

  test('a lifecycle notification has no resource', () => {
    expect(lifecycleNotification(sub(), 'missed', 'tenant')).toEqual({
      lifecycleEvent: 'missed', subscriptionId: sub().id, subscriptionExpirationDateTime: '2030-01-01T00:00:00.0000000+00:00', clientState: 'cs', tenantId: 'tenant',
    });
  });
});

test('the validation URL keeps the endpoint\'s own query and encodes the token', () => {
  const url = new URL(validationUrl('https://hooks.example/api/n?code=abc&kind=event', 'Validation: a b/c+d'));
  expect(url.searchParams.get('code')).toBe('abc');
  expect(url.searchParams.get('kind')).toBe('event');
  expect(url.searchParams.get('validationToken')).toBe('Validation: a b/c+d');
  expect(url.search).not.toContain(' ');
});

test('settings checks and the seeded PRNG', () => {
  expect(settingsProblems({ deliveryTimeoutMs: 10, createdThenUpdated: false, extraUpdatedProbability: 0.5 })).toEqual([]);
  expect(settingsProblems({ deliveryTimeoutMs: -1, createdThenUpdated: 'no', extraUpdatedProbability: 2, bogus: 1, maxBatchSize: 0 })).toHaveLength(5);
  const a = seededRandom(7);
  const b = seededRandom(7);
  const draws = Array.from({ length: 5 }, () => a());
  expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
  expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
  expect(seededRandom(8)()).not.toBe(draws[0]);
});

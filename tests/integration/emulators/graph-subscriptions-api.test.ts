/**
 * POST/GET/PATCH/DELETE /subscriptions and /reauthorize against the Graph emulator, through the real
 * Microsoft Graph JS client: the validation handshake (both URLs, every way an endpoint can get it wrong),
 * body checks, expiration caps, app-only To Do refusal, mailbox scope, ownership and silent expiry.
 */
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { schemaViolations } from '../../emulators/graph/schema-check';
import { startSubscriptionSandbox, type SubscriptionSandbox } from '../../emulators/graph/subscription-testing';

let s: SubscriptionSandbox;
let graph: Client;
beforeAll(async () => {
  s = await startSubscriptionSandbox();
  graph = s.client();
});
afterAll(() => s.close());
beforeEach(async () => {
  await s.controls.reset();
  s.receiver.clear();
  s.receiver.validation.clear();
});

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8')) as Record<string, unknown>;

/** The GraphError the client throws for a refused request. */
async function refused(promise: Promise<unknown>): Promise<GraphError> {
  try {
    await promise;
  } catch (error) {
    return error as GraphError;
  }
  throw new Error('expected the request to fail');
}

test('create: handshake on both URLs with a decoded token, then 201 with the full, schema-conformant subscription', async () => {
  const body = s.body();
  const created = await graph.api('/subscriptions').post(body);
  expect(Object.keys(created).sort()).toEqual(Object.keys(fixture('subscription-create-response.json')).filter((k) => k !== 'notificationContentType').sort());
  expect(schemaViolations('subscription', created)).toEqual([]);
  expect(created).toMatchObject({
    resource: body.resource, changeType: 'created,updated,deleted', clientState: 'sandbox-client-state',
    notificationUrl: body.notificationUrl, lifecycleNotificationUrl: body.lifecycleNotificationUrl,
    applicationId: s.sb.seed.clients.sync.clientId, latestSupportedTlsVersion: 'v1_2', includeResourceData: null,
    encryptionCertificate: null, notificationUrlAppId: null,
  });
  expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(created.creatorId).toMatch(/^[0-9a-f-]{36}$/);
  expect(created.expirationDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  expect(Date.parse(created.expirationDateTime)).toBe(Date.parse(body.expirationDateTime as string));

  const validations = s.receiver.validations();
  expect(validations.map((v) => v.path)).toEqual(['/notify', '/lifecycle']);
  for (const v of validations) {
    expect(v.headers['content-type']).toMatch(/^text\/plain/);
    expect(v.query.get('validationToken')).toMatch(/^Validation: Testing client application reachability for subscription Request-Id: [0-9a-f-]{36}$/);
  }
  // Handshakes are counted apart from API calls.
  const notifyCounters = await s.controls.counters();
  expect(Object.keys(notifyCounters).every((k) => k.startsWith('VALIDATE '))).toBe(true);
  expect((await s.sb.controls.counters())['POST /v1.0/subscriptions']).toBeGreaterThanOrEqual(1);
});

test.each([
  ['answers the still URL-encoded token', { mode: 'encoded' as const }, 'Subscription validation request failed. Response must exactly match validationToken query parameter.'],
  ['answers a different body', { mode: 'wrong-body' as const }, 'Subscription validation request failed. Response must exactly match validationToken query parameter.'],
  ['answers with a JSON content type', { mode: 'wrong-content-type' as const }, 'Subscription validation request failed. Response must exactly match validationToken query parameter.'],
  ['answers 202 instead of 200', { mode: 'status' as const, status: 202 }, 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.'],
  ['answers 500', { mode: 'status' as const, status: 500 }, 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.'],
])('handshake fails with 400 when the endpoint %s', async (_what, behaviour, message) => {
  s.receiver.validation.set('/notify', behaviour);
  const error = await refused(graph.api('/subscriptions').post(s.body()));
  expect(error).toMatchObject({ statusCode: 400, code: 'InvalidRequest', message });
  expect(s.sb.graph.subscriptions.list()).toEqual([]);
});

test('a lifecycle endpoint that fails the handshake fails the create too', async () => {
  s.receiver.validation.set('/lifecycle', { mode: 'wrong-body' });
  const error = await refused(graph.api('/subscriptions').post(s.body()));
  expect(error.statusCode).toBe(400);
  expect(s.receiver.validations().map((v) => v.path)).toEqual(['/notify', '/lifecycle']);
});

test('handshake timeout: an endpoint slower than the limit fails the create with "timed out" (default limit 10 s)', async () => {
  expect(s.sb.graph.subscriptions.settings().validationTimeoutMs).toBe(2_000);
  const defaults = (await import('../../emulators/graph/subscription-settings')).DEFAULT_SUBSCRIPTION_SETTINGS;
  expect(defaults.validationTimeoutMs).toBe(10_000);
  s.sb.graph.subscriptions.configure({ validationTimeoutMs: 300 });
  try {
    s.receiver.validation.set('/notify', { mode: 'echo', delayMs: 1_500 });
    const started = Date.now();
    const error = await refused(graph.api('/subscriptions').post(s.body()));
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidRequest', message: 'Subscription validation request timed out.' });
    expect(Date.now() - started).toBeLessThan(1_200); // Graph does not wait for the slow answer
    // Just inside the limit is fine.
    s.receiver.validation.set('/notify', { mode: 'echo', delayMs: 100 });
    await expect(graph.api('/subscriptions').post(s.body())).resolves.toMatchObject({ id: expect.any(String) });
  } finally {
    s.sb.graph.subscriptions.configure({ validationTimeoutMs: 2_000 });
  }
});

test('an unreachable notification endpoint fails the create', async () => {
  const error = await refused(graph.api('/subscriptions').post(s.body({ notificationUrl: 'https://127.0.0.1:1/notify' })));
  expect(error).toMatchObject({ statusCode: 400, code: 'InvalidRequest' });
});

test.each([
  ['an http notificationUrl', { notificationUrl: 'http://127.0.0.1/notify' }, 'InvalidRequest', "NotificationUrl scheme='http' is not supported."],
  ['an http lifecycleNotificationUrl', { lifecycleNotificationUrl: 'http://127.0.0.1/lc' }, 'InvalidRequest', "LifecycleNotificationUrl scheme='http' is not supported."],
  ['an unknown changeType', { changeType: 'created,moved' }, 'InvalidRequest', "Invalid 'changeType' attribute: 'moved'."],
  ['no expirationDateTime', { expirationDateTime: undefined }, 'InvalidRequest', 'expirationDateTime is a required property for subscription creation'],
  ['a date without offset', { expirationDateTime: '2031-01-01T10:00:00' }, 'InvalidRequest', 'Could not process subscription creation payload. Are all property names spelled and camelCased properly?'],
  ['an unknown property', { notificationURL: 'https://x.example' }, 'InvalidRequest', 'Could not process subscription creation payload. Are all property names spelled and camelCased properly?'],
  ['a clientState of 129 characters', { clientState: 'x'.repeat(129) }, 'InvalidRequest', expect.stringContaining('128')],
  ['an expiration in the past', { expirationDateTime: new Date(Date.now() - 60_000).toISOString() }, 'ExtensionError', expect.stringContaining('future')],
  ['an expiration past the Outlook maximum', { expirationDateTime: new Date(Date.now() + 10_071 * 60_000).toISOString() }, 'ExtensionError', 'Subscription expiration can only be 10070 minutes in the future.'],
  ['7 days exactly (10,080 minutes, what the docs suggest)', { expirationDateTime: new Date(Date.now() + 10_080 * 60_000).toISOString() }, 'ExtensionError', 'Subscription expiration can only be 10070 minutes in the future.'],
  ['an unknown resource', { resource: '/users/x/messages/y/attachments' }, 'ExtensionError', expect.stringContaining('Invalid resource')],
])('400 for %s, before any handshake', async (_what, overrides, code, message) => {
  const error = await refused(graph.api('/subscriptions').post(s.body(overrides)));
  expect(error).toMatchObject({ statusCode: 400, code, message });
  expect(s.receiver.validations()).toEqual([]);
});

test('expiration caps: just under 10,070 minutes is accepted, and so is a subscription without a lifecycle URL', async () => {
  const body = s.body({ expirationDateTime: new Date(Date.now() + 10_069 * 60_000).toISOString(), lifecycleNotificationUrl: undefined });
  const created = await graph.api('/subscriptions').post(body);
  expect(created.lifecycleNotificationUrl).toBeNull();
  expect(s.receiver.validations().map((v) => v.path)).toEqual(['/notify']);
});

test('resource forms: leading slash or not, Users/, UPN, contacts and a contact folder', async () => {
  const user = s.sb.seed.users[0]!;
  const folder = await graph.api(`/users/${user.entraObjectId}/contactFolders`).post({ displayName: 'Customers' });
  const folderId = folder.id as string;
  for (const resource of [
    `users/${user.entraObjectId}/events`, `Users/${user.entraObjectId}/Events`, `/users/${user.userPrincipalName}/events`,
    `/users/${user.entraObjectId}/contacts`, `/users/${user.entraObjectId}/contactFolders/${folderId}/contacts`,
  ]) {
    const created = await graph.api('/subscriptions').post(s.body({ resource }));
    expect(created.resource).toBe(resource);
  }
  const error = await refused(graph.api('/subscriptions').post(s.body({ resource: `/users/${user.entraObjectId}/contactFolders/AAMkAGI2TQAAAA==/contacts` })));
  expect(error.statusCode).toBe(404);
});

test('To Do tasks cannot be subscribed to with application permissions (documented "Not supported")', async () => {
  const user = s.sb.seed.users[0]!;
  const lists = await graph.api(`/users/${user.entraObjectId}/todo/lists`).get();
  const error = await refused(graph.api('/subscriptions').post(s.body({ resource: `/users/${user.entraObjectId}/todo/lists/${lists.value[0].id}/tasks` })));
  expect(error).toMatchObject({ statusCode: 403, code: 'ExtensionError' });
  expect(s.receiver.validations()).toEqual([]);
});

test('a mailbox outside the app\'s Exchange scope, or /me, is refused', async () => {
  const outsider = s.sb.seed.users.find((u) => !u.inSyncAppMailboxScope)!;
  const scoped = await refused(graph.api('/subscriptions').post(s.body({ resource: `/users/${outsider.entraObjectId}/events` })));
  expect(scoped).toMatchObject({ statusCode: 403, code: 'ExtensionError' });
  // The "people" app has no mailbox restriction.
  await expect(s.client('people').api('/subscriptions').post(s.body({ resource: `/users/${outsider.entraObjectId}/events` }))).resolves.toBeTruthy();
  const me = await refused(graph.api('/subscriptions').post(s.body({ resource: '/me/events' })));
  expect(me.statusCode).toBe(400);
  const unknown = await refused(graph.api('/subscriptions').post(s.body({ resource: '/users/nobody@contoso.example/events' })));
  expect(unknown.statusCode).toBe(404);
});

test('no token → 401; an app without calendar permission → 403', async () => {
  const anonymous = await s.sb.call('POST', '/subscriptions', { anonymous: true, body: s.body() });
  expect(anonymous.status).toBe(401);
  // The admin app holds no Graph application permission.
  const admin = await s.sb.call('POST', '/subscriptions', { app: 'admin', body: s.body() });
  expect(admin.status).toBe(403);
  expect(admin.body.error.code).toBe('ExtensionError');
});

test('list and get show only the calling app\'s subscriptions; PATCH renews within the same cap; DELETE removes', async () => {
  const mine = await graph.api('/subscriptions').post(s.body());
  const theirs = await s.client('people').api('/subscriptions').post(s.body());
  const list = await graph.api('/subscriptions').get();
  expect(list.value.map((x: { id: string }) => x.id)).toEqual([mine.id]);
  expect(list['@odata.context']).toMatch(/\$metadata#subscriptions$/);
  for (const item of list.value) expect(schemaViolations('subscription', item)).toEqual([]);
  expect((await refused(graph.api(`/subscriptions/${theirs.id}`).get())).statusCode).toBe(404);
  expect(await graph.api(`/subscriptions/${mine.id}`).get()).toMatchObject({ id: mine.id });

  const later = new Date(Date.now() + 5 * 86_400_000).toISOString();
  const renewed = await graph.api(`/subscriptions/${mine.id}`).patch({ expirationDateTime: later });
  expect(Date.parse(renewed.expirationDateTime)).toBe(Date.parse(later));
  expect(schemaViolations('subscription', renewed)).toEqual([]);
  const tooFar = await refused(graph.api(`/subscriptions/${mine.id}`).patch({ expirationDateTime: new Date(Date.now() + 10_100 * 60_000).toISOString() }));
  expect(tooFar).toMatchObject({ statusCode: 400, message: 'Subscription expiration can only be 10070 minutes in the future.' });
  const empty = await refused(graph.api(`/subscriptions/${mine.id}`).patch({}));
  expect(empty.message).toBe("Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.");
  const readOnly = await refused(graph.api(`/subscriptions/${mine.id}`).patch({ resource: '/users/x/contacts' }));
  expect(readOnly.statusCode).toBe(400);

  // Moving the notification URL runs a handshake on the new one.
  s.receiver.validation.set('/moved-bad', { mode: 'wrong-body' });
  expect((await refused(graph.api(`/subscriptions/${mine.id}`).patch({ notificationUrl: s.receiver.url('/moved-bad') }))).statusCode).toBe(400);
  const moved = await graph.api(`/subscriptions/${mine.id}`).patch({ notificationUrl: s.receiver.url('/moved') });
  expect(moved.notificationUrl).toBe(s.receiver.url('/moved'));

  await graph.api(`/subscriptions/${mine.id}/reauthorize`).post({});
  await graph.api(`/subscriptions/${mine.id}`).delete();
  expect((await refused(graph.api(`/subscriptions/${mine.id}`).get())).statusCode).toBe(404);
  expect((await refused(graph.api(`/subscriptions/${mine.id}`).delete())).statusCode).toBe(404);
  expect((await refused(graph.api(`/subscriptions/${mine.id}`).patch({ expirationDateTime: later }))).statusCode).toBe(404);
  expect((await refused(graph.api(`/subscriptions/${mine.id}/reauthorize`).post({}))).statusCode).toBe(404);
});

test('reauthorize answers 204 No Content', async () => {
  const created = await graph.api('/subscriptions').post(s.body());
  const res = await s.sb.call('POST', `/subscriptions/${created.id}/reauthorize`, { body: {} });
  expect(res.status).toBe(204);
});

test('a subscription that is not renewed expires silently: gone from GET, no lifecycle notification', async () => {
  const created = await graph.api('/subscriptions').post(s.body({ expirationDateTime: new Date(Date.now() + 700).toISOString() }));
  expect(await graph.api(`/subscriptions/${created.id}`).get()).toMatchObject({ id: created.id });
  await new Promise((r) => setTimeout(r, 900));
  expect((await refused(graph.api(`/subscriptions/${created.id}`).get())).statusCode).toBe(404);
  expect(s.receiver.notificationPosts()).toEqual([]);
  expect((await graph.api('/subscriptions').get()).value).toEqual([]);
});

test('a subscription created over $batch goes through the same checks', async () => {
  const res = await s.sb.call('POST', '/$batch', {
    body: { requests: [
      { id: '1', method: 'POST', url: '/subscriptions', headers: { 'content-type': 'application/json' }, body: s.body() },
      { id: '2', method: 'POST', url: '/subscriptions', headers: { 'content-type': 'application/json' }, body: s.body({ changeType: 'moved' }) },
    ] },
  });
  expect(res.status).toBe(200);
  const byId = Object.fromEntries((res.body.responses as Array<{ id: string; status: number }>).map((r) => [r.id, r.status]));
  expect(byId).toEqual({ '1': 201, '2': 400 });
});

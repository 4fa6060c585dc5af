/**
 * Change notifications for writes made through the resources API (real HTTP with the Graph JS client):
 * documented shape, clientState, id form, Outlook's created→updated pair, batching, retries with backoff,
 * a slow endpoint, giving up with a `missed` lifecycle notification, and counters kept apart from API calls.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { schemaViolations } from '../../emulators/graph/schema-check';
import { eventBody, FAST, startSubscriptionSandbox, type SubscriptionSandbox } from '../../emulators/graph/subscription-testing';

let s: SubscriptionSandbox;
let graph: Client;
let userId: string;
const IMMUTABLE = 'IdType="ImmutableId"';

beforeAll(async () => {
  s = await startSubscriptionSandbox();
  graph = s.client();
  userId = s.sb.seed.users[0]!.entraObjectId;
});
afterAll(() => s.close());
beforeEach(async () => {
  await s.controls.reset();
  await s.controls.configure({ ...FAST, createdThenUpdated: true });
  s.receiver.clear();
});

const fixture = (name: string): any =>
  JSON.parse(readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8'));

async function subscribe(overrides: Record<string, unknown> = {}, prefer?: string): Promise<{ id: string }> {
  let request = graph.api('/subscriptions');
  if (prefer) request = request.header('Prefer', prefer);
  return request.post(s.body(overrides));
}

test('create, update and delete of an event are notified in the documented shape, with clientState and etags', async () => {
  const sub = await subscribe({}, IMMUTABLE);
  const created = await graph.api(`/users/${userId}/events`).header('Prefer', IMMUTABLE).post(eventBody('Kick-off'));
  // Outlook notifies a new item twice: created, then updated (same item, same version).
  const first = await s.receiver.waitForNotifications(2);
  const updated = await graph.api(`/users/${userId}/events/${created.id}`).header('Prefer', IMMUTABLE).patch({ subject: 'Kick-off (moved)' });
  await s.receiver.waitForNotifications(3);
  await graph.api(`/users/${userId}/events/${created.id}`).delete();
  const all = await s.receiver.waitForNotifications(4);
  expect(first.map((n) => n.item.changeType)).toEqual(['created', 'updated']);
  expect(all.map((n) => n.item.changeType)).toEqual(['created', 'updated', 'updated', 'deleted']);

  const example = fixture('change-notification-message-created.json').value[0];
  const resource = `Users/${userId}/Events/${created.id}`;
  for (const { item } of all) {
    expect(Object.keys(item).sort()).toEqual(Object.keys(example).sort());
    expect(Object.keys(item.resourceData).filter((k) => k !== '@odata.etag').sort())
      .toEqual(Object.keys(example.resourceData).filter((k) => k !== '@odata.etag').sort());
    expect(item).toMatchObject({
      subscriptionId: sub.id, clientState: 'sandbox-client-state', tenantId: s.sb.seed.tenantId, resource,
      resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': resource, id: created.id },
    });
    expect(item.subscriptionExpirationDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
  }
  expect(all[0]!.item.resourceData['@odata.etag']).toBe(created['@odata.etag']);
  expect(all[2]!.item.resourceData['@odata.etag']).toBe(updated['@odata.etag']);
  expect(all[3]!.item.resourceData).not.toHaveProperty('@odata.etag');

  for (const post of s.receiver.notificationPosts()) {
    expect(post.headers['content-type']).toMatch(/^application\/json/);
    // resourceData is an open type (any property allowed); schema-check does not know open types yet,
    // so it is compared with the documented example instead (keys above).
    const body = JSON.parse(post.body) as { value: Array<Record<string, unknown>> };
    const withoutOpenType = { value: body.value.map(({ resourceData: _open, ...rest }) => rest) };
    expect(schemaViolations('changeNotificationCollection', withoutOpenType)).toEqual([]);
  }
});

test('ids in notifications follow the form the subscription was created with', async () => {
  await subscribe({ changeType: 'created', notificationUrl: s.receiver.url('/regular') });
  await subscribe({ changeType: 'created', notificationUrl: s.receiver.url('/immutable') }, IMMUTABLE);
  const regular = await graph.api(`/users/${userId}/events`).post(eventBody('Ids'));
  const [viaRegular] = await s.receiver.waitForNotifications(1, '/regular');
  const [viaImmutable] = await s.receiver.waitForNotifications(1, '/immutable');
  expect(viaRegular!.item.resourceData.id).toBe(regular.id);
  const immutable = await graph.api(`/users/${userId}/events/${regular.id}`).header('Prefer', IMMUTABLE).get();
  expect(viaImmutable!.item.resourceData.id).toBe(immutable.id);
  expect(immutable.id).not.toBe(regular.id);
});

test('contacts: the contacts collection and a single folder, each hearing only its own items', async () => {
  const folder = await graph.api(`/users/${userId}/contactFolders`).post({ displayName: 'Suppliers' });
  await subscribe({ resource: `/users/${userId}/contacts`, changeType: 'created', notificationUrl: s.receiver.url('/all') }, IMMUTABLE);
  await subscribe({ resource: `/users/${userId}/contactFolders/${folder.id}/contacts`, changeType: 'created', notificationUrl: s.receiver.url('/folder') }, IMMUTABLE);
  const inDefault = await graph.api(`/users/${userId}/contacts`).header('Prefer', IMMUTABLE).post({ givenName: 'Dana' });
  const inFolder = await graph.api(`/users/${userId}/contactFolders/${folder.id}/contacts`).header('Prefer', IMMUTABLE).post({ givenName: 'Eli' });
  const folderNotes = await s.receiver.waitForNotifications(1, '/folder');
  await s.receiver.waitForNotifications(1, '/all');
  await s.sb.graph.subscriptions.idle();
  expect(folderNotes.map((n) => n.item.resourceData.id)).toEqual([inFolder.id]);
  const allIds = s.receiver.notifications('/all').map((n) => n.item.resourceData.id);
  expect(allIds).toContain(inDefault.id);
  const note = folderNotes[0]!.item;
  expect(note.resource).toBe(`Users/${userId}/Contacts/${inFolder.id}`);
  expect(note.resourceData['@odata.type']).toBe('#Microsoft.Graph.Contact');
});

test('changeType filters what is sent (no created→updated extra on a created-only subscription), other mailboxes are not heard, and every app\'s writes notify', async () => {
  await subscribe({ changeType: 'deleted', notificationUrl: s.receiver.url('/deleted') });
  await subscribe({ changeType: 'created', notificationUrl: s.receiver.url('/created') });
  const other = s.sb.seed.users[1]!.entraObjectId;
  await graph.api(`/users/${other}/events`).post(eventBody('Other mailbox'));
  const mine = await graph.api(`/users/${userId}/events`).post(eventBody('Mine'));
  const theirs = await s.client('people').api(`/users/${userId}/events`).post(eventBody('Written by another app'));
  await s.client('people').api(`/users/${userId}/events/${mine.id}`).delete();
  await s.receiver.waitForNotifications(2, '/created');
  await s.receiver.waitForNotifications(1, '/deleted');
  await s.sb.graph.subscriptions.idle();
  expect(s.receiver.notifications('/created').map((n) => [n.item.changeType, n.item.resourceData.id])).toEqual([['created', mine.id], ['created', theirs.id]]);
  expect(s.receiver.notifications('/deleted').map((n) => [n.item.changeType, n.item.resourceData.id])).toEqual([['deleted', mine.id]]);
});

test('extraUpdatedProbability: an update may be notified twice (seeded, so a run replays)', async () => {
  await s.controls.configure({ extraUpdatedProbability: 1, randomSeed: 3 });
  await subscribe({ changeType: 'updated' });
  const created = await graph.api(`/users/${userId}/events`).post(eventBody('Edited'));
  await graph.api(`/users/${userId}/events/${created.id}`).patch({ subject: 'Edited once' });
  const notes = await s.receiver.waitForNotifications(3);
  await s.sb.graph.subscriptions.idle();
  // created→updated pair (1) + the PATCH (1) + its extra copy (1)
  expect(s.receiver.notifications().map((n) => n.item.changeType)).toEqual(['updated', 'updated', 'updated']);
  expect(new Set(notes.map((n) => n.item.resourceData.id))).toEqual(new Set([created.id]));
  await s.controls.configure({ extraUpdatedProbability: 0 });
});

test('notifications for one URL are batched into one POST, across subscriptions', async () => {
  await s.controls.configure({ batchWindowMs: 150 });
  const a = await subscribe({ changeType: 'created' });
  const b = await subscribe({ changeType: 'created' });
  await Promise.all([graph.api(`/users/${userId}/events`).post(eventBody('One')), graph.api(`/users/${userId}/events`).post(eventBody('Two'))]);
  const notes = await s.receiver.waitForNotifications(4);
  expect(s.receiver.notificationPosts()).toHaveLength(1);
  expect(new Set(notes.map((n) => n.item.subscriptionId))).toEqual(new Set([a.id, b.id]));
});

test('a failing endpoint gets the same notification again, with exponential backoff, until it answers 2xx', async () => {
  const sub = await subscribe({ changeType: 'created' });
  s.receiver.respondNext('/notify', { status: 500 }, { status: 503 });
  const created = await graph.api(`/users/${userId}/events`).post(eventBody('Retry me'));
  await s.receiver.waitFor(() => s.receiver.notificationPosts('/notify').length >= 3, 5_000, 'three attempts');
  await s.sb.graph.subscriptions.idle();
  const posts = s.receiver.notificationPosts('/notify');
  expect(posts).toHaveLength(3);
  const bodies = posts.map((p) => JSON.parse(p.body).value[0]);
  expect(new Set(bodies.map((b) => b.resourceData.id))).toEqual(new Set([created.id]));
  expect(new Set(bodies.map((b) => b.id)).size).toBe(1); // the same notification, not new ones
  const gaps = [posts[1]!.at - posts[0]!.at, posts[2]!.at - posts[1]!.at];
  expect(gaps[0]).toBeGreaterThanOrEqual(45); // retryInitialDelayMs 50
  expect(gaps[1]).toBeGreaterThanOrEqual(95); // doubled
  const [stats] = (await s.controls.list()).filter((x) => x.id === sub.id).map((x) => x.stats);
  expect(stats).toMatchObject({ delivered: 1, failed: 2, retried: 2, dropped: 0 });
  const attempts = (await s.controls.attempts()).filter((a) => a.subscriptionIds.includes(sub.id));
  expect(attempts.map((a) => [a.result, a.attempt])).toEqual([[500, 1], [503, 2], [202, 3]]);
});

test('an endpoint slower than the delivery timeout (3 s by default) counts as failed and is sent the notification again', async () => {
  await subscribe({ changeType: 'created' });
  s.receiver.respondNext('/notify', { status: 202, delayMs: 800 }); // deliveryTimeoutMs is 500 here
  await graph.api(`/users/${userId}/events`).post(eventBody('Slow endpoint'));
  await s.receiver.waitFor(() => s.receiver.notificationPosts('/notify').length >= 2, 5_000, 'a second attempt');
  await s.sb.graph.subscriptions.idle();
  const attempts = await s.controls.attempts();
  expect(attempts.map((a) => a.result)).toEqual(['timeout', 202]);
  // The endpoint saw it twice: the app must de-duplicate.
  expect(s.receiver.notifications('/notify')).toHaveLength(2);
});

test('after the retry window the notification is dropped and a `missed` lifecycle notification is sent', async () => {
  await s.controls.configure({ retryWindowMs: 300 });
  const sub = await subscribe({ changeType: 'created' });
  s.receiver.respondAlways('/notify', { status: 500 });
  await graph.api(`/users/${userId}/events`).post(eventBody('Lost'));
  const [missed] = await s.receiver.waitForNotifications(1, '/lifecycle');
  expect(missed!.item).toMatchObject({ lifecycleEvent: 'missed', subscriptionId: sub.id, clientState: 'sandbox-client-state' });
  await s.sb.graph.subscriptions.idle();
  const [stats] = (await s.controls.list()).map((x) => x.stats);
  expect(stats!.dropped).toBe(1);
  expect(stats!.delivered).toBe(0);
  expect(stats!.failed).toBeGreaterThanOrEqual(2);
});

test('deliveries are counted per endpoint, apart from the API call counters', async () => {
  await subscribe({ changeType: 'created' });
  await s.sb.controls.resetCounters();
  await s.controls.resetCounters();
  await graph.api(`/users/${userId}/events`).post(eventBody('Counted'));
  await s.receiver.waitForNotifications(1);
  await s.controls.idle();
  const api = await s.sb.controls.counters();
  expect(api).toEqual({ 'POST /v1.0/users/{userId}/events': 1 });
  const host = new URL(s.receiver.url()).host;
  expect(await s.controls.counters()).toEqual({ [`NOTIFY ${host}/notify`]: 1 });
});

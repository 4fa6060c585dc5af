/**
 * Lifecycle notifications (reauthorizationRequired, subscriptionRemoved, missed) in the documented shape and
 * with Graph's effects, and the delivery test controls (drop, duplicate, delay, reorder, pause/resume,
 * force-expire), all driven over HTTP as a test in another process would.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { schemaViolations } from '../../emulators/graph/schema-check';
import { eventBody, FAST, startSubscriptionSandbox, type SubscriptionSandbox } from '../../emulators/graph/subscription-testing';

let s: SubscriptionSandbox;
let graph: Client;
let userId: string;

beforeAll(async () => {
  s = await startSubscriptionSandbox();
  graph = s.client();
  userId = s.sb.seed.users[0]!.entraObjectId;
});
afterAll(() => s.close());
beforeEach(async () => {
  await s.controls.reset();
  await s.controls.configure(FAST);
  s.receiver.clear();
});

const fixture = (name: string): any =>
  JSON.parse(readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8'));

/** A created-only subscription (so each new event is exactly one notification). */
async function subscribe(overrides: Record<string, unknown> = {}): Promise<{ id: string; expirationDateTime: string }> {
  return graph.api('/subscriptions').post(s.body({ changeType: 'created', ...overrides }));
}

async function createEvents(...subjects: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const subject of subjects) ids.push((await graph.api(`/users/${userId}/events`).post(eventBody(subject))).id);
  return ids;
}

const subjectsOrder = (ids: string[]): string[] => s.receiver.notifications('/notify').map((n) => `#${ids.indexOf(n.item.resourceData.id)}`);

test.each([
  ['reauthorizationRequired', 'lifecycle-reauthorization-required.json'],
  ['subscriptionRemoved', 'lifecycle-subscription-removed.json'],
  ['missed', 'lifecycle-missed.json'],
] as const)('%s is delivered to the lifecycle URL in the documented shape', async (event, example) => {
  const sub = await subscribe();
  expect(await s.controls.lifecycle(sub.id, event)).toBe(true);
  const [note] = await s.receiver.waitForNotifications(1, '/lifecycle');
  expect(Object.keys(note!.item).sort()).toEqual(Object.keys(fixture(example).value[0]).sort());
  expect(note!.item).toEqual({
    lifecycleEvent: event, subscriptionId: sub.id, clientState: 'sandbox-client-state', tenantId: s.sb.seed.tenantId,
    subscriptionExpirationDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/),
  });
  expect(Date.parse(note!.item.subscriptionExpirationDateTime)).toBe(Date.parse(sub.expirationDateTime));
  expect(schemaViolations('changeNotificationCollection', JSON.parse(s.receiver.notificationPosts('/lifecycle')[0]!.body))).toEqual([]);
  expect(s.receiver.notificationPosts('/notify')).toEqual([]);
});

test('subscriptionRemoved deletes the subscription: GET answers 404 and writes are no longer notified', async () => {
  const sub = await subscribe();
  await s.controls.lifecycle(sub.id, 'subscriptionRemoved');
  await expect(graph.api(`/subscriptions/${sub.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
  await createEvents('After removal');
  await s.controls.idle();
  expect(s.receiver.notificationPosts('/notify')).toEqual([]);
});

test('reauthorizationRequired holds change notifications until POST /reauthorize (or a renewal) releases them', async () => {
  const sub = await subscribe();
  await s.controls.lifecycle(sub.id, 'reauthorizationRequired');
  const [id] = await createEvents('Held');
  await s.controls.idle();
  expect(s.receiver.notifications('/notify')).toEqual([]);
  expect((await s.controls.list())[0]).toMatchObject({ needsReauthorization: true });
  await graph.api(`/subscriptions/${sub.id}/reauthorize`).post({});
  const [note] = await s.receiver.waitForNotifications(1, '/notify');
  expect(note!.item.resourceData.id).toBe(id);

  await s.controls.lifecycle(sub.id, 'reauthorizationRequired');
  await createEvents('Held again');
  await graph.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: new Date(Date.now() + 86_400_000).toISOString() });
  await s.receiver.waitForNotifications(2, '/notify');
});

test('notifications held longer than the retry window (4 h at Graph) are dropped, with a `missed` notification', async () => {
  await s.controls.configure({ retryWindowMs: 200 });
  const sub = await subscribe();
  await s.controls.lifecycle(sub.id, 'reauthorizationRequired');
  await createEvents('Held too long');
  await new Promise((r) => setTimeout(r, 300));
  await graph.api(`/subscriptions/${sub.id}/reauthorize`).post({});
  const lifecycle = await s.receiver.waitForNotifications(2, '/lifecycle');
  expect(lifecycle.map((n) => n.item.lifecycleEvent)).toEqual(['reauthorizationRequired', 'missed']);
  await s.controls.idle();
  expect(s.receiver.notifications('/notify')).toEqual([]);
  expect((await s.controls.list())[0]!.stats.dropped).toBe(1);
});

test('a subscription without lifecycleNotificationUrl gets no lifecycle notification, but the effect still applies', async () => {
  const sub = await subscribe({ lifecycleNotificationUrl: undefined });
  expect(await s.controls.lifecycle(sub.id, 'subscriptionRemoved')).toBe(false);
  expect(await s.controls.list()).toEqual([]);
});

test('drop: the next notification is lost silently, or with a `missed` lifecycle notification', async () => {
  const sub = await subscribe();
  await s.controls.fault({ action: 'drop', count: 1 });
  const ids = await createEvents('Dropped', 'Delivered');
  await s.receiver.waitForNotifications(1, '/notify');
  await s.controls.idle();
  expect(s.receiver.notifications('/notify').map((n) => n.item.resourceData.id)).toEqual([ids[1]]);
  expect(s.receiver.notifications('/lifecycle')).toEqual([]);
  await s.controls.fault({ action: 'drop', count: 1, sendMissed: true });
  await createEvents('Dropped with missed');
  const [missed] = await s.receiver.waitForNotifications(1, '/lifecycle');
  expect(missed!.item).toMatchObject({ lifecycleEvent: 'missed', subscriptionId: sub.id });
  expect((await s.controls.list())[0]!.stats.dropped).toBe(2);
});

test('duplicate: the next notification arrives twice, in separate POSTs', async () => {
  await subscribe();
  await s.controls.fault({ action: 'duplicate', count: 1 });
  const [id] = await createEvents('Twice');
  const notes = await s.receiver.waitForNotifications(2, '/notify');
  expect(notes.map((n) => n.item.resourceData.id)).toEqual([id, id]);
  expect(notes[0]!.post).not.toBe(notes[1]!.post);
  expect((await s.controls.list())[0]!.stats).toMatchObject({ delivered: 2, duplicated: 1 });
});

test('delay: a delayed notification is overtaken by a later one', async () => {
  await subscribe();
  await s.controls.fault({ action: 'delay', count: 1, delayMs: 300 });
  const ids = await createEvents('Late', 'Early');
  await s.receiver.waitForNotifications(2, '/notify');
  expect(subjectsOrder(ids)).toEqual(['#1', '#0']);
});

test('reorder: the next N notifications are held and released in reverse order', async () => {
  await subscribe();
  await s.controls.fault({ action: 'reorder', count: 3 });
  const ids = await createEvents('A', 'B', 'C');
  await s.receiver.waitForNotifications(3, '/notify');
  expect(subjectsOrder(ids)).toEqual(['#2', '#1', '#0']);
  // Held ones can be released early.
  s.receiver.clear();
  await s.controls.fault({ action: 'reorder', count: 5 });
  const more = await createEvents('D', 'E');
  await s.controls.idle();
  expect(s.receiver.notifications('/notify')).toEqual([]);
  expect(await s.controls.release()).toBe(2);
  await s.receiver.waitForNotifications(2, '/notify');
  expect(subjectsOrder(more)).toEqual(['#1', '#0']);
  // A release ends the fault: later notifications flow normally.
  await createEvents('F');
  await s.receiver.waitForNotifications(3, '/notify');
});

test('faults can target one subscription', async () => {
  const a = await subscribe({ notificationUrl: s.receiver.url('/a') });
  await subscribe({ notificationUrl: s.receiver.url('/b') });
  await s.controls.fault({ action: 'drop', count: 1, subscriptionId: a.id });
  await createEvents('Only b hears it');
  await s.receiver.waitForNotifications(1, '/b');
  await s.controls.idle();
  expect(s.receiver.notifications('/a')).toEqual([]);
});

test('pause and resume: nothing is sent while paused, everything after', async () => {
  const a = await subscribe({ notificationUrl: s.receiver.url('/a') });
  await subscribe({ notificationUrl: s.receiver.url('/b') });
  await s.controls.pause(a.id);
  await createEvents('One');
  await s.receiver.waitForNotifications(1, '/b');
  await s.controls.idle();
  expect(s.receiver.notifications('/a')).toEqual([]);
  await s.controls.pause();
  await createEvents('Two');
  await s.controls.idle();
  expect(s.receiver.notifications('/b')).toHaveLength(1);
  await s.controls.resume();
  await s.receiver.waitForNotifications(2, '/a');
  await s.receiver.waitForNotifications(2, '/b');
});

test('force-expire removes a subscription silently', async () => {
  const sub = await subscribe();
  await s.controls.expire(sub.id);
  await expect(graph.api(`/subscriptions/${sub.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
  await createEvents('Nobody listens');
  await s.controls.idle();
  expect(s.receiver.notificationPosts()).toEqual([]);
});

test('the controls validate their input', async () => {
  const sub = await subscribe();
  await expect(s.controls.fault({ action: 'explode' as never, count: 1 })).rejects.toThrow(/400/);
  await expect(s.controls.fault({ action: 'delay', count: 1 })).rejects.toThrow(/delayMs/);
  await expect(s.controls.lifecycle(sub.id, 'bogus' as never)).rejects.toThrow(/400/);
  await expect(s.controls.lifecycle('00000000-0000-0000-0000-000000000000', 'missed')).rejects.toThrow(/404/);
  await expect(s.controls.configure({ nonsense: 1 } as never)).rejects.toThrow(/unknown setting/);
  expect((await s.controls.settings()).validationTimeoutMs).toBe(FAST.validationTimeoutMs);
});

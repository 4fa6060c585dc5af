/**
 * POST /api/notifications and /api/notifications/lifecycle under random and mutated input (fast-check,
 * 1,000+ requests to each): the documented notification and lifecycle payloads with random edits, carrying
 * subscription ids and clientStates that never form a valid pair — unknown ids, ids of Table Storage's
 * forbidden characters, a near miss of the secret, the other subscription's secret — plus random
 * validation handshakes, bodies, headers and methods. Anonymous endpoint: the answer is 200 (handshake,
 * the token echoed exactly), 202 (batch, invalid notifications dropped) or a clear 4xx; never a 5xx; and
 * nothing reaches the queue. Then the other side: both clientStates of a rotation are accepted.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { queueClient } from '../../shared/storage';
import { SubscriptionStore, type StoredSubscription } from '../../shared/subscriptions/subscription-store';
import { MAX_NOTIFICATION_BODY_BYTES } from '../../shared/webhooks/graph-notifications';
import { eventually } from '../support/eventually';
import { fixture } from '../support/fixtures';
import { sandboxFixture } from '../support/sandbox-fixture';
import { checkAnswer, send, sendBatch, describe as describeCase, type HttpCase } from './support/http';
import { bodyOf, mutatedDocument, type Json } from './support/mutations';
import { contentTypeArb, extraHeaders, extraQuery, headerValue, methodArb, nearMiss } from './support/requests';
import { workerLines, workerRuns } from './support/worker-log';

jest.setTimeout(120_000);
const RUNS = 100;
const BATCH = 10;
let f: Awaited<ReturnType<typeof sandboxFixture>>;

/** Two subscriptions of ours: A in the middle of a clientState rotation (new and old valid), B with one. */
const SUB_A = 'a6b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const SUB_B = 'b7c8d9e0-f1a2-4b3c-9d4e-5f6a7b8c9d0e';
const A_STATES = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
const B_STATE = randomBytes(32).toString('base64url');

function stored(subscriptionId: string, clientStates: string[]): StoredSubscription {
  return {
    subscriptionId, mailboxUserId: randomUUID(), systemUserId: randomUUID(), recordType: 'contact', resource: `/users/${randomUUID()}/contacts`,
    clientStates, expirationDateTime: new Date(Date.now() + 3 * 86_400_000).toISOString(), createdAt: new Date().toISOString(),
  };
}

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_LOG_LEVEL: 'debug' } });
  const store = SubscriptionStore.fromConnectionString(f.sandbox.manifest.storage.connectionString);
  await store.save(stored(SUB_A, A_STATES));
  await store.save(stored(SUB_B, [B_STATE]));
});
afterAll(() => f?.stop());

const base = () => f.sandbox.manifest.urls.functions;

/** A subscription id and clientState that are never a valid pair. */
const invalidPair: fc.Arbitrary<{ subscriptionId?: Json; clientState?: Json }> = fc.oneof(
  fc.record({ subscriptionId: fc.constant(SUB_A), clientState: fc.oneof(nearMiss(A_STATES[0]!), nearMiss(A_STATES[1]!), fc.constant(B_STATE)) }),
  fc.record({ subscriptionId: fc.constant(SUB_A), clientState: fc.constantFrom<Json>(null, '', 0, true, [], {}, A_STATES) }, { requiredKeys: ['subscriptionId'] }),
  fc.record({ subscriptionId: fc.constant(SUB_B), clientState: fc.oneof(fc.constantFrom(...A_STATES), nearMiss(B_STATE)) }),
  fc.record({
    subscriptionId: fc.constantFrom(SUB_A.toUpperCase(), ` ${SUB_A}`, `{${SUB_A}}`, SUB_A.replace(/-/g, ''), `${SUB_A}/../${SUB_B}`),
    clientState: fc.constantFrom(...A_STATES),
  }),
  fc.record({
    subscriptionId: fc.oneof(fc.uuid(), headerValue, fc.constantFrom<Json>('a/b', 'x#y', 'q?r', 'back\\slash', '\u0001\u007f', "O'Brien", "' or ''='", 'x'.repeat(2000), '', null, 42, [SUB_A], { id: SUB_A })),
    clientState: fc.oneof(fc.constantFrom(...A_STATES, B_STATE), headerValue),
  }, { requiredKeys: [] }),
);

/** A documented payload, each notification given an invalid pair, then maybe mutated. */
function notificationDocument(): fc.Arbitrary<Json> {
  const templates = [
    fixture<{ value: Array<Record<string, Json>> }>('graph/change-notification-message-created.json').value[0]!,
    ...['lifecycle-missed.json', 'lifecycle-subscription-removed.json', 'lifecycle-reauthorization-required.json']
      .map((file) => fixture<{ value: Array<Record<string, Json>> }>(`graph/${file}`).value[0]!),
  ];
  const notification = fc.tuple(fc.constantFrom(...templates), invalidPair).map(([template, pair]) => {
    const { subscriptionId: _s, clientState: _c, ...rest } = template;
    return { ...rest, ...pair } as Json;
  });
  const count = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 150, 1001) });
  const document = count.chain((n) => fc.array(notification, { minLength: n, maxLength: n })).map((value) => ({ value } as Json));
  return document.chain((d) => fc.oneof({ weight: 3, arbitrary: fc.constant(d) }, { weight: 2, arbitrary: mutatedDocument([d]) }));
}

function caseArb(paths: fc.Arbitrary<string>): fc.Arbitrary<HttpCase> {
  return fc.record({
    method: methodArb(['POST']),
    path: paths,
    handshake: fc.oneof(
      { weight: 6, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.constantFrom('Validation: Testing client application reachability for subscription Request-Id: 1', '<script>alert(1)</script>', '%2F%25', '')) },
    ),
    contentType: fc.option(contentTypeArb, { freq: 6 }),
    headers: extraHeaders(),
    query: extraQuery(),
    body: bodyOf(notificationDocument()),
  }).map((g) => ({
    method: g.method, path: g.path, body: g.body,
    query: g.handshake === null ? g.query : [['validationToken', g.handshake] as [string, string], ...g.query],
    headers: { ...g.headers, ...(g.contentType === null ? {} : { 'content-type': g.contentType }) },
  }));
}

/** The first validationToken of the query: Graph's handshake, answered 200 with the token as plain text. */
function handshakeToken(c: HttpCase): string | undefined {
  return c.query.find(([k]) => k === 'validationToken')?.[1];
}

async function property(paths: fc.Arbitrary<string>): Promise<number> {
  let sent = 0;
  await fc.assert(fc.asyncProperty(fc.array(caseArb(paths), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
    const answers = await sendBatch(base(), batch);
    sent += batch.length;
    batch.forEach((c, i) => {
      const a = answers[i]!;
      checkAnswer(c, a);
      const token = handshakeToken(c);
      if (c.method !== 'POST' || a.status >= 400) return;
      if (token !== undefined) {
        if (a.status !== 200 || a.text !== token || !a.contentType.startsWith('text/plain')) throw new Error(`handshake not answered with the token\n${describeCase(c, a)}`);
      } else if (a.status !== 202) {
        throw new Error(`a notification batch must be answered 202 or 4xx\n${describeCase(c, a)}`);
      }
    });
  }), { numRuns: RUNS, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: true });
  return sent;
}

describe('no valid subscription and clientState pair: never a 5xx, nothing enqueued', () => {
  let runsBefore = 0;
  beforeAll(() => { runsBefore = workerRuns(f.sandbox.hostOutput); });

  test('/api/notifications: 1,000 requests', async () => {
    expect(await property(fc.constant('/notifications'))).toBeGreaterThanOrEqual(1000);
  });

  test('/api/notifications/lifecycle (and other kinds): 1,000 requests', async () => {
    const paths = fc.oneof({ weight: 8, arbitrary: fc.constant('/notifications/lifecycle') }, { weight: 1, arbitrary: fc.stringMatching(/^\/notifications\/[A-Za-z0-9._~-]{1,12}$/) });
    expect(await property(paths)).toBeGreaterThanOrEqual(1000);
  });

  test('a body over the size limit is refused with 413', async () => {
    const notification = { subscriptionId: SUB_A, clientState: 'wrong', changeType: 'created', resource: 'x', resourceData: { id: 'x' } };
    const body = JSON.stringify({ value: [notification], padding: 'x'.repeat(MAX_NOTIFICATION_BODY_BYTES) });
    const answer = await send(base(), { method: 'POST', path: '/notifications', query: [], headers: { 'content-type': 'application/json' }, body });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'PayloadTooLarge' } });
  });

  test('whatever was sent, the worker never ran and the queue stayed empty', async () => {
    await new Promise((r) => setTimeout(r, 2500));
    expect(workerRuns(f.sandbox.hostOutput)).toBe(runsBefore);
    const queue = queueClient(f.sandbox.manifest.storage.connectionString, 'sync-work');
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });
});

describe('valid pairs', () => {
  const change = (subscriptionId: string, clientState: string, id: string) => ({
    subscriptionId, clientState, changeType: 'updated', resource: `Users/x/Contacts/${id}`, tenantId: randomUUID(),
    resourceData: { '@odata.type': '#Microsoft.Graph.Contact', '@odata.id': `Users/x/Contacts/${id}`, '@odata.etag': 'W/"1"', id },
  });
  const post = (value: unknown[]) => send(base(), { method: 'POST', path: '/notifications', query: [], headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
  const graphItems = () => workerLines(f.sandbox.hostOutput).filter((l) => l.kind === 'graphChange');

  test('during a rotation both clientStates are accepted, and only those', async () => {
    const before = graphItems().length;
    const answer = await post([change(SUB_A, A_STATES[0]!, 'new-state'), change(SUB_A, A_STATES[1]!, 'old-state'), change(SUB_A, B_STATE, 'other-state'), change(SUB_B, B_STATE, 'b-state')]);
    expect(answer.status).toBe(202);
    await eventually(() => expect(graphItems().length - before).toBe(3));
    await new Promise((r) => setTimeout(r, 1500));
    expect(graphItems().length - before).toBe(3);
  });

  test('300 authenticated notifications with odd content: never a 5xx, and the worker can take all that was enqueued', async () => {
    const template = fixture<{ value: Array<Record<string, Json>> }>('graph/change-notification-message-created.json').value[0]!;
    const authenticated = { ...template, subscriptionId: SUB_B, clientState: B_STATE, changeType: 'updated' } as Json;
    // Edits anywhere but on the pair itself (that side is the property above).
    const odd = mutatedDocument([authenticated]).filter((n) => {
      const o = n as Record<string, Json> | null;
      return typeof o === 'object' && o !== null && !Array.isArray(o) && o.subscriptionId === SUB_B && o.clientState === B_STATE && !('lifecycleEvent' in o);
    });
    const before = workerLines(f.sandbox.hostOutput).length;
    await fc.assert(fc.asyncProperty(fc.array(fc.array(odd, { minLength: 1, maxLength: 3 }), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const answers = await sendBatch(base(), batch.map((value) => ({ method: 'POST', path: '/notifications', query: [], headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) })));
      answers.forEach((a, i) => checkAnswer({ method: 'POST', path: '/notifications', query: [], headers: {}, body: JSON.stringify(batch[i]) }, a));
    }), { numRuns: 30, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true });
    await new Promise((r) => setTimeout(r, 2500));
    const lines = workerLines(f.sandbox.hostOutput).slice(before);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.message !== 'work item skipped')).toEqual([]);
  });

  test('an authenticated notification with an absurd resource id is not a 5xx', async () => {
    const answer = await post([change(SUB_B, B_STATE, 'x'.repeat(60_000))]);
    expect(answer.status).toBeLessThan(500);
    // Nothing the worker cannot take was enqueued.
    await new Promise((r) => setTimeout(r, 2000));
    expect(workerLines(f.sandbox.hostOutput).filter((l) => l.message === 'work item poisoned' || l.message.startsWith('work item failed'))).toEqual([]);
  });
});

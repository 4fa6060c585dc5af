/**
 * Outlook throttling per (app, mailbox): concurrent requests over the limit and requests over the
 * 10-minute budget answer 429 with Retry-After; the Graph client's RetryHandler waits and succeeds.
 */
import { Client } from '@microsoft/microsoft-graph-client';
import { startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

let sb: GraphSandbox;
let adele: string;
let alex: string;

beforeAll(async () => {
  sb = await startGraphSandbox({ throttle: { concurrentPerMailbox: 4 } });
  adele = sb.seed.users[0]!.entraObjectId;
  alex = sb.seed.users[1]!.entraObjectId;
  await sb.call('GET', `/users/${adele}/events`); // warm the JWKS cache so requests start together
});
afterAll(() => sb.close());
afterEach(() => sb.controls.resetThrottle());

test('a fifth concurrent request on one mailbox gets 429 MailboxConcurrency with Retry-After; other mailboxes and apps are unaffected', async () => {
  await sb.controls.setThrottle({ serviceTimeMs: 600 });
  const results = await Promise.all([
    ...Array.from({ length: 5 }, () => sb.call('GET', `/users/${adele}/events`)),
    sb.call('GET', `/users/${alex}/events`),
    sb.call('GET', `/users/${adele}/events`, { app: 'people' }),
  ]);
  const adeleBySync = results.slice(0, 5);
  expect(adeleBySync.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 429]);
  const throttled = adeleBySync.find((r) => r.status === 429)!;
  expect(throttled.headers.get('retry-after')).toBe('1');
  expect(throttled.body.error).toMatchObject({ code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' });
  expect(results[5]!.status).toBe(200);
  expect(results[6]!.status).toBe(200);
});

test('the Graph client\'s RetryHandler waits Retry-After and then succeeds', async () => {
  await sb.controls.setThrottle({ serviceTimeMs: 400 });
  await sb.controls.resetCounters();
  const token = await sb.token('sync');
  const client = Client.init({
    baseUrl: sb.baseUrl, defaultVersion: 'v1.0', customHosts: new Set(['127.0.0.1']),
    authProvider: (done) => done(null, token),
  });
  const started = Date.now();
  const pages = await Promise.all(Array.from({ length: 5 }, () => client.api(`/users/${adele}/events`).get()));
  expect(pages.every((p) => Array.isArray(p.value))).toBe(true);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect((await sb.controls.counters())['GET /v1.0/users/{userId}/events']).toBe(6);
});

test('over the 10-minute budget: 429 with the documented body and a Retry-After until the window frees up', async () => {
  await sb.controls.setThrottle({ requestsPer10Min: 3 });
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 5; i += 1) {
    last = await sb.call('GET', `/users/${alex}/contacts`);
    statuses.push(last.status);
  }
  expect(statuses).toEqual([200, 200, 200, 429, 429]);
  const retryAfter = Number(last!.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(590);
  expect(retryAfter).toBeLessThanOrEqual(600);
  expect(last!.body.error).toMatchObject({ code: 'TooManyRequests', message: 'Please retry again later.', innerError: { code: '429', status: '429' } });
  // The budget is per app: another app still gets through.
  expect((await sb.call('GET', `/users/${alex}/contacts`, { app: 'people' })).status).toBe(200);
});

test('the throttle control validates its input and reports the limits', async () => {
  const res = await fetch(`${sb.baseUrl}/_emulator/throttle`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ concurrent: 2 }) });
  expect(res.status).toBe(400);
  expect(await sb.controls.setThrottle({ concurrentPerMailbox: 2 })).toEqual({ concurrentPerMailbox: 2, requestsPer10Min: 10000, serviceTimeMs: 0 });
});

/**
 * What the benchmark relies on besides the call counters: the emulators count the statuses they answered
 * (a client that retries 429s itself hides them from its caller, so only the service can count them), and
 * Graph's rate budget can be scaled down in time (a shorter window) so that a run limited by it takes minutes.
 */
import { Client } from '@microsoft/microsoft-graph-client';
import { startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

let sb: GraphSandbox;
let adele: string;

beforeAll(async () => {
  sb = await startGraphSandbox();
  adele = sb.seed.users[0]!.entraObjectId;
  await sb.call('GET', `/users/${adele}/contacts`); // warm the JWKS cache
});
afterAll(() => sb.close());
afterEach(async () => {
  await sb.controls.resetThrottle();
  await sb.controls.resetCounters();
});

test('429s that the Graph client retried away are still counted by status', async () => {
  await sb.controls.setThrottle({ serviceTimeMs: 300 });
  await sb.controls.resetCounters();
  const token = await sb.token('sync');
  const client = Client.init({ baseUrl: sb.baseUrl, defaultVersion: 'v1.0', customHosts: new Set(['127.0.0.1']), authProvider: (done) => done(null, token) });
  const pages = await Promise.all(Array.from({ length: 5 }, () => client.api(`/users/${adele}/contacts`).get()));
  expect(pages).toHaveLength(5); // the caller saw no error
  expect(await sb.controls.responses()).toEqual({ '200 GET /v1.0/users/{userId}/contacts': 5, '429 GET /v1.0/users/{userId}/contacts': 1 });
  await sb.controls.resetCounters();
  expect(await sb.controls.responses()).toEqual({});
});

test('a shorter budget window frees the budget sooner, with a Retry-After to match', async () => {
  await sb.controls.setThrottle({ requestsPer10Min: 2, windowMs: 1500 });
  const statuses = [];
  for (let i = 0; i < 3; i += 1) statuses.push(await sb.call('GET', `/users/${adele}/contacts`));
  expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
  expect(Number(statuses[2]!.headers.get('retry-after'))).toBeLessThanOrEqual(2);
  await new Promise((r) => setTimeout(r, 1600));
  expect((await sb.call('GET', `/users/${adele}/contacts`)).status).toBe(200);
});

test('the throttle control refuses a zero window', async () => {
  const res = await fetch(`${sb.baseUrl}/_emulator/throttle`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ windowMs: 0 }) });
  expect(res.status).toBe(400);
});

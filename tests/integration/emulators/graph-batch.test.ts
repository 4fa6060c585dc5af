/**
 * JSON batching: the documented batch requests accepted, per-request status/headers/body, dependsOn with
 * 424 for dependents of a failed request, the 20-request limit and other malformed batches, inner requests
 * counted and throttled one by one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startGraphSandbox, type GraphSandbox } from '../../emulators/graph/testing';

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../../emulators/graph/fixtures', name), 'utf8'));
let sb: GraphSandbox;
let user: string;

beforeAll(async () => {
  sb = await startGraphSandbox();
  user = sb.seed.users[0]!.entraObjectId;
});
afterAll(() => sb.close());

type BatchResponse = { responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: any }> };
const byId = (res: BatchResponse) => Object.fromEntries(res.responses.map((r) => [r.id, r]));
const when = (dateTime: string) => ({ dateTime, timeZone: 'UTC' });

test('the documented batch (batch-request.json) is answered per request, shaped like batch-response.json', async () => {
  const res = await sb.call<BatchResponse>('POST', '/$batch', { body: fixture('batch-request.json'), headers: { ConsistencyLevel: 'eventual' } });
  expect(res.status).toBe(200);
  const documented = fixture('batch-response.json');
  expect(Object.keys(res.body)).toEqual(Object.keys(documented));
  for (const r of res.body.responses) expect(Object.keys(r).sort()).toEqual(['body', 'headers', 'id', 'status']);
  const r = byId(res.body);
  // App-only: /me is a bad request; groups and SSO credentials are not served by this emulator.
  expect(r['1']!.status).toBe(400);
  expect(r['1']!.body.error.message).toBe('/me request is only valid with delegated authentication flow.');
  expect(r['2']!.status).toBe(400);
  expect(r['3']!.status).toBe(404);
  expect(r['4']!.status).toBe(404);
  expect(r['5']).toMatchObject({ status: 200, body: { '@odata.count': 3 } });
  expect(r['5']!.headers['Content-Type']).toContain('application/json');
  expect(r['5']!.body.value[0]).toEqual({ id: expect.any(String), displayName: expect.any(String), userPrincipalName: expect.any(String) });
});

test('the documented dependsOn chain (batch-request-dependson.json): its first request fails, so 2, 4 and 3 answer 424', async () => {
  const res = await sb.call<BatchResponse>('POST', '/$batch', { body: fixture('batch-request-dependson.json') });
  expect(res.status).toBe(200);
  const r = byId(res.body);
  expect(r['1']!.status).toBe(404);
  expect([r['2']!.status, r['4']!.status, r['3']!.status]).toEqual([424, 424, 424]);
});

test('writes and reads in one batch, run in dependsOn order, through the same routes and counters', async () => {
  await sb.controls.resetCounters();
  const events = `/users/${user}/events`;
  const res = await sb.call<BatchResponse>('POST', '/$batch', {
    body: {
      requests: [
        { id: '1', method: 'POST', url: events, headers: { 'Content-Type': 'application/json' }, body: { subject: 'batched', start: when('2024-07-01T09:00:00'), end: when('2024-07-01T10:00:00') } },
        { id: '2', dependsOn: ['1'], method: 'GET', url: `${events}?$select=subject&$filter=subject eq 'batched'` },
        { id: '3', dependsOn: ['2'], method: 'POST', url: events, headers: { 'content-type': 'application/json' }, body: { subject: 'bad', crmId: 1 } },
        { id: '4', dependsOn: ['3'], method: 'GET', url: events },
      ],
    },
  });
  const r = byId(res.body);
  expect(r['1']).toMatchObject({ status: 201, body: { subject: 'batched', '@odata.context': expect.stringContaining('/events/$entity') } });
  expect(r['2']!.body.value).toEqual([expect.objectContaining({ subject: 'batched' })]);
  expect(r['3']).toMatchObject({ status: 400, body: { error: { code: 'RequestBodyRead' } } });
  expect(r['4']).toMatchObject({ status: 424, body: { error: expect.objectContaining({ code: expect.any(String) }) } });
  const counters = await sb.controls.counters();
  expect(counters['POST /v1.0/users/{userId}/events']).toBe(2);
  expect(counters['GET /v1.0/users/{userId}/events']).toBe(1);
  expect(counters['POST /v1.0/$batch']).toBe(1);
});

test('malformed batches are 400 as a whole: over 20 requests, duplicate ids, a body without Content-Type, unknown or circular dependsOn', async () => {
  const get = (id: string) => ({ id, method: 'GET', url: '/users' });
  const cases = [
    { requests: Array.from({ length: 21 }, (_, i) => get(String(i + 1))) },
    { requests: [get('a'), get('A')] },
    { requests: [{ id: '1', method: 'POST', url: `/users/${user}/events`, body: { subject: 'x' } }] },
    { requests: [{ ...get('1'), dependsOn: ['9'] }] },
    { requests: [{ ...get('1'), dependsOn: ['2'] }, { ...get('2'), dependsOn: ['1'] }] },
    { requests: [] },
    { nope: true },
  ];
  for (const body of cases) {
    const res = await sb.call('POST', '/$batch', { body });
    expect([JSON.stringify(body).slice(0, 40), res.status]).toEqual([JSON.stringify(body).slice(0, 40), 400]);
    expect(res.body.error.code).toBe('BadRequest');
  }
  expect((await sb.call('POST', '/$batch', { body: { requests: Array.from({ length: 20 }, (_, i) => get(String(i + 1))) } })).status).toBe(200);
  expect((await sb.call('POST', '/$batch', { body: { requests: [get('1')] }, anonymous: true })).status).toBe(401);
});

test('inner requests are throttled one by one: an inner 429 carries its own Retry-After', async () => {
  await sb.controls.setThrottle({ requestsPer10Min: 2 });
  try {
    const res = await sb.call<BatchResponse>('POST', '/$batch', {
      body: { requests: ['1', '2', '3'].map((id) => ({ id, method: 'GET', url: `/users/${sb.seed.users[1]!.entraObjectId}/events` })) },
    });
    const statuses = res.body.responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const throttled = res.body.responses.find((r) => r.status === 429)!;
    expect(Number(throttled.headers['Retry-After'])).toBeGreaterThan(0);
    expect(throttled.body.error.code).toBe('TooManyRequests');
  } finally {
    await sb.controls.resetThrottle();
  }
});

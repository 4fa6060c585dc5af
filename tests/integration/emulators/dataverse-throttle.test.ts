/**
 * Service protection limits (api-limits.md; fixture service-protection-limit-errors.json): per user over 300 s,
 * number of requests, combined execution time and concurrent requests, each a 429 with Retry-After and its
 * documented code and message. Limits are lowered at run time through PUT /_emulator/throttle.
 */
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { fixture } from '../../support/fixtures';

interface LimitError { facet: string; hex: string; errorCode: number; message: string }
const documented = fixture('dataverse/service-protection-limit-errors.json') as { httpStatus: number; windowSeconds: number; errors: LimitError[] };
const facet = (name: string): LimitError => documented.errors.find((e) => e.facet === name)!;

let sandbox: DataverseSandbox;
beforeAll(async () => { sandbox = await startDataverseSandbox(); });
afterAll(() => sandbox.close());
afterEach(async () => {
  await throttle('PUT', { requestsPer5Min: 6000, concurrent: 52, executionTimeSecondsPer5Min: 1200, processingMs: 0 });
  await throttle('DELETE');
});

async function throttle(method: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${sandbox.orgUrl}/_emulator/throttle`, {
    method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.ok).toBe(true);
  return res;
}

test('the defaults are the documented limits', async () => {
  const state = await (await throttle('GET')).json() as { limits: Record<string, number> };
  expect(state.limits).toMatchObject({ requestsPer5Min: 6000, concurrent: 52, executionTimeSecondsPer5Min: 1200 });
  const res = await sandbox.call('WhoAmI');
  expect(res.headers.get('x-ms-ratelimit-burst-remaining-xrm-requests')).toMatch(/^\d+$/);
  expect(Number(res.headers.get('x-ms-ratelimit-burst-remaining-xrm-requests'))).toBeLessThan(6000);
  expect(res.headers.get('x-ms-ratelimit-time-remaining-xrm-requests')).toMatch(/^\d+\.\d{2}$/);
});

test('number of requests: the request after the limit gets 429, Retry-After and 0x80072322 — for that user only', async () => {
  await throttle('PUT', { requestsPer5Min: 5 });
  for (let i = 0; i < 5; i++) expect((await sandbox.call('WhoAmI')).status).toBe(200);
  const refused = await sandbox.call('WhoAmI');
  expect(refused.status).toBe(documented.httpStatus);
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(documented.windowSeconds - 10);
  expect(retryAfter).toBeLessThanOrEqual(documented.windowSeconds);
  expect(await refused.json()).toEqual({ error: { code: facet('requests').hex, message: facet('requests').message.replace('6000', '5') } });

  // Limits are per user: another application user is not affected.
  expect((await sandbox.call('WhoAmI', { client: sandbox.seed.clients.people })).status).toBe(200);

  // dynamics-web-api surfaces the status and Retry-After for our own back-off.
  const api = sandbox.webApi(sandbox.seed.clients.sync, { propagateErrors: true });
  await expect(api.retrieveMultiple({ collection: 'tasks', select: ['subject'] }))
    .rejects.toMatchObject({ status: 429, code: '0x80072322', headers: expect.objectContaining({ 'retry-after': expect.stringMatching(/^\d+$/) }) });

  await throttle('DELETE');
  expect((await sandbox.call('WhoAmI')).status).toBe(200);
});

test('concurrent requests over the limit are refused at once with 0x80072326', async () => {
  await throttle('PUT', { concurrent: 2, processingMs: 300 });
  const token = await sandbox.token(sandbox.seed.clients.sync);
  const responses = await Promise.all(Array.from({ length: 8 }, () =>
    fetch(`${sandbox.apiUrl}/tasks?$select=subject&$top=1`, { headers: { Authorization: `Bearer ${token}` } })));
  const refused = responses.filter((r) => r.status === 429);
  expect(responses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
  expect(refused.length).toBeGreaterThanOrEqual(4);
  for (const r of refused) {
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await r.json()).toEqual({ error: { code: facet('concurrency').hex, message: facet('concurrency').message.replace('52', '2') } });
  }
});

test('combined execution time over the limit gives 0x80072321', async () => {
  await throttle('PUT', { executionTimeSecondsPer5Min: 0.2, processingMs: 120 });
  expect((await sandbox.call('WhoAmI')).status).toBe(200);
  expect((await sandbox.call('WhoAmI')).status).toBe(200);
  const refused = await sandbox.call('WhoAmI');
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(200);
  expect(await refused.json()).toEqual({ error: { code: facet('executionTime').hex, message: facet('executionTime').message.replace('1,200,000', '200') } });
});

test('a $batch counts as one request, whatever it contains', async () => {
  await throttle('PUT', { requestsPer5Min: 2 });
  const api = sandbox.webApi(sandbox.seed.clients.sync, { propagateErrors: true });
  api.startBatch();
  for (let i = 0; i < 5; i++) api.retrieveMultiple({ collection: 'tasks', select: ['subject'], top: 1 });
  const results = await api.executeBatch();
  expect(results).toHaveLength(5);
  expect((await sandbox.call('WhoAmI')).status).toBe(200);
  expect((await sandbox.call('WhoAmI')).status).toBe(429);
});

test('invalid throttle settings are refused by the control', async () => {
  const res = await fetch(`${sandbox.orgUrl}/_emulator/throttle`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requestsPerMinute: 3 }) });
  expect(res.status).toBe(400);
});

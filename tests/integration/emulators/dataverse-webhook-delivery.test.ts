/**
 * How the Dataverse emulator delivers webhooks (registered and triggered through the Web API, on the real
 * emulator): System Jobs with retries, the 502/503/504 extra attempt, the timeout, asyncautodelete, synchronous
 * steps failing and rolling the write back, and the /_emulator/webhooks test controls.
 */
import type { DynamicsWebApi } from 'dynamics-web-api';
import { ensureSandboxCertificate } from '../../emulators/common/tls';
import { startDataverseSandbox, type DataverseSandbox } from '../../emulators/dataverse/harness';
import { WebhookTestReceiver } from '../../emulators/dataverse/webhook-test-receiver';
import { WebhookRegistrar } from '../../emulators/dataverse/webhook-test-registration';
import type { SystemJob } from '../../emulators/dataverse/webhooks';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: DataverseSandbox;
let api: DynamicsWebApi;
let hooks: WebhookRegistrar;
const receiver = new WebhookTestReceiver(ensureSandboxCertificate());

beforeAll(async () => {
  sandbox = await startDataverseSandbox();
  api = sandbox.webApi(sandbox.seed.clients.sync);
  hooks = new WebhookRegistrar(sandbox, () => receiver.url);
  await receiver.listen();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(async () => {
  await hooks.reset();
  receiver.clear();
});
afterEach(() => hooks.cleanup());

const jobs = async (query = ''): Promise<SystemJob[]> => (await hooks.control<{ value: SystemJob[] }>('GET', `system-jobs${query}`)).value;
const newTask = (subject: string): Promise<string> => api.create({ collection: 'tasks', data: { subject } }) as Promise<string>;

describe('Dataverse emulator webhook delivery', () => {
  test('a receiver failing twice is retried: the System Job succeeds on its third attempt', async () => {
    const e = await hooks.endpoint();
    const s = await hooks.step(e, 'Create', 'task');
    receiver.respondWith(500, 500);
    await newTask('Retry me');
    await hooks.drain();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.raw)).size).toBe(1);
    expect(await jobs(`?step=${s}`)).toEqual([expect.objectContaining({
      status: 'Succeeded', statecode: 3, statuscode: 30, retrycount: 2, attempts: 3, owningextensionid: s, serviceendpointid: e,
    })]);
    const { counters } = await hooks.control<{ counters: Json[] }>('GET', 'deliveries');
    expect(counters).toEqual([expect.objectContaining({ serviceendpointid: e, posts: 3, failed: 2, succeeded: 1 })]);
  });

  test('502/503/504 get one more immediate attempt; after the last retry the job is Failed, as the asyncoperations query shows', async () => {
    const s = await hooks.step(await hooks.endpoint(), 'Create', 'task');
    receiver.respondWith(503);
    await newTask('Gateway hiccup');
    await hooks.drain();
    expect(receiver.received).toHaveLength(2);
    expect(await jobs()).toEqual([expect.objectContaining({ status: 'Succeeded', retrycount: 0, attempts: 1 })]);

    receiver.clear();
    receiver.respondWith(500, 500, 500, 500);
    const id = await newTask('Never accepted');
    await hooks.drain();
    expect(receiver.received).toHaveLength(4);
    expect(await jobs('?status=Failed')).toEqual([expect.objectContaining({
      statecode: 3, statuscode: 31, retrycount: 3, attempts: 4, regardingobjectid: id, errorcode: -2147204747,
    })]);
    // The troubleshooting query of register-web-hook.md.
    const failed = await hooks.get(`asyncoperations?$orderby=completedon desc&$filter=statuscode eq 31 and _owningextensionid_value eq ${s}&$select=name,friendlymessage,errorcode,message,completedon`);
    expect(failed.value).toEqual([expect.objectContaining({
      name: 'crm-exchange-sync: Create of task', errorcode: -2147204747, message: expect.stringContaining('HTTP 500'), completedon: expect.any(String),
    })]);
  });

  test('a receiver slower than the timeout counts as a failure', async () => {
    await hooks.control('PUT', 'settings', { timeoutMs: 150, asyncRetryDelaysMs: [] });
    await hooks.step(await hooks.endpoint(), 'Create', 'task');
    receiver.respondWith({ status: 200, delayMs: 600 });
    await newTask('Slow receiver');
    await hooks.drain();
    expect((await jobs('?status=Failed'))[0]?.message).toMatch(/within 150 ms \(timeout\)/);
  });

  test('asyncautodelete: a succeeded job leaves no asyncoperation row', async () => {
    const s = await hooks.step(await hooks.endpoint(), 'Create', 'task', { asyncautodelete: true });
    await newTask('Auto delete');
    await hooks.drain();
    expect(await jobs(`?step=${s}`)).toEqual([expect.objectContaining({ status: 'Succeeded', autoDeleted: true })]);
    expect((await hooks.get(`asyncoperations?$filter=_owningextensionid_value eq ${s}`)).value).toEqual([]);
  });

  test('test controls: drop, duplicate and delay the next deliveries; pause and resume', async () => {
    const e = await hooks.endpoint();
    await hooks.step(e, 'Create', 'task');
    await hooks.control('POST', 'faults', { action: 'drop', count: 1 });
    await newTask('Lost');
    await hooks.drain();
    expect(receiver.received).toHaveLength(0);
    expect(await jobs()).toEqual([expect.objectContaining({ status: 'Succeeded' })]);

    await hooks.control('POST', 'faults', { action: 'duplicate', count: 1, endpoint: e });
    await newTask('Twice');
    await hooks.drain();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.raw).toBe(receiver.received[1]!.raw);

    await hooks.control('POST', 'faults', { action: 'delay', count: 1, delayMs: 300 });
    const before = Date.now();
    await newTask('Late');
    await hooks.drain();
    expect(receiver.received[2]!.at - before).toBeGreaterThanOrEqual(280);

    await hooks.control('POST', 'pause');
    await newTask('Held');
    expect(await hooks.control('POST', 'drain', { timeoutMs: 100 })).toEqual({ idle: false, pending: 1 });
    expect(await jobs('?status=WaitingForResources')).toHaveLength(1);
    expect(receiver.received).toHaveLength(3);
    await hooks.control('POST', 'resume');
    await hooks.drain();
    expect(receiver.received).toHaveLength(4);

    const { counters, deliveries } = await hooks.control<{ counters: Json[]; deliveries: Json[] }>('GET', 'deliveries');
    expect(counters).toEqual([expect.objectContaining({ serviceendpointid: e, posts: 4, dropped: 1, duplicated: 1, delayed: 1 })]);
    expect(deliveries.map((d) => d.fault ?? null)).toEqual(['drop', 'duplicate', 'delay', null]);
    // The API call counters count API calls only.
    const apiCounters = await (await fetch(`${sandbox.orgUrl}/_emulator/counters`)).json() as Record<string, number>;
    expect(Object.keys(apiCounters).some((k) => k.includes('webhook'))).toBe(false);
  });

  test('a bad control request is refused', async () => {
    const res = await fetch(`${sandbox.orgUrl}/_emulator/webhooks/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'explode', count: 1 }) });
    expect(res.status).toBe(400);
    const settings = await fetch(`${sandbox.orgUrl}/_emulator/webhooks/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeoutMs: -1 }) });
    expect(settings.status).toBe(400);
  });

  test('a synchronous step runs inside the request: a receiver failure fails the PATCH and the change is rolled back', async () => {
    const e = await hooks.endpoint();
    await hooks.step(e, 'Update', 'task', { mode: 0, name: 'sync: Update of task' });
    await hooks.step(e, 'Update', 'task');
    const id = await newTask('Original');
    await api.update({ collection: 'tasks', key: id, data: { subject: 'Accepted' } });
    // The synchronous delivery happened before the PATCH answered.
    expect(receiver.received.map((r) => [r.body.Mode, r.body.IsInTransaction])).toEqual([[0, true]]);
    await hooks.drain();
    receiver.clear();

    receiver.respondWith(503, 503);
    const res = await sandbox.call(`tasks(${id})`, { method: 'PATCH', body: { subject: 'Refused' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: '0x80044175', message: expect.stringContaining("'sync: Update of task'") } });
    expect((await hooks.get(`tasks(${id})?$select=subject`)).subject).toBe('Accepted');
    await hooks.drain();
    // 503 gets its one extra attempt, then the request fails; the rolled-back write starts no async job.
    expect(receiver.received).toHaveLength(2);
    expect(await jobs('?status=Succeeded')).toHaveLength(1);
  });
});

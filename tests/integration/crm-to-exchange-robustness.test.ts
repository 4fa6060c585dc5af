/**
 * CRM → Exchange when deliveries misbehave: duplicated, reordered and replayed webhooks, a worker that dies
 * between the Graph create and the correlation write, bad requests, and a change that keeps failing.
 * Everything still ends with exactly one item per record, and nothing is lost silently.
 */
import { loadConfig } from '../../shared/config';
import { CorrelationStore } from '../../shared/correlation/correlation-store';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { applyCrmChange } from '../../shared/sync/crm-to-exchange';
import type { SyncServices } from '../../shared/sync/sync-services';
import { queueClient } from '../../shared/storage';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { EmulatorControls } from '../emulators/common/controls-client';
import { eventually, stays } from '../support/eventually';
import { fixture } from '../support/fixtures';
import { sandboxFixture } from '../support/sandbox-fixture';
import { ownerBind, webhookFault as armWebhookFault } from '../support/crm';

jest.setTimeout(180_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;

beforeAll(async () => {
  // No To Do poll during these tests: its runs would blur the count of worker invocations.
  f = await sandboxFixture({ appSettings: { SYNC_TODO_POLL_SCHEDULE: '0 0 0 1 1 *' } });
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  await f.enable('adele');
});
afterAll(() => f?.stop());

const webhookFault = (fault: Record<string, unknown>) => armWebhookFault(f.sandbox.manifest.urls.dataverse, fault);
const workerRuns = () => f.sandbox.hostOutput.join('').split("Executing 'Functions.syncWorker'").length - 1;

test('duplicated webhook deliveries leave exactly one item', async () => {
  const adele = f.user('adele');
  await webhookFault({ action: 'duplicate', count: 3 });
  const id = await f.people.crmAs(adele.systemUserId).create({ collection: 'tasks', data: { subject: 'Duplicated delivery', ...ownerBind(adele.systemUserId) } }) as string;
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(1));
  await stays(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(1), 2000);
});

test('reordered deliveries (the update arrives before the create) converge on the latest values', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  await webhookFault({ action: 'delay', count: 1, delayMs: 1500 });
  const id = await crm.create({ collection: 'tasks', data: { subject: 'First title', ...ownerBind(adele.systemUserId) } }) as string;
  await crm.update({ collection: 'tasks', key: id, data: { subject: 'Final title', prioritycode: 2 } });
  await eventually(async () => {
    const matches = (await f.todoTasks('adele')).filter(f.linkedTo(id));
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ title: 'Final title', importance: 'high' });
  });
  // The late Create delivery carries an older image: it must not roll the item back.
  await stays(async () => {
    const matches = (await f.todoTasks('adele')).filter(f.linkedTo(id));
    expect(matches).toHaveLength(1);
    expect(matches[0]!.title).toBe('Final title');
  }, 2500);
});

test('a replayed old delivery changes nothing and creates nothing', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'tasks', data: { subject: 'Replay me', ...ownerBind(adele.systemUserId) } }) as string;
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(1));
  await crm.update({ collection: 'tasks', key: id, data: { subject: 'Replay me (v2)' } });
  await eventually(async () => expect((await f.todoTasks('adele')).filter(f.linkedTo(id))[0]?.title).toBe('Replay me (v2)'));
  // Replay the original Create as Dataverse would send it (same endpoint, same key), with the old image.
  const body = fixture('dataverse/webhook-update-contact-async-postoperation.json');
  const replay = { ...body, MessageName: 'Create', PrimaryEntityName: 'task', PrimaryEntityId: id, PostEntityImages: [{ key: 'postimage', value: {
    Id: id, LogicalName: 'task', Attributes: [{ key: 'subject', value: 'Replay me' }, { key: 'versionnumber', value: 1 },
      { key: 'ownerid', value: { __type: 'EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts', Id: adele.systemUserId, LogicalName: 'systemuser', Name: adele.displayName } }],
  } }] };
  const res = await fetch(`${f.sandbox.manifest.urls.functions}/webhooks/dataverse?code=${f.sandbox.manifest.functionKey}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(replay),
  });
  expect(res.status).toBe(202);
  await stays(async () => {
    const matches = (await f.todoTasks('adele')).filter(f.linkedTo(id));
    expect(matches).toHaveLength(1);
    expect(matches[0]!.title).toBe('Replay me (v2)');
  }, 2500);
});

test.each([
  ['task' as const, 'tasks', { subject: 'Crash after create' }],
  ['contact' as const, 'contacts', { firstname: 'Crash', lastname: 'AfterCreate' }],
  ['appointment' as const, 'appointments', { subject: 'Crash after create', scheduledstart: '2027-03-01T09:00:00Z', scheduledend: '2027-03-01T10:00:00Z' }],
])('a worker that dies between the Graph create and the link write creates no duplicate on retry (%s)', async (recordType, entitySet, data) => {
  const adele = f.user('adele');
  // The webhook is dropped so that the host's worker stays out of it: the worker under test is driven
  // directly, so that it can be "killed" at the exact point.
  await webhookFault({ action: 'drop', count: 1 });
  const id = await f.people.crmAs(adele.systemUserId).create({ collection: entitySet, data: { ...data, ...ownerBind(adele.systemUserId) } }) as string;
  const change = { kind: 'crmChange' as const, recordType, crmId: id, message: 'Create' as const, correlationId: `crash-${recordType}`, receivedAt: new Date().toISOString() };
  // First attempt: the link write that should record the Graph id fails — as if the process died there.
  const crashing = Object.create(rt.services.links) as CorrelationStore;
  let creates = 0;
  crashing.update = async (link) => {
    if (link.state === 'linked') throw new Error('worker killed before the correlation write');
    return rt.services.links.update(link);
  };
  const crashed: SyncServices = { ...rt.services, links: crashing, graph: new Proxy(rt.services.graph, { get: (t, p, r) => (p === 'create' ? (...a: Parameters<typeof t.create>) => { creates += 1; return t.create(...a); } : Reflect.get(t, p, r)) }) };
  await expect(applyCrmChange(crashed, change)).rejects.toThrow('worker killed');
  expect(creates).toBe(1);
  // The retry (the queue delivers the message again) recovers the item instead of creating another.
  const outcome = await applyCrmChange(rt.services, change);
  expect(outcome.action).toBe('recovered');
  const link = await rt.services.links.getByCrmId(recordType, id);
  expect(link).toMatchObject({ state: 'linked', graphId: outcome.graphId });
  if (recordType === 'task') {
    expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(1);
  } else {
    const page = await f.people.graph.api(`/users/${adele.entraObjectId}/${recordType === 'contact' ? 'contacts' : 'events'}`)
      .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${id}')`).get();
    expect(page.value).toHaveLength(1);
  }
});

test('a malformed body, a wrong key and an unknown table are answered 4xx and enqueue nothing', async () => {
  const url = `${f.sandbox.manifest.urls.functions}/webhooks/dataverse`;
  const key = f.sandbox.manifest.functionKey;
  await new Promise((r) => setTimeout(r, 1000));
  const before = workerRuns();
  const post = (query: string, body: string) => fetch(`${url}${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const malformed = await post(`?code=${key}`, '{"MessageName": ');
  expect(malformed.status).toBe(400);
  expect(await malformed.json()).toMatchObject({ error: { code: 'InvalidJson' } });
  expect((await post('?code=wrong', JSON.stringify(fixture('dataverse/webhook-update-contact-async-postoperation.json')))).status).toBe(401);
  expect((await post('', JSON.stringify(fixture('dataverse/webhook-update-contact-async-postoperation.json')))).status).toBe(401);
  const unknownTable = await post(`?code=${key}`, JSON.stringify(fixture('dataverse/webhook-create-msdyn_agentstatus-sync-newer-shape.json')));
  expect(unknownTable.status).toBe(400);
  expect(await unknownTable.json()).toMatchObject({ error: { code: 'UnsupportedTable' } });
  await stays(() => expect(workerRuns()).toBe(before), 2500);
  const queue = queueClient(f.sandbox.manifest.storage.connectionString, 'sync-work');
  expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
});

test('a change that keeps failing is retried, then parked in the poison queue with its reason and a mailbox alert', async () => {
  const adele = f.user('adele');
  const graphControls = new EmulatorControls(f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, ''));
  await graphControls.injectFault({ status: 500, count: 50, match: '^POST .*todo/lists/\\{listId\\}/tasks$' });
  try {
    const id = await f.people.crmAs(adele.systemUserId).create({ collection: 'tasks', data: { subject: 'Doomed', ...ownerBind(adele.systemUserId) } }) as string;
    const poison = queueClient(f.sandbox.manifest.storage.connectionString, 'sync-work-poison');
    const entry = await eventually(async () => {
      const peeked = await poison.peekMessages({ numberOfMessages: 32 });
      const entries = peeked.peekedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')));
      const mine = entries.find((e) => e.message?.crmId === id);
      expect(mine).toBeDefined();
      return mine;
    }, { timeoutMs: 90_000, intervalMs: 1000 });
    expect(entry.attempts).toBe(5);
    expect(entry.reason).toMatch(/500/);
    const mailbox = await f.registry.get(adele.systemUserId);
    expect(mailbox!.alerts[0]!.message).toMatch(/poison/);
    expect(mailbox!.counters.failed).toBeGreaterThanOrEqual(1);
    // The four attempts before the last are counted as retries (batched counters: within a flush), the change once.
    await eventually(async () => expect((await f.registry.get(adele.systemUserId))!.counters).toMatchObject({
      retried: expect.any(Number), changesIn: expect.any(Number),
    }));
    const counters = (await f.registry.get(adele.systemUserId))!.counters;
    expect(counters.retried).toBeGreaterThanOrEqual(4);
    expect(counters.changesIn).toBeGreaterThanOrEqual(counters.toExchange + counters.skippedEcho + counters.failed);
    expect((await f.todoTasks('adele')).filter(f.linkedTo(id))).toHaveLength(0);
  } finally {
    await graphControls.clearFaults();
  }
});

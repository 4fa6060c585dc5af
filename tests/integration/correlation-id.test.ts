/**
 * One correlation id per change, from the webhook to the other side, through the whole sandbox:
 * - a CRM write made with `x-ms-correlation-request-id: X` reaches our webhook with that header (Dataverse
 *   sends the operation's correlation id); the Graph write it leads to carries `client-request-id: X`, and the
 *   host's log lines about it (the worker's, the Graph request's) carry `correlationId: X`;
 * - an edit in Outlook reaches the worker through a Graph change notification; the Dataverse PATCH it leads
 *   to carries the work item's correlation id (as its GUID, `x-ms-client-request-id`), which is the one in the
 *   worker's log lines and in the log line of that PATCH.
 * The emulators record the headers each request came with (GET /_emulator/requests).
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../shared/config';
import { CRM_ID_PROPERTY_ID } from '../../shared/graph/graph-gateway';
import { clientRequestIdFor } from '../../shared/observability/request-context';
import { createRuntime, type Runtime } from '../../shared/runtime';
import { EmulatorControls } from '../emulators/common/controls-client';
import { eventually } from '../support/eventually';
import { sandboxFixture } from '../support/sandbox-fixture';
import { ownerBind } from '../support/crm';

jest.setTimeout(180_000);
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let rt: Runtime;
let graph: EmulatorControls;
let dataverse: EmulatorControls;

beforeAll(async () => {
  f = await sandboxFixture();
  rt = createRuntime(loadConfig({ ...process.env, ...f.sandbox.appSettings }));
  const mailbox = await f.enable('adele', { contacts: 'serverSideSync' });
  await rt.subscriptions.ensureForMailbox(mailbox);
  graph = new EmulatorControls(f.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, ''));
  dataverse = new EmulatorControls(f.sandbox.manifest.urls.dataverse);
});
afterAll(() => f?.stop());

const byCrmId = (crmId: string) => `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${crmId}')`;

/** The app's structured log lines (JSON objects) the host printed so far. */
function hostLogLines(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of f.sandbox.hostOutput.join('').split('\n')) {
    const start = line.indexOf('{');
    if (start < 0) continue;
    try {
      const parsed = JSON.parse(line.slice(start)) as unknown;
      if (parsed && typeof parsed === 'object') out.push(parsed as Record<string, unknown>);
    } catch { /* not one of ours */ }
  }
  return out;
}

test('a Dataverse webhook delivered with x-ms-correlation-request-id X leads to a Graph write with client-request-id X, and host log lines with correlationId X', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const x = randomUUID();
  const id = await crm.create({
    collection: 'contacts', data: { firstname: 'Correlated', lastname: 'Create', ...ownerBind(adele.systemUserId) },
    headers: { 'x-ms-correlation-request-id': x },
  }) as string;

  const write = await eventually(async () => {
    const writes = await graph.requests({ method: 'POST', path: `^/v1\\.0/users/${adele.entraObjectId}/contacts$`, header: 'client-request-id', value: x });
    expect(writes.filter((w) => w.status === 201)).toHaveLength(1);
    return writes.find((w) => w.status === 201)!;
  });
  expect(write.headers['client-request-id']).toBe(x);
  const contact = (await f.people.graph.api(`/users/${adele.entraObjectId}/contacts`).filter(byCrmId(id)).get()).value;
  expect(contact).toHaveLength(1);

  const lines = await eventually(async () => {
    const mine = hostLogLines().filter((l) => l.correlationId === x);
    expect(mine.some((l) => l.message === 'work item created')).toBe(true);
    return mine;
  });
  // The worker's line names the change; the Graph request's line names Graph's own request-id for it.
  expect(lines.find((l) => l.message === 'work item created')).toMatchObject({ kind: 'crmChange', recordType: 'contact', crmId: id });
  expect(lines.find((l) => l.message === 'graph request' && l.method === 'POST')).toMatchObject({
    path: `/v1.0/users/${adele.entraObjectId}/contacts`, status: 201, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
  });
  // A GUID goes out as it came: no clientRequestId of its own in the lines.
  expect(lines.every((l) => l.clientRequestId === undefined)).toBe(true);
});

test('a Graph notification\'s change leads to a Dataverse PATCH carrying the work item\'s correlation id, which the worker\'s log lines carry too', async () => {
  const adele = f.user('adele');
  const crm = f.people.crmAs(adele.systemUserId);
  const id = await crm.create({ collection: 'contacts', data: { firstname: 'Correlated', lastname: 'Edit', jobtitle: 'Analyst', ...ownerBind(adele.systemUserId) } }) as string;
  const contact = await eventually(async () => {
    const page = await f.people.graph.api(`/users/${adele.entraObjectId}/contacts`).filter(byCrmId(id)).get();
    expect(page.value).toHaveLength(1);
    return page.value[0] as { id: string };
  });
  // Let the create's own notifications settle, then look only at what the edit causes.
  await new Promise((r) => setTimeout(r, 1500));
  await dataverse.clearRequests();
  await f.people.graph.api(`/users/${adele.entraObjectId}/contacts/${contact.id}`).patch({ jobTitle: 'Lead Analyst' });
  await eventually(async () => expect((await crm.retrieve({ collection: 'contacts', key: id, select: ['jobtitle'] })).jobtitle).toBe('Lead Analyst'));

  const patches = await dataverse.requests({ method: 'PATCH', path: `/contacts\\(${id}\\)$` });
  expect(patches.length).toBeGreaterThan(0);
  for (const patch of patches) {
    const sent = patch.headers['x-ms-client-request-id'];
    expect(sent).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const lines = await eventually(async () => {
      const mine = hostLogLines().filter((l) => l.clientRequestId === sent || l.correlationId === sent);
      expect(mine.some((l) => l.message === 'work item updated')).toBe(true);
      return mine;
    });
    const worker = lines.find((l) => l.message === 'work item updated')!;
    expect(worker).toMatchObject({ kind: 'graphChange', recordType: 'contact' });
    // The work item's id is the notification's (`<uuid>-<index>`); the header is its GUID form.
    const correlationId = String(worker.correlationId);
    expect(correlationId).toMatch(/^[0-9a-f-]{36}-\d+$/);
    expect(clientRequestIdFor(correlationId)).toBe(sent);
    expect(lines.find((l) => l.message === 'dataverse request' && l.operation === `Updating contacts(${id})`)).toMatchObject({ correlationId, outcome: 'ok' });
  }
});

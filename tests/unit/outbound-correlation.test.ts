/**
 * The change's id on the wire: the Graph client (graph-client.ts, through the GraphGateway and its pacer)
 * sends it as `client-request-id`, retries included; the Dataverse gateway sends it as
 * `x-ms-client-request-id` on reads, writes, retries and every page; outside a change, Graph gets the
 * library's own random id and Dataverse none. Both log one line per write with the correlation id. Stubs
 * stand in for the services (the Graph client treats only HTTPS hosts as Graph: the stub uses the sandbox
 * certificate, trusted through NODE_EXTRA_CA_CERTS as in every sandbox test).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { DataverseGateway } from '../../shared/dataverse/dataverse-gateway';
import { createGraphClient } from '../../shared/graph/graph-client';
import { GraphGateway } from '../../shared/graph/graph-gateway';
import { MailboxPacer } from '../../shared/graph/mailbox-pacer';
import { createLogger } from '../../shared/logging';
import { clientRequestIdFor, runWithRequestContext } from '../../shared/observability/request-context';
import { ensureSandboxCertificate } from '../emulators/common/tls';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders }
interface Answer { status: number; headers?: Record<string, string>; body?: unknown }
type Handler = (req: http.IncomingMessage) => Answer;

async function stub(handler: Handler, tls = false): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      const answer = handler(req);
      const payload = answer.body === undefined ? undefined : JSON.stringify(answer.body);
      res.writeHead(answer.status, { ...(payload ? { 'content-type': 'application/json; odata.metadata=minimal' } : {}), ...answer.headers });
      res.end(payload);
    });
  };
  const server = tls ? https.createServer(ensureSandboxCertificate(), listener) : http.createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const tokens = { getToken: async () => 'stub-token' };
const CHANGE = '9b2c4e1a-5d3f-4a7b-8c6e-1f0a2b3c4d5e';
const NOTIFICATION_ITEM = '0f8fad5b-d9cb-469f-a165-70867728950e-2';

function logSink() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, log: createLogger({ level: 'debug', sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }) };
}

describe('Graph', () => {
  let posts = 0;
  let server: Awaited<ReturnType<typeof stub>>;
  let graph: GraphGateway;
  beforeAll(async () => {
    server = await stub((req): Answer => {
      if (req.method === 'POST' && posts++ === 0) return { status: 429, headers: { 'Retry-After': '0' }, body: { error: { code: 'TooManyRequests', message: 'later' } } };
      if (req.method === 'POST') return { status: 201, headers: { 'request-id': 'graph-request-1' }, body: { id: 'AAMk1' } };
      if (req.method === 'DELETE') return { status: 204 };
      return { status: 200, body: { id: 'AAMk1', displayName: 'x' } };
    }, true);
    // A pacer of one: the second change's call is started by the end of the first one's.
    graph = new GraphGateway(createGraphClient({ graphBaseUrl: `${server.url}/v1.0`, tokens }), new MailboxPacer(1));
  });
  afterAll(() => server.close());
  beforeEach(() => { server.seen.length = 0; });

  test('every request of a change carries its id as client-request-id, the retried one too, and writes are logged', async () => {
    const { lines, log } = logSink();
    await runWithRequestContext({ correlationId: CHANGE, log }, async () => {
      await graph.create('u1', 'contact', { givenName: 'A' }, { crmId: 'c1', transactionId: 't1' });
      await graph.get({ mailboxUserId: 'u1', recordType: 'contact', graphId: 'AAMk1' });
      await graph.delete({ mailboxUserId: 'u1', recordType: 'contact', graphId: 'AAMk1' });
    });
    expect(server.seen.map((s) => s.method)).toEqual(['POST', 'POST', 'GET', 'DELETE']);
    for (const s of server.seen) expect(s.headers['client-request-id']).toBe(CHANGE);
    const writes = lines.filter((l) => l.message === 'graph request' && l.level === 'information');
    expect(writes).toEqual([
      expect.objectContaining({ correlationId: CHANGE, method: 'POST', path: '/v1.0/users/u1/contacts', status: 201, requestId: 'graph-request-1' }),
      expect.objectContaining({ correlationId: CHANGE, method: 'DELETE', status: 204 }),
    ]);
    expect(lines.find((l) => l.method === 'GET')).toMatchObject({ level: 'debug', correlationId: CHANGE });
  });

  test('concurrent changes queued behind each other keep their own ids; a non-GUID id goes out as its GUID', async () => {
    await Promise.all([CHANGE, NOTIFICATION_ITEM].map((id) => runWithRequestContext({ correlationId: id }, () =>
      graph.get({ mailboxUserId: 'u1', recordType: 'contact', graphId: id }))));
    const byItem = Object.fromEntries(server.seen.map((s) => [decodeURIComponent(s.url.split('/').pop()!), s.headers['client-request-id']]));
    expect(byItem).toEqual({ [CHANGE]: CHANGE, [NOTIFICATION_ITEM]: clientRequestIdFor(NOTIFICATION_ITEM) });
  });

  test('outside a change the library sends a random id of its own', async () => {
    await graph.get({ mailboxUserId: 'u1', recordType: 'contact', graphId: 'AAMk1' });
    expect(server.seen[0]!.headers['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.seen[0]!.headers['client-request-id']).not.toBe(CHANGE);
  });
});

describe('Dataverse', () => {
  let patches = 0;
  let server: Awaited<ReturnType<typeof stub>>;
  let dataverse: DataverseGateway;
  const ROW = '5a0c3b1e-2d4f-4e6a-9b8c-7d6e5f4a3b2c';
  beforeAll(async () => {
    server = await stub((req): Answer => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'PATCH' && patches++ === 0) return { status: 429, headers: { 'Retry-After': '0' }, body: { error: { code: '0x80072322', message: 'limit' } } };
      if (req.method === 'PATCH') return { status: 200, body: { '@odata.etag': 'W/"2"', contactid: ROW } };
      if (req.method === 'POST') return { status: 204, headers: { 'OData-EntityId': `${server.url}/api/data/v9.2/contacts(${ROW})` } };
      if (req.method === 'DELETE') return { status: 204 };
      if (url.searchParams.get('page') === '2') return { status: 200, body: { value: [{ contactid: ROW }], '@odata.deltaLink': `${server.url}/api/data/v9.2/contacts?$deltatoken=1` } };
      return { status: 200, body: { value: [], '@odata.nextLink': `${server.url}/api/data/v9.2/contacts?page=2` } };
    });
    dataverse = new DataverseGateway({ dataverseUrl: server.url, tokens });
  });
  afterAll(() => server.close());
  beforeEach(() => { server.seen.length = 0; });

  test('every call of a change carries x-ms-client-request-id: writes, the retried write, each page of a read', async () => {
    const { lines, log } = logSink();
    await runWithRequestContext({ correlationId: NOTIFICATION_ITEM, log }, async () => {
      await dataverse.update('contacts', ROW, { jobtitle: 'x' }, 'W/"1"', ['jobtitle']);
      await dataverse.create('contacts', { lastname: 'y' });
      await dataverse.changes('contacts', ['contactid']);
      await dataverse.delete('contacts', ROW);
    });
    expect(server.seen.map((s) => s.method)).toEqual(['PATCH', 'PATCH', 'POST', 'GET', 'GET', 'DELETE']);
    const guid = clientRequestIdFor(NOTIFICATION_ITEM);
    for (const s of server.seen) expect(s.headers['x-ms-client-request-id']).toBe(guid);
    const writes = lines.filter((l) => l.message === 'dataverse request' && l.level === 'information');
    expect(writes.map((l) => l.operation)).toEqual([`Updating contacts(${ROW})`, 'Creating in contacts', `Deleting contacts(${ROW})`]);
    for (const l of writes) expect(l).toMatchObject({ correlationId: NOTIFICATION_ITEM, clientRequestId: guid, outcome: 'ok' });
    expect(writes[0]).toMatchObject({ retries: 1 });
  });

  test('outside a change nothing is sent', async () => {
    await dataverse.delete('contacts', ROW);
    expect(server.seen[0]!.headers['x-ms-client-request-id']).toBeUndefined();
  });
});

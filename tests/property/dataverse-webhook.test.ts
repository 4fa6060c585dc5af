/**
 * POST /api/webhooks/dataverse under random and mutated input (fast-check, 1,000+ requests to the running
 * host): the documented RemoteExecutionContext with random edits, random bytes, wrong or near-miss function
 * keys and shared secrets, odd content types, methods, headers and query strings. Whatever comes in, the
 * answer is 2xx or a clear 4xx, never a 5xx; a request that is certainly invalid is refused; and what the
 * worker receives is exactly what was accepted (one work item per 202, none for anything else).
 * The sandbox has two webhook secrets configured, as during a rotation: both must work.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { queueClient } from '../../shared/storage';
import { MAX_WEBHOOK_BODY_BYTES, WEBHOOK_SECRET_HEADER } from '../../shared/webhooks/dataverse-webhook';
import { eventually } from '../support/eventually';
import { fixture } from '../support/fixtures';
import { sandboxFixture } from '../support/sandbox-fixture';
import { checkAnswer, describe as describeCase, send, sendBatch, type HttpCase } from './support/http';
import { bodyOf, mutatedDocument, type Json } from './support/mutations';
import { contentTypeArb, extraHeaders, extraQuery, methodArb, nearMiss } from './support/requests';
import { workerLines, workerRuns } from './support/worker-log';

jest.setTimeout(120_000);
const RUNS = 100;
const BATCH = 10;
const SECRETS = [`old-${randomBytes(12).toString('base64url')}`, `new-${randomBytes(12).toString('base64url')}`];
const PATH = '/webhooks/dataverse';
let f: Awaited<ReturnType<typeof sandboxFixture>>;

beforeAll(async () => {
  f = await sandboxFixture({ appSettings: { SYNC_LOG_LEVEL: 'debug', SYNC_DATAVERSE_WEBHOOK_SECRETS: SECRETS.join(',') } });
});
afterAll(() => f?.stop());

const base = () => f.sandbox.manifest.urls.functions;
const key = () => f.sandbox.manifest.functionKey;

/** The documented delivery, and the same shaped for each table we sync, with images, and one we do not. */
function documents(): Json[] {
  const update = fixture<Record<string, Json>>('dataverse/webhook-update-contact-async-postoperation.json');
  const { ParentContext: _parent, ...flat } = update;
  const image = (table: string, id: string): Json => ({
    Attributes: [{ key: 'subject', value: 'Call back' }, { key: 'versionnumber', value: 1234 }, { key: 'modifiedon', value: '/Date(1506384247000)/' },
      { key: 'ownerid', value: { __type: 'EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts', Id: '75c2dd85-e89e-e711-8122-000d3aa2331c', LogicalName: 'systemuser', Name: 'Someone' } }],
    FormattedValues: [], Id: id, LogicalName: table,
  });
  const as = (table: string, message: string): Json => {
    const id = '6d81597f-0f9f-e711-8122-000d3aa2331c';
    return { ...flat, MessageName: message, PrimaryEntityName: table, PrimaryEntityId: id,
      PreEntityImages: [{ key: 'preimage', value: image(table, id) }], PostEntityImages: [{ key: 'postimage', value: image(table, id) }] };
  };
  return [update, as('task', 'Create'), as('appointment', 'Update'), as('contact', 'Assign'), as('task', 'Delete'), as('appointment', 'SetStateDynamicEntity'),
    fixture('dataverse/webhook-create-msdyn_agentstatus-sync-newer-shape.json')];
}

interface Generated {
  c: HttpCase;
  /** Certainly invalid, whatever the details: must be refused. */
  invalid: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What makes a delivery certainly unacceptable (the contract of the endpoint, not its code). */
function certainlyInvalid(c: HttpCase): boolean {
  if (c.method !== 'POST') return true;
  const presented = c.headers['x-functions-key'] || c.query.find(([k]) => k === 'code')?.[1];
  if (presented !== key()) return true;
  if (!SECRETS.includes(c.headers[WEBHOOK_SECRET_HEADER] ?? '')) return true;
  const type = c.headers['content-type'];
  if (type && !/json/i.test(type)) return true; // an empty Content-Type counts as none
  let body: unknown;
  try { body = JSON.parse(Buffer.from(c.body ?? '').toString('utf8')); } catch { return true; }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return true;
  const b = body as Record<string, unknown>;
  if (!['Create', 'Update', 'Delete', 'Assign', 'SetState', 'SetStateDynamicEntity'].includes(b.MessageName as string)) return true;
  if (!['task', 'contact', 'appointment'].includes(b.PrimaryEntityName as string)) return true;
  return ![b.PrimaryEntityId, b.InitiatingUserId, b.UserId].every((v) => typeof v === 'string' && GUID.test(v));
}

const caseArb: fc.Arbitrary<Generated> = fc.record({
  method: methodArb(['POST']),
  keyAt: fc.constantFrom('query', 'query', 'query', 'header', 'none', 'nearMiss'),
  keyMiss: fc.constant(null).chain(() => nearMiss(key())),
  secret: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SECRETS) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: nearMiss(SECRETS[0]!) }),
  contentType: fc.option(contentTypeArb, { freq: 8 }),
  sizeExceeded: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'TRUE', '1', '') }),
  headers: extraHeaders([WEBHOOK_SECRET_HEADER, 'x-ms-dynamics-msg-size-exceeded', 'x-functions-key']),
  query: extraQuery(),
  body: bodyOf(fc.oneof({ weight: 8, arbitrary: mutatedDocument(documents()) }, { weight: 1, arbitrary: fc.constantFrom(...documents()) })),
}).map((g) => {
  const headers: Record<string, string> = { ...g.headers };
  const query = [...g.query];
  if (g.keyAt === 'query') query.unshift(['code', key()]);
  if (g.keyAt === 'header') headers['x-functions-key'] = key();
  if (g.keyAt === 'nearMiss') query.unshift(['code', g.keyMiss]);
  if (g.secret !== undefined) headers[WEBHOOK_SECRET_HEADER] = g.secret;
  if (g.contentType !== null) headers['content-type'] = g.contentType;
  if (g.sizeExceeded !== null) headers['x-ms-dynamics-msg-size-exceeded'] = g.sizeExceeded;
  const c: HttpCase = { method: g.method, path: PATH, query, headers, body: g.body };
  return { c, invalid: certainlyInvalid(c) };
});

test('1,000 random and mutated deliveries: never a 5xx, invalid ones refused, exactly the accepted ones reach the worker', async () => {
  const accepted = new Set<string>();
  let sent = 0;
  let refused = 0;
  const runsBefore = workerRuns(f.sandbox.hostOutput);
  await fc.assert(fc.asyncProperty(fc.array(caseArb, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
    const answers = await sendBatch(base(), batch.map((g) => g.c));
    sent += batch.length;
    batch.forEach((g, i) => {
      const a = answers[i]!;
      checkAnswer(g.c, a);
      if (a.status >= 400) { refused += 1; return; }
      if (g.invalid) throw new Error(`an invalid delivery was accepted\n${describeCase(g.c, a)}`);
      if (a.status !== 202) throw new Error(`an accepted delivery must be 202\n${describeCase(g.c, a)}`);
      const answer = JSON.parse(a.text) as { correlationId: string; recordType: string; crmId: string };
      const body = JSON.parse(Buffer.from(g.c.body!).toString('utf8')) as { PrimaryEntityName: string; PrimaryEntityId: string };
      expect(answer).toMatchObject({ recordType: body.PrimaryEntityName, crmId: body.PrimaryEntityId.toLowerCase() });
      accepted.add(answer.correlationId);
    });
  }), { numRuns: RUNS, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: true });
  expect(sent).toBeGreaterThanOrEqual(1000);
  expect(refused).toBeGreaterThan(sent / 4);
  expect(accepted.size).toBeGreaterThan(20);
  // Every accepted delivery reached the worker once as a well-formed item, and nothing else did.
  await eventually(() => {
    const lines = workerLines(f.sandbox.hostOutput);
    expect(lines.filter((l) => l.message === 'work item poisoned')).toEqual([]);
    expect(new Set(lines.map((l) => l.correlationId))).toEqual(accepted);
  }, { timeoutMs: 30_000 });
  expect(workerRuns(f.sandbox.hostOutput) - runsBefore).toBeGreaterThanOrEqual(accepted.size);
});

test('both webhook secrets of a rotation are accepted; a body over the size limit is refused with 413 and enqueues nothing', async () => {
  const delivery = JSON.stringify(documents()[1]);
  const post = (secret: string | undefined, body: string) => send(base(), {
    method: 'POST', path: PATH, query: [['code', key()]], body,
    headers: { 'content-type': 'application/json', ...(secret ? { [WEBHOOK_SECRET_HEADER]: secret } : {}) },
  });
  const ids: string[] = [];
  for (const secret of SECRETS) {
    const answer = await post(secret, delivery);
    expect(answer.status).toBe(202);
    ids.push((JSON.parse(answer.text) as { correlationId: string }).correlationId);
  }
  expect((await post(undefined, delivery)).status).toBe(401);
  expect((await post(`${SECRETS[0]},${SECRETS[1]}`, delivery)).status).toBe(401);
  await eventually(() => expect(workerLines(f.sandbox.hostOutput).map((l) => l.correlationId)).toEqual(expect.arrayContaining(ids)));
  const queue = queueClient(f.sandbox.manifest.storage.connectionString, 'sync-work');
  await eventually(async () => expect((await queue.getProperties()).approximateMessagesCount).toBe(0));
  const runs = workerRuns(f.sandbox.hostOutput);
  // Still a well-formed delivery, only padded: the limit is on size, whatever the content.
  const padded = JSON.stringify({ ...(documents()[1] as object), Padding: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) });
  for (const body of [padded, 'x'.repeat(5 * MAX_WEBHOOK_BODY_BYTES)]) {
    const answer = await post(SECRETS[1], body);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'PayloadTooLarge' } });
  }
  await new Promise((r) => setTimeout(r, 2500));
  expect(workerRuns(f.sandbox.hostOutput)).toBe(runs);
  expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
});

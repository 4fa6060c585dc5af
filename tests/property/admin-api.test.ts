/**
 * The admin API under random and mutated input (fast-check, 1,000+ requests to each function, to the running
 * host): every Authorization header that must be refused (no role, another audience, forged, `alg: none`,
 * edited claims, one character changed, junk), and with the valid admin token, random filters, mailbox ids,
 * actions and mutated PATCH bodies. The answer is 2xx or a clear 4xx, never a 5xx; a request without the
 * valid token gets 401/403 whatever it asks; and nothing is enqueued (no mailbox is approved here, so even a
 * valid Test & Enable is refused).
 */
import fc from 'fast-check';
import { MAX_ADMIN_BODY_BYTES } from '../../shared/admin/admin-api';
import { queueClient } from '../../shared/storage';
import { sandboxFixture } from '../support/sandbox-fixture';
import { checkAnswer, describe as describeCase, sendBatch, type HttpCase } from './support/http';
import { bodyOf, mutatedDocument, type Json } from './support/mutations';
import { contentTypeArb, extraHeaders, extraQuery, methodArb } from './support/requests';
import { adminTokens, type AdminTokens } from './support/tokens';
import { workerRuns } from './support/worker-log';

jest.setTimeout(120_000);
const RUNS = 100;
const BATCH = 10;
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let tokens: AdminTokens;
let runsBefore = 0;

beforeAll(async () => {
  f = await sandboxFixture();
  tokens = await adminTokens(f.sandbox);
  runsBefore = workerRuns(f.sandbox.hostOutput);
});
afterAll(() => f?.stop());

interface Target {
  method: string;
  path: string;
  query?: Array<[string, string]>;
  body?: string | Uint8Array;
  /** With the valid token, the request is still certainly invalid (must be 4xx). */
  invalidEvenWithToken: boolean;
}

const userIds = () => f.sandbox.seed.users.map((u) => u.systemUserId);
const ACTIONS = ['approve', 'reject', 'test-and-enable', 'disable', 'rotate-client-state'];
const METHODS_KEYS = ['appointments', 'contacts', 'tasks'];

/** A mailbox id in the route: a seed user, an unknown GUID, or something the {systemUserId:guid} route refuses. */
const mailboxId = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null).map(() => 'seed') },
  { weight: 3, arbitrary: fc.uuid() },
  // ('..' is left out: the client itself resolves it, to another route.)
  { weight: 1, arbitrary: fc.constantFrom('not-a-guid', '00000000-0000-0000-0000-00000000000g', '%2e%2e', '{00000000-0000-0000-0000-000000000000}', '0'.repeat(36)) },
).chain((id) => (id === 'seed' ? fc.constantFrom(...userIds()).chain((u) => fc.constantFrom(u, u.toUpperCase())) : fc.constant(id)));

const syncMethodsBody = fc.record({
  appointments: fc.constantFrom('serverSideSync', 'none'), contacts: fc.constantFrom('serverSideSync', 'none'), tasks: fc.constantFrom('serverSideSync', 'none'),
}, { requiredKeys: [] }).map((syncMethods) => ({ syncMethods } as Json));

/** A valid PATCH body: an object whose syncMethods maps known record types to a known method. */
function validPatch(text: string): boolean {
  let body: unknown;
  try { body = JSON.parse(text.replace(/^\uFEFF/, '')); } catch { return false; } // a parser may ignore a BOM (RFC 8259 §8.1)
  const methods = (body as { syncMethods?: unknown } | null)?.syncMethods;
  if (!methods || typeof methods !== 'object' || Array.isArray(methods)) return false;
  return Object.entries(methods).every(([k, v]) => METHODS_KEYS.includes(k) && (v === 'serverSideSync' || v === 'none'));
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const known = (id: string) => userIds().includes(id.toLowerCase());

const targets: Record<string, fc.Arbitrary<Target>> = {
  list: fc.record({
    method: methodArb(['GET']),
    actStatus: fc.option(fc.constantFrom('notRun', 'running', 'success', 'failure', 'Success', '', 'all', "success' or 1 eq 1"), { freq: 2 }),
  }).map(({ method, actStatus }) => ({
    method, path: '/mailboxes', query: actStatus === null ? [] : [['actStatus', actStatus] as [string, string]],
    invalidEvenWithToken: method !== 'GET' || (actStatus !== null && !['notRun', 'running', 'success', 'failure'].includes(actStatus)),
  })),
  mailbox: fc.record({
    method: methodArb(['GET', 'PATCH']),
    id: mailboxId,
    body: bodyOf(fc.oneof(syncMethodsBody, mutatedDocument([{ syncMethods: { appointments: 'serverSideSync', contacts: 'none', tasks: 'none' } }, { syncMethods: {} }]))),
  }).map(({ method, id, body }) => ({
    method, path: `/mailboxes/${encodeURIComponent(id)}`, body: method === 'PATCH' ? body : undefined,
    invalidEvenWithToken: !['GET', 'PATCH'].includes(method) || !GUID.test(id) || !known(id) || (method === 'PATCH' && !validPatch(Buffer.from(body).toString('utf8'))),
  })),
  action: fc.record({
    method: methodArb(['POST']),
    id: mailboxId,
    // (No empty action: /mailboxes/{id}/ is the mailbox's own route, trailing slashes being ignored.)
    action: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ACTIONS) }, { weight: 1, arbitrary: fc.constantFrom('Approve', 'TEST-AND-ENABLE', 'enable', 'test and enable', 'delete', '%2e%2e') }),
  }).map(({ method, id, action }) => {
    // Approving a real mailbox would make a later Test & Enable valid (and enqueue): approve unknown ids only.
    const safeId = action === 'approve' && known(id) ? '6f0c6a4e-0000-4000-8000-000000000001' : id;
    return {
      method, path: `/mailboxes/${encodeURIComponent(safeId)}/${encodeURIComponent(action)}`,
      // test-and-enable of a mailbox nobody approved is refused (409), like everything on unknown ids.
      invalidEvenWithToken: method !== 'POST' || !GUID.test(safeId) || !known(safeId) || !ACTIONS.includes(action) || action === 'test-and-enable',
    };
  }),
};

function caseArb(target: fc.Arbitrary<Target>): fc.Arbitrary<{ c: HttpCase; mustRefuse: boolean }> {
  return fc.record({
    target,
    auth: fc.oneof({ weight: 3, arbitrary: fc.constant(null).map(() => tokens.valid) }, { weight: 2, arbitrary: tokens.refused }),
    lowerScheme: fc.boolean(),
    contentType: fc.option(contentTypeArb, { freq: 4 }),
    headers: extraHeaders(['authorization']),
    query: extraQuery(['access_token']),
  }).map(({ target, auth, lowerScheme, contentType, headers, query }) => {
    const authorization = auth === tokens.valid && lowerScheme ? auth.replace('Bearer', 'bearer') : auth;
    const h: Record<string, string> = { ...headers, ...(contentType === null ? {} : { 'content-type': contentType }) };
    if (authorization === undefined) delete h.authorization; else h.authorization = authorization;
    const c: HttpCase = { method: target.method, path: target.path, query: [...(target.query ?? []), ...query.filter(([k]) => k !== 'actStatus')], headers: h, body: target.body };
    return { c, mustRefuse: auth !== tokens.valid || target.invalidEvenWithToken };
  });
}

async function property(target: fc.Arbitrary<Target>): Promise<{ sent: number; ok: number }> {
  let sent = 0;
  let ok = 0;
  await fc.assert(fc.asyncProperty(fc.array(caseArb(target), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
    const answers = await sendBatch(f.sandbox.manifest.urls.functions, batch.map((b) => b.c));
    sent += batch.length;
    batch.forEach(({ c, mustRefuse }, i) => {
      const a = answers[i]!;
      checkAnswer(c, a);
      if (a.status < 400) ok += 1;
      if (mustRefuse && a.status < 400) throw new Error(`accepted, but must be refused\n${describeCase(c, a)}`);
      const hasValidToken = c.headers.authorization?.replace(/^bearer/, 'Bearer') === tokens.valid;
      if (!hasValidToken && a.status !== 404 && a.status !== 401 && a.status !== 403) throw new Error(`no valid token, yet not 401/403\n${describeCase(c, a)}`);
    });
  }), { numRuns: RUNS, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: true });
  return { sent, ok };
}

test.each(Object.keys(targets))('%s: 1,000 requests, never a 5xx, refused without the valid token', async (name) => {
  const { sent, ok } = await property(targets[name]!);
  expect(sent).toBeGreaterThanOrEqual(1000);
  expect(ok).toBeGreaterThan(50); // enough valid requests got through for the checks behind the token to run
});

test('a PATCH body over the size limit is refused with 413, even when well-formed', async () => {
  const megan = f.user('megan');
  const body = JSON.stringify({ syncMethods: { tasks: 'none' }, padding: 'x'.repeat(MAX_ADMIN_BODY_BYTES) });
  const [answer] = await sendBatch(f.sandbox.manifest.urls.functions, [{
    method: 'PATCH', path: `/mailboxes/${megan.systemUserId}`, query: [], body, headers: { authorization: tokens.valid, 'content-type': 'application/json' },
  }]);
  expect(answer!.status).toBe(413);
  expect(JSON.parse(answer!.text)).toMatchObject({ error: { code: 'PayloadTooLarge' } });
});

test('none of those requests enqueued anything or approved a mailbox', async () => {
  await new Promise((r) => setTimeout(r, 2500));
  expect(workerRuns(f.sandbox.hostOutput)).toBe(runsBefore);
  expect((await queueClient(f.sandbox.manifest.storage.connectionString, 'sync-work').getProperties()).approximateMessagesCount).toBe(0);
  for (const u of f.sandbox.seed.users) expect((await f.registry.get(u.systemUserId))?.approval ?? 'pending').not.toBe('approved');
});

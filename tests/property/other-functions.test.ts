/**
 * The remaining HTTP functions under random input (fast-check, 1,000+ requests to each): /api/health, the
 * admin page /api/console, its assets /api/console/assets/{name}, and its sandbox sign-in
 * /api/console/sandbox-token. Random methods, query strings, headers, bodies and asset names: never a 5xx,
 * a clear 4xx, no file outside the page's own assets served, and nothing enqueued.
 */
import fc from 'fast-check';
import { queueClient } from '../../shared/storage';
import { sandboxFixture } from '../support/sandbox-fixture';
import { checkAnswer, describe as describeCase, sendBatch, type HttpCase } from './support/http';
import { bodyOf, type Json } from './support/mutations';
import { contentTypeArb, extraHeaders, extraQuery, methodArb } from './support/requests';
import { workerRuns } from './support/worker-log';

jest.setTimeout(120_000);
const RUNS = 100;
const BATCH = 10;
let f: Awaited<ReturnType<typeof sandboxFixture>>;
let runsBefore = 0;

beforeAll(async () => {
  f = await sandboxFixture();
  runsBefore = workerRuns(f.sandbox.hostOutput);
});
afterAll(() => f?.stop());

const ASSETS = ['admin.css', 'admin.js'];
const assetName = fc.oneof(
  fc.constantFrom(...ASSETS),
  fc.constantFrom('ADMIN.CSS', 'admin.css.map', '..%2F..%2Fpackage.json', '%2e%2e%2flocal.settings.json', 'admin.js%00.css', 'index.html', '.env', '~', 'host.json'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
);

interface Endpoint {
  methods: string[];
  path: fc.Arbitrary<string>;
  /** What a 2xx must look like (when the method is the endpoint's own). */
  check?: (c: HttpCase, status: number, text: string, contentType: string) => void;
}

const endpoints: Record<string, Endpoint> = {
  health: { methods: ['GET'], path: fc.constant('/health'), check: (_c, status, text) => { if (status === 200) expect(JSON.parse(text)).toMatchObject({ status: 'healthy' }); } },
  console: { methods: ['GET'], path: fc.constant('/console'), check: (_c, status, _t, type) => { if (status === 200) expect(type).toMatch(/^text\/html/); } },
  asset: {
    methods: ['GET'],
    path: assetName.map((n) => `/console/assets/${n}`),
    check: (c, status) => { if (status === 200) expect(ASSETS).toContain(decodeURIComponent(c.path.split('/').pop()!)); },
  },
  sandboxToken: { methods: ['POST'], path: fc.constant('/console/sandbox-token') },
};

function caseArb(e: Endpoint): fc.Arbitrary<HttpCase> {
  return fc.record({
    method: methodArb(e.methods),
    path: e.path,
    contentType: fc.option(contentTypeArb, { freq: 2 }),
    headers: extraHeaders(['authorization']),
    query: extraQuery(),
    body: fc.option(bodyOf(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>), { freq: 2 }),
  }).map((g) => ({
    method: g.method, path: g.path, query: g.query, body: g.body ?? undefined,
    headers: { ...g.headers, ...(g.contentType === null ? {} : { 'content-type': g.contentType }) },
  }));
}

test.each(Object.keys(endpoints))('%s: 1,000 requests, never a 5xx', async (name) => {
  const e = endpoints[name]!;
  let sent = 0;
  await fc.assert(fc.asyncProperty(fc.array(caseArb(e), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
    const answers = await sendBatch(f.sandbox.manifest.urls.functions, batch);
    sent += batch.length;
    batch.forEach((c, i) => {
      const a = answers[i]!;
      checkAnswer(c, a, { plainTextErrors: name === 'asset' });
      try {
        if (e.methods.includes(c.method)) e.check?.(c, a.status, a.text, a.contentType);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${describeCase(c, a)}`);
      }
    });
  }), { numRuns: RUNS, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: true });
  expect(sent).toBeGreaterThanOrEqual(1000);
});

test('none of those requests enqueued anything', async () => {
  await new Promise((r) => setTimeout(r, 2500));
  expect(workerRuns(f.sandbox.hostOutput)).toBe(runsBefore);
  expect((await queueClient(f.sandbox.manifest.storage.connectionString, 'sync-work').getProperties()).approximateMessagesCount).toBe(0);
});

/**
 * JSON batching, POST /v1.0/$batch: at most 20 requests with unique (case-insensitive) ids, relative URLs,
 * a Content-Type header whenever there is a body; `dependsOn` orders requests and a request whose
 * dependency failed answers 424. Inner requests run through the same routes (EmulatorServer.dispatch), so
 * they are authenticated, counted and throttled one by one (an inner 429 carries its own Retry-After).
 * Like Outlook, at most 4 inner requests of a batch run at the same time.
 */
import type { EmulatorRequest } from '../common/server';
import type { GraphEnv } from './env';
import { errorBody, graphError } from './errors';
import { JSON_CONTENT_TYPE, reply } from './request';

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

interface BatchResult {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const MAX_REQUESTS = 20;
const PARALLEL = 4;

const invalid = (message: string) => graphError(400, 'BadRequest', message);

function parseBatch(req: EmulatorRequest): BatchItem[] {
  let payload: unknown;
  try {
    payload = JSON.parse(req.body.toString('utf8') || 'null');
  } catch {
    throw invalid('Invalid batch payload format.');
  }
  const requests = (payload as { requests?: unknown })?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw invalid('Invalid batch payload format.');
  if (requests.length > MAX_REQUESTS) throw invalid(`The number of requests in a batch cannot exceed ${MAX_REQUESTS}.`);
  const items = requests.map((r: Record<string, unknown>) => {
    if (!r || typeof r !== 'object' || (typeof r.id !== 'string' && typeof r.id !== 'number') || typeof r.method !== 'string' || typeof r.url !== 'string') {
      throw invalid('Invalid batch payload format. Each request needs id, method and url.');
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((r.headers as Record<string, unknown> | undefined) ?? {})) headers[k.toLowerCase()] = String(v);
    const dependsOn = Array.isArray(r.dependsOn) ? r.dependsOn.map(String) : [];
    return { id: String(r.id), method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn };
  });
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id.toLowerCase())) throw invalid(`Batch request contains duplicate ids: '${item.id}'.`);
    ids.add(item.id.toLowerCase());
    if (item.body !== undefined && !item.headers['content-type']) {
      throw invalid(`Write request id : ${item.id} does not contain Content-Type header or body.`);
    }
  }
  for (const item of items) {
    for (const dep of item.dependsOn) if (!ids.has(dep.toLowerCase())) throw invalid(`Request id : ${item.id} depends on '${dep}', which is not in the batch.`);
  }
  // Cycles would never run.
  const byId = new Map(items.map((i) => [i.id.toLowerCase(), i]));
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (id: string): void => {
    if (done.has(id)) return;
    if (visiting.has(id)) throw invalid('Batch request contains a circular dependency.');
    visiting.add(id);
    for (const dep of byId.get(id)!.dependsOn) visit(dep.toLowerCase());
    visiting.delete(id);
    done.add(id);
  };
  for (const id of byId.keys()) visit(id);
  return items;
}

export function registerBatch(env: GraphEnv): void {
  const { server, access } = env;

  async function runOne(outer: EmulatorRequest, item: BatchItem): Promise<BatchResult> {
    if (/^[a-z]+:\/\//i.test(item.url)) {
      return { id: item.id, status: 400, headers: { 'Content-Type': 'application/json' }, body: errorBody('BadRequest', 'The url of a request in a batch must be relative, e.g. /users.') };
    }
    const url = new URL(`/v1.0${item.url.startsWith('/') ? '' : '/'}${item.url}`, server.url || 'https://127.0.0.1');
    let body = Buffer.alloc(0);
    if (item.body !== undefined) {
      body = typeof item.body === 'string' && !item.headers['content-type']!.includes('json')
        ? Buffer.from(item.body, 'base64')
        : Buffer.from(JSON.stringify(item.body), 'utf8');
    }
    const headers = { ...item.headers, authorization: String(outer.headers.authorization ?? '') };
    const inner: Omit<EmulatorRequest, 'params'> = {
      method: item.method, path: url.pathname, url, query: url.searchParams, headers, body, raw: outer.raw,
      json<T>(): T {
        try { return JSON.parse(body.toString('utf8') || 'null') as T; } catch { throw graphError(400, 'BadRequest', 'Request body is not valid JSON'); }
      },
    };
    const response = await server.dispatch(inner);
    if (response === 'drop') {
      return { id: item.id, status: 504, headers: { 'Content-Type': 'application/json' }, body: errorBody('GatewayTimeout', 'The request timed out.') };
    }
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers ?? {})) outHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
    let outBody: unknown = response.body;
    if (Buffer.isBuffer(outBody)) outBody = outBody.toString('base64');
    if (outBody !== undefined && outBody !== null && typeof outBody === 'object' && !Object.keys(outHeaders).some((h) => h.toLowerCase() === 'content-type')) {
      outHeaders['Content-Type'] = JSON_CONTENT_TYPE;
    }
    return { id: item.id, status: response.status, headers: outHeaders, ...(outBody === undefined || outBody === null ? {} : { body: outBody }) };
  }

  server.route('POST', '/v1.0/$batch', async (req) => {
    await access.authenticate(req);
    const items = parseBatch(req);
    const results = new Map<string, BatchResult>();
    const pending = new Set(items);
    while (pending.size > 0) {
      const ready = [...pending].filter((i) => i.dependsOn.every((d) => results.has(d.toLowerCase())));
      const wave = ready.slice(0, PARALLEL);
      await Promise.all(wave.map(async (item) => {
        pending.delete(item);
        const failedDependency = item.dependsOn.some((d) => {
          const status = results.get(d.toLowerCase())!.status;
          return status < 200 || status >= 300;
        });
        const result = failedDependency
          ? { id: item.id, status: 424, headers: { 'Content-Type': 'application/json' }, body: errorBody('FailedDependency', 'The request was not run because a request it depends on failed.') }
          : await runOne(req, item);
        results.set(item.id.toLowerCase(), result);
      }));
    }
    return reply(req, 200, { responses: items.map((i) => results.get(i.id.toLowerCase())!) });
  });
}

/**
 * Test harness: an identity emulator and a Graph emulator on free ports, tokens for the seed's apps, and a
 * small `call()` over fetch that returns status, headers and parsed body. Tests of other parts (e.g.
 * subscriptions) can use it too.
 */
import { ensureSandboxCertificate } from '../common/tls';
import { createIdentityEmulator, type IdentityEmulator } from '../identity/server';
import { defaultSeed, GRAPH_RESOURCE, type SandboxSeed } from '../seed';
import { GraphControls } from './controls-client';
import { collectionViolations, schemaViolations } from './schema-check';
import { createGraphEmulator, type GraphEmulator, type GraphEmulatorOptions } from './server';

export type AppName = 'sync' | 'people' | 'admin';

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  app?: AppName;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no Authorization header. */
  anonymous?: boolean;
  /** Use this token instead of the app's. */
  token?: string;
}

export interface GraphSandbox {
  seed: SandboxSeed;
  identity: IdentityEmulator;
  graph: GraphEmulator;
  /** e.g. https://127.0.0.1:51234 */
  baseUrl: string;
  /** e.g. https://127.0.0.1:51234/v1.0 */
  v1: string;
  authority: string;
  controls: GraphControls;
  token(app?: AppName): Promise<string>;
  /** `path` is relative to /v1.0 (e.g. `/users/x/events`) or an absolute URL (next/delta links). */
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<CallResult<T>>;
  /** Every response `call()` received, for schema walks (see `schemaReport`). */
  responses: RecordedResponse[];
  close(): Promise<void>;
}

export interface RecordedResponse {
  method: string;
  url: string;
  status: number;
  body: unknown;
}

/** Which Graph type a response body holds, judged from the request URL (undefined: not a resource we walk). */
export function resourceTypeOf(url: string): string | undefined {
  const path = new URL(url).pathname.replace(/^\/v1\.0/, '');
  if (/\/linkedResources(\/[^/]+)?$/.test(path)) return 'linkedResource';
  if (/\/todo\/lists\/[^/]+\/tasks(\/delta|\/[^/]+)?$/.test(path)) return 'todoTask';
  if (/\/todo\/lists(\/[^/]+)?$/.test(path)) return 'todoTaskList';
  if (/\/(events|calendarView)(\/delta|\/[^/]+)?$/.test(path) || /\/calendar\/events(\/[^/]+)?$/.test(path)) return 'event';
  if (/\/contacts(\/delta|\/[^/]+)?$/.test(path)) return 'contact';
  return undefined;
}

/** Schema violations in every recorded 2xx response of events, contacts, To Do tasks, lists and linked resources. */
export function schemaReport(responses: RecordedResponse[]): string[] {
  const out: string[] = [];
  for (const r of responses) {
    const type = resourceTypeOf(r.url);
    if (!type || r.status >= 300 || !r.body || typeof r.body !== 'object') continue;
    const body = r.body as { value?: unknown[] };
    const problems = Array.isArray(body.value) ? collectionViolations(type, body) : schemaViolations(type, body);
    out.push(...problems.map((p) => `${r.method} ${r.url}: ${p}`));
  }
  return out;
}

export async function startGraphSandbox(options: { seed?: SandboxSeed } & Partial<Omit<GraphEmulatorOptions, 'seed' | 'tls' | 'identityUrl'>> = {}): Promise<GraphSandbox> {
  const seed = options.seed ?? defaultSeed('https://127.0.0.1:7399');
  const tls = ensureSandboxCertificate();
  const identity = await createIdentityEmulator({ seed, tls });
  const identityUrl = await identity.listen(0);
  const graph = createGraphEmulator({ seed, tls, identityUrl, throttle: options.throttle, pageSize: options.pageSize });
  const baseUrl = await graph.listen(0);
  const tokens = new Map<AppName, string>();
  const token = async (app: AppName = 'sync'): Promise<string> => {
    let t = tokens.get(app);
    if (!t) {
      t = await identity.issueToken(seed.clients[app], GRAPH_RESOURCE);
      tokens.set(app, t);
    }
    return t;
  };
  const call = async <T>(method: string, path: string, o: CallOptions = {}): Promise<CallResult<T>> => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (!o.anonymous) headers.authorization = `Bearer ${o.token ?? await token(o.app)}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const url = /^https?:/.test(path) ? path : `${baseUrl}/v1.0${path}`;
    const res = await fetch(url, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
    responses.push({ method, url, status: res.status, body });
    return { status: res.status, headers: res.headers, body: body as T };
  };
  const responses: RecordedResponse[] = [];
  return {
    seed, identity, graph, baseUrl, v1: `${baseUrl}/v1.0`, authority: `${identityUrl}/${seed.tenantId}`,
    controls: new GraphControls(baseUrl), token, call, responses,
    close: async () => { await graph.close(); await identity.close(); },
  };
}

/**
 * HTTP triggers at `<scheme>://127.0.0.1:<port>/<routePrefix>/<route>`, with the real host's answers: no route
 * (or the wrong method) → 404, missing/wrong key → 401, handler error → 500, all with empty bodies; no response
 * from the handler → 204. HTTPS when a certificate is given (Graph only posts to https URLs).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RegisteredFunction } from './fake-core';
import { invoke } from './invoke';
import { isAuthorized, requestKey, type HostKeys } from './keys';
import { compileRoute, comparePrecedence, type RouteTemplate } from './route-template';
import { fromTypedData, type RpcHttpCookie, type RpcInvocationResponse, type RpcTypedData } from './rpc';
import type { HostRuntime } from './runtime';

export interface HttpRoute {
  fn: RegisteredFunction;
  triggerName: string;
  route: RouteTemplate;
  /** Upper-case; undefined = every method. */
  methods?: string[];
  authLevel: unknown;
}

export interface HttpListenerOptions {
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  keys: HostKeys;
}

export interface HttpListener {
  url: string;
  routes: HttpRoute[];
  /** Stops accepting connections; requests in progress carry on. */
  stopAccepting(): void;
  /** Drops whatever connections remain and resolves when the server is closed. */
  close(): Promise<void>;
}

export function httpRoutes(functions: RegisteredFunction[]): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const fn of functions) {
    const [triggerName, trigger] = Object.entries(fn.metadata.bindings).find(([, b]) => b.type?.toLowerCase() === 'httptrigger') ?? [];
    if (!triggerName || !trigger) continue;
    const methods = Array.isArray(trigger.methods) && trigger.methods.length > 0 ? trigger.methods.map((m) => String(m).toUpperCase()) : undefined;
    const template = typeof trigger.route === 'string' && trigger.route !== '' ? trigger.route : fn.metadata.name;
    // The real host refuses routes that would shadow its built-in ones, whatever the route prefix.
    if (/^\/?(admin|runtime)/i.test(template)) {
      throw new Error(`Function '${fn.metadata.name}': the route '${template}' conflicts with one or more built in routes (routes may not start with 'admin' or 'runtime')`);
    }
    routes.push({ fn, triggerName, route: compileRoute(template), methods, authLevel: trigger.authLevel });
  }
  return routes.sort((a, b) => comparePrecedence(a.route, b.route));
}

function bodyBytes(data: RpcTypedData | null | undefined): Buffer {
  const value = fromTypedData(data);
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}

function serializeCookie(c: RpcHttpCookie): string {
  const parts = [`${c.name ?? ''}=${c.value ?? ''}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  if (c.expires?.value?.seconds != null) parts.push(`Expires=${new Date(c.expires.value.seconds * 1000).toUTCString()}`);
  if (c.maxAge?.value != null) parts.push(`Max-Age=${c.maxAge.value}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None', none: undefined }[c.sameSite ?? 'none'];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

/** The value of the function's `http` output binding (normally `$return`). */
function httpOutput(fn: RegisteredFunction, response: RpcInvocationResponse): RpcTypedData | null | undefined {
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (binding.direction !== 'out' || binding.type?.toLowerCase() !== 'http') continue;
    return name === '$return' ? response.returnValue : response.outputData?.find((o) => o.name === name)?.data;
  }
  return undefined;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function empty(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-length': '0', ...headers }).end();
}

export async function startHttpListener(rt: HostRuntime, functions: RegisteredFunction[], options: HttpListenerOptions): Promise<HttpListener> {
  const routes = httpRoutes(functions);
  const scheme = options.tls ? 'https' : 'http';
  const prefix = rt.settings.routePrefix.toLowerCase();

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // During shutdown, keep-alive connections may still bring requests: refuse them like a draining host.
    if (rt.stopping) return empty(res, 503, { connection: 'close' });
    const url = new URL(req.url ?? '/', `${scheme}://${req.headers.host ?? '127.0.0.1'}`);
    let path = url.pathname;
    if (prefix) {
      const lower = path.toLowerCase();
      if (lower !== `/${prefix}` && !lower.startsWith(`/${prefix}/`)) return empty(res, 404);
      path = path.slice(prefix.length + 1);
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let found: { route: HttpRoute; params: Record<string, string> } | undefined;
    for (const route of routes) {
      if (route.methods && !route.methods.includes(method)) continue;
      const params = route.route.match(path);
      if (params) { found = { route, params }; break; }
    }
    if (!found) return empty(res, 404);
    const { route, params } = found;
    if (!isAuthorized(route.authLevel, route.fn.metadata.name, requestKey(url, req.headers['x-functions-key']), options.keys)) {
      return empty(res, 401);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const body = await readBody(req);
    const outcome = await rt.inFlight.track(invoke(rt, route.fn, {
      inputData: [{ name: route.triggerName, data: { http: { method, url: url.href, headers, params, body: { bytes: body } } } }],
      traceParent: headers.traceparent,
      reason: 'This function was programmatically called via the host APIs.',
    }));
    if (!outcome.ok) return empty(res, 500);
    const output = httpOutput(route.fn, outcome.response)?.http;
    if (!output) return empty(res, 204);
    res.statusCode = Number(output.statusCode ?? 200) || 200;
    for (const [name, value] of Object.entries(output.headers ?? {})) res.setHeader(name, value);
    const cookies = (output.cookies ?? []).map(serializeCookie);
    if (cookies.length > 0) res.setHeader('set-cookie', cookies);
    res.end(bodyBytes(output.body));
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      rt.log(`HTTP request ${req.method} ${req.url} failed in the host: ${String(error)}`);
      if (!res.headersSent) empty(res, 500);
      else res.destroy();
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    routes,
    stopAccepting() {
      server.close();
      server.closeIdleConnections();
    },
    async close() {
      if (server.listening) server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The small HTTPS server every emulator is built on: a router keyed by method and path template, plus the
 * test controls the sandbox promises (latency, injected faults, per-endpoint call counters), served under
 * `/_emulator/*` so that tests and benchmarks drive any emulator the same way over HTTP.
 *
 * Call counters are kept here, outside the code under test, so benchmark figures are counted by the
 * emulators, not by our own code. Beside the calls, the statuses answered are counted too (GET
 * /_emulator/responses, keyed "STATUS METHOD template"): a client that retries 429s by itself (Graph's
 * RetryHandler, our Dataverse gateway) hides them from its caller, so only the service can count them.
 *
 * The last requests are kept too (GET /_emulator/requests, newest last; DELETE clears them, and so does
 * resetting the counters): method, path, status and the correlation headers the caller sent
 * (`client-request-id` for Graph, `x-ms-client-request-id` for Dataverse), so a test can see which change
 * a call was made for. $batch parts are kept as their own entries, with the headers of the part.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface EmulatorRequest {
  method: string;
  /** Path without the query string, percent-decoded per segment by the router. */
  path: string;
  url: URL;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string>;
  body: Buffer;
  /** Parses the body as JSON; throws BadRequest-style EmulatorHttpError on invalid JSON. */
  json<T = unknown>(): T;
  raw: http.IncomingMessage;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
}

export type RouteHandler = (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

/** Throw this from a handler to answer with a service-shaped error. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

export interface InjectedFault {
  /** HTTP status to answer instead of calling the handler (e.g. 429, 500, 503), or 'drop' to destroy the socket. */
  status: number | 'drop';
  /** How many matching calls get the fault. */
  count: number;
  /** Only calls whose "METHOD template" matches this regular expression (default: all). */
  match?: string;
  /** Seconds for a Retry-After header (429/503). */
  retryAfter?: number;
  /** Body to send; default: the emulator's own error shape for the status (see `faultBody`). */
  body?: unknown;
}

/** One request as the emulator recorded it (GET /_emulator/requests). */
export interface RecordedRequest {
  time: string;
  method: string;
  /** Path as requested (no query string). */
  path: string;
  /** The route's template, as in the counters. */
  template: string;
  status: number | 'drop';
  /** The recorded request headers the caller sent (lower-case names; see `recordedHeaders`). */
  headers: Record<string, string>;
}

/** Request headers kept in the request log: the client correlation ids Graph and Dataverse clients send. */
export const DEFAULT_RECORDED_HEADERS = ['client-request-id', 'x-ms-client-request-id', 'x-ms-correlation-request-id'];
/** Requests kept in the log (the oldest are forgotten first). */
export const REQUEST_LOG_SIZE = 2000;

export interface EmulatorServerOptions {
  name: string;
  /** PEM certificate and key; omitted → plain HTTP (only for tests of the server itself). */
  tls?: { cert: string; key: string };
  /** Builds the service-shaped error body for an injected fault. */
  faultBody?: (status: number) => unknown;
  /** Largest accepted request body in bytes (default 4 MB, Graph's request limit). */
  maxBodyBytes?: number;
  /** Request headers kept in the request log (default DEFAULT_RECORDED_HEADERS). */
  recordedHeaders?: string[];
  /**
   * Last touch to every service answer (not to test controls), injected faults and routing errors included:
   * headers every answer of the service has (e.g. Graph's request-id and echoed client-request-id).
   */
  finishResponse?: (req: Omit<EmulatorRequest, 'params'>, response: EmulatorResponse) => EmulatorResponse;
}

/** A template like `/v1.0/users/{userId}/events/{id}` → a regular expression with named groups. */
function compileTemplate(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) =>
      segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      }),
    )
    .join('/');
  return { pattern: new RegExp(`^${source}$`), names };
}

export class EmulatorServer {
  private readonly routes: Route[] = [];
  private readonly counters = new Map<string, number>();
  private readonly responses = new Map<string, number>();
  private readonly faults: InjectedFault[] = [];
  private readonly requestLog: RecordedRequest[] = [];
  private latencyMs = 0;
  private server: http.Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  /** Base URL once listening, e.g. https://127.0.0.1:7301 */
  url = '';

  constructor(private readonly options: EmulatorServerOptions) {
    this.route('GET', '/_emulator/counters', () => ({ status: 200, body: this.countersSnapshot() }));
    this.route('DELETE', '/_emulator/counters', () => { this.resetCounters(); return { status: 204 }; });
    this.route('GET', '/_emulator/responses', () => ({ status: 200, body: this.responsesSnapshot() }));
    this.route('DELETE', '/_emulator/responses', () => { this.responses.clear(); return { status: 204 }; });
    this.route('GET', '/_emulator/requests', (req) => ({ status: 200, body: { value: this.recordedRequests(req.query) } }));
    this.route('DELETE', '/_emulator/requests', () => { this.requestLog.length = 0; return { status: 204 }; });
    this.route('PUT', '/_emulator/latency', (req) => {
      const { ms } = req.json<{ ms: number }>();
      if (typeof ms !== 'number' || ms < 0) throw new EmulatorHttpError(400, { error: 'ms must be a number >= 0' });
      this.latencyMs = ms;
      return { status: 204 };
    });
    this.route('POST', '/_emulator/faults', (req) => {
      const fault = req.json<InjectedFault>();
      if (!(fault.status === 'drop' || (typeof fault.status === 'number' && fault.status >= 400)) || !(fault.count > 0)) {
        throw new EmulatorHttpError(400, { error: 'a fault needs status (>= 400 or "drop") and count (> 0)' });
      }
      this.injectFault(fault);
      return { status: 204 };
    });
    this.route('DELETE', '/_emulator/faults', () => { this.faults.length = 0; return { status: 204 }; });
  }

  /** Registers a handler; `{name}` segments become `req.params.name`. First registered match wins. */
  route(method: string, template: string, handler: RouteHandler): this {
    const { pattern, names } = compileTemplate(template);
    this.routes.push({ method: method.toUpperCase(), template, pattern, names, handler });
    return this;
  }

  setLatency(ms: number): void { this.latencyMs = ms; }
  injectFault(fault: InjectedFault): void { this.faults.push({ ...fault }); }

  /** Calls per "METHOD template", test-control calls excluded. */
  countersSnapshot(): Record<string, number> {
    return Object.fromEntries([...this.counters.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Answers per "STATUS METHOD template" of the counted calls (test-control calls excluded). */
  responsesSnapshot(): Record<string, number> {
    return Object.fromEntries([...this.responses.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Clears the call counters, the response counters and the request log. */
  resetCounters(): void {
    this.counters.clear();
    this.responses.clear();
    this.requestLog.length = 0;
  }

  /**
   * The request log, oldest first. Filters (query parameters of GET /_emulator/requests): `method`,
   * `path` (a regular expression), `header` (a header name; with `value`, only requests that sent that value).
   */
  recordedRequests(filter: URLSearchParams = new URLSearchParams()): RecordedRequest[] {
    const method = filter.get('method')?.toUpperCase();
    const path = filter.get('path');
    const pathPattern = path ? new RegExp(path) : undefined;
    const header = filter.get('header')?.toLowerCase();
    const value = filter.get('value');
    return this.requestLog.filter((r) => (!method || r.method === method)
      && (!pathPattern || pathPattern.test(r.path))
      && (!header || (r.headers[header] !== undefined && (value === null || r.headers[header] === value))));
  }

  private record(req: Omit<EmulatorRequest, 'params'>, template: string, response: EmulatorResponse | 'drop'): void {
    const headers: Record<string, string> = {};
    for (const name of this.options.recordedHeaders ?? DEFAULT_RECORDED_HEADERS) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    this.requestLog.push({
      time: new Date().toISOString(), method: req.method, path: req.path, template,
      status: response === 'drop' ? 'drop' : response.status, headers,
    });
    if (this.requestLog.length > REQUEST_LOG_SIZE) this.requestLog.splice(0, this.requestLog.length - REQUEST_LOG_SIZE);
  }

  /** Counts a call that did not come through HTTP routing (e.g. one request inside a $batch). */
  count(method: string, template: string): void {
    const key = `${method.toUpperCase()} ${template}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  /** Routes and runs one request (also used by $batch to run its inner requests). */
  async dispatch(req: Omit<EmulatorRequest, 'params'>, options: { countAndFault?: boolean } = {}): Promise<EmulatorResponse | 'drop'> {
    const match = this.match(req.method, req.path);
    if (!match) {
      const pathKnown = this.routes.some((r) => r.pattern.test(req.path));
      const refused = pathKnown
        ? { status: 405, body: this.options.faultBody?.(405) ?? { error: 'Method not allowed' } }
        : { status: 404, body: this.options.faultBody?.(404) ?? { error: `No route for ${req.method} ${req.path}` } };
      return this.finish(req, refused);
    }
    const { route, params } = match;
    const control = route.template.startsWith('/_emulator/');
    const counted = !control && options.countAndFault !== false;
    let response = await this.run(route, params, req, counted);
    if (!control && response !== 'drop') response = this.finish(req, response);
    if (counted) {
      const key = `${response === 'drop' ? 'drop' : response.status} ${route.method} ${route.template}`;
      this.responses.set(key, (this.responses.get(key) ?? 0) + 1);
    }
    if (!control) this.record(req, route.template, response);
    return response;
  }

  private finish(req: Omit<EmulatorRequest, 'params'>, response: EmulatorResponse): EmulatorResponse {
    return this.options.finishResponse ? this.options.finishResponse(req, response) : response;
  }

  private async run(route: Route, params: Record<string, string>, req: Omit<EmulatorRequest, 'params'>, counted: boolean): Promise<EmulatorResponse | 'drop'> {
    if (counted) {
      this.count(route.method, route.template);
      const fault = this.takeFault(`${route.method} ${route.template}`);
      if (fault) {
        if (fault.status === 'drop') return 'drop';
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
        return { status: fault.status, headers, body: fault.body ?? this.options.faultBody?.(fault.status) ?? { error: `injected ${fault.status}` } };
      }
    }
    try {
      return await route.handler({ ...req, params });
    } catch (error) {
      if (error instanceof EmulatorHttpError) return { status: error.status, headers: error.headers, body: error.body };
      console.error(`[${this.options.name}] handler error for ${req.method} ${req.path}:`, error);
      return { status: 500, body: this.options.faultBody?.(500) ?? { error: String(error) } };
    }
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method.toUpperCase()) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1] ?? ''); });
      return { route, params };
    }
    return undefined;
  }

  private takeFault(key: string): InjectedFault | undefined {
    const index = this.faults.findIndex((f) => !f.match || new RegExp(f.match).test(key));
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async handle(raw: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    const limit = this.options.maxBodyBytes ?? 4 * 1024 * 1024;
    for await (const chunk of raw) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        send(res, { status: 413, body: this.options.faultBody?.(413) ?? { error: 'Request entity too large' } });
        raw.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const url = new URL(raw.url ?? '/', this.url || 'http://127.0.0.1');
    const request: Omit<EmulatorRequest, 'params'> = {
      method: (raw.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      url,
      query: url.searchParams,
      headers: raw.headers,
      body,
      raw,
      json<T>(): T {
        try {
          return JSON.parse(body.toString('utf8') || 'null') as T;
        } catch {
          throw new EmulatorHttpError(400, { error: 'Request body is not valid JSON' });
        }
      },
    };
    if (this.latencyMs > 0 && !url.pathname.startsWith('/_emulator/')) {
      await new Promise((r) => setTimeout(r, this.latencyMs));
    }
    const response = await this.dispatch(request);
    if (response === 'drop') {
      raw.socket.destroy();
      return;
    }
    send(res, response);
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((error) => {
        console.error(`[${this.options.name}]`, error);
        if (!res.headersSent) send(res, { status: 500, body: { error: String(error) } });
      });
    };
    this.server = this.options.tls
      ? https.createServer({ cert: this.options.tls.cert, key: this.options.tls.key }, listener)
      : http.createServer(listener);
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.url = `${this.options.tls ? 'https' : 'http'}://${host}:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function send(res: http.ServerResponse, response: EmulatorResponse): void {
  const headers: Record<string, string | string[]> = { ...(response.headers ?? {}) };
  let payload: Buffer | undefined;
  if (response.body === undefined || response.body === null) {
    payload = undefined;
  } else if (Buffer.isBuffer(response.body)) {
    payload = response.body;
  } else if (typeof response.body === 'string') {
    payload = Buffer.from(response.body, 'utf8');
    if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'text/plain; charset=utf-8';
  } else {
    payload = Buffer.from(JSON.stringify(response.body), 'utf8');
    if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name);
}

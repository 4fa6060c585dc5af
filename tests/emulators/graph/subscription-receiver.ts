/**
 * Test helper: a small HTTPS webhook receiver (sandbox certificate) standing in for an app's notification
 * endpoints. It answers Graph's validation handshake (correctly by default, or wrongly on purpose, per
 * path), answers notification POSTs with scripted statuses and delays per path (default 202), and records
 * everything it got.
 */
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export type ValidationBehaviour =
  | { mode: 'echo'; delayMs?: number }
  /** Answers the still URL-encoded token (what a handler echoing the raw query string does). */
  | { mode: 'encoded' }
  | { mode: 'wrong-body' }
  /** Right body, JSON content type. */
  | { mode: 'wrong-content-type' }
  | { mode: 'status'; status: number };

export interface ScriptedResponse {
  status?: number;
  delayMs?: number;
}

export interface ReceivedRequest {
  at: number;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  validation: boolean;
}

export interface ReceivedNotification {
  path: string;
  /** Index of the POST among all received notification POSTs. */
  post: number;
  item: Record<string, any>;
}

export class NotificationReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Per path; paths not listed echo correctly. */
  readonly validation = new Map<string, ValidationBehaviour>();
  /** Scripted answers per path, used up in order; then `always` for that path; then 202. */
  private readonly script = new Map<string, ScriptedResponse[]>();
  private readonly always = new Map<string, ScriptedResponse>();
  private readonly sockets = new Set<Duplex>();
  private base = '';

  private constructor(private readonly server: https.Server) {
    server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }

  static async start(tls: { cert: string; key: string }): Promise<NotificationReceiver> {
    let receiver: NotificationReceiver | undefined;
    const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { void receiver!.handle(req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), res); });
    });
    receiver = new NotificationReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    receiver.base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return receiver;
  }

  url(path = '/notify'): string {
    return `${this.base}${path}`;
  }

  /** The next notification POSTs to `path` get these answers, in order. */
  respondNext(path: string, ...responses: ScriptedResponse[]): void {
    this.script.set(path, [...(this.script.get(path) ?? []), ...responses]);
  }

  /** Every later notification POST to `path` (once the scripted ones are used) gets this; undefined: 202. */
  respondAlways(path: string, response: ScriptedResponse | undefined): void {
    if (response) this.always.set(path, response); else this.always.delete(path);
  }

  notificationPosts(path?: string): ReceivedRequest[] {
    return this.requests.filter((r) => !r.validation && (path === undefined || r.path === path));
  }

  validations(path?: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.validation && (path === undefined || r.path === path));
  }

  /** Every notification item received (a POST may carry several), in arrival order. */
  notifications(path?: string): ReceivedNotification[] {
    const posts = this.requests.filter((r) => !r.validation);
    return posts.flatMap((r, post) => {
      if (path !== undefined && r.path !== path) return [];
      const value = (JSON.parse(r.body) as { value: Array<Record<string, any>> }).value;
      return value.map((item) => ({ path: r.path, post, item }));
    });
  }

  async waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; received: ${JSON.stringify(this.requests.map((r) => ({ path: r.path, validation: r.validation, body: r.body.slice(0, 300) })))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits until at least `n` notification items arrived (on `path`, if given). */
  waitForNotifications(n: number, path?: string, timeoutMs = 5_000): Promise<ReceivedNotification[]> {
    return this.waitFor(() => { const got = this.notifications(path); return got.length >= n ? got : undefined; }, timeoutMs, `${n} notifications`);
  }

  clear(): void {
    this.requests.length = 0;
    this.script.clear();
    this.always.clear();
    this.validation.clear();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(rawUrl: string, headers: IncomingHttpHeaders, body: string, res: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(rawUrl, this.base);
    const token = url.searchParams.get('validationToken');
    this.requests.push({ at: Date.now(), path: url.pathname, query: url.searchParams, headers, body, validation: token !== null });
    const answer = (status: number, contentType: string | undefined, text: string): void => {
      if (res.destroyed) return;
      res.writeHead(status, contentType ? { 'content-type': contentType } : {});
      res.end(text);
    };
    if (token !== null) {
      const behaviour = this.validation.get(url.pathname) ?? { mode: 'echo' };
      switch (behaviour.mode) {
        case 'echo':
          if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
          return answer(200, 'text/plain; charset=utf-8', token);
        case 'encoded': return answer(200, 'text/plain', encodeURIComponent(token));
        case 'wrong-body': return answer(200, 'text/plain', `${token}x`);
        case 'wrong-content-type': return answer(200, 'application/json', token);
        case 'status': return answer(behaviour.status, 'text/plain', token);
      }
    }
    const scripted = this.script.get(url.pathname)?.shift() ?? this.always.get(url.pathname) ?? {};
    if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
    answer(scripted.status ?? 202, undefined, '');
  }
}

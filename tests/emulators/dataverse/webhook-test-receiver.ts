/**
 * Test helper: a small HTTPS webhook receiver (the sandbox certificate), standing for our Functions app.
 * Records every request and answers with scripted statuses (and optional delays) before falling back to 200.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SandboxCertificate } from '../common/tls';

export interface ReceivedWebhook {
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, unknown>;
  at: number;
}

export class WebhookTestReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly script: { status: number; delayMs?: number }[] = [];
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private server: https.Server | undefined;
  url = '';

  constructor(private readonly tls: SandboxCertificate) {}

  /** The next answers, in order (then 200 again). */
  respondWith(...answers: (number | { status: number; delayMs?: number })[]): void {
    for (const a of answers) this.script.push(typeof a === 'number' ? { status: a } : a);
  }

  clear(): void {
    this.received.length = 0;
    this.script.length = 0;
  }

  /** Resolves once at least `count` requests arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 5000): Promise<ReceivedWebhook[]> {
    if (this.received.length >= count) return Promise.resolve([...this.received]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver: ${this.received.length}/${count} requests after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ count, resolve: () => { clearTimeout(timer); resolve([...this.received]); } });
    });
  }

  async listen(): Promise<string> {
    this.server = https.createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'https://127.0.0.1');
        let body: Record<string, unknown> = {};
        try { body = JSON.parse(raw) as Record<string, unknown>; } catch { /* recorded raw */ }
        this.received.push({ path: url.pathname, query: url.searchParams, headers: req.headers, raw, body, at: Date.now() });
        for (const w of [...this.waiters]) {
          if (this.received.length >= w.count) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(); }
        }
        const answer = this.script.shift() ?? { status: 200 };
        setTimeout(() => { res.writeHead(answer.status); res.end(); }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

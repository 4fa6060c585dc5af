/**
 * One HTTP POST to a webhook receiver. Dataverse only looks at the status code (the body is ignored),
 * gives up after the timeout (60 s by default) and treats anything outside 2xx, a timeout or a
 * connection error as a failure (PAD use-webhooks.md, "Troubleshoot WebHook registrations").
 */
import http from 'node:http';
import https from 'node:https';
import type { WebhookRequest } from './webhook-request';

export type PostOutcome =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string };

export class WebhookSender {
  private readonly inFlight = new Set<http.ClientRequest>();

  post(request: WebhookRequest, timeoutMs: number): Promise<PostOutcome> {
    return new Promise((resolve) => {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        resolve({ ok: false, error: `Invalid endpoint URL '${request.url}'` });
        return;
      }
      const client = url.protocol === 'https:' ? https : http;
      let settled = false;
      const finish = (outcome: PostOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(req);
        resolve(outcome);
      };
      // A fresh connection per POST (agent: false): nothing lingers when the emulator closes.
      const req = client.request(url, {
        method: 'POST',
        agent: false,
        headers: { ...request.headers, 'content-length': String(request.body.length) },
      }, (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish(status >= 200 && status < 300
            ? { ok: true, status }
            : { ok: false, status, error: `The webhook endpoint returned HTTP ${status}${res.statusMessage ? ` (${res.statusMessage})` : ''}.` });
        });
        res.on('error', (e) => finish({ ok: false, status: res.statusCode, error: `Reading the response failed: ${e.message}` }));
      });
      const timer = setTimeout(() => {
        finish({ ok: false, error: `The webhook endpoint did not answer within ${timeoutMs} ms (timeout).` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (e) => finish({ ok: false, error: `Could not reach the webhook endpoint: ${e.message}` }));
      this.inFlight.add(req);
      req.end(request.body);
    });
  }

  /** Aborts every request in flight (emulator shutdown). */
  abortAll(): void {
    for (const req of this.inFlight) req.destroy(new Error('emulator closed'));
    this.inFlight.clear();
  }
}

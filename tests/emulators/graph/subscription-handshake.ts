/**
 * The validation handshake Graph runs before it creates a subscription (or moves its notificationUrl):
 * POST {url}?validationToken={url-encoded token} with Content-Type text/plain and an empty body; the
 * endpoint must answer 200, Content-Type text/plain, with the *decoded* token as the whole body, within
 * 10 seconds. The token is opaque text with spaces and colons (like the real one), so an endpoint that
 * echoes the raw, still-encoded query string fails as it would against Graph.
 *
 * Failure messages are the ones the real service answers with (400 InvalidRequest):
 * - not 200:          "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request."
 * - body/content type:"Subscription validation request failed. Response must exactly match validationToken query parameter."
 * - too slow:         "Subscription validation request timed out."
 * (A wrong content type with the right body has no documented message of its own; the "must exactly match"
 * one is used.)
 */
import { randomUUID } from 'node:crypto';

export type HandshakeResult = { ok: true } | { ok: false; message: string };

export const HANDSHAKE_MESSAGES = {
  not200: 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
  mismatch: 'Subscription validation request failed. Response must exactly match validationToken query parameter.',
  timeout: 'Subscription validation request timed out.',
};

export function newValidationToken(): string {
  return `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
}

/** The URL Graph posts the handshake to: the endpoint's own query string is kept. */
export function validationUrl(endpoint: string, token: string): string {
  const url = new URL(endpoint);
  url.searchParams.append('validationToken', token);
  return url.toString();
}

export async function runHandshake(endpoint: string, timeoutMs: number, signal?: AbortSignal): Promise<HandshakeResult> {
  const token = newValidationToken();
  const timeout = AbortSignal.timeout(timeoutMs);
  const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await fetch(validationUrl(endpoint, token), {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: '',
      signal: abort,
    });
    // The body must arrive within the same 10 s as the status line.
    const body = await res.text();
    if (res.status !== 200) return { ok: false, message: HANDSHAKE_MESSAGES.not200 };
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'text/plain' || body !== token) return { ok: false, message: HANDSHAKE_MESSAGES.mismatch };
    return { ok: true };
  } catch {
    if (timeout.aborted) return { ok: false, message: HANDSHAKE_MESSAGES.timeout };
    // Connection refused, TLS failure, reset: Graph reports these as a failed validation too.
    return { ok: false, message: HANDSHAKE_MESSAGES.not200 };
  }
}

/**
 * Graph's request ids on every answer, errors and throttling included: `request-id` (the service's own, new
 * per request) and `client-request-id` — the caller's, echoed, or the request-id when the caller sent none.
 * An error body's innerError names the same two ids, as Graph's do.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../common/server';

function headerValue(headers: Record<string, string | string[]>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

export function stampRequestIds(req: Omit<EmulatorRequest, 'params'>, response: EmulatorResponse): EmulatorResponse {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(response.headers ?? {})) {
    if (k.toLowerCase() !== 'request-id' && k.toLowerCase() !== 'client-request-id') headers[k] = v;
  }
  const requestId = headerValue(response.headers ?? {}, 'request-id') ?? randomUUID();
  const sent = req.headers['client-request-id'];
  const clientRequestId = (Array.isArray(sent) ? sent[0] : sent) || requestId;
  headers['request-id'] = requestId;
  headers['client-request-id'] = clientRequestId;
  let body = response.body;
  const inner = (body as { error?: { innerError?: Record<string, unknown> } } | undefined)?.error?.innerError;
  if (inner && typeof inner === 'object') {
    const error = (body as { error: Record<string, unknown> }).error;
    body = { ...(body as object), error: { ...error, innerError: { ...inner, 'request-id': requestId, 'client-request-id': clientRequestId } } };
  }
  return { ...response, headers, body };
}

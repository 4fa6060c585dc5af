/**
 * What the Dataverse webhook endpoint does with one delivery, free of any Functions types: check the
 * optional shared-secret header (HttpHeader auth; the WebhookKey `code` is checked by the Functions host
 * as a function key), parse and validate the RemoteExecutionContext, and produce the work item to enqueue.
 * Any failure is a BadRequestError: answered 4xx, nothing enqueued. A delivery that only echoes our own write
 * (or is stale) is recognised by `crmEcho` (shared/sync/echoes.ts): answered 2xx, nothing enqueued.
 */
import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../errors';
import { parseRemoteExecutionContext, toCrmChange } from '../dataverse/remote-execution-context';
import { matchesAnySecret } from '../secrets';
import type { CrmChange } from '../sync/work-item';

/** Header carrying the shared secret when the service endpoint uses HttpHeader authentication. */
export const WEBHOOK_SECRET_HEADER = 'x-sync-webhook-secret';
/** Dataverse sends at most 256 KB (then it drops images); anything far larger is not Dataverse. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * Our correlation id for a delivery: Dataverse's `x-ms-correlation-request-id` when it looks like an id, else a
 * new one. The header is caller-controlled: an empty, huge or odd value must not become the id every log line
 * and the work item carry (the worker refuses an empty one).
 */
export function deliveryCorrelationId(header: string | null): string {
  return header && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : randomUUID();
}

export interface DataverseDelivery {
  headers: { get(name: string): string | null };
  body: Buffer;
}

export function acceptDataverseDelivery(delivery: DataverseDelivery, secrets: readonly string[], correlationId: string): CrmChange {
  if (secrets.length > 0 && !matchesAnySecret(delivery.headers.get(WEBHOOK_SECRET_HEADER), secrets)) {
    throw new BadRequestError(`Missing or wrong ${WEBHOOK_SECRET_HEADER} header`, 401, 'Unauthorized');
  }
  if (delivery.body.length > MAX_WEBHOOK_BODY_BYTES) {
    throw new BadRequestError(`Body of ${delivery.body.length} bytes exceeds ${MAX_WEBHOOK_BODY_BYTES}`, 413, 'PayloadTooLarge');
  }
  const contentType = delivery.headers.get('content-type') ?? '';
  if (contentType && !/json/i.test(contentType)) {
    throw new BadRequestError(`Content-Type must be application/json, got '${contentType}'`, 415, 'UnsupportedMediaType');
  }
  let body: unknown;
  try {
    body = JSON.parse(delivery.body.toString('utf8'));
  } catch {
    throw new BadRequestError('Body is not valid JSON', 400, 'InvalidJson');
  }
  const context = parseRemoteExecutionContext(body);
  return toCrmChange(context, {
    sizeExceeded: (delivery.headers.get('x-ms-dynamics-msg-size-exceeded') ?? '').toLowerCase() === 'true',
    correlationId,
  });
}

export { crmEcho, type CrmEchoVerdict } from '../sync/echoes';

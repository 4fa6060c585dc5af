/**
 * The request context: which change the code running now works for. The worker runs each work item inside
 * one (its `correlationId`), and everything called from there — however deep, across awaits — finds it
 * without being passed it (Node's AsyncLocalStorage). The Graph client and the Dataverse gateway read it to
 * send the id with every call they make, so one change can be followed from webhook to queue to worker to
 * the request the other side received (and is named in its logs and support tickets).
 *
 * On the wire the id must be a GUID: Graph documents `client-request-id` as a client-generated GUID it
 * echoes in its response, and Microsoft's Dataverse ServiceClient sends a GUID in `x-ms-client-request-id`.
 * Our ids mostly are GUIDs (randomUUID, or Dataverse's own `x-ms-correlation-request-id`) and go out
 * unchanged; any other id (a Graph notification's `<uuid>-<index>`, an odd webhook header) is turned into a
 * GUID deterministically — a name-based UUID (RFC 9562 version 5) of the id — and both are logged.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Logger } from '../logging';

export interface RequestContext {
  /** The change's correlation id, as its work item carries it (any string). */
  correlationId: string;
  /** The GUID sent on outbound calls: the correlation id itself when it is a GUID, else derived from it. */
  clientRequestId: string;
  /** A logger whose lines carry the correlation id (for a line per outbound call). */
  log?: Logger;
}

const storage = new AsyncLocalStorage<RequestContext>();

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Namespace of our derived ids; ours, fixed forever (changing it would change every derived id). */
const NAMESPACE = Buffer.from('3c9d2f41-6b8e-4a57-9e03-b1d4c7a8f265'.replace(/-/g, ''), 'hex');

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** The GUID to send for a correlation id: the id itself when it is a GUID, else its version-5 UUID. */
export function clientRequestIdFor(correlationId: string): string {
  if (isGuid(correlationId)) return correlationId;
  const hash = createHash('sha1').update(NAMESPACE).update(correlationId, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Runs `fn` (and everything it starts) inside the context of one change. */
export function runWithRequestContext<T>(context: { correlationId: string; log?: Logger }, fn: () => T): T {
  return storage.run({ ...context, clientRequestId: clientRequestIdFor(context.correlationId) }, fn);
}

/**
 * `fn` bound to the caller's context, for work that a queue runs later: a task p-queue starts when another
 * one finishes would otherwise run in the context of the one that finished (another change's id).
 */
export function bindToRequestContext<T>(fn: () => T): () => T {
  return AsyncResource.bind(fn);
}

/** The context the caller runs in, if any. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Fields for a log line about the current change: its correlation id and, when different, the GUID sent. */
export function correlationFields(context: Pick<RequestContext, 'correlationId' | 'clientRequestId'>): Record<string, string> {
  return context.clientRequestId === context.correlationId
    ? { correlationId: context.correlationId }
    : { correlationId: context.correlationId, clientRequestId: context.clientRequestId };
}

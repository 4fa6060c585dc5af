/**
 * A subscription as the emulator keeps it, the checks on a create/renew body (pure: they throw
 * SubscriptionRequestError, which the routes turn into Graph's error shape), and the JSON Graph returns.
 *
 * Messages marked "observed" are the real service's (issue threads, see the report); the others are
 * plausible wordings for cases whose exact text is not documented — only their status and code matter
 * to callers.
 */
import type { SubscriptionTarget } from './subscription-resource';

export type ChangeType = 'created' | 'updated' | 'deleted';
export const CHANGE_TYPES: readonly ChangeType[] = ['created', 'updated', 'deleted'];
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';
export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];

export interface DeliveryStats {
  /** Notifications (items, not POSTs) the endpoint accepted with a 2xx. */
  delivered: number;
  /** Re-sends of a notification after a failed attempt. */
  retried: number;
  /** Failed attempts (non-2xx, too slow, connection error). */
  failed: number;
  /** Notifications given up after the retry window, or dropped by a test control. */
  dropped: number;
  /** Extra copies sent by a `duplicate` control or the created→updated rule. */
  duplicated: number;
  /** Lifecycle notifications delivered. */
  lifecycleDelivered: number;
}

export interface StoredSubscription {
  id: string;
  /** As the client sent it. */
  resource: string;
  target: SubscriptionTarget;
  applicationId: string;
  creatorId: string;
  /** As the client sent it (e.g. "created,updated,deleted"). */
  changeType: string;
  changeTypes: ChangeType[];
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationMs: number;
  latestSupportedTlsVersion: string;
  notificationUrlAppId: string | null;
  includeResourceData: boolean | null;
  /** Created with `Prefer: IdType="ImmutableId"`: notifications carry immutable ids. */
  immutableIds: boolean;
  /** A reauthorizationRequired was sent and not yet answered (reauthorize or renew). */
  needsReauthorization: boolean;
  createdMs: number;
  stats: DeliveryStats;
}

export class SubscriptionRequestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const bad = (message: string, code = 'InvalidRequest'): SubscriptionRequestError => new SubscriptionRequestError(400, code, message);

/** Observed for unknown property names and for values Graph cannot deserialize (e.g. a date without offset). */
export const UNPROCESSABLE = 'Could not process subscription creation payload. Are all property names spelled and camelCased properly?';

const WRITABLE = new Set([
  'changeType', 'notificationUrl', 'resource', 'expirationDateTime', 'clientState', 'lifecycleNotificationUrl',
  'includeResourceData', 'encryptionCertificate', 'encryptionCertificateId', 'latestSupportedTlsVersion',
  'notificationQueryOptions', 'notificationUrlAppId',
]);
/** Read-only properties a client may echo back (e.g. a serialized SDK object); Graph ignores them. */
const READ_ONLY = new Set(['id', 'applicationId', 'creatorId', '@odata.type', '@odata.context']);
const TLS_VERSIONS = ['v1_0', 'v1_1', 'v1_2', 'v1_3'];
const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/i;

export interface CreateRequest {
  changeType: string;
  changeTypes: ChangeType[];
  notificationUrl: string;
  resource: string;
  expirationMs: number;
  clientState: string | null;
  lifecycleNotificationUrl: string | null;
  latestSupportedTlsVersion: string;
  notificationUrlAppId: string | null;
  includeResourceData: boolean | null;
  /** Both encryptionCertificate and encryptionCertificateId were given (needed for includeResourceData). */
  hasEncryptionCertificate: boolean;
}

function stringOrNull(body: Record<string, unknown>, name: string): string | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw bad(UNPROCESSABLE);
  return value;
}

function required(body: Record<string, unknown>, name: string): string {
  const value = stringOrNull(body, name);
  // Observed: "expirationDateTime is a required property for subscription creation".
  if (value === null || value.trim() === '') throw bad(`${name} is a required property for subscription creation`);
  return value;
}

export function parseChangeType(value: string): ChangeType[] {
  const parts = value.split(',').map((p) => p.trim());
  for (const part of parts) {
    // Observed: "Invalid 'changeType' attribute: 'created'." (for a resource that does not support it).
    if (!(CHANGE_TYPES as string[]).includes(part)) throw bad(`Invalid 'changeType' attribute: '${part}'.`);
  }
  return [...new Set(parts as ChangeType[])];
}

/** Checks an https URL; `label` is "NotificationUrl" or "LifecycleNotificationUrl" as in Graph's messages. */
export function checkEndpointUrl(value: string, label: 'NotificationUrl' | 'LifecycleNotificationUrl'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(`Invalid ${label === 'NotificationUrl' ? 'notification' : 'lifecycle notification'} url='${value}'.`);
  }
  // Observed: "NotificationUrl scheme='http' is not supported."
  if (url.protocol !== 'https:') throw bad(`${label} scheme='${url.protocol.replace(/:$/, '')}' is not supported.`);
  if (!url.hostname || /^\/\//.test(url.pathname)) throw bad(`Invalid ${label === 'NotificationUrl' ? 'notification' : 'lifecycle notification'} url='${value}'.`);
  return value;
}

/** Parses and caps an expiration; `now` is injected for tests. */
export function parseExpiration(value: string, maxLifetimeMinutes: number, now: number): number {
  if (!DATE_TIME_OFFSET.test(value) || Number.isNaN(Date.parse(value))) throw bad(UNPROCESSABLE);
  const ms = Date.parse(value);
  if (ms <= now) throw bad('Subscription expiration must be in the future.', 'ExtensionError');
  // Observed (with the number of the resource's limit): "Subscription expiration can only be 10070 minutes in the future."
  if (ms - now > maxLifetimeMinutes * 60_000) throw bad(`Subscription expiration can only be ${maxLifetimeMinutes} minutes in the future.`, 'ExtensionError');
  return ms;
}

export function parseCreateRequest(raw: unknown, maxLifetimeMinutes: number, now = Date.now()): CreateRequest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad(UNPROCESSABLE);
  const body = raw as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!WRITABLE.has(key) && !READ_ONLY.has(key)) throw bad(UNPROCESSABLE);
  }
  const changeType = required(body, 'changeType');
  const notificationUrl = checkEndpointUrl(required(body, 'notificationUrl'), 'NotificationUrl');
  const resource = required(body, 'resource');
  const expirationMs = parseExpiration(required(body, 'expirationDateTime'), maxLifetimeMinutes, now);
  const changeTypes = parseChangeType(changeType);
  const clientState = stringOrNull(body, 'clientState');
  if (clientState !== null && clientState.length > 128) throw bad('The clientState value cannot be longer than 128 characters.');
  const lifecycle = stringOrNull(body, 'lifecycleNotificationUrl');
  const lifecycleNotificationUrl = lifecycle === null ? null : checkEndpointUrl(lifecycle, 'LifecycleNotificationUrl');
  const tls = stringOrNull(body, 'latestSupportedTlsVersion') ?? 'v1_2';
  if (!TLS_VERSIONS.includes(tls)) throw bad(`Invalid 'latestSupportedTlsVersion' attribute: '${tls}'.`);
  const include = body.includeResourceData;
  if (include !== undefined && include !== null && typeof include !== 'boolean') throw bad(UNPROCESSABLE);
  return {
    changeType, changeTypes, notificationUrl, resource, expirationMs, clientState, lifecycleNotificationUrl,
    latestSupportedTlsVersion: tls, notificationUrlAppId: stringOrNull(body, 'notificationUrlAppId'),
    includeResourceData: typeof include === 'boolean' ? include : null,
    hasEncryptionCertificate: Boolean(stringOrNull(body, 'encryptionCertificate') && stringOrNull(body, 'encryptionCertificateId')),
  };
}

export interface RenewRequest {
  expirationMs?: number;
  notificationUrl?: string;
}

/** PATCH /subscriptions/{id}: only expirationDateTime and notificationUrl can change. */
export function parseRenewRequest(raw: unknown, maxLifetimeMinutes: number, now = Date.now()): RenewRequest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad(UNPROCESSABLE);
  const body = raw as Record<string, unknown>;
  const out: RenewRequest = {};
  for (const [key, value] of Object.entries(body)) {
    if (READ_ONLY.has(key)) continue;
    if (key === 'expirationDateTime' && typeof value === 'string') out.expirationMs = parseExpiration(value, maxLifetimeMinutes, now);
    else if (key === 'notificationUrl' && typeof value === 'string') out.notificationUrl = checkEndpointUrl(value, 'NotificationUrl');
    else if (WRITABLE.has(key)) throw bad(`The '${key}' property of a subscription cannot be updated; only expirationDateTime and notificationUrl can.`);
    else throw bad(UNPROCESSABLE);
  }
  // Observed: the message for a PATCH that carries neither.
  if (out.expirationMs === undefined && out.notificationUrl === undefined) {
    throw bad("Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.");
  }
  return out;
}

/** DateTimeOffset as Graph writes it on a subscription: 7 fractional digits, `Z`. */
export function graphDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000Z`;
}

/** DateTimeOffset as Outlook notifications carry it: 7 fractional digits, `+00:00` (see the lifecycle fixtures). */
export function notificationDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000+00:00`;
}

/**
 * The subscription entity (fixture subscription-create-response.json). `notificationContentType`, shown
 * null in that doc sample, is left out: it is not a property of the v1.0 type in the CSDL.
 */
export function renderSubscription(sub: StoredSubscription, baseUrl: string, withContext = true): Record<string, unknown> {
  return {
    ...(withContext ? { '@odata.context': `${baseUrl}/$metadata#subscriptions/$entity` } : {}),
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.applicationId,
    changeType: sub.changeType,
    clientState: sub.clientState,
    notificationUrl: sub.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
    expirationDateTime: graphDateTime(sub.expirationMs),
    creatorId: sub.creatorId,
    includeResourceData: sub.includeResourceData,
    latestSupportedTlsVersion: sub.latestSupportedTlsVersion,
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: sub.notificationUrlAppId,
  };
}

export function emptyStats(): DeliveryStats {
  return { delivered: 0, retried: 0, failed: 0, dropped: 0, duplicated: 0, lifecycleDelivered: 0 };
}

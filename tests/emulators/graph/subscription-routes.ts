/**
 * /v1.0/subscriptions for app-only callers:
 *   POST   /subscriptions                  create (body checks, permission and mailbox checks, validation
 *                                          handshake on notificationUrl and lifecycleNotificationUrl) → 201
 *   GET    /subscriptions                  the calling app's subscriptions
 *   GET    /subscriptions/{id}             one of them (404 otherwise)
 *   PATCH  /subscriptions/{id}             renew (expirationDateTime) and/or move (notificationUrl, validated) → 200
 *   DELETE /subscriptions/{id}             → 204
 *   POST   /subscriptions/{id}/reauthorize → 204
 * Outlook-side refusals come back as Graph relays them from Exchange: code `ExtensionError`, message
 * "Operation: Create; Exception: [Status Code: …; Reason: …]" (the form seen in issue threads).
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { EmulatorHttpError, type EmulatorRequest, type EmulatorResponse } from '../common/server';
import type { GraphCaller, GraphContext } from './context';
import { parsePrefer, reply } from './request';
import {
  emptyStats, parseCreateRequest, parseRenewRequest, renderSubscription, SubscriptionRequestError, type StoredSubscription,
} from './subscription-model';
import type { SubscriptionRegistry } from './subscription-registry';
import { keyOfId, parseResource, type SubscriptionTarget } from './subscription-resource';

const READ_ROLES = {
  event: ['Calendars.Read', 'Calendars.ReadWrite'],
  contact: ['Contacts.Read', 'Contacts.ReadWrite'],
};

export function registerSubscriptionRoutes(ctx: GraphContext, registry: SubscriptionRegistry): void {
  const { server } = ctx;
  const extensionError = (status: number, statusText: string, reason: string): EmulatorHttpError =>
    ctx.graphError(status, 'ExtensionError', `Operation: Create; Exception: [Status Code: ${statusText}; Reason: ${reason}]`);

  /** Runs a handler with SubscriptionRequestError → Graph's error shape. */
  const guarded = (handler: (req: EmulatorRequest, caller: GraphCaller) => Promise<EmulatorResponse>) =>
    async (req: EmulatorRequest): Promise<EmulatorResponse> => {
      const caller = await ctx.authenticate(req);
      try {
        return await handler(req, caller);
      } catch (error) {
        if (error instanceof SubscriptionRequestError) throw ctx.graphError(error.status, error.code, error.message);
        throw error;
      }
    };

  const readJson = (req: EmulatorRequest): unknown => {
    try {
      return JSON.parse(req.body.toString('utf8'));
    } catch {
      throw ctx.graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    }
  };

  /** Only the app that created a subscription sees it. */
  const owned = (req: EmulatorRequest, caller: GraphCaller): StoredSubscription => {
    const sub = registry.get(req.params.id ?? '');
    if (!sub || sub.applicationId !== caller.clientId) throw ctx.graphError(404, 'ResourceNotFound', 'The object was not found.');
    return sub;
  };

  const resolveTarget = (resource: string, caller: GraphCaller): SubscriptionTarget => {
    const parsed = parseResource(resource);
    if (!parsed) throw extensionError(400, 'BadRequest', 'Invalid resource specified in payload');
    if (parsed.kind === 'me') throw ctx.graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    if (parsed.kind === 'query') {
      throw ctx.graphError(501, 'NotImplemented', 'Query options on a subscription resource ($filter, $select for rich notifications) are not supported by the sandbox Graph emulator (the real service supports some).');
    }
    // Create subscription, permissions table: todoTask, Application — "Not supported".
    if (parsed.kind === 'todoTask') throw extensionError(403, 'Forbidden', 'Forbidden');
    if (!caller.roles.some((r) => READ_ROLES[parsed.kind].includes(r))) throw extensionError(403, 'Forbidden', 'Forbidden');
    let userId: string;
    try {
      userId = ctx.mailboxUser(caller, parsed.user).entraObjectId;
    } catch (error) {
      if (error instanceof EmulatorHttpError && error.status === 403) throw extensionError(403, 'Forbidden', 'Forbidden');
      if (error instanceof EmulatorHttpError && error.status === 404) throw extensionError(404, 'NotFound', `The requested user '${parsed.user}' is invalid.`);
      throw error;
    }
    if (parsed.kind === 'contact' && parsed.folderId !== undefined) {
      const exists = ctx.containerExists?.(userId, 'contactFolder', parsed.folderId) ?? true;
      const folderKey = keyOfId(parsed.folderId);
      if (!exists || !folderKey) throw extensionError(404, 'NotFound', 'The specified object was not found in the store.');
      return { kind: 'contact', userId, folderKey };
    }
    return { kind: parsed.kind, userId };
  };

  const checkHandshake = async (url: string): Promise<void> => {
    const result = await registry.handshake(url);
    if (!result.ok) throw ctx.graphError(400, 'InvalidRequest', result.message);
  };

  server.route('POST', '/v1.0/subscriptions', guarded(async (req, caller) => {
    const settings = registry.settings();
    const body = parseCreateRequest(readJson(req), settings.maxLifetimeMinutes);
    const target = resolveTarget(body.resource, caller);
    if (body.includeResourceData) {
      if (!body.hasEncryptionCertificate) {
        throw ctx.graphError(400, 'InvalidRequest', 'A valid encryptionCertificate and encryptionCertificateId must be provided when includeResourceData is true.');
      }
      throw ctx.graphError(501, 'NotImplemented', 'Rich notifications (includeResourceData) are not supported by the sandbox Graph emulator (the real service supports them).');
    }
    if (registry.countForUser(target.userId) >= settings.maxSubscriptionsPerMailbox) {
      throw extensionError(403, 'Forbidden', 'Number of subscriptions on item has exceeded limit');
    }
    // Graph validates each URL it was given, the lifecycle one too (twice when they are the same).
    await checkHandshake(body.notificationUrl);
    if (body.lifecycleNotificationUrl) await checkHandshake(body.lifecycleNotificationUrl);
    const token = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const oid = (decodeJwt(token) as { oid?: unknown }).oid;
    const sub: StoredSubscription = {
      id: randomUUID(),
      resource: body.resource,
      target,
      applicationId: caller.clientId,
      creatorId: typeof oid === 'string' ? oid : caller.clientId,
      changeType: body.changeType,
      changeTypes: body.changeTypes,
      clientState: body.clientState,
      notificationUrl: body.notificationUrl,
      lifecycleNotificationUrl: body.lifecycleNotificationUrl,
      expirationMs: body.expirationMs,
      latestSupportedTlsVersion: body.latestSupportedTlsVersion,
      notificationUrlAppId: body.notificationUrlAppId,
      includeResourceData: body.includeResourceData,
      immutableIds: (parsePrefer(req.headers).get('idtype') ?? '').toLowerCase() === 'immutableid',
      needsReauthorization: false,
      createdMs: Date.now(),
      stats: emptyStats(),
    };
    registry.add(sub);
    return reply(req, 201, renderSubscription(sub, ctx.baseUrl()));
  }));

  server.route('GET', '/v1.0/subscriptions', guarded(async (req, caller) => {
    const mine = registry.all().filter((s) => s.applicationId === caller.clientId);
    return reply(req, 200, {
      '@odata.context': `${ctx.baseUrl()}/$metadata#subscriptions`,
      value: mine.map((s) => renderSubscription(s, ctx.baseUrl(), false)),
    });
  }));

  server.route('GET', '/v1.0/subscriptions/{id}', guarded(async (req, caller) =>
    reply(req, 200, renderSubscription(owned(req, caller), ctx.baseUrl()))));

  server.route('PATCH', '/v1.0/subscriptions/{id}', guarded(async (req, caller) => {
    const sub = owned(req, caller);
    const patch = parseRenewRequest(readJson(req), registry.settings().maxLifetimeMinutes);
    if (patch.notificationUrl !== undefined && patch.notificationUrl !== sub.notificationUrl) {
      await checkHandshake(patch.notificationUrl);
      sub.notificationUrl = patch.notificationUrl;
    }
    if (patch.expirationMs !== undefined) registry.renew(sub, patch.expirationMs);
    return reply(req, 200, renderSubscription(sub, ctx.baseUrl()));
  }));

  server.route('DELETE', '/v1.0/subscriptions/{id}', guarded(async (req, caller) => {
    registry.remove(owned(req, caller).id);
    return reply(req, 204);
  }));

  server.route('POST', '/v1.0/subscriptions/{id}/reauthorize', guarded(async (req, caller) => {
    registry.reauthorize(owned(req, caller));
    return reply(req, 204);
  }));
}

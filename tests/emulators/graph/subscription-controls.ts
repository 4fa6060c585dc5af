/**
 * Test controls of subscriptions and notification delivery (next to the common /_emulator/* ones):
 *   GET    /_emulator/subscriptions                    every subscription (all apps) with its delivery stats
 *   POST   /_emulator/subscriptions/reset              forget all subscriptions and pending notifications
 *   POST   /_emulator/subscriptions/{id}/lifecycle     { lifecycleEvent } → what Graph does for it; { sent }
 *   POST   /_emulator/subscriptions/{id}/expire        expire now (silently, like a missed renewal)
 *   GET|PUT /_emulator/notifications/settings          read / change SubscriptionSettings (partial PUT)
 *   POST   /_emulator/notifications/faults             { action: drop|delay|duplicate|reorder, count,
 *                                                        subscriptionId?, channel?, delayMs?, sendMissed? }
 *   DELETE /_emulator/notifications/faults             clear them (reorder-held notifications are released)
 *   POST   /_emulator/notifications/release            send what reorder faults hold now, in reverse
 *   POST   /_emulator/notifications/pause|resume       { subscriptionId? } (default: all delivery)
 *   GET    /_emulator/notifications/idle?timeoutMs=    answers 204 once nothing is queued or in flight
 *   GET|DELETE /_emulator/notifications/counters       POSTs per "NOTIFY host/path" and "VALIDATE host/path"
 *   GET    /_emulator/notifications/attempts           the last 500 delivery attempts (status, items, timing)
 * Control errors are plain `{ error }` bodies (they are not Graph's API).
 */
import { EmulatorHttpError, type EmulatorRequest, type EmulatorServer } from '../common/server';
import { parseFault } from './notifications-faults';
import { LIFECYCLE_EVENTS, renderSubscription, type LifecycleEvent, type StoredSubscription } from './subscription-model';
import type { SubscriptionRegistry } from './subscription-registry';

export interface SubscriptionSnapshot extends Record<string, unknown> {
  id: string;
  userId: string;
  kind: string;
  immutableIds: boolean;
  needsReauthorization: boolean;
  stats: StoredSubscription['stats'];
}

export function snapshot(sub: StoredSubscription, baseUrl: string): SubscriptionSnapshot {
  return {
    ...renderSubscription(sub, baseUrl, false),
    id: sub.id,
    userId: sub.target.userId,
    kind: sub.target.kind,
    immutableIds: sub.immutableIds,
    needsReauthorization: sub.needsReauthorization,
    stats: { ...sub.stats },
  };
}

export function registerSubscriptionControls(server: EmulatorServer, registry: SubscriptionRegistry, baseUrl: () => string): void {
  const { delivery } = registry;
  const subOf = (req: EmulatorRequest): StoredSubscription => {
    const sub = registry.get(req.params.id ?? '');
    if (!sub) throw new EmulatorHttpError(404, { error: `No subscription '${req.params.id}'` });
    return sub;
  };
  const optionalSubscription = (req: EmulatorRequest): string | undefined => {
    const body = req.body.length > 0 ? req.json<{ subscriptionId?: unknown }>() : undefined;
    const id = body?.subscriptionId;
    if (id !== undefined && typeof id !== 'string') throw new EmulatorHttpError(400, { error: 'subscriptionId must be a string' });
    return id;
  };

  server.route('GET', '/_emulator/subscriptions', () => ({
    status: 200, body: { value: registry.all().map((s) => snapshot(s, baseUrl())) },
  }));
  server.route('POST', '/_emulator/subscriptions/reset', () => { registry.reset(); return { status: 204 }; });
  server.route('POST', '/_emulator/subscriptions/{id}/lifecycle', (req) => {
    const sub = subOf(req);
    const event = req.json<{ lifecycleEvent?: string }>()?.lifecycleEvent;
    if (!LIFECYCLE_EVENTS.includes(event as LifecycleEvent)) {
      throw new EmulatorHttpError(400, { error: `lifecycleEvent must be one of ${LIFECYCLE_EVENTS.join(', ')}` });
    }
    return { status: 200, body: { sent: registry.triggerLifecycle(sub, event as LifecycleEvent) } };
  });
  server.route('POST', '/_emulator/subscriptions/{id}/expire', (req) => { registry.remove(subOf(req).id); return { status: 204 }; });

  server.route('GET', '/_emulator/notifications/settings', () => ({ status: 200, body: registry.settings() }));
  server.route('PUT', '/_emulator/notifications/settings', (req) => {
    try {
      return { status: 200, body: registry.configure(req.json() ?? {}) };
    } catch (error) {
      if (error instanceof RangeError) throw new EmulatorHttpError(400, { error: error.message });
      throw error;
    }
  });
  server.route('POST', '/_emulator/notifications/faults', (req) => {
    try {
      delivery.addFault(parseFault(req.json()));
    } catch (error) {
      if (error instanceof RangeError) throw new EmulatorHttpError(400, { error: error.message });
      throw error;
    }
    return { status: 204 };
  });
  server.route('DELETE', '/_emulator/notifications/faults', () => { delivery.clearFaults(); return { status: 204 }; });
  server.route('POST', '/_emulator/notifications/release', () => ({ status: 200, body: { released: delivery.releaseAllReordered() } }));
  server.route('POST', '/_emulator/notifications/pause', (req) => { delivery.pause(optionalSubscription(req)); return { status: 204 }; });
  server.route('POST', '/_emulator/notifications/resume', (req) => { delivery.resume(optionalSubscription(req)); return { status: 204 }; });
  server.route('GET', '/_emulator/notifications/idle', async (req) => {
    const timeoutMs = Number(req.query.get('timeoutMs') ?? 30_000);
    try {
      await delivery.idle(Number.isFinite(timeoutMs) ? timeoutMs : 30_000);
    } catch {
      throw new EmulatorHttpError(408, { error: 'notification delivery still busy' });
    }
    return { status: 204 };
  });
  server.route('GET', '/_emulator/notifications/counters', () => ({ status: 200, body: delivery.countersSnapshot() }));
  server.route('DELETE', '/_emulator/notifications/counters', () => { delivery.resetCounters(); return { status: 204 }; });
  server.route('GET', '/_emulator/notifications/attempts', () => ({ status: 200, body: { value: delivery.attempts() } }));
}

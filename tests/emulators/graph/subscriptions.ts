/**
 * Subscriptions, validation handshakes, change and lifecycle notifications of the Graph emulator, wired
 * onto the GraphContext that server.ts builds: the /v1.0/subscriptions API (subscription-routes.ts), the
 * state and its timers (subscription-registry.ts), delivery to the apps' webhooks with Graph's batching,
 * retries and quirks (notifications-delivery.ts), and the /_emulator/ test controls
 * (subscription-controls.ts). Every mailbox write reaches it as a GraphChange through `ctx.onChange`.
 *
 * In-process tests drive it through the returned feature; tests in another process use the HTTP controls
 * (see subscription-controls-client.ts).
 */
import type { GraphContext } from './context';
import type { DeliveryAttempt, DeliveryFault } from './notifications-delivery';
import { registerSubscriptionControls, snapshot, type SubscriptionSnapshot } from './subscription-controls';
import type { LifecycleEvent } from './subscription-model';
import { SubscriptionRegistry } from './subscription-registry';
import { registerSubscriptionRoutes } from './subscription-routes';
import type { SubscriptionSettings } from './subscription-settings';

export type { SubscriptionSettings } from './subscription-settings';
export type { DeliveryAttempt, DeliveryFault } from './notifications-delivery';
export type { SubscriptionSnapshot } from './subscription-controls';

export interface SubscriptionsFeature {
  /** Stops timers, aborts deliveries and handshakes in flight. */
  close(): Promise<void>;
  settings(): SubscriptionSettings;
  /** Changes settings (partial); throws RangeError on an unknown key or a bad value. */
  configure(patch: Partial<SubscriptionSettings>): SubscriptionSettings;
  /** Every live subscription (all apps) with its delivery stats. */
  list(): SubscriptionSnapshot[];
  /** Does what Graph does for the lifecycle event; false when the subscription has no lifecycle URL (or is unknown). */
  triggerLifecycle(subscriptionId: string, event: LifecycleEvent): boolean;
  /** Expires a subscription now, silently. */
  expire(subscriptionId: string): boolean;
  addFault(fault: DeliveryFault): void;
  clearFaults(): void;
  /** Releases, in reverse order, the notifications held by reorder faults; returns how many. */
  releaseReordered(): number;
  pause(subscriptionId?: string): void;
  resume(subscriptionId?: string): void;
  /** Resolves when no notification is queued, in flight or waiting for a retry. */
  idle(timeoutMs?: number): Promise<void>;
  /** Notification POSTs per "NOTIFY host/path" and handshakes per "VALIDATE host/path" (not API calls). */
  notificationCounters(): Record<string, number>;
  attempts(): DeliveryAttempt[];
  /** Forgets every subscription and pending notification (for POST /_emulator/reset). */
  reset(): void;
}

export function registerSubscriptions(ctx: GraphContext, options: Partial<SubscriptionSettings> = {}): SubscriptionsFeature {
  const registry = new SubscriptionRegistry(ctx, options);
  const unsubscribe = ctx.onChange((change) => registry.onChange(change));
  registerSubscriptionRoutes(ctx, registry);
  registerSubscriptionControls(ctx.server, registry, () => ctx.baseUrl());
  const { delivery } = registry;
  return {
    async close() {
      unsubscribe();
      registry.close();
    },
    settings: () => registry.settings(),
    configure: (patch) => registry.configure(patch),
    list: () => registry.all().map((s) => snapshot(s, ctx.baseUrl())),
    triggerLifecycle: (id, event) => {
      const sub = registry.get(id);
      return sub ? registry.triggerLifecycle(sub, event) : false;
    },
    expire: (id) => registry.remove(id),
    addFault: (fault) => delivery.addFault(fault),
    clearFaults: () => delivery.clearFaults(),
    releaseReordered: () => delivery.releaseAllReordered(),
    pause: (id) => delivery.pause(id),
    resume: (id) => delivery.resume(id),
    idle: (timeoutMs) => delivery.idle(timeoutMs),
    notificationCounters: () => delivery.countersSnapshot(),
    attempts: () => delivery.attempts(),
    reset: () => registry.reset(),
  };
}

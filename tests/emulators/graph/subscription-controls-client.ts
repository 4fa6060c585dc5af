/**
 * Drives the subscription / notification test controls of a Graph emulator over HTTP (for tests and
 * benchmarks that do not run in the emulator's process). See subscription-controls.ts for the routes.
 */
import type { DeliveryAttempt, DeliveryFault } from './notifications-delivery';
import type { SubscriptionSnapshot } from './subscription-controls';
import type { LifecycleEvent } from './subscription-model';
import type { SubscriptionSettings } from './subscription-settings';

export class SubscriptionControls {
  /** `baseUrl` is the emulator's root, e.g. https://127.0.0.1:7301 (not …/v1.0). */
  constructor(private readonly baseUrl: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.baseUrl}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} /_emulator/${path} → ${res.status} ${await res.text()}`);
    return res;
  }

  async list(): Promise<SubscriptionSnapshot[]> {
    return ((await (await this.call('GET', 'subscriptions')).json()) as { value: SubscriptionSnapshot[] }).value;
  }

  async reset(): Promise<void> { await this.call('POST', 'subscriptions/reset'); }

  /** Returns whether a lifecycle notification was sent. */
  async lifecycle(subscriptionId: string, lifecycleEvent: LifecycleEvent): Promise<boolean> {
    const res = await this.call('POST', `subscriptions/${encodeURIComponent(subscriptionId)}/lifecycle`, { lifecycleEvent });
    return ((await res.json()) as { sent: boolean }).sent;
  }

  async expire(subscriptionId: string): Promise<void> { await this.call('POST', `subscriptions/${encodeURIComponent(subscriptionId)}/expire`); }

  async settings(): Promise<SubscriptionSettings> {
    return (await (await this.call('GET', 'notifications/settings')).json()) as SubscriptionSettings;
  }

  async configure(patch: Partial<SubscriptionSettings>): Promise<SubscriptionSettings> {
    return (await (await this.call('PUT', 'notifications/settings', patch)).json()) as SubscriptionSettings;
  }

  async fault(fault: DeliveryFault): Promise<void> { await this.call('POST', 'notifications/faults', fault); }
  async clearFaults(): Promise<void> { await this.call('DELETE', 'notifications/faults'); }

  async release(): Promise<number> {
    return ((await (await this.call('POST', 'notifications/release')).json()) as { released: number }).released;
  }

  async pause(subscriptionId?: string): Promise<void> { await this.call('POST', 'notifications/pause', subscriptionId ? { subscriptionId } : {}); }
  async resume(subscriptionId?: string): Promise<void> { await this.call('POST', 'notifications/resume', subscriptionId ? { subscriptionId } : {}); }
  async idle(timeoutMs = 30_000): Promise<void> { await this.call('GET', `notifications/idle?timeoutMs=${timeoutMs}`); }

  async counters(): Promise<Record<string, number>> {
    return (await (await this.call('GET', 'notifications/counters')).json()) as Record<string, number>;
  }

  async resetCounters(): Promise<void> { await this.call('DELETE', 'notifications/counters'); }

  async attempts(): Promise<DeliveryAttempt[]> {
    return ((await (await this.call('GET', 'notifications/attempts')).json()) as { value: DeliveryAttempt[] }).value;
  }
}

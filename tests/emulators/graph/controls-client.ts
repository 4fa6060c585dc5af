/**
 * Drives the Graph emulator's own test controls over HTTP, in addition to the common ones (counters,
 * latency, faults) of EmulatorControls.
 */
import { EmulatorControls } from '../common/controls-client';
import type { ThrottleLimits } from './throttle';

export class GraphControls extends EmulatorControls {
  constructor(private readonly graphBaseUrl: string) {
    super(graphBaseUrl);
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.graphBaseUrl}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} /_emulator/${path} → ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }

  /** Dump of a mailbox (id or UPN): events, contacts, contact folders, To Do lists with tasks. */
  mailbox(userIdOrUpn: string): Promise<unknown> {
    return this.request('GET', `mailboxes/${encodeURIComponent(userIdOrUpn)}`);
  }

  /** Every delta/skip token of the mailbox answers 410 from now on; returns how many were dropped. */
  async expireDeltaTokens(userIdOrUpn: string): Promise<number> {
    return ((await this.request('POST', `mailboxes/${encodeURIComponent(userIdOrUpn)}/expire-delta-tokens`)) as { expired: number }).expired;
  }

  async setThrottle(limits: Partial<ThrottleLimits>): Promise<ThrottleLimits> {
    return (await this.request('PUT', 'throttle', limits)) as ThrottleLimits;
  }

  async resetThrottle(): Promise<void> {
    await this.request('DELETE', 'throttle');
  }

  /** Empty mailboxes, no tokens, no throttle history. */
  async reset(): Promise<void> {
    await this.request('POST', 'reset');
  }
}

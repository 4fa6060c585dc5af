/**
 * Drives an emulator's `/_emulator/*` test controls over HTTP (what tests and benchmarks use; they need not
 * run in the emulator's process).
 */
import type { InjectedFault, RecordedRequest } from './server';

export class EmulatorControls {
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

  async counters(): Promise<Record<string, number>> {
    return (await (await this.call('GET', 'counters')).json()) as Record<string, number>;
  }

  /** Total calls whose "METHOD template" key matches. */
  async countMatching(pattern: RegExp): Promise<number> {
    const counters = await this.counters();
    return Object.entries(counters).filter(([k]) => pattern.test(k)).reduce((n, [, v]) => n + v, 0);
  }

  /** Answers per "STATUS METHOD template" (e.g. "429 POST /v1.0/users/{userId}/events"). */
  async responses(): Promise<Record<string, number>> {
    return (await (await this.call('GET', 'responses')).json()) as Record<string, number>;
  }

  /** The last requests the emulator got (filters: method, path regular expression, header name and value). */
  async requests(filter: { method?: string; path?: string; header?: string; value?: string } = {}): Promise<RecordedRequest[]> {
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return ((await (await this.call('GET', `requests${query ? `?${query}` : ''}`)).json()) as { value: RecordedRequest[] }).value;
  }

  async clearRequests(): Promise<void> { await this.call('DELETE', 'requests'); }

  /** Clears the call counters, the response counters and the request log. */
  async resetCounters(): Promise<void> { await this.call('DELETE', 'counters'); }
  async setLatency(ms: number): Promise<void> { await this.call('PUT', 'latency', { ms }); }
  async injectFault(fault: InjectedFault): Promise<void> { await this.call('POST', 'faults', fault); }
  async clearFaults(): Promise<void> { await this.call('DELETE', 'faults'); }
}

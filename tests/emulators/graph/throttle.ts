/**
 * Outlook's per-(app, mailbox) limits: at most N requests in flight and M requests in a sliding
 * 10-minute window. Over either, the request is answered 429 with Retry-After and never reaches the
 * mailbox. Throttled requests still count toward the window, as Graph documents ("usage keeps being
 * counted while you are throttled"). `serviceTimeMs` is how long each request holds its slot, so tests
 * can make requests overlap as they do against the real service.
 */
import { randomUUID } from 'node:crypto';
import { errorBody } from './errors';
import { EmulatorHttpError } from '../common/server';
import throttledBody from './fixtures/error-throttled-429.json';

export interface ThrottleLimits {
  concurrentPerMailbox: number;
  requestsPer10Min: number;
  /** Simulated processing time of each throttled-class request (holds its concurrency slot). */
  serviceTimeMs: number;
  /**
   * Length of the sliding window of `requestsPer10Min`; absent = Graph's 10 minutes. Benchmarks shorten it
   * (with a smaller budget) to scale the rate budget down in time, so that a run limited by it takes minutes.
   */
  windowMs?: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { concurrentPerMailbox: 4, requestsPer10Min: 10_000, serviceTimeMs: 0 };
const WINDOW_MS = 10 * 60_000;

export class MailboxThrottle {
  private limits: ThrottleLimits;
  private readonly inFlight = new Map<string, number>();
  private readonly windows = new Map<string, number[]>();

  constructor(limits: Partial<ThrottleLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  current(): ThrottleLimits {
    return { ...this.limits };
  }

  set(limits: Partial<ThrottleLimits>): void {
    this.limits = { ...this.limits, ...limits };
  }

  /** Back to the factory limits and an empty history. */
  reset(limits: Partial<ThrottleLimits> = {}): void {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.inFlight.clear();
    this.windows.clear();
  }

  async run<T>(clientId: string, mailboxId: string, work: () => Promise<T> | T): Promise<T> {
    const key = `${clientId}|${mailboxId}`;
    const now = Date.now();
    const windowMs = this.limits.windowMs ?? WINDOW_MS;
    const window = (this.windows.get(key) ?? []).filter((t) => t > now - windowMs);
    window.push(now);
    this.windows.set(key, window);
    if (window.length > this.limits.requestsPer10Min) {
      // Allowed again once enough of the window's oldest calls have aged out.
      const retryAfter = Math.max(1, Math.ceil(((window[window.length - this.limits.requestsPer10Min] ?? now) + windowMs - now) / 1000));
      // The body Graph documents for throttling (fixtures/error-throttled-429.json), with fresh ids.
      const body = structuredClone(throttledBody) as { error: { innerError: Record<string, string> } };
      body.error.innerError.date = new Date().toISOString().slice(0, 19);
      body.error.innerError['request-id'] = randomUUID();
      throw new EmulatorHttpError(429, body, { 'Retry-After': String(retryAfter) });
    }
    const running = this.inFlight.get(key) ?? 0;
    if (running >= this.limits.concurrentPerMailbox) {
      const retryAfter = Math.max(1, Math.ceil(this.limits.serviceTimeMs / 1000));
      throw new EmulatorHttpError(429, errorBody('ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'), { 'Retry-After': String(retryAfter) });
    }
    this.inFlight.set(key, running + 1);
    try {
      if (this.limits.serviceTimeMs > 0) await new Promise((r) => setTimeout(r, this.limits.serviceTimeMs));
      return await work();
    } finally {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    }
  }
}

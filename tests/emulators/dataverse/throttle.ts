/**
 * Service protection API limits (api-limits.md; fixture service-protection-limit-errors.json), per user — the
 * effective user of the request — over a 300-second sliding window:
 * - number of requests (default 6000): 0x80072322, once the window already holds the limit;
 * - combined execution time (default 1,200 s): 0x80072321, once the window's time exceeds the limit;
 * - concurrent requests (default 52): 0x80072326, immediately.
 * Each answers 429 with `Retry-After` in seconds (when the oldest entry leaves the window; 1 s for concurrency).
 * A `$batch` counts as one request (its execution time is the whole batch's). Refused requests are not counted.
 * `processingMs` makes every request take that long inside the limiter (simulated server work), so tests can
 * reach the execution-time and concurrency limits.
 */
import { dataverseError } from './errors';
import type { EmulatorHttpError } from '../common/server';

export interface ThrottleLimits {
  requestsPer5Min: number;
  concurrent: number;
  executionTimeSecondsPer5Min: number;
  /** Simulated processing time per request, counted as execution time (default 0). */
  processingMs: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { requestsPer5Min: 6000, concurrent: 52, executionTimeSecondsPer5Min: 1200, processingMs: 0 };
const WINDOW_MS = 300_000;

interface Usage {
  requests: number[];
  execution: Array<{ at: number; ms: number }>;
  inFlight: number;
}

export interface Lease {
  userId: string;
  started: number;
}

function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

export class ServiceProtection {
  private limits: ThrottleLimits;
  private readonly usage = new Map<string, Usage>();

  constructor(limits: Partial<ThrottleLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get current(): ThrottleLimits { return { ...this.limits }; }

  configure(limits: Partial<ThrottleLimits>): void {
    for (const [key, value] of Object.entries(limits)) {
      if (!(key in DEFAULT_LIMITS) || typeof value !== 'number' || !(value >= 0)) throw new Error(`invalid throttle setting ${key}`);
    }
    this.limits = { ...this.limits, ...limits };
  }

  reset(): void { this.usage.clear(); }

  private usageOf(userId: string, now: number): Usage {
    let usage = this.usage.get(userId);
    if (!usage) {
      usage = { requests: [], execution: [], inFlight: 0 };
      this.usage.set(userId, usage);
    }
    usage.requests = usage.requests.filter((t) => t > now - WINDOW_MS);
    usage.execution = usage.execution.filter((e) => e.at > now - WINDOW_MS);
    return usage;
  }

  private refuse(hex: string, message: string, retryAfterSeconds: number): EmulatorHttpError {
    return dataverseError(429, hex, message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }

  /** Admits a request or throws the 429; call `leave` when it finishes. */
  enter(userId: string): Lease {
    const now = Date.now();
    const usage = this.usageOf(userId, now);
    const { requestsPer5Min, concurrent, executionTimeSecondsPer5Min } = this.limits;
    if (usage.inFlight >= concurrent) {
      throw this.refuse('0x80072326', `Number of concurrent requests exceeded the limit of ${concurrent}.`, 1);
    }
    if (usage.requests.length >= requestsPer5Min) {
      const oldest = usage.requests[usage.requests.length - requestsPer5Min]!;
      throw this.refuse('0x80072322', `Number of requests exceeded the limit of ${requestsPer5Min} over time window of 300 seconds.`, (oldest + WINDOW_MS - now) / 1000);
    }
    const executionMs = usage.execution.reduce((sum, e) => sum + e.ms, 0);
    const limitMs = executionTimeSecondsPer5Min * 1000;
    if (executionMs > limitMs) {
      // Wait until enough of the window's execution time has aged out.
      let excess = executionMs - limitMs;
      let until = now;
      for (const e of usage.execution) {
        excess -= e.ms;
        until = e.at + WINDOW_MS;
        if (excess < 0) break;
      }
      throw this.refuse('0x80072321',
        `Combined execution time of incoming requests exceeded limit of ${thousands(limitMs)}  milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
        (until - now) / 1000);
    }
    usage.requests.push(now);
    usage.inFlight += 1;
    return { userId, started: now };
  }

  async hold(): Promise<void> {
    if (this.limits.processingMs > 0) await new Promise((r) => setTimeout(r, this.limits.processingMs));
  }

  leave(lease: Lease): void {
    const now = Date.now();
    const usage = this.usageOf(lease.userId, now);
    usage.inFlight = Math.max(0, usage.inFlight - 1);
    usage.execution.push({ at: now, ms: Math.max(now - lease.started, 0) });
  }

  /** The debugging headers the Web API adds (x-ms-ratelimit-*-xrm-requests). */
  remaining(userId: string): Record<string, string> {
    const now = Date.now();
    const usage = this.usageOf(userId, now);
    const executionMs = usage.execution.reduce((sum, e) => sum + e.ms, 0);
    return {
      'x-ms-ratelimit-burst-remaining-xrm-requests': String(Math.max(0, this.limits.requestsPer5Min - usage.requests.length)),
      'x-ms-ratelimit-time-remaining-xrm-requests': (Math.max(0, this.limits.executionTimeSecondsPer5Min * 1000 - executionMs)).toFixed(2),
    };
  }

  snapshot(): Record<string, { requests: number; executionMs: number; inFlight: number }> {
    const now = Date.now();
    const out: Record<string, { requests: number; executionMs: number; inFlight: number }> = {};
    for (const userId of this.usage.keys()) {
      const u = this.usageOf(userId, now);
      out[userId] = { requests: u.requests.length, executionMs: u.execution.reduce((s, e) => s + e.ms, 0), inFlight: u.inFlight };
    }
    return out;
  }
}

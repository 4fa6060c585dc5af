/**
 * Delivers one webhook request: applies the test controls (drop / delay / duplicate the next N deliveries),
 * makes the documented second attempt on 502/503/504 ("the WebHook service will make one more attempt only
 * when these error codes are returned"), and counts every POST per service endpoint. These counters are the
 * emulator's outgoing traffic, kept apart from the server's API call counters.
 */
import type { WebhookEndpoint } from './registration-reader';
import type { WebhookRequest } from './webhook-request';
import type { PostOutcome, WebhookSender } from './webhook-sender';

export type FaultAction = 'drop' | 'delay' | 'duplicate';

export interface DeliveryFault {
  action: FaultAction;
  /** How many deliveries get it. */
  count: number;
  /** For 'delay': milliseconds to wait before sending. */
  delayMs?: number;
  /** Only deliveries to this service endpoint (id or name); default: any. */
  endpoint?: string;
}

export interface EndpointCounters {
  serviceendpointid: string;
  name: string;
  /** HTTP POSTs actually sent (duplicates and the 502/503/504 second attempts included). */
  posts: number;
  /** Deliveries (one per System Job attempt or synchronous step run) that succeeded / failed. */
  succeeded: number;
  failed: number;
  dropped: number;
  duplicated: number;
  delayed: number;
}

export interface DeliveryLogEntry {
  at: string;
  serviceendpointid: string;
  endpointName: string;
  stepId: string;
  mode: number;
  messageName: string;
  entityName: string;
  primaryEntityId: string;
  systemJobId?: string;
  /** HTTP status of the last POST, if any answered. */
  status?: number;
  ok: boolean;
  error?: string;
  fault?: FaultAction;
  posts: number;
  bytes: number;
  sizeExceeded: boolean;
}

export interface DeliveryInfo {
  endpoint: WebhookEndpoint;
  request: WebhookRequest;
  stepId: string;
  mode: number;
  messageName: string;
  entityName: string;
  primaryEntityId: string;
  systemJobId?: string;
}

export type DeliveryResult = PostOutcome & { dropped?: boolean };

const RETRIED_ONCE = new Set([502, 503, 504]);
const LOG_LIMIT = 1000;

export class WebhookDeliverer {
  private readonly faults: DeliveryFault[] = [];
  private readonly counters = new Map<string, EndpointCounters>();
  private readonly log: DeliveryLogEntry[] = [];

  constructor(private readonly sender: WebhookSender, private readonly timeoutMs: () => number) {}

  addFault(fault: DeliveryFault): void { this.faults.push({ ...fault }); }
  clearFaults(): void { this.faults.length = 0; }
  pendingFaults(): DeliveryFault[] { return this.faults.map((f) => ({ ...f })); }

  countersSnapshot(): EndpointCounters[] { return [...this.counters.values()].map((c) => ({ ...c })); }
  deliveries(): DeliveryLogEntry[] { return this.log.map((e) => ({ ...e })); }
  resetCounters(): void { this.counters.clear(); this.log.length = 0; }

  private counter(endpoint: WebhookEndpoint): EndpointCounters {
    let c = this.counters.get(endpoint.id);
    if (!c) {
      c = { serviceendpointid: endpoint.id, name: endpoint.name, posts: 0, succeeded: 0, failed: 0, dropped: 0, duplicated: 0, delayed: 0 };
      this.counters.set(endpoint.id, c);
    }
    return c;
  }

  private takeFault(endpoint: WebhookEndpoint): DeliveryFault | undefined {
    const index = this.faults.findIndex((f) => !f.endpoint || f.endpoint.toLowerCase() === endpoint.id || f.endpoint === endpoint.name);
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async postCounted(info: DeliveryInfo, counter: EndpointCounters): Promise<{ outcome: PostOutcome; posts: number }> {
    let posts = 1;
    counter.posts += 1;
    let outcome = await this.sender.post(info.request, this.timeoutMs());
    if (!outcome.ok && outcome.status !== undefined && RETRIED_ONCE.has(outcome.status)) {
      posts += 1;
      counter.posts += 1;
      outcome = await this.sender.post(info.request, this.timeoutMs());
    }
    return { outcome, posts };
  }

  async deliver(info: DeliveryInfo): Promise<DeliveryResult> {
    const counter = this.counter(info.endpoint);
    const fault = this.takeFault(info.endpoint);
    let result: DeliveryResult;
    let posts = 0;
    if (fault?.action === 'drop') {
      // Lost on the way: the receiver never sees it, the platform believes it was delivered.
      counter.dropped += 1;
      result = { ok: true, status: 0, dropped: true };
    } else {
      if (fault?.action === 'delay') {
        counter.delayed += 1;
        await new Promise((r) => setTimeout(r, fault.delayMs ?? 0));
      }
      const first = await this.postCounted(info, counter);
      posts = first.posts;
      result = first.outcome;
      if (fault?.action === 'duplicate') {
        counter.duplicated += 1;
        posts += (await this.postCounted(info, counter)).posts;
      }
    }
    if (result.ok) counter.succeeded += 1;
    else counter.failed += 1;
    this.log.push({
      at: new Date().toISOString(),
      serviceendpointid: info.endpoint.id,
      endpointName: info.endpoint.name,
      stepId: info.stepId,
      mode: info.mode,
      messageName: info.messageName,
      entityName: info.entityName,
      primaryEntityId: info.primaryEntityId,
      ...(info.systemJobId ? { systemJobId: info.systemJobId } : {}),
      ...(result.status ? { status: result.status } : {}),
      ok: result.ok,
      ...(!result.ok ? { error: result.error } : {}),
      ...(fault ? { fault: fault.action } : {}),
      posts,
      bytes: info.request.body.length,
      sizeExceeded: info.request.sizeExceeded,
    });
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    return result;
  }
}

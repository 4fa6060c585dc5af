/**
 * The faults of a run, planned up front from the seed (which kind, how many, at which operation), then
 * injected through the emulators' test controls as the operations reach them:
 * - API faults on Graph or Dataverse (429 with Retry-After, 500, 503 with Retry-After, a dropped connection),
 *   on the item, delta and table endpoints the sync uses (reads; a third of them writes too);
 * - latency windows on either service;
 * - Graph change notifications dropped (sometimes with a `missed` lifecycle event), delayed, duplicated,
 *   reordered; Dataverse webhook deliveries dropped, delayed, duplicated;
 * - the worker process SIGKILLed and restarted after a short downtime, while everything else goes on.
 * Every kind gets `max(2, operations / 100)` injections (kills: --kills), each of a few faults.
 */
import type { SoakEnv } from './environment';
import type { Rng } from './prng';

export const FAULT_KINDS = [
  'http429', 'http500', 'http503', 'httpDrop', 'latency',
  'notificationDrop', 'notificationDelay', 'notificationDuplicate', 'notificationReorder',
  'webhookDrop', 'webhookDelay', 'webhookDuplicate', 'kill',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

interface PlannedFault {
  at: number;
  kind: FaultKind;
  service: 'graph' | 'dataverse';
  count: number;
  delayMs: number;
  sendMissed: boolean;
  /** API faults: on writes too, not only reads. */
  writesToo: boolean;
}

/**
 * The sync's API surface on each service. The soak's people read through the test controls and only write
 * through the API, so faults on reads reach the sync alone; a third of the injections take writes too
 * (people hit those as well, and retry).
 */
const API_PATHS = {
  graph: '/v1\\.0/users/\\{userId\\}/(events|contacts|calendarView|todo/lists/\\{listId\\}/tasks)',
  dataverse: '/api/data/v9\\.2/(tasks|contacts|appointments)',
};

export class Chaos {
  readonly plan: PlannedFault[];
  /** Faults asked of the emulators, by kind (latency: windows; kill: kills). */
  readonly requested = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  private next = 0;
  private readonly background = new Set<Promise<unknown>>();
  private readonly latencyUntil = { graph: 0, dataverse: 0 };
  private stopped = false;

  constructor(private readonly env: SoakEnv, rng: Rng, operations: number, kills: number, private readonly log: (line: string) => void) {
    const perKind = Math.max(2, Math.ceil(operations / 100));
    const plan: PlannedFault[] = [];
    for (const kind of FAULT_KINDS) {
      const events = kind === 'kill' ? kills : perKind;
      for (let i = 0; i < events; i++) {
        plan.push({
          // Spread over the run, the last ones well before its end so that their effects happen under load.
          at: Math.floor(operations * (0.03 + 0.72 * rng.next())),
          kind,
          service: rng.chance(0.5) ? 'graph' : 'dataverse',
          count: kind.startsWith('http') ? rng.int(2, 4) : rng.int(1, 3),
          delayMs: kind === 'kill' ? rng.int(200, 2500) : kind === 'latency' ? rng.int(40, 250) : rng.int(500, 4000),
          sendMissed: kind === 'notificationDrop' && rng.chance(0.3),
          // The first of each kind on reads only, so that every kind surely reaches the sync.
          writesToo: i > 0 && rng.chance(1 / 3),
        });
      }
    }
    this.plan = plan.sort((a, b) => a.at - b.at);
  }

  /** Injects what the plan has up to operation `n` (kills and latency windows run on in the background). */
  async before(n: number): Promise<void> {
    while (!this.stopped && this.next < this.plan.length && this.plan[this.next]!.at <= n) {
      const fault = this.plan[this.next++]!;
      try {
        await this.inject(fault);
      } catch (error) {
        this.log(`chaos: could not inject ${fault.kind}: ${(error as Error).message}`);
      }
    }
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((error) => this.log(`chaos: ${(error as Error).message}`)).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private later(ms: number, fn: () => Promise<unknown>): void {
    this.track(new Promise((r) => setTimeout(r, ms)).then(() => (this.stopped ? undefined : fn())));
  }

  private async inject(f: PlannedFault): Promise<void> {
    const { env } = this;
    switch (f.kind) {
      case 'http429':
      case 'http500':
      case 'http503':
      case 'httpDrop': {
        const status = f.kind === 'httpDrop' ? 'drop' : Number(f.kind.slice(4));
        const methods = f.writesToo ? 'GET|POST|PATCH|DELETE' : 'GET';
        await env.control(f.service, 'POST', 'faults', { status, count: f.count, match: `^(${methods}) ${API_PATHS[f.service]}`, ...(status === 429 || status === 503 ? { retryAfter: 1 } : {}) });
        this.requested[f.kind] += f.count;
        return;
      }
      case 'latency': {
        const duration = 1000 + f.delayMs * 12;
        this.latencyUntil[f.service] = Math.max(this.latencyUntil[f.service], Date.now() + duration);
        await env.control(f.service, 'PUT', 'latency', { ms: f.delayMs });
        this.requested.latency += 1;
        this.later(duration, async () => {
          if (Date.now() >= this.latencyUntil[f.service]) await env.control(f.service, 'PUT', 'latency', { ms: 0 });
        });
        return;
      }
      case 'notificationDrop':
      case 'notificationDelay':
      case 'notificationDuplicate':
      case 'notificationReorder': {
        const action = f.kind.slice('notification'.length).toLowerCase();
        await env.control('graph', 'POST', 'notifications/faults', {
          action, count: f.count, ...(action === 'delay' ? { delayMs: f.delayMs } : {}), ...(f.sendMissed ? { sendMissed: true } : {}),
        });
        this.requested[f.kind] += f.count;
        // A reorder holds notifications until it has `count` of them: let it go after a while regardless.
        if (action === 'reorder') this.later(4000, () => env.control('graph', 'POST', 'notifications/release'));
        return;
      }
      case 'webhookDrop':
      case 'webhookDelay':
      case 'webhookDuplicate': {
        const action = f.kind.slice('webhook'.length).toLowerCase();
        await env.control('dataverse', 'POST', 'webhooks/faults', { action, count: f.count, ...(action === 'delay' ? { delayMs: f.delayMs } : {}) });
        this.requested[f.kind] += f.count;
        return;
      }
      case 'kill':
        this.requested.kill += 1;
        this.track(env.host.kill(f.delayMs).then((k) => this.log(`chaos: worker killed (${k.inFlight} invocation(s) in flight), restarted after ${k.downtimeMs} ms`)));
        return;
    }
  }

  /**
   * Ends the chaos: no more injections; the faults already asked for are given a while to happen (`consumed`
   * says when they all have, by the services' own counters), then whatever is left is cleared, latency is
   * off, held notifications are released and the last restart is done.
   */
  async stop(consumed: () => Promise<boolean> = async () => true, graceMs = 30_000): Promise<void> {
    this.stopped = true;
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && !(await consumed())) await new Promise((r) => setTimeout(r, 500));
    await Promise.allSettled([...this.background]);
    await this.env.host.settled();
    const { env } = this;
    await Promise.all([
      env.control('graph', 'DELETE', 'faults'), env.control('dataverse', 'DELETE', 'faults'),
      env.control('graph', 'PUT', 'latency', { ms: 0 }), env.control('dataverse', 'PUT', 'latency', { ms: 0 }),
      env.control('graph', 'DELETE', 'notifications/faults'), env.control('dataverse', 'DELETE', 'webhooks/faults'),
    ]);
  }
}

/**
 * How many faults actually happened, counted by the services rather than by us: API answers per status
 * (GET /_emulator/responses on each emulator: injected faults and any organic throttling alike), Graph
 * notifications dropped and duplicated (subscription delivery stats), Dataverse deliveries dropped,
 * delayed and duplicated (webhook delivery counters). Faults the soak's own people absorbed (and retried)
 * are taken off, so `toSync` is what reached the sync app. Delayed and reordered Graph notifications have
 * no service-side counter: for those the injected count is reported. Graph's duplicate counter includes
 * Outlook's own created→updated pairs (graph.md §2.4), so duplicates reaching the sync are counted as at
 * most the injected ones.
 */
import type { Chaos, FaultKind } from './chaos';
import type { SoakEnv } from './environment';

export interface FaultFigures {
  /** Asked of the emulators (latency: windows; kill: kills). */
  requested: Record<FaultKind, number>;
  /** Counted by the services (null: no such counter). */
  observed: Record<FaultKind, number | null>;
  /** Absorbed by the soak's own people (they retry). */
  absorbedByPeople: Partial<Record<FaultKind, number>>;
  /** What reached the sync app: observed − absorbed, or requested where nothing is observed. */
  toSync: Record<FaultKind, number>;
  /** Observed answers by "service status", for the record. */
  answers: Record<string, number>;
}

const API = {
  graph: /^\S+ \/v1\.0\/users\/\{userId\}\/(events|contacts|calendarView|todo\/lists\/\{listId\}\/tasks)/,
  dataverse: /^\S+ \/api\/data\/v9\.2\/(tasks|contacts|appointments)/,
};

/** Resets the counters this tally reads (at the start of the operations). */
export async function resetFaultCounters(env: SoakEnv): Promise<Record<string, number>> {
  await Promise.all([env.graph.resetCounters(), env.dataverse.resetCounters(), env.control('dataverse', 'DELETE', 'webhooks/deliveries')]);
  return subscriptionStats(env);
}

async function subscriptionStats(env: SoakEnv): Promise<Record<string, number>> {
  const subs = await env.control('graph', 'GET', 'subscriptions') as { value: Array<{ stats: Record<string, number> }> };
  const total: Record<string, number> = {};
  for (const s of subs.value) for (const [k, n] of Object.entries(s.stats)) total[k] = (total[k] ?? 0) + (typeof n === 'number' ? n : 0);
  return total;
}

export async function tallyFaults(env: SoakEnv, chaos: Chaos, statsBefore: Record<string, number>): Promise<FaultFigures> {
  const answers: Record<string, number> = {};
  const byStatus = (status: string): number => answers[`graph ${status}`]! + answers[`dataverse ${status}`]!;
  for (const service of ['graph', 'dataverse'] as const) {
    const responses = await (service === 'graph' ? env.graph : env.dataverse).responses();
    for (const status of ['429', '500', '503', 'drop']) answers[`${service} ${status}`] = 0;
    for (const [key, n] of Object.entries(responses)) {
      const [status, ...rest] = key.split(' ');
      if (!API[service].test(rest.join(' '))) continue;
      answers[`${service} ${status}`] = (answers[`${service} ${status}`] ?? 0) + n;
    }
  }
  const stats = await subscriptionStats(env);
  const delta = (k: string) => (stats[k] ?? 0) - (statsBefore[k] ?? 0);
  const deliveries = await env.control('dataverse', 'GET', 'webhooks/deliveries') as { counters: Array<{ dropped: number; delayed: number; duplicated: number }> };
  const webhook = (k: 'dropped' | 'delayed' | 'duplicated') => deliveries.counters.reduce((n, c) => n + c[k], 0);
  const observed: FaultFigures['observed'] = {
    http429: byStatus('429'), http500: byStatus('500'), http503: byStatus('503'), httpDrop: byStatus('drop'),
    latency: null,
    notificationDrop: delta('dropped'), notificationDelay: null, notificationDuplicate: delta('duplicated'), notificationReorder: null,
    webhookDrop: webhook('dropped'), webhookDelay: webhook('delayed'), webhookDuplicate: webhook('duplicated'),
    kill: env.host.kills.length,
  };
  const people = env.people.absorbed;
  const absorbed = (status: string) => (people[`graph ${status}`] ?? 0) + (people[`dataverse ${status}`] ?? 0);
  const absorbedByPeople = { http429: absorbed('429'), http500: absorbed('500'), http503: absorbed('503'), httpDrop: absorbed('drop') };
  const toSync = Object.fromEntries(Object.entries(observed).map(([kind, n]) => {
    const k = kind as FaultKind;
    if (n === null) return [k, chaos.requested[k]];
    // Graph's duplicate counter also counts Outlook's own created→updated pairs: at most what was injected.
    if (k === 'notificationDuplicate') return [k, Math.min(n, chaos.requested[k])];
    return [k, Math.max(0, n - (absorbedByPeople[k as keyof typeof absorbedByPeople] ?? 0))];
  })) as Record<FaultKind, number>;
  return { requested: { ...chaos.requested }, observed, absorbedByPeople, toSync, answers };
}

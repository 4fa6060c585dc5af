/**
 * Scenarios 3 and 5 — sustained throughput for 1 mailbox and for 50, and the cost of our own code at 50.
 *
 * CRM users create contacts (Dataverse $batch, as an import would) while the app pushes them to Exchange.
 * The writer is closed-loop: it keeps at most `window` changes outstanding, so the app is saturated without
 * a backlog growing without bound. A change is done when the Graph emulator commits our create; the
 * sustained rate is taken between the 10th and the 90th percentile of completions.
 *
 * The bound the services allow, per mailbox: 4 concurrent Graph requests / per-call time = 80 calls/s at
 * 50 ms; a contact create needs one Graph call, so 80 changes/s per mailbox. 429s are counted by the
 * emulators (response counters); failures are poison-queue entries and changes that never completed.
 * CPU is the worker process's user+system time over the phase, per change; peak RSS its VmHWM.
 */
import { randomBytes } from 'node:crypto';
import { Environment } from './environment';
import type { Row } from './people';
import { figure, type Figure, type ScenarioResult } from './report';
import { diff, percentile, round, total } from './stats';
import type { SeedUser } from '../tests/emulators/seed';

export interface ThroughputOptions {
  latencyMs: number;
  mailboxes: number;
  /** Changes for the 1-mailbox phase and for the all-mailboxes phase. */
  changesOne: number;
  changesAll: number;
}

const SCENARIO = 'throughput';
const CONCURRENT_PER_MAILBOX = 4;

interface PhaseResult {
  mailboxes: number;
  changes: number;
  completed: number;
  wallMs: number;
  sustainedPerSecond: number;
  perMailboxPerSecond: number;
  boundPerMailboxPerSecond: number;
  ratioToBound: number;
  graphCallsPerChange: number;
  dataverseCallsPerChange: number;
  storageOpsPerChange: number;
  graph429: number;
  dataverse429: number;
  poisoned: number;
  cpuMsPerChange: number;
  peakRssMb: number;
  /** CPU used by each process during the phase, as a share of one core (the machine has nproc cores). */
  cpuShareOfOneCore: Record<string, string>;
}

async function phase(env: Environment, owners: SeedUser[], changes: number, window: number, latencyMs: number): Promise<PhaseResult> {
  const ownerIds = new Set(owners.map((u) => u.entraObjectId.toLowerCase()));
  const done: number[] = [];
  const off = env.commits.onGraph((c) => {
    if (c.clientId === env.syncClientId && c.kind === 'contact' && c.changeType === 'created' && ownerIds.has(c.userId)) done.push(c.at);
  });
  await env.settle();
  const beforeCounts = env.counts();
  const beforeResponses = env.responses();
  const beforePoison = await env.poisonCount();
  const cpuBefore = env.hostSample().cpuMs;
  const meter = env.cpuMeter();
  const tag = randomBytes(3).toString('hex');
  const started = Date.now();
  let created = 0;
  let next = 0;
  // Closed loop: top up to `window` outstanding changes, in $batch requests spread over the owners.
  const deadline = started + Math.max(120_000, changes * 200);
  while (done.length < changes && Date.now() < deadline) {
    const room = Math.min(window - (created - done.length), changes - created);
    if (room >= Math.min(10, changes - created) && room > 0) {
      const perOwner = new Map<SeedUser, Row[]>();
      for (let i = 0; i < room; i++) {
        const owner = owners[next++ % owners.length]!;
        const n = created + i;
        perOwner.set(owner, [...(perOwner.get(owner) ?? []), { firstname: 'Load', lastname: `${tag}-${n}`, jobtitle: `throughput ${n}` }]);
      }
      created += room;
      const batches = [...perOwner.entries()];
      for (let i = 0; i < batches.length; i += 8) {
        await Promise.all(batches.slice(i, i + 8).map(([owner, rows]) => env.people.crmBatchCreate('contacts', rows, owner.systemUserId)));
      }
    } else {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const finished = Date.now();
  const cpuShare = Object.fromEntries(Object.entries(meter.elapsed()).map(([name, ms]) => [name, `${Math.round((ms / (finished - started)) * 100)} %`]));
  off();
  await env.settle(300, 30_000);
  const cpuMs = env.hostSample().cpuMs - cpuBefore;
  const counts = env.counts();
  const responses = env.responses();
  const graph = diff(counts.graph, beforeCounts.graph);
  const dataverse = diff(counts.dataverse, beforeCounts.dataverse);
  const storage = diff(counts.storage, beforeCounts.storage);
  const writerCalls = total(dataverse, (k) => k.includes('$batch')) + total(dataverse, (k) => k.startsWith('POST /api/data/v9.2/contacts'));
  const count429 = (after: Record<string, number>, before: Record<string, number>) => total(diff(after, before), (k) => k.startsWith('429 '));
  const sorted = [...done].sort((a, b) => a - b);
  const p10 = percentile(sorted, 10);
  const p90 = percentile(sorted, 90);
  const inWindow = sorted.filter((t) => t >= p10 && t <= p90).length;
  const sustained = p90 > p10 ? ((inWindow - 1) * 1000) / (p90 - p10) : Number.NaN;
  const bound = (CONCURRENT_PER_MAILBOX * 1000) / latencyMs;
  return {
    mailboxes: owners.length, changes, completed: done.length, wallMs: finished - started,
    sustainedPerSecond: round(sustained), perMailboxPerSecond: round(sustained / owners.length, 2),
    boundPerMailboxPerSecond: bound, ratioToBound: round(sustained / owners.length / bound, 3),
    graphCallsPerChange: round(total(graph) / changes, 2),
    dataverseCallsPerChange: round((total(dataverse) - writerCalls) / changes, 2),
    storageOpsPerChange: round(total(storage, (k) => !k.endsWith('(empty)')) / changes, 1),
    graph429: count429(responses.graph, beforeResponses.graph),
    dataverse429: count429(responses.dataverse, beforeResponses.dataverse),
    poisoned: (await env.poisonCount()) - beforePoison,
    cpuMsPerChange: round(cpuMs / Math.max(1, done.length), 2),
    peakRssMb: round(env.hostSample().peakRssMb, 0),
    cpuShareOfOneCore: cpuShare,
  };
}

function phaseFigures(label: string, r: PhaseResult): Figure[] {
  const failures = r.poisoned + (r.changes - r.completed);
  return [
    figure(SCENARIO, `${label}: sustained changes/s (all mailboxes)`, r.sustainedPerSecond, '/s'),
    figure(SCENARIO, `${label}: per mailbox, ratio to ${r.boundPerMailboxPerSecond}/s bound`, `${r.perMailboxPerSecond}/s = ${Math.round(r.ratioToBound * 100)} %`, undefined,
      { target: '≥ 90 %', pass: r.ratioToBound >= 0.9 }),
    figure(SCENARIO, `${label}: 429s received (Graph / Dataverse)`, `${r.graph429} / ${r.dataverse429}`),
    figure(SCENARIO, `${label}: failures (poisoned or never synced)`, failures, undefined, { target: '0', pass: failures === 0 }),
  ];
}

export async function runThroughput(options: ThroughputOptions): Promise<ScenarioResult> {
  const started = Date.now();
  // The sample schedule of the To Do poll (every 30 s): what 50 mailboxes cost in the background too.
  const env = await Environment.start({ users: options.mailboxes, enable: options.mailboxes, latencyMs: options.latencyMs, todoPollSchedule: '*/30 * * * * *' });
  try {
    const users = env.benchUsers.slice(0, options.mailboxes);
    const one = await phase(env, users.slice(0, 1), options.changesOne, 200, options.latencyMs);
    const all = await phase(env, users, options.changesAll, 300, options.latencyMs);
    const figures = [
      ...phaseFigures('1 mailbox', one),
      ...phaseFigures(`${options.mailboxes} mailboxes`, all),
      figure('cost of our code', `CPU per change at ${options.mailboxes} mailboxes`, all.cpuMsPerChange, 'ms', { target: '≤ 5 ms', pass: all.cpuMsPerChange <= 5 }),
      figure('cost of our code', `worker peak RSS at ${options.mailboxes} mailboxes`, all.peakRssMb, 'MB', { target: '≤ 256 MB', pass: all.peakRssMb <= 256 }),
    ];
    return { scenario: SCENARIO, durationMs: Date.now() - started, figures, details: { oneMailbox: one, allMailboxes: all, todoPollSchedule: '*/30 * * * * *', kind: 'CRM→Exchange contact creates' } };
  } finally {
    await env.stop();
  }
}

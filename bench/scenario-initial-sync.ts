/**
 * Scenario 4 — initial sync of N CRM rows (10,000 in the full run) for one mailbox, against Graph's rate budget.
 *
 * Graph allows 10,000 requests per 10 minutes per app and mailbox. To make the run take minutes, the budget is
 * scaled down: its count by `budgetDivisor` and its window by 4 × that (so the allowed *rate* is 4 × Graph's
 * real one, and the window is full ten times over during the run instead of once). The fastest possible run
 * for the calls the sync needs is simulated exactly (budgetMinimumMs): at most 4 calls in flight, each taking
 * the per-call time, and at most `budget` call starts in any window — a perfect client. The wall time is held
 * against it (target ≤ 110 %), and any 429 that surfaced as a failure (a poison-queue entry) fails the run.
 *
 * The rows are loaded with Dataverse's $batch while our webhook steps are disabled (as an administrator does for
 * a data migration), then the mailbox goes through Test & Enable, which starts the initial sync.
 */
import { randomBytes } from 'node:crypto';
import { newMailbox } from '../shared/mailboxes/mailbox';
import { Environment } from './environment';
import { figure, type ScenarioResult } from './report';
import { round, total } from './stats';

export interface InitialSyncOptions {
  rows: number;
  latencyMs: number;
  /** Graph's budget count is divided by this, its window by 4 × this. */
  budgetDivisor: number;
}

const SCENARIO = 'initial sync';
const GRAPH_BUDGET = 10_000;
const GRAPH_WINDOW_MS = 600_000;
const CONCURRENT = 4;

/** Shortest time for `calls` calls: `concurrent` in flight of `callMs` each, ≤ `budget` starts per `windowMs`. */
export function budgetMinimumMs(calls: number, budget: number, windowMs: number, concurrent: number, callMs: number): number {
  const starts: number[] = [];
  let end = 0;
  for (let k = 0; k < calls; k++) {
    let s = k >= concurrent ? starts[k - concurrent]! + callMs : 0;
    if (k >= budget) s = Math.max(s, starts[k - budget]! + windowMs);
    starts.push(s);
    end = s + callMs;
  }
  return end;
}

/** Completions in each second since `t0` (how the rate evolved). */
function perSecond(times: number[], t0: number): number[] {
  const out: number[] = [];
  for (const t of times) {
    const s = Math.floor((t - t0) / 1000);
    while (out.length <= s) out.push(0);
    out[s]! += 1;
  }
  return out;
}

async function setOurStepsEnabled(env: Environment, enabled: boolean): Promise<number> {
  const dv = env.runtime.services.dataverse;
  const steps = (await dv.retrieveAll('sdkmessageprocessingsteps', ['sdkmessageprocessingstepid', 'name', 'statecode']))
    .filter((s) => String(s.name).startsWith('crm-exchange-sync: '));
  for (const step of steps) {
    await dv.update('sdkmessageprocessingsteps', String(step.sdkmessageprocessingstepid), { statecode: enabled ? 0 : 1, statuscode: enabled ? 1 : 2 }, '*', ['sdkmessageprocessingstepid']);
  }
  return steps.length;
}

export async function runInitialSync(options: InitialSyncOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const budget = Math.round(GRAPH_BUDGET / options.budgetDivisor);
  const windowMs = Math.round(GRAPH_WINDOW_MS / (4 * options.budgetDivisor));
  const env = await Environment.start({ users: 1, enable: 0, latencyMs: options.latencyMs, graphBudget: { requests: budget, windowMs } });
  try {
    const user = env.benchUsers[0]!;
    const objectId = user.entraObjectId.toLowerCase();
    // Load the rows (the user already owns a few sample contacts: top up to `rows`).
    const dv = env.runtime.services.dataverse;
    const existing = (await dv.retrieveAll('contacts', ['contactid'], `_ownerid_value eq ${user.systemUserId}`)).length;
    await setOurStepsEnabled(env, false);
    const tag = randomBytes(3).toString('hex');
    const loadStarted = Date.now();
    for (let made = 0; made < options.rows - existing; made += 1000) {
      const n = Math.min(1000, options.rows - existing - made);
      await env.people.crmBatchCreate('contacts', Array.from({ length: n }, (_, i) => ({
        firstname: 'Initial', lastname: `${tag}-${made + i}`, jobtitle: 'Imported', telephone1: `+1 425 555 ${String((made + i) % 10_000).padStart(4, '0')}`,
      })), user.systemUserId);
    }
    const loadMs = Date.now() - loadStarted;
    await env.setLatency(options.latencyMs);
    await setOurStepsEnabled(env, true);

    const synced: number[] = [];
    const off = env.commits.onGraph((c) => { if (c.clientId === env.syncClientId && c.userId === objectId && c.kind === 'contact' && c.changeType === 'created') synced.push(c.at); });
    await env.settle();
    await env.resetCounters();
    const cpuBefore = env.hostSample().cpuMs;
    const meter = env.cpuMeter();

    // Test & Enable, as the admin page does it: the test runs on the queue and starts the initial sync.
    const t0 = Date.now();
    const { mailboxService } = env.runtime;
    await env.runtime.services.mailboxes.ensure(newMailbox({ systemUserId: user.systemUserId, displayName: user.displayName, emailAddress: user.userPrincipalName, entraObjectId: user.entraObjectId }));
    await mailboxService.setSyncMethods(user.systemUserId, { contacts: 'serverSideSync' });
    await mailboxService.setApproval(user.systemUserId, 'approved');
    const { item } = await mailboxService.requestTestAndEnable(user.systemUserId);
    await env.runtime.workQueue.send([item]);

    const timeoutMs = 3 * budgetMinimumMs(options.rows, budget, windowMs, CONCURRENT, options.latencyMs) + 300_000;
    let poisoned = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      poisoned = await env.poisonCount();
      if (synced.length >= options.rows) break;
      if (synced.length + poisoned >= options.rows && (await env.queueDepth()) === 0) break;
      if (Date.now() - t0 > timeoutMs) break;
    }
    const lastSync = synced.length > 0 ? Math.max(...synced) : Date.now();
    const wallMs = lastSync - t0;
    const cpuShare = Object.fromEntries(Object.entries(meter.elapsed()).map(([name, ms]) => [name, `${Math.round((ms / (Date.now() - t0)) * 100)} %`]));
    off();
    await env.settle(300, 30_000);
    const cpuMs = env.hostSample().cpuMs - cpuBefore;

    const responses = env.responses();
    const mailboxCalls = (filter: (status: string) => boolean) => total(responses.graph, (k) => {
      const [status = '', , template = ''] = k.split(' ');
      return template.startsWith('/v1.0/users/{userId}') && filter(status);
    });
    const neededCalls = mailboxCalls((s) => s !== '429');
    const graph429 = mailboxCalls((s) => s === '429');
    const dataverse429 = total(responses.dataverse, (k) => k.startsWith('429 '));
    const minimumMs = budgetMinimumMs(neededCalls, budget, windowMs, CONCURRENT, options.latencyMs);
    const ratio = wallMs / minimumMs;
    // How Graph's deliveries of change notifications to us fared (failures mean we answered too slowly).
    const subscriptions = (await env.subscriptionControls.list()).map((x) => ({ kind: x.kind, stats: x.stats }));
    const poisonReasons = poisoned > 0 ? [...new Set(await env.poisonSample())].slice(0, 5) : [];
    const counts = env.counts().dataverse;
    const figures = [
      figure(SCENARIO, `rows synced (of ${options.rows})`, synced.length, undefined, { target: `${options.rows}`, pass: synced.length === options.rows }),
      figure(SCENARIO, 'wall time, Test & Enable → last row in Exchange', round(wallMs / 1000), 's'),
      figure(SCENARIO, `budget's minimum time for ${neededCalls} Graph calls`, round(minimumMs / 1000), 's', undefined,
        `budget ${budget} calls / ${windowMs / 1000} s (Graph's 10,000 / 600 s ÷ ${options.budgetDivisor} in count, ÷ ${4 * options.budgetDivisor} in time), ${CONCURRENT} in flight × ${options.latencyMs} ms`),
      figure(SCENARIO, 'wall time / minimum', `${Math.round(ratio * 100)} %`, undefined, { target: '≤ 110 %', pass: ratio <= 1.1 }),
      figure(SCENARIO, '429s received (Graph / Dataverse)', `${graph429} / ${dataverse429}`),
      figure(SCENARIO, '429s surfaced as failures (poison-queue entries)', poisoned, undefined, { target: '0', pass: poisoned === 0 }),
      figure('cost of our code', 'CPU per initial-sync row', round(cpuMs / Math.max(1, synced.length), 2), 'ms', undefined, 'includes the created+updated notifications Graph sends for each of our creates'),
    ];
    return {
      scenario: SCENARIO, durationMs: Date.now() - started, figures,
      details: {
        rows: options.rows, loadMs,
        syncedPerSecond: perSecond(synced, t0), budget: { requests: budget, windowMs, divisor: options.budgetDivisor }, latencyMs: options.latencyMs,
        wallMs, cpuShareOfOneCore: cpuShare, minimumMs, neededGraphCalls: neededCalls, graph429, dataverse429, poisoned, poisonReasons,
        dataverseCalls: counts, subscriptions, graphResponses: responses.graph, peakRssMb: round(env.hostSample().peakRssMb, 0),
      },
    };
  } finally {
    await env.stop();
  }
}

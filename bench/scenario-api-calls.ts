/**
 * Scenario 2 — API calls per synced change, by kind (create / update × direction × record type, plus items
 * created only in Outlook, which must cost nothing): Graph calls, Dataverse calls and storage operations,
 * each a median over `perKind` changes made one at a time on a quiet system, next to the minimum for that
 * kind (minimums.ts). Also gives the latency scenario the number of calls on each kind's path.
 */
import { randomBytes } from 'node:crypto';
import { measureChange, pollRoundCost, type ChangeCost } from './change-cost';
import type { DataverseCommit, GraphCommit } from './commit-log';
import { Environment } from './environment';
import { IGNORED_CREATE_MINIMUM, kindName, minimumFor, type Minimum } from './minimums';
import { RECORD_KINDS, RECORD_TYPE_NAMES, type Mailbox } from './record-kinds';
import { figure, type ScenarioResult } from './report';
import { max as maxOf, median, medianByKey, round, total, type CountMap } from './stats';

export interface ApiCallsOptions {
  perKind: number;
  latencyMs: number;
}

export interface KindCost {
  kind: string;
  samples: number;
  graph: { median: number; max: number; byCall: CountMap };
  dataverse: { median: number; max: number; byCall: CountMap };
  storage: { median: number; max: number; byOperation: CountMap };
  /** API calls made before the change reached the other side (median). */
  pathCalls: number | null;
  minimum: Minimum;
}

const SCENARIO = 'api calls';

function summarize(kind: string, costs: ChangeCost[], minimum: Minimum): KindCost {
  const part = (pick: (c: ChangeCost) => CountMap) => {
    const totals = costs.map((c) => total(pick(c)));
    return { median: median(totals), max: maxOf(totals), byCall: medianByKey(costs.map(pick)) };
  };
  const storage = part((c) => c.storage);
  const paths = costs.map((c) => c.pathCalls).filter((p): p is number => p !== undefined);
  return {
    kind, samples: costs.length, graph: part((c) => c.graph), dataverse: part((c) => c.dataverse),
    storage: { median: round(storage.median), max: round(storage.max), byOperation: storage.byCall },
    pathCalls: paths.length > 0 ? median(paths) : null,
    minimum,
  };
}

export async function runApiCalls(options: ApiCallsOptions): Promise<{ result: ScenarioResult; pathCalls: Map<string, number> }> {
  const started = Date.now();
  const env = await Environment.start({ users: 1, enable: 1, latencyMs: options.latencyMs, todoPollSchedule: '* * * * * *' });
  try {
    const user = env.benchUsers[0]!;
    const mailbox: Mailbox = { systemUserId: user.systemUserId, entraObjectId: user.entraObjectId.toLowerCase(), todoListId: env.mailboxOf(user).todoListId! };
    const pollRound = await pollRoundCost(env);
    const costs = new Map<string, { costs: ChangeCost[]; minimum: Minimum }>();
    const record = (kind: string, minimum: Minimum, cost: ChangeCost) => {
      const entry = costs.get(kind) ?? { costs: [], minimum };
      entry.costs.push(cost);
      costs.set(kind, entry);
    };
    const tag = randomBytes(3).toString('hex');
    const bySync = (c: GraphCommit) => c.clientId === env.syncClientId && c.userId === mailbox.entraObjectId;
    const syncWrote = (crmId: string) => (c: DataverseCommit) => c.id === crmId && c.initiatingUserId === env.syncAppUserId;

    for (const type of RECORD_TYPE_NAMES) {
      const kind = RECORD_KINDS[type];
      for (let i = 0; i < options.perKind; i++) {
        const value = (step: string) => `bench ${type} ${step} ${tag}-${i}`;
        let crmId = '';
        // Our own To Do writes come back through the next poll round: keep the window open for it.
        const linger = { lingerMs: type === 'task' ? 1200 : 0 };
        const created = await measureChange(env, 'dataverse', async () => { crmId = await env.people.crmCreate(kind.entitySet, kind.newRow(value('created')), user.systemUserId); },
          { system: 'graph', match: (c) => bySync(c) && c.kind === kind.graphKind && c.changeType === 'created' }, linger);
        record(kindName('CRM→Exchange', 'create', type), minimumFor('CRM→Exchange', 'create', type), created);
        const graphId = created.destination?.id;
        if (!graphId) throw new Error(`${type} ${crmId} did not reach the mailbox`);

        const updated = await measureChange(env, 'dataverse', () => env.people.crmUpdate(kind.entitySet, crmId, { [kind.crmField]: value('crm edit') }, user.systemUserId),
          { system: 'graph', match: (c) => bySync(c) && c.id === graphId && c.changeType === 'updated' }, linger);
        record(kindName('CRM→Exchange', 'update', type), minimumFor('CRM→Exchange', 'update', type), updated);

        const edited = await measureChange(env, 'graph', async () => { await env.people.graphPatch(`${kind.collection(mailbox)}/${graphId}`, { [kind.graphField]: value('outlook edit') }); },
          { system: 'dataverse', match: syncWrote(crmId) });
        record(kindName('Exchange→CRM', 'update', type), minimumFor('Exchange→CRM', 'update', type), edited);

        // Made only in Outlook: notified (or seen by the To Do poll) but not synced. Wait past one poll round.
        const ignored = await measureChange(env, 'graph', async () => { await env.people.graphPost(kind.collection(mailbox), kind.outlookOnly(value('outlook only'))); },
          { system: 'none', waitMs: 1500 });
        record(`Exchange→CRM create ${type} (not synced)`, IGNORED_CREATE_MINIMUM, ignored);
      }
    }

    const kinds = [...costs.entries()].map(([kind, { costs: c, minimum }]) => summarize(kind, c, minimum));
    const figures = kinds.flatMap((k) => {
      const min = k.minimum;
      const apiPass = k.graph.median <= min.graph && k.dataverse.median <= min.dataverse;
      const note = apiPass ? undefined : excess(k);
      return [
        figure(SCENARIO, `${k.kind}: Graph / Dataverse calls`, `${k.graph.median} / ${k.dataverse.median}`, undefined,
          { target: `= ${min.graph} / ${min.dataverse}`, pass: apiPass }, note),
        figure(SCENARIO, `${k.kind}: storage operations`, k.storage.median, undefined, { target: `≤ ${min.storage}`, pass: k.storage.median <= min.storage }),
      ];
    });
    const pathCalls = new Map(kinds.filter((k) => k.pathCalls !== null).map((k) => [k.kind, k.pathCalls!]));
    return {
      result: {
        scenario: SCENARIO, durationMs: Date.now() - started, figures,
        details: {
          perKind: options.perKind,
          kinds,
          todoPollRound: { ...pollRound, note: 'an idle To Do poll round, per round (one mailbox syncing tasks): it runs every SYNC_TODO_POLL_SCHEDULE tick whether or not anything changed, and is taken out of the per-change figures' },
        },
      },
      pathCalls,
    };
  } finally {
    await env.stop();
  }
}

function excess(k: KindCost): string {
  const over = (m: CountMap) => Object.entries(m).map(([call, n]) => `${n}× ${call}`).join(', ');
  const parts: string[] = [];
  if (k.graph.median > k.minimum.graph) parts.push(`Graph: ${over(k.graph.byCall)}`);
  if (k.dataverse.median > k.minimum.dataverse) parts.push(`Dataverse: ${over(k.dataverse.byCall)}`);
  return parts.join('; ');
}

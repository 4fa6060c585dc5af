/**
 * Scenario 1 — latency, measured from the outside: a writer changes a record on one side, a reader polls the
 * other side until the change shows. One lane per record type (its own mailbox), lanes in parallel, changes
 * within a lane one after the other (To Do edits four at a time: they wait for the poll anyway).
 *
 * Each change's time is split with the services' own records (commit-log.ts, the emulators' delivery logs):
 *   sync latency   = destination commit − source commit
 *   delivery delay = what the service took to tell us: Dataverse webhook job start − commit; Graph
 *                    notification POST − commit; for To Do, the wait for the next poll round
 *   API latency    = calls on the path (scenario 2) × the emulated per-call time
 *   our processing = sync latency − delivery delay − API latency  (queue hop, storage, our code, HTTP)
 * "Visible" is when the reader's poll (back to back, each one API call) first saw it.
 */
import { randomBytes } from 'node:crypto';
import { Environment } from './environment';
import { kindName, type Direction } from './minimums';
import type { People, Row } from './people';
import { RECORD_KINDS, RECORD_TYPE_NAMES, type Mailbox, type RecordKind, type RecordTypeName } from './record-kinds';
import { figure, type Figure, type ScenarioResult } from './report';
import { round, summary } from './stats';

export interface LatencyOptions {
  /** Records created per type; each is created, updated in CRM, then edited twice in Outlook. */
  perType: number;
  latencyMs: number;
  /** Calls on each kind's path, from scenario 2 (kind name → calls). */
  pathCalls: Map<string, number>;
}

interface Sample {
  kind: string;
  direction: Direction;
  type: RecordTypeName;
  crmId: string;
  sourceCommit: number;
  visible?: number;
  destinationCommit?: number;
  deliveryMs?: number;
  /** Set when the change never showed within the timeout. */
  timedOut?: boolean;
}

const SCENARIO = 'latency';
const READ_TIMEOUT_MS = 30_000;
const TODO_POLL = '* * * * * *';

/** Polls `read` back to back until it returns a value; resolves with the value and when it was seen. */
async function pollUntil<T>(read: () => Promise<T | undefined>): Promise<{ value: T; at: number } | undefined> {
  const deadline = Date.now() + READ_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return { value, at: Date.now() };
  }
  return undefined;
}

interface Lane {
  env: Environment;
  kind: RecordKind;
  mailbox: Mailbox;
  peopleClientId: string;
  peopleAppUserId: string;
  tag: string;
}

async function crmToExchange(lane: Lane, index: number, samples: Sample[]): Promise<{ crmId: string; graphId: string } | undefined> {
  const { env, kind, mailbox } = lane;
  const people: People = env.people;
  const name = `bench ${kind.type} ${lane.tag}-${index}`;
  const start = Date.now();
  const crmId = await people.crmCreate(kind.entitySet, kind.newRow(name), mailbox.systemUserId);
  const created: Sample = { kind: kindName('CRM→Exchange', 'create', kind.type), direction: 'CRM→Exchange', type: kind.type, crmId, sourceCommit: env.commits.firstDataverse(crmId, lane.peopleAppUserId, start)?.at ?? Date.now() };
  const seen = await pollUntil(() => kind.findSynced(people, mailbox, crmId, name));
  samples.push(created);
  if (!seen) { created.timedOut = true; return undefined; }
  created.visible = seen.at;
  const graphId = String(seen.value.id);
  created.destinationCommit = env.commits.firstGraph(graphId, env.syncClientId, start)?.at;

  const edit = `${name} crm edit`;
  const editStart = Date.now();
  await people.crmUpdate(kind.entitySet, crmId, { [kind.crmField]: edit }, mailbox.systemUserId);
  const updated: Sample = { kind: kindName('CRM→Exchange', 'update', kind.type), direction: 'CRM→Exchange', type: kind.type, crmId, sourceCommit: env.commits.firstDataverse(crmId, lane.peopleAppUserId, editStart)?.at ?? Date.now() };
  const path = `${kind.collection(mailbox)}/${graphId}`;
  const seenEdit = await pollUntil(async () => { const item = await people.graphGet<Row>(path); return item[kind.graphField] === edit ? item : undefined; });
  samples.push(updated);
  if (!seenEdit) { updated.timedOut = true; return undefined; }
  updated.visible = seenEdit.at;
  updated.destinationCommit = env.commits.firstGraph(graphId, env.syncClientId, editStart)?.at;
  return { crmId, graphId };
}

async function exchangeToCrm(lane: Lane, item: { crmId: string; graphId: string }, index: number, samples: Sample[]): Promise<void> {
  const { env, kind, mailbox } = lane;
  const edit = `bench ${kind.type} ${lane.tag} outlook edit ${index}`;
  const start = Date.now();
  await env.people.graphPatch(`${kind.collection(mailbox)}/${item.graphId}`, { [kind.graphField]: edit });
  const sample: Sample = { kind: kindName('Exchange→CRM', 'update', kind.type), direction: 'Exchange→CRM', type: kind.type, crmId: item.crmId, sourceCommit: env.commits.firstGraph(item.graphId, lane.peopleClientId, start)?.at ?? Date.now() };
  const seen = await pollUntil(async () => {
    const row = await env.people.crmGet(kind.entitySet, item.crmId, [kind.crmField], mailbox.systemUserId);
    return row[kind.crmField] === edit ? row : undefined;
  });
  samples.push(sample);
  if (!seen) { sample.timedOut = true; return; }
  sample.visible = seen.at;
  sample.destinationCommit = env.commits.firstDataverse(item.crmId, env.syncAppUserId, start)?.at;
}

/** Changes made first in each lane and direction and not counted: connections, tokens and caches warm up. */
const WARM_UP = 2;

async function runLane(lane: Lane, perType: number, samples: Sample[]): Promise<void> {
  const items: Array<{ crmId: string; graphId: string }> = [];
  const discarded: Sample[] = [];
  for (let i = 0; i < perType + WARM_UP; i++) {
    const item = await crmToExchange(lane, i, i < WARM_UP ? discarded : samples);
    if (item) items.push(item);
  }
  if (items.length === 0) return;
  for (let j = 0; j < WARM_UP; j++) await exchangeToCrm(lane, items[j % items.length]!, -1 - j, discarded);
  // Two Outlook edits per counted record; To Do edits wait for the poll, so four run side by side (different tasks).
  const edits = Array.from({ length: 2 * perType }, (_, j) => j);
  const width = lane.kind.type === 'task' ? Math.min(4, items.length) : 1;
  await Promise.all(Array.from({ length: width }, async (_, w) => {
    for (const j of edits.filter((e) => e % width === w)) await exchangeToCrm(lane, items[j % items.length]!, j, samples);
  }));
}

interface Attempt { at: string; subscriptionIds: string[]; attempt: number }

/** Notification POST start times per subscription, gathered from the emulator's bounded attempt log. */
function collectAttempts(env: Environment): { stop(): Promise<Map<string, number[]>> } {
  const seen = new Set<string>();
  const bySubscription = new Map<string, number[]>();
  const pull = async () => {
    for (const a of (await env.subscriptionControls.attempts()) as Attempt[]) {
      const key = `${a.at}|${a.subscriptionIds.join(',')}|${a.attempt}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const id of a.subscriptionIds) {
        const list = bySubscription.get(id) ?? [];
        list.push(Date.parse(a.at));
        bySubscription.set(id, list);
      }
    }
  };
  const timer = setInterval(() => { void pull().catch(() => undefined); }, 500);
  return {
    async stop() {
      clearInterval(timer);
      await pull();
      for (const list of bySubscription.values()) list.sort((a, b) => a - b);
      return bySubscription;
    },
  };
}

interface Job { regardingobjectid: string; createdon: string; startedon?: string }

/** Fills each sample's delivery delay from the services' records. */
async function attachDeliveryDelays(env: Environment, samples: Sample[], lanes: Lane[], attempts: Map<string, number[]>): Promise<void> {
  const res = await fetch(`${env.sandbox.manifest.urls.dataverse}/_emulator/webhooks/system-jobs`);
  const jobs = ((await res.json()) as { value: Job[] }).value;
  const jobsByRow = new Map<string, Job[]>();
  for (const j of jobs) jobsByRow.set(j.regardingobjectid, [...(jobsByRow.get(j.regardingobjectid) ?? []), j]);
  const subscriptions = await env.subscriptionControls.list();
  const polls = env.hostLines(/Executing 'Functions\.todoPoll'/).map((l) => l.at);
  for (const s of samples) {
    if (s.destinationCommit === undefined) continue;
    if (s.direction === 'CRM→Exchange') {
      // The job the writer's commit started (created within a few ms of it).
      const job = (jobsByRow.get(s.crmId) ?? []).find((j) => Math.abs(Date.parse(j.createdon) - s.sourceCommit) <= 5 && j.startedon);
      if (job?.startedon) s.deliveryMs = Math.max(0, Date.parse(job.startedon) - Date.parse(job.createdon));
    } else if (s.type === 'task') {
      const poll = polls.filter((p) => p <= s.destinationCommit!).pop();
      if (poll !== undefined) s.deliveryMs = Math.max(0, poll - s.sourceCommit);
    } else {
      const lane = lanes.find((l) => l.kind.type === s.type)!;
      const sub = subscriptions.find((x) => x.userId.toLowerCase() === lane.mailbox.entraObjectId && x.kind === (s.type === 'appointment' ? 'event' : 'contact'));
      const posted = (sub ? attempts.get(sub.id) ?? [] : []).find((t) => t >= s.sourceCommit - 1);
      if (posted !== undefined) s.deliveryMs = posted - s.sourceCommit;
    }
  }
}

export async function runLatency(options: LatencyOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const env = await Environment.start({ users: 3, enable: 3, latencyMs: options.latencyMs, todoPollSchedule: TODO_POLL });
  try {
    const tag = randomBytes(3).toString('hex');
    const peopleClientId = env.sandbox.seed.clients.people.clientId;
    const peopleAppUserId = env.sandbox.seed.clients.people.dataverseApplicationUserId!.toLowerCase();
    const lanes: Lane[] = RECORD_TYPE_NAMES.map((type, i) => {
      const user = env.benchUsers[i]!;
      return {
        env, kind: RECORD_KINDS[type], peopleClientId, peopleAppUserId, tag,
        mailbox: { systemUserId: user.systemUserId, entraObjectId: user.entraObjectId.toLowerCase(), todoListId: env.mailboxOf(user).todoListId! },
      };
    });
    const samples: Sample[] = [];
    const attempts = collectAttempts(env);
    await Promise.all(lanes.map((lane) => runLane(lane, options.perType, samples)));
    await attachDeliveryDelays(env, samples, lanes, await attempts.stop());
    return { scenario: SCENARIO, durationMs: Date.now() - started, ...analyse(samples, options) };
  } finally {
    await env.stop();
  }
}

function analyse(samples: Sample[], options: LatencyOptions): { figures: Figure[]; details: unknown } {
  const figures: Figure[] = [];
  const groups: unknown[] = [];
  for (const direction of ['CRM→Exchange', 'Exchange→CRM'] as Direction[]) {
    for (const type of RECORD_TYPE_NAMES) {
      const group = samples.filter((s) => s.direction === direction && s.type === type);
      const done = group.filter((s) => s.destinationCommit !== undefined && s.visible !== undefined);
      const apiMs = (s: Sample) => ((options.pathCalls.get(s.kind) ?? 0) + (direction === 'Exchange→CRM' && type === 'task' ? 1 : 0)) * options.latencyMs;
      const sync = done.map((s) => s.destinationCommit! - s.sourceCommit);
      const visible = done.map((s) => s.visible! - s.sourceCommit);
      const delivery = done.filter((s) => s.deliveryMs !== undefined).map((s) => s.deliveryMs!);
      const processing = done.filter((s) => s.deliveryMs !== undefined).map((s) => s.destinationCommit! - s.sourceCommit - s.deliveryMs! - apiMs(s));
      const label = `${direction} ${type}`;
      const v = summary(visible);
      const p = summary(processing);
      const d = summary(delivery);
      figures.push(
        figure(SCENARIO, `${label}: visible p50 / p95 / p99 (n=${done.length})`, `${Math.round(v.p50)} / ${Math.round(v.p95)} / ${Math.round(v.p99)}`, 'ms'),
        figure(SCENARIO, `${label}: services' delivery delay p50 / p95`, `${Math.round(d.p50)} / ${Math.round(d.p95)}`, 'ms', undefined,
          direction === 'Exchange→CRM' && type === 'task' ? 'wait for the next To Do poll round (polled every second in this run)' : undefined),
        figure(SCENARIO, `${label}: our processing p50 / p99`, `${Math.round(p.p50)} / ${Math.round(p.p99)}`, 'ms'),
        figure(SCENARIO, `${label}: our processing p95`, round(p.p95, 0), 'ms', { target: '≤ 50 ms', pass: p.p95 <= 50 }),
      );
      const timedOut = group.filter((s) => s.timedOut).length;
      if (timedOut > 0) figures.push(figure(SCENARIO, `${label}: changes not seen within ${READ_TIMEOUT_MS / 1000} s`, timedOut, undefined, { target: '0', pass: false }));
      groups.push({
        direction, type, changes: group.length, measured: done.length, timedOut,
        apiLatencyOnPathMs: done.length > 0 ? apiMs(done[0]!) : null,
        visibleMs: summary(visible), syncMs: summary(sync), deliveryMs: d, processingMs: p,
      });
    }
  }
  return { figures, details: { perType: options.perType, latencyMs: options.latencyMs, todoPollSchedule: TODO_POLL, groups } };
}

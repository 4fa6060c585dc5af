/**
 * What one change costs, counted by the emulators and the storage proxy: from a quiet system, make the
 * change, wait for its effect, wait for quiet again, and take the difference of every counter — minus the
 * writer's own call and minus the background (idle queue polls; the To Do poll round's own calls — its
 * delta page, mailbox list and cursor —, shared by all changes of a round and priced separately).
 * The API calls made *before* the change reached the other side are also kept: they are the calls on the
 * path, whose emulated latency the latency scenario subtracts.
 */
import type { CommitLog, DataverseCommit, GraphCommit } from './commit-log';
import { activeCounts, type Counts, type Environment } from './environment';
import { add, diff, type CountMap } from './stats';

export const TODO_DELTA_KEY = 'GET /v1.0/users/{userId}/todo/lists/{listId}/tasks/delta';
/** Storage operations of a To Do poll round (the mailbox list, the delta cursor): shared by every change of the round. */
export const POLL_ROUND_STORAGE = /^table (query Mailboxes|read DeltaCursors|upsert DeltaCursors)/;

export interface ChangeCost {
  graph: CountMap;
  dataverse: CountMap;
  storage: CountMap;
  /** Graph + Dataverse calls by the app before the destination write committed (itself included). */
  pathCalls?: number;
  /** To Do poll rounds that ran meanwhile (their cost is taken out). */
  pollRounds: number;
  destination?: GraphCommit | DataverseCommit;
}

/** What one idle To Do poll round costs (Graph and storage, per key), measured on a quiet, warmed-up system. */
export async function pollRoundCost(env: Environment, forMs = 3500): Promise<{ rounds: number; graph: CountMap; storage: CountMap }> {
  await env.settle();
  await new Promise((r) => setTimeout(r, 1500)); // first rounds create tables and cursors
  const before = activeCounts(env.counts());
  await new Promise((r) => setTimeout(r, forMs));
  const after = activeCounts(env.counts());
  const rounds = diff(after.graph, before.graph)[TODO_DELTA_KEY] ?? 0;
  const per = (m: CountMap) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, rounds > 0 ? v / rounds : v]));
  return { rounds, graph: per(diff(after.graph, before.graph)), storage: per(diff(after.storage, before.storage)) };
}

export type Destination =
  | { system: 'graph'; match: (c: GraphCommit) => boolean }
  | { system: 'dataverse'; match: (c: DataverseCommit) => boolean }
  | { system: 'none'; waitMs: number };

function waitForCommit(commits: CommitLog, destination: Destination, onCommit: () => void): { promise: Promise<GraphCommit | DataverseCommit | undefined>; cancel(): void } {
  let off: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<GraphCommit | DataverseCommit | undefined>((resolve) => {
    if (destination.system === 'none') {
      timer = setTimeout(() => resolve(undefined), destination.waitMs);
      return;
    }
    timer = setTimeout(() => { off(); resolve(undefined); }, 60_000);
    const done = (c: GraphCommit | DataverseCommit) => { onCommit(); off(); clearTimeout(timer); resolve(c); };
    off = destination.system === 'graph'
      ? commits.onGraph((c) => { if (destination.match(c)) done(c); })
      : commits.onDataverse((c) => { if (destination.match(c)) done(c); });
  });
  return { promise, cancel: () => { off(); clearTimeout(timer); } };
}

/**
 * Measures one change. `write` makes it (one API call on `source`); `destination` says which commit on the
 * other side ends it; `lingerMs` keeps the window open after it (for echoes the To Do poll sees later).
 */
export async function measureChange(env: Environment, source: 'graph' | 'dataverse', write: () => Promise<void>, destination: Destination, options: { lingerMs?: number } = {}): Promise<ChangeCost> {
  await env.settle();
  const before = env.counts();
  let atCommit: Counts | undefined;
  const waiter = waitForCommit(env.commits, destination, () => { atCommit = env.counts(); });
  let afterWrite: Counts;
  try {
    await write();
    afterWrite = env.counts();
  } catch (error) {
    waiter.cancel();
    throw error;
  }
  const committed = await waiter.promise;
  // Echoes seen only by the next To Do poll round belong to this change: wait for that round.
  if (options.lingerMs) await new Promise((r) => setTimeout(r, options.lingerMs));
  await env.settle();
  const after = env.counts();

  // The writer's call: the one call its request added on the source system.
  const writer = diff(afterWrite[source], before[source]);
  const writerKey = Object.keys(writer)[0];
  const minusWriter = (m: CountMap): CountMap => (writerKey ? add(m, { [writerKey]: 1 }, -1) : m);

  const graph = diff(after.graph, before.graph);
  const dataverse = diff(after.dataverse, before.dataverse);
  const pollRounds = graph[TODO_DELTA_KEY] ?? 0;
  delete graph[TODO_DELTA_KEY];
  const storage = Object.fromEntries(Object.entries(diff(activeCounts(after).storage, activeCounts(before).storage)).filter(([k]) => !POLL_ROUND_STORAGE.test(k)));

  let pathCalls: number | undefined;
  if (atCommit) {
    const g = diff(atCommit.graph, before.graph);
    delete g[TODO_DELTA_KEY];
    const d = diff(atCommit.dataverse, before.dataverse);
    const path = source === 'graph' ? { ...minusWriter(g), ...prefix(d, 'dv ') } : { ...g, ...prefix(minusWriter(d), 'dv ') };
    pathCalls = Object.values(path).reduce((n, v) => n + v, 0);
  }
  return {
    graph: source === 'graph' ? minusWriter(graph) : graph,
    dataverse: source === 'dataverse' ? minusWriter(dataverse) : dataverse,
    storage,
    ...(pathCalls !== undefined ? { pathCalls } : {}),
    pollRounds,
    ...(committed ? { destination: committed } : {}),
  };
}

function prefix(m: CountMap, p: string): CountMap {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [`${p}${k}`, v]));
}

/**
 * When each write was committed, by the services themselves: the Graph emulator's change feed (every write
 * to a mailbox item, by any app) and the Dataverse emulator's operation feed (after commit, as its webhooks
 * see it). The emulators run in the bench's process, so these instants share its clock; they are what a
 * service's audit log would say, read outside our app. Latency figures use them to split a change's time into
 * the services' delivery delay, the emulated API latency and our own processing.
 */
import type { GraphChange } from '../tests/emulators/graph/context';
import type { DataverseOperation } from '../tests/emulators/dataverse/context';
import type { RunningSandbox } from '../tools/sandbox/sandbox';

export interface GraphCommit {
  at: number;
  userId: string;
  kind: GraphChange['kind'];
  /** Immutable id (events, contacts) or the only id (To Do tasks). */
  id: string;
  regularId?: string;
  changeType: GraphChange['changeType'];
  clientId: string;
}

export interface DataverseCommit {
  at: number;
  table: string;
  id: string;
  message: DataverseOperation['messageName'];
  /** Application user that made the call (our sync app, or the people app acting for a user). */
  initiatingUserId: string;
}

type Listener<T> = (commit: T) => void;

export class CommitLog {
  private readonly graphById = new Map<string, GraphCommit[]>();
  private readonly dataverseById = new Map<string, DataverseCommit[]>();
  private readonly graphListeners = new Set<Listener<GraphCommit>>();
  private readonly dataverseListeners = new Set<Listener<DataverseCommit>>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(sandbox: RunningSandbox) {
    this.unsubscribe.push(sandbox.graph.ctx.onChange((change) => {
      const commit: GraphCommit = {
        at: Date.now(), userId: change.userId.toLowerCase(), kind: change.kind, id: change.id,
        ...(change.regularId ? { regularId: change.regularId } : {}), changeType: change.changeType, clientId: change.clientId,
      };
      for (const id of [commit.id, commit.regularId]) if (id) push(this.graphById, id, commit);
      for (const l of this.graphListeners) l(commit);
    }));
    this.unsubscribe.push(sandbox.dataverse.context.onOperation((op) => {
      const commit: DataverseCommit = { at: Date.now(), table: op.table.logicalName, id: op.id.toLowerCase(), message: op.messageName, initiatingUserId: op.initiatingUserId.toLowerCase() };
      push(this.dataverseById, commit.id, commit);
      for (const l of this.dataverseListeners) l(commit);
    }));
  }

  graphCommits(id: string): GraphCommit[] { return this.graphById.get(id) ?? []; }
  dataverseCommits(id: string): DataverseCommit[] { return this.dataverseById.get(id.toLowerCase()) ?? []; }

  onGraph(listener: Listener<GraphCommit>): () => void {
    this.graphListeners.add(listener);
    return () => this.graphListeners.delete(listener);
  }

  onDataverse(listener: Listener<DataverseCommit>): () => void {
    this.dataverseListeners.add(listener);
    return () => this.dataverseListeners.delete(listener);
  }

  /** The first Graph commit of an item by `clientId` at or after `since`. */
  firstGraph(id: string, clientId: string, since: number): GraphCommit | undefined {
    return this.graphCommits(id).find((c) => c.clientId === clientId && c.at >= since);
  }

  /** The first Dataverse commit of a row by the application user `by` at or after `since`. */
  firstDataverse(id: string, by: string, since: number): DataverseCommit | undefined {
    return this.dataverseCommits(id).find((c) => c.initiatingUserId === by.toLowerCase() && c.at >= since);
  }

  /** Forgets what was logged (between scenarios; listeners stay). */
  clear(): void {
    this.graphById.clear();
    this.dataverseById.clear();
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Waits until `check` returns a value (polling every `intervalMs`), or undefined after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs = 5): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

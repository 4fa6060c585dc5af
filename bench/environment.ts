/**
 * One scenario's world: the sandbox (Azurite, emulators, the app in the local Functions host) with the app's
 * storage behind the counting proxy, the emulators' per-call time and throttling set, N mailboxes enabled
 * with their subscriptions, and the instruments the scenarios read — the emulators' call and response
 * counters, the storage proxy's counters, the services' commit log, the worker process's CPU and memory.
 *
 * Per-call time: Graph's is applied as the throttle's `serviceTimeMs` (a request holds its per-mailbox
 * concurrency slot that long, as on the real service), so the 4-concurrent rule bites; the common
 * `/_emulator/latency` control would delay requests *before* the throttle and let any number overlap.
 * Dataverse's is its `processingMs` (counted as execution time by its service-protection limits).
 */
import type { QueueClient } from '@azure/storage-queue';
import path from 'node:path';
import { loadConfig } from '../shared/config';
import type { Mailbox } from '../shared/mailboxes/mailbox';
import { createRuntime, type Runtime } from '../shared/runtime';
import { queueClient } from '../shared/storage';
import { EmulatorControls } from '../tests/emulators/common/controls-client';
import { GraphControls } from '../tests/emulators/graph/controls-client';
import { SubscriptionControls } from '../tests/emulators/graph/subscription-controls-client';
import type { SeedUser } from '../tests/emulators/seed';
import { startSandbox, type RunningSandbox } from '../tools/sandbox/sandbox';
import { CommitLog } from './commit-log';
import { childPids, CpuMeter, sampleProcess, type ProcessSample } from './host-process';
import { People } from './people';
import { startStorageProxy, type StorageProxy } from './storage-proxy';
import { markEnabled } from '../tests/support/enabled-mailbox';

export const ALL_TYPES: Mailbox['syncMethods'] = { appointments: 'serverSideSync', contacts: 'serverSideSync', tasks: 'serverSideSync' };
/** A schedule that never fires during a run (timers the scenario does not exercise stay quiet). */
export const NEVER = '0 0 0 1 1 *';

export interface EnvironmentOptions {
  /** Users to create beyond the seed's three (each has a mailbox and a CRM user). */
  users: number;
  /** How many of them to enable (directly, as Test & Enable would leave them), with their subscriptions. */
  enable: number;
  syncMethods?: Partial<Mailbox['syncMethods']>;
  /** Per-call time of Graph and Dataverse, in ms. */
  latencyMs: number;
  todoPollSchedule?: string;
  /** Graph's rate budget (scaled for the initial-sync scenario). */
  graphBudget?: { requests: number; windowMs: number };
}

/** Whether Azurite gets azurite-patch.js (see there); `--azurite-unpatched` turns it off for the whole run. */
export const azuriteSettings = { patched: true };

/**
 * Runs `start` with NODE_OPTIONS preloading the Azurite patch, so that only the processes spawned meanwhile
 * (Azurite) get it. BENCH_AZURITE_REQUIRE=<file.js> preloads one more module there (e.g. a CPU profiler).
 */
async function withAzuritePatch<T>(start: () => Promise<T>): Promise<T> {
  const extra = process.env.BENCH_AZURITE_REQUIRE;
  if (!azuriteSettings.patched && !extra) return start();
  const previous = process.env.NODE_OPTIONS;
  const preload = [...(azuriteSettings.patched ? [path.join(__dirname, 'azurite-patch.js')] : []), ...(extra ? [extra] : [])];
  process.env.NODE_OPTIONS = [previous ?? '', ...preload.map((p) => `--require ${p}`)].join(' ').trim();
  try {
    return await start();
  } finally {
    if (previous === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = previous;
  }
}

export interface Counts {
  graph: Record<string, number>;
  dataverse: Record<string, number>;
  storage: Record<string, number>;
}

export class Environment {
  readonly graphControls: GraphControls;
  readonly subscriptionControls: SubscriptionControls;
  readonly dataverseControls: EmulatorControls;
  readonly people: People;
  readonly commits: CommitLog;
  /** The bench's own view of the app's services (direct to Azurite, not through the proxy). */
  readonly runtime: Runtime;
  readonly syncClientId: string;
  readonly syncAppUserId: string;
  readonly mailboxes: Mailbox[] = [];
  private readonly workQueue: QueueClient;
  private readonly poisonQueue: QueueClient;

  private constructor(readonly sandbox: RunningSandbox, readonly storage: StorageProxy, readonly options: EnvironmentOptions) {
    const graphRoot = sandbox.manifest.urls.graph.replace(/\/v1\.0$/, '');
    this.graphControls = new GraphControls(graphRoot);
    this.subscriptionControls = new SubscriptionControls(graphRoot);
    this.dataverseControls = new EmulatorControls(sandbox.manifest.urls.dataverse);
    this.people = new People(sandbox.manifest);
    this.commits = new CommitLog(sandbox);
    const direct = sandbox.manifest.storage.connectionString;
    this.runtime = createRuntime(loadConfig({ ...sandbox.appSettings, AzureWebJobsStorage: direct, SYNC_LOG_LEVEL: 'warning' }));
    this.syncClientId = sandbox.seed.clients.sync.clientId;
    this.syncAppUserId = sandbox.seed.clients.sync.dataverseApplicationUserId!.toLowerCase();
    const queueName = sandbox.appSettings.SYNC_WORK_QUEUE ?? 'sync-work';
    this.workQueue = queueClient(direct, queueName);
    this.poisonQueue = queueClient(direct, `${queueName}-poison`);
  }

  static async start(options: EnvironmentOptions): Promise<Environment> {
    const storage = await startStorageProxy();
    let sandbox: RunningSandbox | undefined;
    try {
      // Only Azurite is spawned here (the host starts below, once the proxy knows where Azurite is).
      sandbox = await withAzuritePatch(() => startSandbox({
        functionsHost: false,
        seed: { extraUsers: options.users },
        appSettings: {
          AzureWebJobsStorage: storage.connectionString,
          SYNC_TODO_POLL_SCHEDULE: options.todoPollSchedule ?? NEVER,
          SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: NEVER,
          SYNC_RECONCILIATION_SCHEDULE: NEVER,
        },
      }));
      storage.setTarget(sandbox.azurite.ports);
      await sandbox.startHost();
      const env = new Environment(sandbox, storage, options);
      await env.workQueue.createIfNotExists();
      await env.poisonQueue.createIfNotExists();
      for (let i = 0; i < options.enable; i += 8) {
        await Promise.all(env.benchUsers.slice(i, Math.min(i + 8, options.enable)).map((u) => env.enable(u, options.syncMethods ?? ALL_TYPES)));
      }
      await env.setLatency(options.latencyMs);
      if (options.graphBudget) await env.graphControls.setThrottle({ requestsPer10Min: options.graphBudget.requests, windowMs: options.graphBudget.windowMs });
      await env.resetCounters();
      return env;
    } catch (error) {
      await sandbox?.stop();
      await storage.close();
      throw error;
    }
  }

  /** The extra (benchmark) users, in order. */
  get benchUsers(): SeedUser[] {
    return this.sandbox.seed.users.filter((u) => u.userPrincipalName.startsWith('bench'));
  }

  /** The enabled mailbox of a user, as the registry holds it. */
  mailboxOf(user: SeedUser): Mailbox {
    const mailbox = this.mailboxes.find((m) => m.systemUserId === user.systemUserId.toLowerCase());
    if (!mailbox) throw new Error(`${user.displayName} has no enabled mailbox`);
    return mailbox;
  }

  get hostPid(): number {
    const pid = this.sandbox.host?.pid;
    if (!pid) throw new Error('The Functions host is not running');
    return pid;
  }

  hostSample(): ProcessSample {
    return sampleProcess(this.hostPid);
  }

  /** Measures CPU of the worker (host), of the bench process (emulators, people, proxy) and of Azurite. */
  cpuMeter(): CpuMeter {
    const azurite = childPids(process.pid, /azurite/)[0];
    return new CpuMeter({ worker: this.hostPid, 'bench + emulators': process.pid, ...(azurite ? { azurite } : {}) });
  }

  async setLatency(ms: number): Promise<void> {
    await this.graphControls.setLatency(0);
    await this.graphControls.setThrottle({ serviceTimeMs: ms });
    await this.dataverseControls.setLatency(0);
    const res = await fetch(`${this.sandbox.manifest.urls.dataverse}/_emulator/throttle`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ processingMs: ms }),
    });
    if (!res.ok) throw new Error(`Dataverse throttle: ${res.status} ${await res.text()}`);
  }

  /** Enables a user's mailbox as Test & Enable leaves it, and creates its Graph subscriptions. */
  async enable(user: SeedUser, syncMethods: Partial<Mailbox['syncMethods']>): Promise<Mailbox> {
    const { mailboxes, graph } = this.runtime.services;
    const mailbox = await markEnabled(mailboxes, user, syncMethods, await graph.defaultTodoListId(user.entraObjectId));
    await this.runtime.subscriptions.ensureForMailbox(mailbox);
    this.mailboxes.push(mailbox);
    return mailbox;
  }

  async resetCounters(): Promise<void> {
    this.sandbox.graph.server.resetCounters();
    this.sandbox.dataverse.server.resetCounters();
    this.storage.reset();
  }

  /** The emulators' call counters and the proxy's storage counters, right now. */
  counts(): Counts {
    return {
      graph: this.sandbox.graph.server.countersSnapshot(),
      dataverse: this.sandbox.dataverse.server.countersSnapshot(),
      storage: this.storage.counters(),
    };
  }

  /** Answers per "STATUS METHOD template" of both emulators (429s are counted here). */
  responses(): { graph: Record<string, number>; dataverse: Record<string, number> } {
    return { graph: this.sandbox.graph.server.responsesSnapshot(), dataverse: this.sandbox.dataverse.server.responsesSnapshot() };
  }

  async queueDepth(): Promise<number> {
    return (await this.workQueue.getProperties()).approximateMessagesCount ?? 0;
  }

  async poisonCount(): Promise<number> {
    return (await this.poisonQueue.getProperties()).approximateMessagesCount ?? 0;
  }

  /** Up to 32 poison entries, to say why they failed. */
  async poisonSample(): Promise<string[]> {
    const peeked = await this.poisonQueue.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.map((m) => {
      try {
        const entry = JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as { reason?: string };
        return entry.reason ?? m.messageText;
      } catch {
        return m.messageText;
      }
    });
  }

  /**
   * Waits until the system is quiet: no webhook job pending, no notification in flight, the work queue
   * empty, and no counter moving for `quietMs` (idle queue polls aside).
   */
  async settle(quietMs = 300, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    let since = Date.now();
    while (Date.now() < deadline) {
      const busy = (await this.queueDepth()) > 0;
      await this.sandbox.graph.subscriptions.idle(Math.max(1, deadline - Date.now())).catch(() => undefined);
      await this.drainWebhooks(Math.max(1, deadline - Date.now()));
      const signature = JSON.stringify(activeCounts(this.counts()));
      if (busy || signature !== last) {
        last = signature;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) {
        return true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Waits until the Dataverse emulator has no webhook job pending. */
  async drainWebhooks(timeoutMs: number): Promise<void> {
    await fetch(`${this.sandbox.manifest.urls.dataverse}/_emulator/webhooks/drain`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeoutMs }),
    }).then((r) => r.arrayBuffer());
  }

  /** Lines the Functions host printed, with their timestamps (e.g. timer invocations). */
  hostLines(pattern: RegExp): Array<{ at: number; line: string }> {
    const text = this.sandbox.hostOutput.join('');
    const out: Array<{ at: number; line: string }> = [];
    for (const line of text.split('\n')) {
      if (!pattern.test(line)) continue;
      const at = Date.parse(/^\[([^\]]+)\]/.exec(line)?.[1] ?? '');
      if (!Number.isNaN(at)) out.push({ at, line });
    }
    return out;
  }

  async stop(): Promise<void> {
    this.commits.close();
    await this.sandbox.stop();
    await this.storage.close();
  }
}

/** Counters without the host's idle polling (empty queue receives), which move even when nothing happens. */
export function activeCounts(c: Counts): Counts {
  return { ...c, storage: Object.fromEntries(Object.entries(c.storage).filter(([k]) => !k.endsWith('(empty)'))) };
}


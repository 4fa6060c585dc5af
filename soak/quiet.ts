/**
 * Waiting until the system is quiet: no Dataverse webhook delivery pending (retries included), no Graph
 * notification queued or in flight, the work queue empty but for the messages killed workers still hold
 * (see host-tracker.ts), no invocation running, and no write to either service — all of it for long enough
 * that a To Do poll (every few seconds) has run over the last change.
 */
import type { SoakEnv } from './environment';

export const WRITES = {
  graph: /^(POST|PATCH|DELETE) \/v1\.0\/users\//,
  dataverse: /^(POST|PATCH|DELETE) \/api\/data\//,
};

export interface QuietState {
  ms: number;
  /** Messages in the work queue (visible or not) when it became quiet. */
  queued: number;
  /** Upper bound of the messages held by killed workers at that time. */
  strandedBound: number;
}

async function notificationsIdle(env: SoakEnv): Promise<boolean> {
  const res = await fetch(`${env.sandbox.manifest.urls.graph.replace(/\/v1\.0$/, '')}/_emulator/notifications/idle?timeoutMs=0`);
  await res.arrayBuffer();
  return res.status === 204;
}

async function writeCount(env: SoakEnv): Promise<number> {
  const [g, d] = await Promise.all([env.graph.countMatching(WRITES.graph), env.dataverse.countMatching(WRITES.dataverse)]);
  return g + d;
}

export async function waitQuiet(env: SoakEnv, options: { stableMs: number; timeoutMs: number; log(line: string): void }): Promise<QuietState> {
  const started = Date.now();
  let quietSince: number | undefined;
  let lastWrites = -1;
  let lastReport = started;
  for (;;) {
    const [webhooks, notifications, props, peeked, writes] = await Promise.all([
      env.control('dataverse', 'POST', 'webhooks/drain', { timeoutMs: 0 }) as Promise<{ idle: boolean; pending: number }>,
      notificationsIdle(env),
      env.workQueue.getProperties(),
      env.workQueue.peekMessages({ numberOfMessages: 1 }),
      writeCount(env),
    ]);
    const queued = props.approximateMessagesCount ?? 0;
    const strandedBound = env.host.strandedBound();
    const running = env.host.running();
    const quiet = webhooks.idle && notifications && peeked.peekedMessageItems.length === 0 && queued <= strandedBound && running === 0 && writes === lastWrites;
    lastWrites = writes;
    const now = Date.now();
    if (!quiet) quietSince = undefined;
    else quietSince ??= now;
    if (quietSince !== undefined && now - quietSince >= options.stableMs) return { ms: quietSince - started, queued, strandedBound };
    if (now - started > options.timeoutMs) {
      throw new Error(`Not quiet after ${Math.round(options.timeoutMs / 1000)} s: webhooks pending ${webhooks.pending}, notifications idle ${notifications}, queue ${queued} (stranded bound ${strandedBound}), running ${running}`);
    }
    if (now - lastReport > 15_000) {
      lastReport = now;
      options.log(`waiting for quiet: webhooks pending ${webhooks.pending}, notifications ${notifications ? 'idle' : 'busy'}, queue ${queued} (stranded ≤ ${strandedBound}), running ${running}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

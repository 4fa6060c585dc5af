/**
 * One soak run, start to end:
 * 1. the sandbox, mailboxes enabled; a first reconciliation pass (the initial sync of the sample rows, and
 *    the delta links a running deployment has) and quiet;
 * 2. the operations on both sides with the chaos plan (faults, latency, lost/late/doubled/reordered
 *    deliveries, worker kills); then the chaos ends and the system gets quiet by itself;
 * 3. optionally the leases killed workers held run out and their messages are processed;
 * 4. the checks once (figures only: what notifications and webhooks alone left), one reconciliation
 *    pass, quiet, the checks again (these count), and a quiet window in which nothing may be written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { reconcile, type ReconciliationReport } from '../shared/sync/reconciliation';
import type { FinalPass, SoakOptions } from './args';
import { Chaos, FAULT_KINDS } from './chaos';
import { checkState, type Violation } from './checks';
import { startSoakEnv, TODO_POLL_SECONDS, type SoakEnv } from './environment';
import { resetFaultCounters, tallyFaults } from './fault-tally';
import { MailboxIndex } from './mailbox-dump';
import { SoakModel } from './model';
import { listRows, readPoison, readSnapshot, RECORD_TYPES } from './observe';
import { runOperations } from './operations';
import { Rng } from './prng';
import { WRITES, waitQuiet } from './quiet';
import { countBy, type SoakResult } from './report';

const QUIET = { stableMs: (TODO_POLL_SECONDS * 2 + 1) * 1000, timeoutMs: 15 * 60_000 };

async function loadSampleRows(env: SoakEnv, model: SoakModel): Promise<void> {
  for (const recordType of RECORD_TYPES) {
    for (const row of await listRows(env, recordType)) {
      const closed = recordType !== 'contact' && (row.statecode === 1 || row.statecode === 2);
      model.add({ recordType, crmId: row.id, origin: 'sample', owner: row.owner, ...(closed ? { closedAt: Date.now() } : {}) });
    }
  }
}

async function pass(env: SoakEnv, mode: FinalPass): Promise<ReconciliationReport> {
  // What a 410 / an expired change-tracking token leads to: the rounds start over.
  if (mode !== 'incremental') for (const mailbox of env.mailboxes) await env.control('graph', 'POST', `mailboxes/${mailbox.entraObjectId}/expire-delta-tokens`);
  if (mode === 'full') await env.control('dataverse', 'POST', 'delta/expire');
  return reconcile(env.rt);
}

export async function runSoak(options: SoakOptions, log: (line: string) => void): Promise<SoakResult> {
  const started = Date.now();
  const rng = new Rng(options.seed);
  log(`soak: seed ${options.seed}, ${options.operations} operations, ${options.mailboxes} mailboxes, ${options.kills} kills, concurrency ${options.concurrency}`);
  const env = await startSoakEnv(options.mailboxes, log, options.verbose, options.appLogLevel);
  try {
    const model = new SoakModel();
    await loadSampleRows(env, model);
    const warmUp = await pass(env, 'incremental');
    log(`initial pass: ${warmUp.crmItems} CRM rows and ${warmUp.graphItems} Graph items enqueued`);
    await waitQuiet(env, { ...QUIET, log });

    const statsBefore = await resetFaultCounters(env);
    const chaos = new Chaos(env, rng.fork('chaos'), options.operations, options.kills, log);
    const ctx = { env, model, rng: rng.fork('operations'), values: rng.fork('values'), index: new MailboxIndex(env), log };
    const ops = await runOperations(ctx, options.operations, options.concurrency, chaos);
    const opsEnded = Date.now();
    await chaos.stop(async () => {
      const t = await tallyFaults(env, chaos, statsBefore);
      return FAULT_KINDS.every((k) => t.observed[k] === null || t.observed[k]! >= t.requested[k]);
    });
    const faults = await tallyFaults(env, chaos, statsBefore);
    log(`operations done in ${((opsEnded - started) / 1000).toFixed(0)} s; waiting for quiet`);

    const quiet = await waitQuiet(env, { ...QUIET, log });
    let leaseWaitMs = 0;
    const leasesEnd = env.host.leasesEndAt();
    if (options.awaitLeases && leasesEnd > Date.now()) {
      log(`waiting ${Math.round((leasesEnd - Date.now()) / 1000)} s for the messages killed workers held to come back`);
      const t = Date.now();
      await new Promise((r) => setTimeout(r, leasesEnd - Date.now() + 2000));
      await waitQuiet(env, { ...QUIET, log });
      leaseWaitMs = Date.now() - t;
    }

    const before = checkState(env, model, await readSnapshot(env));
    log(`before the reconciliation pass: ${before.violations.length} divergence(s)`);
    const report = await pass(env, options.finalPass);
    const waitStarted = Date.now();
    const settled = await waitQuiet(env, { ...QUIET, log });
    // Quiet began `settled.ms` into the wait: from then on everything had converged.
    const convergedAt = waitStarted + settled.ms;
    const snapshot = await readSnapshot(env);
    const after = checkState(env, model, snapshot);
    const violations: Violation[] = [...after.violations];

    // No write loop: once quiet, nothing writes to either service (To Do polls read only).
    await Promise.all([env.graph.resetCounters(), env.dataverse.resetCounters()]);
    const windowMs = (TODO_POLL_SECONDS * 2 + 2) * 1000;
    await new Promise((r) => setTimeout(r, windowMs));
    const graphWrites = await env.graph.countMatching(WRITES.graph);
    const dataverseWrites = await env.dataverse.countMatching(WRITES.dataverse);
    if (graphWrites + dataverseWrites > 0) violations.push({ kind: 'writeLoop', detail: `${graphWrites} Graph and ${dataverseWrites} Dataverse writes in ${windowMs} ms of quiet: ${JSON.stringify({ ...(await env.graph.counters()), ...(await env.dataverse.counters()) })}` });

    const poison = await readPoison(env);
    for (const entry of poison.filter((p) => typeof p.reason !== 'string' || p.reason.length === 0)) {
      violations.push({ kind: 'poisonWithoutReason', detail: `poison entry without a reason: ${JSON.stringify(entry).slice(0, 300)}` });
    }
    const strandedBound = env.host.strandedBound();
    if (snapshot.queue.visible > 0 || snapshot.queue.queued > strandedBound) {
      violations.push({ kind: 'unprocessedMessages', detail: `${snapshot.queue.queued} message(s) in the work queue (${snapshot.queue.visible} visible), at most ${strandedBound} held by killed workers` });
    }
    for (const f of report.failures) violations.push({ kind: 'reconciliationFailure', detail: `${f.round}: ${f.error}` });
    for (const e of ops.errors) violations.push({ kind: 'operationError', detail: `op ${e.op} ${e.kind}: ${e.error}` });
    const minimum = Math.min(20, Math.max(1, Math.ceil(options.operations / 100)));
    for (const kind of FAULT_KINDS) {
      const wanted = kind === 'kill' ? Math.min(minimum, options.kills) : minimum;
      if (faults.toSync[kind] < wanted) violations.push({ kind: 'faultCoverage', detail: `${kind}: ${faults.toSync[kind]} reached the sync, fewer than ${wanted}` });
    }

    const byKind: SoakResult['operations']['byKind'] = {};
    for (const o of ops.outcomes) {
      const k = (byKind[o.kind] ??= { applied: 0, skipped: 0 });
      if (o.applied) k.applied += 1;
      else k.skipped += 1;
    }
    return {
      seed: options.seed,
      options,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      operations: {
        total: ops.outcomes.length,
        applied: ops.outcomes.filter((o) => o.applied).length,
        byKind,
        skipped: countBy(ops.outcomes.filter((o) => !o.applied), (o) => o.skipped ?? 'unknown'),
        errors: ops.errors,
        log: ops.outcomes.map((o) => ({ ...o, at: o.at === undefined ? undefined : new Date(o.at).toISOString() })),
      },
      faults,
      kills: env.host.kills.map((k) => ({ ...k, at: new Date(k.at).toISOString() })),
      convergence: { quietAfterOperationsMs: quiet.ms, leaseWaitMs, totalMs: Math.max(0, convergedAt - opsEnded) },
      beforePass: { violations: before.violations.length, byKind: countBy(before.violations, (x) => x.kind) },
      reconciliation: { finalPass: options.finalPass, graphItems: report.graphItems, crmItems: report.crmItems, fullRounds: report.fullRounds.length, failures: report.failures.map((f) => `${f.round}: ${f.error}`) },
      state: after.figures,
      poisoned: { count: poison.length, reasons: countBy(poison, (p) => (p.reason ?? '(none)').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, '<id>').slice(0, 120)) },
      queue: { queued: snapshot.queue.queued, strandedBound },
      writeLoop: { windowMs, graphWrites, dataverseWrites },
      violations,
      passed: violations.length === 0,
    };
  } finally {
    if (options.hostLog) {
      fs.mkdirSync(path.dirname(options.hostLog), { recursive: true });
      fs.writeFileSync(options.hostLog, env.host.log());
    }
    await env.stop();
  }
}

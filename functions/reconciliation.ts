import { app, type InvocationContext, type Timer } from '@azure/functions';
import { runWithRequestContext } from '../shared/observability/request-context';
import { getRuntime } from '../shared/runtime';
import { reconcile } from '../shared/sync/reconciliation';

const runtime = getRuntime();

/** The safety net: finds what notifications and webhooks missed (delta rounds, change tracking) and enqueues it. */
export async function reconciliation(_timer: Timer, context: InvocationContext): Promise<void> {
  // One id for the pass's Graph and Dataverse calls (client request ids) and its log lines.
  const correlationId = context.invocationId;
  const report = await runWithRequestContext({ correlationId, log: runtime.log.child({ correlationId, job: 'reconciliation' }) }, () => reconcile(runtime));
  context.log(JSON.stringify({ message: 'reconciliation pass', correlationId, mailboxes: report.mailboxes, graphItems: report.graphItems, crmItems: report.crmItems, fullRounds: report.fullRounds.length, failures: report.failures.length }));
}

app.timer('reconciliation', { schedule: '%SYNC_RECONCILIATION_SCHEDULE%', runOnStartup: false, handler: reconciliation });

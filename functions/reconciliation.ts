import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRuntime } from '../shared/runtime';
import { reconcile } from '../shared/sync/reconciliation';

const runtime = getRuntime();

/** The safety net: finds what notifications and webhooks missed (delta rounds, change tracking) and enqueues it. */
export async function reconciliation(_timer: Timer, context: InvocationContext): Promise<void> {
  const report = await reconcile(runtime);
  context.log(JSON.stringify({ message: 'reconciliation pass', mailboxes: report.mailboxes, graphItems: report.graphItems, crmItems: report.crmItems, fullRounds: report.fullRounds.length, failures: report.failures.length }));
}

app.timer('reconciliation', { schedule: '%SYNC_RECONCILIATION_SCHEDULE%', runOnStartup: false, handler: reconciliation });

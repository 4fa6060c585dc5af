import { app, type InvocationContext, type Timer } from '@azure/functions';
import { runWithRequestContext } from '../shared/observability/request-context';
import { getRuntime } from '../shared/runtime';
import { renewSubscriptions } from '../shared/subscriptions/renewal-pass';

const runtime = getRuntime();

/** Renews Graph subscriptions well before they expire (Outlook: at most 7 days) and rotates old clientStates. */
export async function subscriptionRenewal(_timer: Timer, context: InvocationContext): Promise<void> {
  // One id for the pass's Graph calls (client-request-id) and its log lines.
  const correlationId = context.invocationId;
  const counts = await runWithRequestContext({ correlationId, log: runtime.log.child({ correlationId, job: 'subscriptionRenewal' }) }, () => renewSubscriptions(runtime));
  context.log(JSON.stringify({ message: 'subscription renewal pass', correlationId, ...counts }));
}

app.timer('subscriptionRenewal', { schedule: '%SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE%', runOnStartup: true, handler: subscriptionRenewal });

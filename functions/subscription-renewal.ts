import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRuntime } from '../shared/runtime';
import { renewSubscriptions } from '../shared/sync/background';

const runtime = getRuntime();

/** Renews Graph subscriptions well before they expire (Outlook: at most 7 days). */
export async function subscriptionRenewal(_timer: Timer, context: InvocationContext): Promise<void> {
  const counts = await renewSubscriptions(runtime);
  context.log(JSON.stringify({ message: 'subscription renewal pass', ...counts }));
}

app.timer('subscriptionRenewal', { schedule: '%SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE%', runOnStartup: true, handler: subscriptionRenewal });

/**
 * The subscription renewal timer's work (functions/subscription-renewal.ts), free of Functions types:
 * replaced subscriptions whose overlap is over are deleted, clientStates older than
 * SYNC_CLIENT_STATE_MAX_AGE_DAYS are rotated, and subscriptions close to expiry are renewed (or recreated).
 * A rotation or deletion that fails is logged as a warning and retried by the next pass (the old
 * subscription keeps working meanwhile); a renewal failure fails the pass, as before.
 */
import type { Runtime } from '../runtime';
import type { RenewalPassReport } from './subscription-manager';

export async function renewSubscriptions(rt: Runtime, now = Date.now()): Promise<RenewalPassReport> {
  const report = await rt.subscriptions.renewalPass((id) => rt.services.mailboxes.get(id), now);
  for (const f of report.failures) {
    rt.log.log('warning', f.step === 'rotate' ? 'clientState rotation failed; the current subscription stays in use' : 'deleting a replaced subscription failed; its clientState stays valid until a later pass deletes it', {
      subscriptionId: f.subscriptionId, recordType: f.recordType, error: f.error,
    });
  }
  if (report.rotated > 0 || report.retired > 0) {
    rt.log.log('information', 'clientState rotation', { rotated: report.rotated, retired: report.retired });
  }
  return report;
}

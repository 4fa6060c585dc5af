/**
 * Small helpers the sandbox tests share: binding a CRM row's owner as a CRM user does, and waiting until the
 * sync worker has nothing left to run.
 */
import { workerRuns } from '../property/support/worker-log';
import { eventually } from './eventually';

/** The Web API body part that sets a row's owner. */
export const ownerBind = (systemUserId: string) => ({ 'ownerid@odata.bind': `/systemusers(${systemUserId})` });

/** Resolves once the host has started no sync-worker run for one polling interval. */
export async function untilWorkerQuiet(hostOutput: string[], options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
  let runs = -1;
  await eventually(() => {
    const now = workerRuns(hostOutput);
    const quiet = now === runs;
    runs = now;
    expect(quiet).toBe(true);
  }, { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: options.intervalMs ?? 1500 });
}

/** Arms a fault on the Dataverse emulator's next webhook deliveries (drop, delay, duplicate…). */
export async function webhookFault(dataverseUrl: string, fault: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${dataverseUrl}/_emulator/webhooks/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  expect(r.status).toBe(204);
}

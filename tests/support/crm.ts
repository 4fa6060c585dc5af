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

import { app, type InvocationContext } from '@azure/functions';
import { maxDequeueCount } from '../shared/host-json';
import { getRuntime } from '../shared/runtime';
import { applyGraphLifecycle, runMailboxTest } from '../shared/sync/background';
import { applyGraphChange } from '../shared/sync/exchange-to-crm';
import { processWorkItem } from '../shared/sync/worker';

const runtime = getRuntime();
const attempts = maxDequeueCount();

/** The sync worker: one work item from the `sync-work` queue through the engine (shared/sync/worker.ts). */
export async function syncWorker(message: unknown, context: InvocationContext): Promise<void> {
  await processWorkItem(runtime.services, message, {
    dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 1),
    maxDequeueCount: attempts,
    poison: (entry) => runtime.workQueue.poison(entry),
    counters: runtime.counters,
    applyGraphChange,
    applyGraphLifecycle: (_services, item) => applyGraphLifecycle(runtime, item),
    runMailboxTest: (_services, item) => runMailboxTest(runtime, item),
  }, runtime.log.child({ invocationId: context.invocationId }));
}

app.storageQueue('syncWorker', { queueName: '%SYNC_WORK_QUEUE%', connection: 'AzureWebJobsStorage', handler: syncWorker });

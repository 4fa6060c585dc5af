/**
 * Preloaded into the Azurite process by the bench (NODE_OPTIONS=--require …/azurite-patch.js), nowhere else.
 *
 * Azurite 3.35 sweeps a queue for expired messages on every receive and every delete, scanning all of the
 * queue's messages: with 10,000 work items queued (an initial sync enqueues all its rows at once) a delete
 * costs ~35 ms instead of ~2 and Azurite alone becomes the bottleneck — an emulator artifact (Azure Queue
 * Storage does not slow down with depth). This throttles the sweep to once a second per queue. Messages live 7
 * days by default, so within a run the sweep never finds anything: the behaviour is unchanged, only its cost.
 * `npm run bench -- --azurite-unpatched` runs without it, to see the artifact.
 */
import Module from 'node:module';

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
interface Store {
  prototype: { clearExpiredMessages(account: string, queue: string, context: unknown): Promise<void>; checkQueueExist(account: string, queue: string, context: unknown): void };
  benchPatched?: boolean;
}

const moduleInternals = Module as unknown as { _load: Loader };
const load = moduleInternals._load;

moduleInternals._load = function patchedLoad(this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
  const exported = load.call(this, request, parent, isMain) as { default?: Store } | undefined;
  const store = exported?.default;
  if (/LokiQueueMetadataStore(\.js)?$/.test(request) && store && !store.benchPatched) {
    store.benchPatched = true;
    const sweep = store.prototype.clearExpiredMessages;
    const last = new Map<string, number>();
    store.prototype.clearExpiredMessages = function throttledSweep(account, queue, context) {
      const key = `${account}/${queue}`;
      if (Date.now() - (last.get(key) ?? 0) < 1000) {
        this.checkQueueExist(account, queue, context); // the one check the sweep also made
        return Promise.resolve();
      }
      last.set(key, Date.now());
      return sweep.call(this, account, queue, context);
    };
  }
  return exported;
};

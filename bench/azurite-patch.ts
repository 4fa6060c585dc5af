/**
 * Preloaded into the Azurite process by the bench (NODE_OPTIONS=--require …/azurite-patch.js), nowhere else.
 * Two costs of Azurite 3.35's in-memory queues grow with the number of messages, and with 10,000 work items
 * queued (an initial sync enqueues all its rows at once) they made Azurite the bottleneck of the whole
 * sandbox — an emulator artifact (Azure Queue Storage does not slow down with depth):
 * - it sweeps a queue for expired messages on every receive and every delete, scanning all its messages
 *   (a delete took ~35 ms at 10,000 messages instead of ~2): the sweep is throttled to once a second per
 *   queue. Messages live 7 days by default, so within a run it never finds anything;
 * - its garbage collector removes the extents of deleted messages one by one, and LokiJS rebuilds the
 *   extent index on each removal (half of Azurite's CPU in a 3,000-row initial sync): the removals of one
 *   sweep are done in one batch;
 * - a message delete or update finds its message by account, queue and id, in that order, so LokiJS scans
 *   every message of the account before it gets to the (indexed) id: the id is looked up first.
 * Behaviour is unchanged, only its cost. `npm run bench -- --azurite-unpatched` runs without the patch.
 */
import Module from 'node:module';

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
interface ExtentStore {
  prototype: {
    deleteExtents(extents: Iterable<string>): Promise<number>;
  };
  benchPatched?: boolean;
}

interface ExtentStoreInstance {
  categoryName: string;
  chunks: { get(category: string, id: string): unknown; delete(category: string, id: string): void };
  metadataStore: { db?: { getCollection(name: string): { findAndRemove(query: unknown): void } | null }; EXTENTS_COLLECTION?: string; deleteExtent(id: string): Promise<void> };
}

type FindOne = (query: Record<string, unknown>) => unknown;
interface StoreInstance {
  db: { getCollection(name: string): { findOne: FindOne; benchPatched?: boolean } | null };
  MESSAGES_COLLECTION: string;
  checkQueueExist(account: string, queue: string, context: unknown): void;
}
type StoreMethod = (this: StoreInstance, ...args: unknown[]) => Promise<unknown>;
interface Store {
  prototype: {
    clearExpiredMessages(this: StoreInstance, account: string, queue: string, context: unknown): Promise<void>;
    deleteMessage: StoreMethod;
    updateMessage: StoreMethod;
  };
  benchPatched?: boolean;
}

/** Makes the messages collection look a message up by its indexed id first. */
function idFirst(store: StoreInstance): void {
  const messages = store.db.getCollection(store.MESSAGES_COLLECTION);
  if (!messages || messages.benchPatched) return;
  messages.benchPatched = true;
  const findOne = messages.findOne.bind(messages);
  messages.findOne = (query) => (query && typeof query === 'object' && 'messageId' in query ? findOne({ messageId: query.messageId, ...query }) : findOne(query));
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
    for (const name of ['deleteMessage', 'updateMessage'] as const) {
      const original = store.prototype[name];
      store.prototype[name] = function lookupByIdFirst(this: StoreInstance, ...args: unknown[]) {
        idFirst(this);
        return original.apply(this, args);
      };
    }
  }
  const extents = exported?.default as unknown as ExtentStore | undefined;
  if (/MemoryExtentStore(\.js)?$/.test(request) && extents && !extents.benchPatched) {
    extents.benchPatched = true;
    extents.prototype.deleteExtents = async function batchedDelete(this: ExtentStoreInstance, ids: Iterable<string>): Promise<number> {
      const all = [...ids];
      for (const id of all) if (this.chunks.get(this.categoryName, id)) this.chunks.delete(this.categoryName, id);
      const meta = this.metadataStore;
      const collection = meta.EXTENTS_COLLECTION ? meta.db?.getCollection(meta.EXTENTS_COLLECTION) : undefined;
      if (collection) collection.findAndRemove({ id: { $in: all } });
      else for (const id of all) await meta.deleteExtent(id);
      return all.length;
    };
  }
  return exported;
};

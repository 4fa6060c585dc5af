/**
 * Direct access to the work queue and its poison queue, for what output bindings cannot express: items
 * enqueued by the worker itself (initial sync, delta catch-up) and poison entries with their reason.
 * Messages are base64 JSON, as the queue trigger (host.json messageEncoding) expects.
 */
import type { QueueClient } from '@azure/storage-queue';
import { encodeQueueMessage, queueClient, type StorageConnection } from '../storage';
import type { PoisonedMessage } from './worker';
import type { WorkItem } from './work-item';

export class WorkQueue {
  private readonly work: QueueClient;
  private readonly poisonQueue: QueueClient;
  private ready: Promise<void> | undefined;

  constructor(connection: StorageConnection, readonly name: string) {
    this.work = queueClient(connection, name);
    this.poisonQueue = queueClient(connection, `${name}-poison`);
  }

  private ensure(): Promise<void> {
    this.ready ??= Promise.all([this.work.createIfNotExists(), this.poisonQueue.createIfNotExists()]).then(() => undefined, (e) => { this.ready = undefined; throw e; });
    return this.ready;
  }

  async send(items: readonly WorkItem[], concurrency = 16): Promise<void> {
    await this.ensure();
    for (let i = 0; i < items.length; i += concurrency) {
      await Promise.all(items.slice(i, i + concurrency).map((item) => this.work.sendMessage(encodeQueueMessage(item))));
    }
  }

  async poison(entry: PoisonedMessage): Promise<void> {
    await this.ensure();
    await this.poisonQueue.sendMessage(encodeQueueMessage(entry));
  }
}

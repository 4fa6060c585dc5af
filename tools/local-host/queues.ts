/**
 * Storage-queue clients shared by the triggers and the output bindings. Queues are created on first use.
 * Listeners subscribe to their queue so that a message written by this host wakes them at once, as the real
 * host's queue "new message" notifications do, instead of waiting for the next (backed-off) poll.
 */
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';

export class QueueHub {
  private readonly services = new Map<string, QueueServiceClient>();
  private readonly created = new Map<string, Promise<void>>();
  private readonly listeners = new Map<string, Set<() => void>>();

  queue(connectionString: string, queueName: string): QueueClient {
    let service = this.services.get(connectionString);
    if (!service) {
      service = QueueServiceClient.fromConnectionString(connectionString);
      this.services.set(connectionString, service);
    }
    return service.getQueueClient(queueName);
  }

  ensure(client: QueueClient): Promise<void> {
    let created = this.created.get(client.url);
    if (!created) {
      created = client.createIfNotExists().then(() => undefined);
      created.catch(() => this.created.delete(client.url)); // retry next time
      this.created.set(client.url, created);
    }
    return created;
  }

  async send(client: QueueClient, texts: string[]): Promise<void> {
    if (texts.length === 0) return;
    await this.ensure(client);
    for (const text of texts) await client.sendMessage(text);
    for (const wake of this.listeners.get(client.url) ?? []) wake();
  }

  subscribe(client: QueueClient, wake: () => void): () => void {
    const set = this.listeners.get(client.url) ?? new Set();
    this.listeners.set(client.url, set);
    set.add(wake);
    return () => set.delete(wake);
  }
}

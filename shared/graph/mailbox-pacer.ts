/**
 * At most N concurrent Graph calls per mailbox across this worker (Exchange allows 4 per app and
 * mailbox; more only earns 429s). One p-queue per mailbox, created on first use.
 */
import PQueue from 'p-queue';

export class MailboxPacer {
  private readonly queues = new Map<string, PQueue>();

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`MailboxPacer concurrency must be a whole number >= 1, got ${concurrency}`);
    }
  }

  run<T>(mailboxUserId: string, task: () => Promise<T>): Promise<T> {
    const key = mailboxUserId.toLowerCase();
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new PQueue({ concurrency: this.concurrency });
      this.queues.set(key, queue);
    }
    return queue.add(task) as Promise<T>;
  }

  /** Calls running or waiting for a mailbox (for observability and tests). */
  pending(mailboxUserId: string): number {
    const queue = this.queues.get(mailboxUserId.toLowerCase());
    return queue ? queue.size + queue.pending : 0;
  }
}

/**
 * Storage-queue trigger, after the real host's QueueListener/QueueProcessor: fetch `batchSize` messages, run
 * them in parallel, fetch again once no more than `newBatchThreshold` are still running; when the queue is
 * empty, back off exponentially from 100 ms to `maxPollingInterval` (a found message or a message written by
 * this host resets that). A message stays invisible while its invocation runs (10-minute receive). Success →
 * delete; failure → visible again after `visibilityTimeout`, or, at `maxDequeueCount`, copied as-is to
 * `<queue>-poison` and deleted. At shutdown, a message whose invocation did not finish is made visible again.
 */
import { randomUUID } from 'node:crypto';
import type { ReceivedMessageItem } from '@azure/storage-queue';
import type { RegisteredFunction } from './fake-core';
import { invoke } from './invoke';
import { jsonData, type RpcTypedData } from './rpc';
import { describeError, type HostRuntime } from './runtime';
import { storageConnectionString } from './settings';
import { Wakeable } from './wakeable';

const MIN_POLL_MS = 100;
const PROCESSING_VISIBILITY_S = 600;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface QueueListener {
  queueName: string;
  /** Stops polling; resolves when the poll loop has ended. Running invocations continue. */
  stop(): Promise<void>;
  /** Cuts off a poll still waiting on storage (e.g. unreachable), so that stop() resolves. */
  abortPoll(): void;
  /** Shutdown gave up waiting: make the messages still being processed visible again at once. */
  abandon(): Promise<void>;
}

export function startQueueListener(rt: HostRuntime, fn: RegisteredFunction): QueueListener {
  const [triggerName = '', trigger = {}] = Object.entries(fn.metadata.bindings).find(([, b]) => b.type?.toLowerCase() === 'queuetrigger') ?? [];
  const options = rt.settings.queues;
  const queueName = String(trigger.queueName);
  const connection = storageConnectionString(trigger.connection);
  const client = rt.queues.queue(connection, queueName);
  const poison = rt.queues.queue(connection, `${queueName}-poison`);
  const waker = new Wakeable();
  const unsubscribe = rt.queues.subscribe(client, () => waker.wake());
  const active = new Map<string, { popReceipt: string; abandoned: boolean }>();
  const polling = new AbortController();
  let stopped = false;

  async function process(message: ReceivedMessageItem): Promise<void> {
    const entry = { popReceipt: message.popReceipt, abandoned: false };
    active.set(message.messageId, entry);
    try {
      const raw = message.messageText;
      const decodable = options.messageEncoding === 'none' || BASE64.test(raw.replace(/\s/g, ''));
      const text = options.messageEncoding === 'base64' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      const metadata: Record<string, RpcTypedData> = {
        Id: jsonData(message.messageId),
        DequeueCount: jsonData(message.dequeueCount),
        PopReceipt: jsonData(message.popReceipt),
        InsertionTime: jsonData(message.insertedOn),
        ExpirationTime: jsonData(message.expiresOn),
        NextVisibleTime: jsonData(message.nextVisibleOn),
        QueueTrigger: { string: text },
        sys: jsonData({ MethodName: fn.metadata.name, UtcNow: new Date(), RandGuid: randomUUID() }),
      };
      const outcome = decodable
        ? await invoke(rt, fn, { inputData: [{ name: triggerName, data: { string: text } }], triggerMetadata: metadata, reason: `New queue message detected on '${queueName}'.` })
        : (rt.log(`[${fn.metadata.name}] [error] Message decoding has failed! Check MessageEncoding settings. MessageId=${message.messageId}.`), { ok: false });
      if (entry.abandoned) return; // shutdown already released it
      if (outcome.ok) {
        await client.deleteMessage(message.messageId, message.popReceipt);
      } else if (message.dequeueCount >= options.maxDequeueCount) {
        rt.log(`Message has reached MaxDequeueCount of ${options.maxDequeueCount}. Moving message to queue '${queueName}-poison'.`);
        await rt.queues.send(poison, [raw]);
        await client.deleteMessage(message.messageId, message.popReceipt);
      } else {
        await client.updateMessage(message.messageId, message.popReceipt, undefined, Math.round(options.visibilityTimeoutMs / 1000));
      }
    } catch (error) {
      // It stays in the queue and reappears when its visibility runs out: nothing is lost.
      rt.log(`Queue '${queueName}': could not complete message ${message.messageId}: ${describeError(error)}`);
    } finally {
      active.delete(message.messageId);
      waker.wake();
    }
  }

  async function release(messageId: string, popReceipt: string): Promise<void> {
    try {
      await client.updateMessage(messageId, popReceipt, undefined, 0, { abortSignal: AbortSignal.timeout(5000) });
    } catch (error) {
      rt.log(`Queue '${queueName}': could not release message ${messageId} (it reappears after its visibility timeout): ${String(error)}`);
    }
  }

  const aborted = new Promise<never>((_resolve, reject) => polling.signal.addEventListener('abort', () => reject(new Error('aborted'))));
  aborted.catch(() => undefined);
  const loop = (async () => {
    let delay = MIN_POLL_MS;
    while (!stopped) {
      if (active.size > options.newBatchThreshold) {
        await waker.sleep(options.maxPollingIntervalMs); // woken when a message completes
        continue;
      }
      let messages: ReceivedMessageItem[] = [];
      try {
        await Promise.race([rt.queues.ensure(client), aborted]);
        const received = await client.receiveMessages({ numberOfMessages: options.batchSize, visibilityTimeout: PROCESSING_VISIBILITY_S, abortSignal: polling.signal });
        messages = received.receivedMessageItems;
      } catch (error) {
        if (!polling.signal.aborted) rt.log(`Queue '${queueName}': polling failed: ${String(error)}`);
      }
      if (stopped) {
        await Promise.all(messages.map((m) => release(m.messageId, m.popReceipt)));
        break;
      }
      for (const message of messages) void rt.inFlight.track(process(message));
      if (messages.length > 0) {
        delay = MIN_POLL_MS;
        continue;
      }
      await waker.sleep(delay);
      delay = Math.min(delay * 2, options.maxPollingIntervalMs);
    }
  })();

  return {
    queueName,
    async stop() {
      stopped = true;
      unsubscribe();
      waker.wake();
      await loop;
    },
    abortPoll() {
      polling.abort();
    },
    async abandon() {
      await Promise.all([...active.entries()].map(([id, entry]) => {
        entry.abandoned = true;
        return release(id, entry.popReceipt);
      }));
    },
  };
}

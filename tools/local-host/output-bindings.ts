/**
 * Storage-queue output bindings: `extraOutputs` (output.storageQueue) and `return:`. Written only after the
 * invocation succeeded, like the real host. An array becomes one message per element; strings are sent as they
 * are, buffers as their bytes, anything else as JSON; then base64-encoded unless host.json says
 * `messageEncoding: "none"` (the trigger side decodes the same way).
 */
import type { HostRuntime } from './runtime';
import { fromTypedData, type FunctionMetadata, type RpcInvocationResponse } from './rpc';
import { storageConnectionString } from './settings';

export function queueMessages(value: unknown, encoding: 'base64' | 'none'): string[] {
  if (value === undefined || value === null) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.map((v: unknown) => {
    const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8')
      : Buffer.isBuffer(v) || v instanceof Uint8Array ? Buffer.from(v)
      : Buffer.from(JSON.stringify(v), 'utf8');
    return encoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8');
  });
}

export async function writeOutputs(rt: HostRuntime, metadata: FunctionMetadata, response: RpcInvocationResponse): Promise<void> {
  for (const [name, binding] of Object.entries(metadata.bindings)) {
    if (binding.direction !== 'out' || binding.type?.toLowerCase() !== 'queue') continue;
    const data = name === '$return' ? response.returnValue : response.outputData?.find((o) => o.name === name)?.data;
    const texts = queueMessages(fromTypedData(data), rt.settings.queues.messageEncoding);
    if (texts.length === 0) continue;
    const client = rt.queues.queue(storageConnectionString(binding.connection), String(binding.queueName));
    await rt.queues.send(client, texts);
  }
}

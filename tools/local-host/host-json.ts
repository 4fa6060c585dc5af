/**
 * The parts of host.json the local host honours: the HTTP route prefix and the storage-queue trigger settings
 * (`extensions.queues`), with the real host's defaults and limits.
 */
import fs from 'node:fs';
import { durationMs } from './timespan';

export interface QueueSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  maxDequeueCount: number;
  messageEncoding: 'base64' | 'none';
}

export interface HostSettings {
  routePrefix: string;
  queues: QueueSettings;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`host.json: ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseHostJson(json: unknown): HostSettings {
  const extensions = record(record(json).extensions);
  const http = record(extensions.http);
  const queues = record(extensions.queues);
  const routePrefix = http.routePrefix === undefined ? 'api' : String(http.routePrefix).replace(/^\/+|\/+$/g, '');
  const batchSize = integer(queues.batchSize, 'extensions.queues.batchSize', 16, 1, 32);
  const encoding = String(queues.messageEncoding ?? 'base64').toLowerCase();
  if (encoding !== 'base64' && encoding !== 'none') {
    throw new Error(`host.json: extensions.queues.messageEncoding must be "base64" or "none", got ${JSON.stringify(queues.messageEncoding)}`);
  }
  return {
    routePrefix,
    queues: {
      batchSize,
      newBatchThreshold: integer(queues.newBatchThreshold, 'extensions.queues.newBatchThreshold', Math.floor(batchSize / 2), 0, 1000),
      // The real default is one minute; it matters less here because our own output bindings wake listeners.
      maxPollingIntervalMs: Math.max(100, durationMs(queues.maxPollingInterval, 'extensions.queues.maxPollingInterval', 60_000)),
      visibilityTimeoutMs: durationMs(queues.visibilityTimeout, 'extensions.queues.visibilityTimeout', 0),
      maxDequeueCount: integer(queues.maxDequeueCount, 'extensions.queues.maxDequeueCount', 5, 1, 1_000_000),
      messageEncoding: encoding,
    },
  };
}

/** A missing host.json means defaults (the real host insists on one; a dev tool need not). */
export function readHostJson(file: string): HostSettings {
  if (!fs.existsSync(file)) return parseHostJson({});
  try {
    return parseHostJson(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

/**
 * Tunables of webhook delivery. Defaults follow the documentation where it says something (60 s timeout,
 * 256 KB); the asynchronous retry schedule is not documented for online, so the default is a few retries
 * with growing delays. Tests shorten everything through the factory options or PUT /_emulator/webhooks/settings.
 */
import { DEFAULT_SIZE_LIMIT_BYTES } from './webhook-request';

export interface WebhooksSettings {
  /** How long a receiver may take to answer (Dataverse: 60 s). */
  timeoutMs: number;
  /** Delay before each retry of a failed asynchronous delivery; its length is the number of retries. */
  asyncRetryDelaysMs: number[];
  /** Payload size above which images, parameters and ParentContext are dropped (256 KB). */
  sizeLimitBytes: number;
}

export type WebhooksOptions = Partial<WebhooksSettings>;

export const DEFAULT_WEBHOOKS_SETTINGS: WebhooksSettings = {
  timeoutMs: 60_000,
  asyncRetryDelaysMs: [5_000, 30_000, 120_000],
  sizeLimitBytes: DEFAULT_SIZE_LIMIT_BYTES,
};

/** Validates a (partial) settings object; returns the problem, or undefined when it is fine. */
export function settingsProblem(s: Partial<WebhooksSettings>): string | undefined {
  if (s.timeoutMs !== undefined && !(typeof s.timeoutMs === 'number' && s.timeoutMs > 0)) return 'timeoutMs must be a number > 0';
  if (s.sizeLimitBytes !== undefined && !(typeof s.sizeLimitBytes === 'number' && s.sizeLimitBytes > 0)) return 'sizeLimitBytes must be a number > 0';
  if (s.asyncRetryDelaysMs !== undefined
    && !(Array.isArray(s.asyncRetryDelaysMs) && s.asyncRetryDelaysMs.every((d) => typeof d === 'number' && d >= 0))) {
    return 'asyncRetryDelaysMs must be an array of numbers >= 0';
  }
  return undefined;
}

/**
 * The knobs of the subscription / change-notification part of the Graph emulator. Defaults are the real
 * service's documented or observed numbers; tests shorten the timings (in process through
 * `SubscriptionsFeature.configure`, or over HTTP with PUT /_emulator/notifications/settings) so that a
 * handshake timeout or a retry schedule can be exercised in milliseconds.
 */

export interface SubscriptionSettings {
  /** The notification endpoint must answer the validation POST within this (Graph: 10 s). */
  validationTimeoutMs: number;
  /** A delivery not answered 2xx within this counts as failed and is retried (Graph: 3 s). */
  deliveryTimeoutMs: number;
  /** Changes arriving within this window are sent to one URL in one `{ value: [...] }` POST. */
  batchWindowMs: number;
  /** Most notifications in one POST. */
  maxBatchSize: number;
  /** First retry delay after a failed delivery; doubled on every further failure. */
  retryInitialDelayMs: number;
  /** Cap of the retry delay. */
  retryMaxDelayMs: number;
  /** A notification still undelivered this long after its first attempt is dropped (Graph: 4 hours). */
  retryWindowMs: number;
  /**
   * Most minutes an Outlook event/contact subscription may live. The docs say 10,080 ("under 7 days"); the
   * live service is reported to reject 10,080 with "Subscription expiration can only be 10070 minutes in
   * the future.", so the emulator enforces 10,070.
   */
  maxLifetimeMinutes: number;
  /** Active Outlook subscriptions per mailbox, all apps together (Graph: 1,000). */
  maxSubscriptionsPerMailbox: number;
  /**
   * Outlook's duplicate notifications (graph.md §2.4): each `created` event/contact is followed by an
   * `updated` notification for the same item, as reported for the real service. Deterministic, on by default.
   */
  createdThenUpdated: boolean;
  /** Probability (0..1) that an `updated` change produces a second `updated` notification (seeded PRNG). */
  extraUpdatedProbability: number;
  /** Seed of the PRNG behind `extraUpdatedProbability`, so a run can be replayed. */
  randomSeed: number;
  /** After `reauthorizationRequired`, hold change notifications until the app reauthorizes or renews. */
  holdUntilReauthorized: boolean;
  /** Send a `missed` lifecycle notification when a change notification is given up after its retries. */
  missedOnGiveUp: boolean;
}

export const DEFAULT_SUBSCRIPTION_SETTINGS: Readonly<SubscriptionSettings> = Object.freeze({
  validationTimeoutMs: 10_000,
  deliveryTimeoutMs: 3_000,
  batchWindowMs: 50,
  maxBatchSize: 100,
  retryInitialDelayMs: 1_000,
  retryMaxDelayMs: 5 * 60_000,
  retryWindowMs: 4 * 3600_000,
  maxLifetimeMinutes: 10_070,
  maxSubscriptionsPerMailbox: 1_000,
  createdThenUpdated: true,
  extraUpdatedProbability: 0,
  randomSeed: 1,
  holdUntilReauthorized: true,
  missedOnGiveUp: true,
});

const NUMERIC: Array<keyof SubscriptionSettings> = [
  'validationTimeoutMs', 'deliveryTimeoutMs', 'batchWindowMs', 'maxBatchSize', 'retryInitialDelayMs',
  'retryMaxDelayMs', 'retryWindowMs', 'maxLifetimeMinutes', 'maxSubscriptionsPerMailbox', 'randomSeed',
];
const BOOLEAN: Array<keyof SubscriptionSettings> = ['createdThenUpdated', 'holdUntilReauthorized', 'missedOnGiveUp'];

/** Checks a partial settings object (from a test or the HTTP control); returns the problems found. */
export function settingsProblems(patch: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if ((NUMERIC as string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problems.push(`${key} must be a number >= 0`);
    } else if ((BOOLEAN as string[]).includes(key)) {
      if (typeof value !== 'boolean') problems.push(`${key} must be a boolean`);
    } else if (key === 'extraUpdatedProbability') {
      if (typeof value !== 'number' || value < 0 || value > 1) problems.push(`${key} must be a number in [0, 1]`);
    } else {
      problems.push(`unknown setting '${key}'`);
    }
  }
  if (patch.maxBatchSize === 0) problems.push('maxBatchSize must be >= 1');
  return problems;
}

/** mulberry32: a tiny seeded PRNG, so that "random" extra notifications replay identically. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes in flight. A worker records on the link the values it is about to write to one side before it
 * writes them, and clears them when it records the outcome. A worker that dies in between (or whose next
 * step fails) leaves them behind: the next merge of the pair finds them on that side — the write landed —
 * and takes them as synced, instead of taking our own write for an edit made there (which, on the CRM side,
 * would win the conflict against a newer Outlook edit under "CRM wins").
 */
import type { SyncLink } from '../correlation/link';
import type { CorrelationStore } from '../correlation/correlation-store';
import { sameValue, type Values } from './three-way-merge';

export type Side = 'crm' | 'exchange';

/** The merge base: the link's snapshot, with recorded writes that the sides now show taken as synced. */
export function mergeBase(link: SyncLink, seen: Partial<Record<Side, Values>>): Values {
  const base: Values = { ...link.snapshot };
  for (const side of ['crm', 'exchange'] as const) {
    const intended = link.intent?.[side];
    const current = seen[side];
    if (!intended || !current) continue;
    for (const [field, value] of Object.entries(intended)) if (sameValue(current[field], value)) base[field] = value;
  }
  return base;
}

/** Records the values about to be written to `side`; returns the link as stored (its new ETag). */
export function recordIntent(links: CorrelationStore, link: SyncLink, side: Side, values: Values): Promise<SyncLink> {
  if (Object.keys(values).length === 0) return Promise.resolve(link);
  return links.update({ ...link, intent: { ...link.intent, [side]: values }, updatedAt: new Date().toISOString() });
}

/**
 * The three-way merge of one linked pair: each side's current canonical values against the snapshot of
 * what was last synced. A field changed on one side flows to the other (if its direction allows); a field
 * changed on both sides to different values follows the conflict policy (default: CRM wins — the system
 * of record). Never decided by lastModifiedDateTime: Exchange bumps it when an item is merely opened.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Canonical, SyncDirection } from '../mappings/field-mapping';

export type ConflictPolicy = 'crmWins' | 'exchangeWins';
export type Values = Record<string, Canonical>;

export interface MergeField {
  name: string;
  direction: SyncDirection;
}

export interface MergeResult {
  toGraph: Values;
  toCrm: Values;
  /** The new last-synced snapshot. */
  snapshot: Values;
  /** Fields changed on both sides to different values (settled by the policy). */
  conflicts: string[];
}

export const flowsToExchange = (d: SyncDirection) => d === 'twoWay' || d === 'crmToExchange';
export const flowsToCrm = (d: SyncDirection) => d === 'twoWay' || d === 'exchangeToCrm';

/** Undefined (absent) and null mean the same: no value. */
export function sameValue(a: Canonical | undefined, b: Canonical | undefined): boolean {
  return isDeepStrictEqual(a ?? null, b ?? null);
}

export function mergeThreeWay(fields: readonly MergeField[], crm: Values, graph: Values, base: Values, policy: ConflictPolicy): MergeResult {
  const result: MergeResult = { toGraph: {}, toCrm: {}, snapshot: {}, conflicts: [] };
  for (const { name, direction } of fields) {
    if (direction === 'none') continue;
    const c = crm[name] ?? null;
    const g = graph[name] ?? null;
    const b = base[name] ?? null;
    const crmChanged = !sameValue(c, b);
    const graphChanged = !sameValue(g, b);
    let value = b;
    let take: 'crm' | 'graph' | undefined;
    if (crmChanged && graphChanged) {
      if (sameValue(c, g)) {
        value = c;
      } else {
        result.conflicts.push(name);
        const preferred = policy === 'crmWins' ? 'crm' : 'graph';
        const allowed = (side: 'crm' | 'graph') => (side === 'crm' ? flowsToExchange(direction) : flowsToCrm(direction));
        take = allowed(preferred) ? preferred : allowed(preferred === 'crm' ? 'graph' : 'crm') ? (preferred === 'crm' ? 'graph' : 'crm') : undefined;
      }
    } else if (crmChanged && flowsToExchange(direction)) {
      take = 'crm';
    } else if (graphChanged && flowsToCrm(direction)) {
      take = 'graph';
    }
    if (take === 'crm') {
      value = c;
      result.toGraph[name] = c;
    } else if (take === 'graph') {
      value = g;
      result.toCrm[name] = g;
    }
    result.snapshot[name] = value;
  }
  return result;
}

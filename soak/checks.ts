/**
 * The invariants, checked on the end state against the soak's own record (model.ts). Values are compared
 * in the mappings' canonical form, field by field (the comparison the sync itself makes).
 *
 * Documented rules that make a difference legitimate (shared/sync: sync-policy.ts, decide.ts, closed-rows.ts):
 * - conflict policy CRM wins: an Outlook edit made while the CRM's edit of the same field had not reached
 *   Outlook yet loses (`lostToConflict`);
 * - completed/canceled activities take no changes from Exchange: Outlook edits made to them stay in Outlook
 *   (`keptInExchange`); closed activities never linked are not synced (initial sync and reconciliation take
 *   open ones only: `closedUnsynced`); a closed appointment whose event is deleted in Outlook stays in CRM;
 * - an owner change moves the item: edits made to the old mailbox's copy before the move are gone with it
 *   (`lostToMove`);
 * - a CRM delete leaves the Outlook contact (unlinked) and a completed To Do task (`keptOrphans`); an Exchange
 *   delete deletes the CRM row (tasks, contacts, and open future appointments).
 * A write whose value repeats an earlier value of the field (priorities, statuses, dates) cannot be told
 * apart from that earlier one: when it is not the end value, it is counted `ambiguous`, not judged.
 */
import type { Canonical, GraphItem, RecordType } from '../shared/mappings';
import { crmValues, graphValues } from '../shared/sync/record-values';
import { sameValue } from '../shared/sync/three-way-merge';
import type { SoakEnv } from './environment';
import type { MarkedItem } from './mailbox-dump';
import type { SoakModel, SoakRecord, Write } from './model';
import type { CrmState, Snapshot } from './observe';

export interface Violation {
  kind:
    | 'missingItem' | 'duplicateItems' | 'wrongMailbox' | 'outOfScopeItem' | 'orphanItem' | 'valueMismatch'
    | 'createdFromExchange' | 'rowLost' | 'lostEdit' | 'unprocessedMessages' | 'poisonWithoutReason'
    | 'writeLoop' | 'reconciliationFailure' | 'operationError' | 'unmappable' | 'faultCoverage';
  recordType?: RecordType;
  crmId?: string;
  detail: string;
  /** The soak's writes of the field (lost edits, mismatches), for the post-mortem. */
  writes?: Write[];
  /** What the soak knows of the record, and the items found, for the post-mortem. */
  evidence?: { record?: Omit<SoakRecord, 'writes' | 'busy'>; items: Array<{ mailbox: string; graphId: string }>; link?: unknown };
}

export interface StateFigures {
  crmRows: number;
  inScopeRows: number;
  markedItems: number;
  /** Rows with more than one item carrying their marker. */
  duplicates: number;
  lostEdits: number;
  lostToConflict: number;
  lostToMove: number;
  keptInExchange: number;
  ambiguous: number;
  closedUnsynced: number;
  keptOrphans: number;
  editsChecked: number;
}

const isClosed = (s: CrmState) => s.recordType !== 'contact' && (s.row.statecode === 1 || s.row.statecode === 2);
const show = (v: Canonical | undefined) => JSON.stringify(v ?? null).slice(0, 160);

/** Was this write's value seen before (an earlier write or what a side showed before one)? */
function fresh(w: Write, history: readonly Write[]): boolean {
  if (sameValue(w.before, w.value)) return false; // it changed nothing
  return !history.some((h) => h !== w && h.at <= w.at && (sameValue(h.value, w.value) || sameValue(h.before, w.value)));
}

export function checkState(env: SoakEnv, model: SoakModel, snap: Snapshot): { violations: Violation[]; figures: StateFigures } {
  const violations: Violation[] = [];
  const figures: StateFigures = {
    crmRows: snap.crm.size, inScopeRows: 0, markedItems: snap.marked.length, duplicates: 0, lostEdits: 0, lostToConflict: 0,
    lostToMove: 0, keptInExchange: 0, ambiguous: 0, closedUnsynced: 0, keptOrphans: 0, editsChecked: 0,
  };
  const v = (kind: Violation['kind'], recordType: RecordType | undefined, crmId: string | undefined, detail: string, writes?: Write[]) => {
    violations.push({ kind, recordType, crmId, detail, ...(writes && writes.length > 0 ? { writes: writes.map(({ raw: _raw, ...w }) => w as Write) } : {}) });
  };
  const itemsOf = new Map<string, MarkedItem[]>();
  for (const m of snap.marked) itemsOf.set(m.crmId, [...(itemsOf.get(m.crmId) ?? []), m]);

  for (const [crmId, state] of snap.crm) {
    const { recordType, owner } = state;
    if (!model.knownCrmIds.has(crmId)) v('createdFromExchange', recordType, crmId, `a ${recordType} row no CRM user created (owner ${owner})`);
    const items = (itemsOf.get(crmId) ?? []).filter((m) => m.recordType === recordType);
    const ownerUser = env.userById(owner);
    if (!ownerUser || !env.isEnabled(owner)) {
      for (const m of items) v('outOfScopeItem', recordType, crmId, `item in ${m.mailbox} though the owner ${ownerUser?.displayName ?? owner} does not sync`);
      continue;
    }
    figures.inScopeRows += 1;
    const mine = items.filter((m) => m.mailbox === ownerUser.entraObjectId.toLowerCase());
    for (const m of items.filter((i) => !mine.includes(i))) v('wrongMailbox', recordType, crmId, `a copy in ${m.mailbox}, owner is ${ownerUser.displayName}`);
    if (items.length > 1) figures.duplicates += 1;
    if (mine.length > 1) v('duplicateItems', recordType, crmId, `${mine.length} items in ${ownerUser.displayName}'s mailbox`);
    if (mine.length === 0) {
      const record = model.get(crmId);
      if (isClosed(state) && state.link?.state !== 'linked') figures.closedUnsynced += 1;
      else if (isClosed(state) && recordType === 'appointment' && (record?.exchangeDeletes.length ?? 0) > 0) figures.closedUnsynced += 1;
      else v('missingItem', recordType, crmId, `no item in ${ownerUser.displayName}'s mailbox (statecode ${String(state.row.statecode)}, link ${state.link?.state ?? 'none'})`);
      continue;
    }
    compareValues(env, model, state, crmId, mine[0]!, figures, v);
  }

  // Items whose row is gone: kept only where a documented delete rule keeps them.
  for (const [crmId, items] of itemsOf) {
    if (snap.crm.has(crmId)) continue;
    const record = model.get(crmId);
    if (items.length > 1) { figures.duplicates += 1; v('duplicateItems', items[0]!.recordType, crmId, `${items.length} items for a deleted row`); }
    for (const m of items) {
      const deletedInCrm = record?.deleted?.side === 'crm';
      const kept = deletedInCrm && (m.recordType === 'contact' || (m.recordType === 'task' && (m.item.status === 'completed' || record?.everCompleted === true)));
      if (kept) figures.keptOrphans += 1;
      else v('orphanItem', m.recordType, crmId, `item in ${m.mailbox} for a row that is gone (${record ? `deleted ${record.deleted ? `in ${record.deleted.side}` : 'by nobody'}` : 'unknown row'})`);
    }
  }

  // Rows that vanished: only a CRM user's delete, or an Exchange delete of their item, removes a row.
  for (const record of model.records.values()) {
    if (snap.crm.has(record.crmId)) continue;
    if (record.deleted?.side === 'crm' || record.exchangeDeletes.length > 0) continue;
    v('rowLost', record.recordType, record.crmId, 'the CRM row is gone though neither a CRM user nor an Outlook user deleted it');
  }
  for (const violation of violations) {
    if (!violation.crmId) continue;
    const record = model.get(violation.crmId);
    const { writes: _w, busy: _b, ...rest } = record ?? ({} as SoakRecord);
    violation.evidence = {
      ...(record ? { record: rest } : {}),
      items: (itemsOf.get(violation.crmId) ?? []).map((m) => ({ mailbox: m.mailbox, graphId: m.graphId })),
      link: snap.crm.get(violation.crmId)?.link,
    };
  }
  return { violations, figures };
}

type Report = (kind: Violation['kind'], t: RecordType, id: string, detail: string, writes?: Write[]) => void;

function compareValues(env: SoakEnv, model: SoakModel, state: CrmState, crmId: string, item: MarkedItem, figures: StateFigures, v: Report): void {
  const { recordType } = state;
  const mapping = env.rt.services.mappings[recordType];
  const ctx = env.ctxOf(env.userById(state.owner)!);
  let crm: Record<string, Canonical>;
  let graph: Record<string, Canonical>;
  try {
    crm = crmValues(mapping, state.row, ctx);
    graph = graphValues(mapping, item.item as GraphItem, ctx);
  } catch (error) {
    v('unmappable', recordType, crmId, (error as Error).message);
    return;
  }
  const record = model.get(crmId);
  for (const field of mapping.fields) {
    if (field.defaultDirection === 'none') continue;
    // Every write read again in the final owner's context (dates depend on the mailbox's zone).
    const read = (side: Write['side'], raw: Record<string, unknown>): Canonical => (side === 'crm' ? field.fromCrm(raw, ctx) : field.fromGraph(raw, ctx));
    const writes = (record ? record.writes.filter((w) => w.field === field.name) : []).map((w) => ({
      ...w, value: read(w.side, w.raw.after), before: w.raw.before && Object.keys(w.raw.before).length > 0 ? read(w.side, w.raw.before) : w.before,
    }));
    const lastExchange = [...writes].reverse().find((w) => w.side === 'exchange');
    const equal = sameValue(crm[field.name], graph[field.name]);
    if (!equal) {
      if (isClosed(state) && lastExchange && sameValue(graph[field.name], lastExchange.value)) figures.keptInExchange += 1;
      else v('valueMismatch', recordType, crmId, `${field.name}: CRM ${show(crm[field.name])} ≠ Exchange ${show(graph[field.name])}`, writes);
    }
    if (record && writes.length > 0) judgeLastWrite(record, field.name, writes, crm[field.name] ?? null, graph[field.name] ?? null, item, isClosed(state), figures, (detail) => v('lostEdit', recordType, crmId, detail, writes));
  }
}

/** Is the last write of a field where it should be, or lost to a documented rule? */
function judgeLastWrite(record: SoakRecord, field: string, writes: Write[], crmValue: Canonical, graphValue: Canonical, item: MarkedItem, closed: boolean, figures: StateFigures, lost: (detail: string) => void): void {
  figures.editsChecked += 1;
  const sorted = [...writes].sort((a, b) => a.at - b.at);
  const w = sorted[sorted.length - 1]!;
  const here = w.side === 'crm' ? crmValue : graphValue;
  const there = w.side === 'crm' ? graphValue : crmValue;
  if (sameValue(here, w.value) && sameValue(there, w.value)) return;
  if (w.side === 'exchange') {
    if (closed && sameValue(graphValue, w.value)) return; // kept in Exchange (counted with the values)
    if (w.mailbox && w.mailbox !== item.mailbox) { figures.lostToMove += 1; return; }
    const c = [...sorted].reverse().find((x) => x.side === 'crm');
    if (c && sameValue(crmValue, c.value) && sameValue(graphValue, c.value)) {
      // The CRM's value won. Fair only if the Outlook user had not seen it arrive before editing (a value
      // the user had set themselves meanwhile does not count as arrived).
      const previous = sorted.filter((x) => x.side === 'exchange' && x.at < w.at).pop();
      const ownValue = previous !== undefined && sameValue(previous.value, w.before);
      if (!sameValue(w.before, c.value) || ownValue) { figures.lostToConflict += 1; return; }
      if (!fresh(w, sorted)) { figures.ambiguous += 1; return; }
      figures.lostEdits += 1;
      lost(`${field}: the Outlook edit ${show(w.value)} (op ${w.op}), made after CRM's ${show(c.value)} (op ${c.op}) had reached Outlook, was overwritten by it`);
      return;
    }
  }
  if (!fresh(w, sorted)) { figures.ambiguous += 1; return; }
  figures.lostEdits += 1;
  lost(`${field}: the last ${w.side === 'crm' ? 'CRM' : 'Outlook'} edit ${show(w.value)} (op ${w.op}) is not there: CRM ${show(crmValue)}, Exchange ${show(graphValue)}`);
}

/**
 * The figures of a run, as a table for people and as JSON for the record (soak/results/<date>.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../shared/app-info';
import type { SoakOptions } from './args';
import { FAULT_KINDS } from './chaos';
import type { StateFigures, Violation } from './checks';
import type { FaultFigures } from './fault-tally';
import type { OpKind } from './op-context';

export interface SoakResult {
  seed: number;
  options: SoakOptions;
  startedAt: string;
  durationMs: number;
  operations: {
    total: number;
    applied: number;
    byKind: Partial<Record<OpKind, { applied: number; skipped: number }>>;
    skipped: Record<string, number>;
    errors: Array<{ op: number; kind: string; error: string }>;
    /** Every operation, in the order they ended (for the post-mortem of a violation). */
    log: Array<{ op?: number; at?: string; kind: string; applied: boolean; skipped?: string; recordType?: string; crmId?: string }>;
  };
  faults: FaultFigures;
  kills: Array<{ at: string; downtimeMs: number; inFlight: number; stranded: number }>;
  convergence: {
    /** End of the operations → quiet (notifications, webhooks and queue alone). */
    quietAfterOperationsMs: number;
    /** Waiting for the queue messages killed workers held (their lease) to come back. */
    leaseWaitMs: number;
    /** End of the operations → quiet after the reconciliation pass: everything converged. */
    totalMs: number;
  };
  /** The same checks before the reconciliation pass: what notifications and webhooks alone had not healed. */
  beforePass: { violations: number; byKind: Record<string, number> };
  reconciliation: { finalPass: SoakOptions['finalPass']; graphItems: number; crmItems: number; fullRounds: number; failures: string[] };
  state: StateFigures;
  poisoned: { count: number; reasons: Record<string, number> };
  queue: { queued: number; strandedBound: number };
  writeLoop: { windowMs: number; graphWrites: number; dataverseWrites: number };
  violations: Violation[];
  passed: boolean;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatTable(r: SoakResult): string {
  const lines: string[] = [];
  const row = (label: string, value: string | number) => lines.push(`  ${pad(label, 34)} ${value}`);
  lines.push(`Soak ${r.passed ? 'PASSED' : 'FAILED'} — seed ${r.seed}, ${r.options.operations} operations, ${r.options.mailboxes} mailboxes, ${secs(r.durationMs)}`);
  lines.push('');
  lines.push('  operations');
  row('applied / total', `${r.operations.applied} / ${r.operations.total}`);
  for (const [kind, c] of Object.entries(r.operations.byKind)) row(`  ${kind}`, `${c.applied} applied, ${c.skipped} skipped`);
  row('skipped by reason', Object.entries(r.operations.skipped).map(([k, n]) => `${k} ${n}`).join(', ') || '—');
  row('errors', r.operations.errors.length);
  lines.push('');
  lines.push(`  ${pad('faults', 34)} ${lpad('requested', 10)} ${lpad('observed', 9)} ${lpad('by people', 10)} ${lpad('to sync', 8)}`);
  for (const kind of FAULT_KINDS) {
    const observed = r.faults.observed[kind];
    lines.push(`  ${pad(`  ${kind}`, 34)} ${lpad(String(r.faults.requested[kind]), 10)} ${lpad(observed === null ? '—' : String(observed), 9)} ${lpad(String(r.faults.absorbedByPeople[kind] ?? '—'), 10)} ${lpad(String(r.faults.toSync[kind]), 8)}`);
  }
  row('messages stranded by kills (≤)', r.kills.reduce((n, k) => n + k.stranded, 0));
  lines.push('');
  lines.push('  convergence');
  row('quiet after the operations', secs(r.convergence.quietAfterOperationsMs));
  row('waiting for killed leases', secs(r.convergence.leaseWaitMs));
  row('converged (after the pass)', secs(r.convergence.totalMs));
  row('divergences before the pass', `${r.beforePass.violations} ${JSON.stringify(r.beforePass.byKind)}`);
  row('reconciliation pass', `${r.reconciliation.finalPass}: ${r.reconciliation.graphItems} Graph + ${r.reconciliation.crmItems} CRM items, ${r.reconciliation.fullRounds} full rounds, ${r.reconciliation.failures.length} failures`);
  lines.push('');
  lines.push('  end state');
  row('CRM rows / in scope / marked items', `${r.state.crmRows} / ${r.state.inScopeRows} / ${r.state.markedItems}`);
  row('duplicates', r.state.duplicates);
  row('last edits checked', r.state.editsChecked);
  row('lost edits', r.state.lostEdits);
  row('lost to conflict (CRM wins)', r.state.lostToConflict);
  row('lost with the old copy (move)', r.state.lostToMove);
  row('kept in Exchange (closed)', r.state.keptInExchange);
  row('ambiguous (repeated value)', r.state.ambiguous);
  row('closed, never synced', r.state.closedUnsynced);
  row('kept after CRM delete', r.state.keptOrphans);
  row('poisoned', `${r.poisoned.count} ${JSON.stringify(r.poisoned.reasons)}`);
  row('queue (stranded ≤)', `${r.queue.queued} (${r.queue.strandedBound})`);
  row('writes once quiet', `Graph ${r.writeLoop.graphWrites}, Dataverse ${r.writeLoop.dataverseWrites} in ${secs(r.writeLoop.windowMs)}`);
  lines.push('');
  lines.push(`  violations: ${r.violations.length}`);
  for (const v of r.violations.slice(0, 40)) lines.push(`    ${v.kind} ${v.recordType ?? ''} ${v.crmId ?? ''} ${v.detail}`);
  if (r.violations.length > 40) lines.push(`    … ${r.violations.length - 40} more in the JSON`);
  return lines.join('\n');
}

/** Writes the JSON results; returns the file's path. */
export function writeResults(r: SoakResult, file?: string): string {
  const target = file ?? path.join(packageRoot(), 'soak', 'results', `${r.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, `${JSON.stringify(r, null, 2)}\n`);
  return target;
}

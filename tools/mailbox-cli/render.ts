/**
 * Text output of the CLI: the mailbox list as a table (the columns of Dynamics' mailbox view), one
 * mailbox in detail, and the initial sync's progress bar — redrawn in place on a terminal, one line per
 * change otherwise (logs, CI, a pipe).
 */
import type { ClientStateRotationReport } from '../../shared/admin/client-state-rotation';
import type { Mailbox, SyncMethod } from '../../shared/mailboxes/mailbox';

const method = (m: SyncMethod): string => (m === 'serverSideSync' ? 'server-side' : 'none');

/** `2026-11-25T11:00:12.137Z` → `2026-11-25 11:00:12Z`; null → `-`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function statusText(m: Mailbox): string {
  if (m.actStatus === 'success') return m.enabled ? 'success' : 'success (disabled)';
  return m.actStatus;
}

export function progressBar(p: Mailbox['initialSync'], width = 30): string {
  const finished = p.done + p.failed;
  const ratio = p.total === 0 ? 1 : Math.min(1, finished / p.total);
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished}/${p.total} ${Math.floor(ratio * 100)}%${p.failed > 0 ? ` (${p.failed} failed)` : ''}`;
}

function initialSyncCell(m: Mailbox): string {
  const p = m.initialSync;
  if (p.total === 0) return '-';
  return `${p.done + p.failed}/${p.total}${p.failed > 0 ? ` (${p.failed} failed)` : ''}`;
}

function alertsCell(m: Mailbox): string {
  if (m.alerts.length === 0) return '-';
  const errors = m.alerts.filter((a) => a.severity === 'error').length;
  const warnings = m.alerts.filter((a) => a.severity === 'warning').length;
  const parts = [errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean);
  return `${m.alerts.length}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatList(mailboxes: Mailbox[]): string {
  if (mailboxes.length === 0) return 'No mailboxes.';
  const rows = mailboxes.map((m) => [
    m.displayName, m.emailAddress, method(m.syncMethods.appointments), method(m.syncMethods.contacts), method(m.syncMethods.tasks),
    m.approval, statusText(m), when(m.lastSyncOn), initialSyncCell(m), alertsCell(m),
  ]);
  const table = formatTable(['USER', 'ADDRESS', 'APPOINTMENTS', 'CONTACTS', 'TASKS', 'APPROVAL', 'STATUS', 'LAST SYNC', 'INITIAL SYNC', 'ALERTS'], rows);
  const failures = mailboxes.filter((m) => m.actStatus === 'failure');
  const summary = `${mailboxes.length} mailbox${mailboxes.length === 1 ? '' : 'es'}: ${['success', 'running', 'failure', 'notRun']
    .map((s) => `${mailboxes.filter((m) => m.actStatus === s).length} ${s}`).join(', ')}`;
  const notes = failures.length === 0 ? '' : `\n\nFailures:\n${failures.map((m) => `  ${m.displayName}: ${m.lastError ?? 'failed'}`).join('\n')}`;
  return `${table}\n\n${summary}${notes}`;
}

export function formatMailbox(m: Mailbox): string {
  const rows: Array<[string, string]> = [
    ['CRM user', m.systemUserId],
    ['Entra object', m.entraObjectId],
    ['Sync methods', `appointments: ${method(m.syncMethods.appointments)}, contacts: ${method(m.syncMethods.contacts)}, tasks: ${method(m.syncMethods.tasks)}`],
    ['Approval', m.approval],
    ['Status', `${statusText(m)}${m.enabled ? ', syncing' : ', not syncing'}`],
    ['Last tested', when(m.lastTestedOn)],
    ['Last sync', when(m.lastSyncOn)],
    ['Initial sync', m.initialSync.total === 0 ? '-' : progressBar(m.initialSync)],
    ['Counters', `changes in ${m.counters.changesIn ?? 0}, to Exchange ${m.counters.toExchange}, to CRM ${m.counters.toCrm}, echoes skipped ${m.counters.skippedEcho}, retried ${m.counters.retried ?? 0}, poisoned ${m.counters.failed}`],
  ];
  if (m.timeZone) rows.push(['Time zone', m.timeZone]);
  if (m.lastError) rows.push(['Last error', m.lastError]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [`${m.displayName} <${m.emailAddress}>`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  if (m.alerts.length > 0) {
    lines.push('', 'Alerts (newest first):');
    for (const a of m.alerts) lines.push(`  ${when(a.time)}  ${a.severity.padEnd(11)}  ${a.message}`);
  }
  return lines.join('\n');
}

/** A status line that redraws itself on a terminal and prints each new value on its own line otherwise. */
export class LiveLine {
  private last = '';
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean }) {}

  update(text: string): void {
    if (text === this.last) return;
    this.last = text;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Ends the redrawn line so that what follows starts on a new one. */
  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/** One line per mailbox of `rotate-client-state`. */
export function formatRotation(r: ClientStateRotationReport): string {
  if (r.rotated.length === 0) return `${r.displayName}: no Graph subscriptions to rotate (mailbox not enabled, or syncing only tasks, which are polled)`;
  const done = r.rotated.filter((x) => x.subscriptionId && x.previousRemoved).map((x) => x.recordType).sort();
  const failed = r.rotated.filter((x) => x.error).map((x) => `${x.recordType}: ${x.error}`);
  return `${r.displayName}: ${done.length > 0 ? `new clientState for ${done.join(', ')}; the old subscription(s) deleted, old clientStates no longer accepted` : 'nothing rotated'}` +
    (failed.length > 0 ? `\n  FAILED ${failed.join('\n  FAILED ')}` : '');
}

/**
 * Kills and restarts the app's worker process (SIGKILL: no graceful stop, nothing flushed) and keeps the
 * account of what each kill left behind, read from the host's own log lines:
 *
 * A queue message being processed is invisible to other receivers for the host's processing lease
 * (10 minutes, as the Azure Functions host receives them). A killed process never completes or releases
 * its messages, so they reappear only when that lease runs out — on Azure as here. Every message a process
 * received starts an invocation at once ("Executing 'Functions.syncWorker'"), so the messages stranded by
 * a kill are at most the invocations it had started and not finished, plus those that finished just
 * before the kill (completed, but the queue delete may not have been sent).
 */
import type { RunningSandbox } from '../tools/sandbox/sandbox';

/** The local host's (and the Azure host's) processing visibility of a received queue message. */
export const PROCESSING_LEASE_MS = 600_000;
const EXECUTING = "Executing 'Functions.syncWorker'";
const EXECUTED = "Executed 'Functions.syncWorker'";
/** A finished invocation this close to the kill may not have deleted (or, failed, released) its message yet. */
const DELETE_GRACE_MS = 5_000;

interface Generation {
  /** Index in sandbox.hostOutput where this process's output starts. */
  from: number;
  to?: number;
  startedAt: number;
  killedAt?: number;
  /** Messages its kill may have stranded (upper bound). */
  stranded?: number;
}

export interface KillRecord {
  at: number;
  downtimeMs: number;
  inFlight: number;
  stranded: number;
}

export class HostTracker {
  private readonly generations: Generation[];
  readonly kills: KillRecord[] = [];
  private killing: Promise<void> | undefined;

  constructor(private readonly sandbox: RunningSandbox) {
    this.generations = [{ from: 0, startedAt: Date.now() }];
  }

  private current(): Generation {
    return this.generations[this.generations.length - 1]!;
  }

  private text(g: Generation): string {
    return this.sandbox.hostOutput.slice(g.from, g.to).join('');
  }

  /** syncWorker invocations started and not finished by the current process. */
  running(): number {
    const text = this.text(this.current());
    return count(text, EXECUTING) - count(text, EXECUTED);
  }

  /** SIGKILL now, wait `downtimeMs`, start a new process. One kill at a time. */
  async kill(downtimeMs: number): Promise<KillRecord> {
    while (this.killing) await this.killing;
    let record: KillRecord | undefined;
    this.killing = (async () => {
      const g = this.current();
      await this.sandbox.stopHost('SIGKILL');
      g.killedAt = Date.now();
      // What the process wrote before it died may still be in the pipe when 'exit' fires: read it after the downtime.
      await new Promise((r) => setTimeout(r, downtimeMs));
      g.to = this.sandbox.hostOutput.length;
      const text = this.text(g);
      const inFlight = count(text, EXECUTING) - count(text, EXECUTED);
      const justDone = text.split('\n').filter((line) => line.includes(EXECUTED) && g.killedAt! - timeOf(line) < DELETE_GRACE_MS).length;
      g.stranded = Math.max(0, inFlight) + justDone;
      this.generations.push({ from: this.sandbox.hostOutput.length, startedAt: Date.now() });
      await this.sandbox.startHost();
      record = { at: g.killedAt, downtimeMs, inFlight, stranded: g.stranded };
      this.kills.push(record);
    })();
    try {
      await this.killing;
    } finally {
      this.killing = undefined;
    }
    return record!;
  }

  /** Waits for a kill in progress (its restart) to finish. */
  async settled(): Promise<void> {
    while (this.killing) await this.killing;
  }

  /** Messages possibly still held by killed processes (their leases not yet run out). */
  strandedBound(now = Date.now()): number {
    return this.generations.reduce((n, g) => n + (g.killedAt !== undefined && now - g.killedAt < PROCESSING_LEASE_MS ? g.stranded ?? 0 : 0), 0);
  }

  /** When the last lease a kill stranded runs out (0 if no kill stranded anything). */
  leasesEndAt(): number {
    return Math.max(0, ...this.generations.filter((g) => (g.stranded ?? 0) > 0).map((g) => g.killedAt! + PROCESSING_LEASE_MS));
  }

  /** The whole host log, every process, in order. */
  log(): string {
    return this.sandbox.hostOutput.join('');
  }
}

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n += 1;
  return n;
}

/** `[2025-01-01T00:00:00.000Z] …` → ms (0 when the line has no timestamp). */
function timeOf(line: string): number {
  const m = /^\[(\d{4}-\d\d-\d\dT[^\]]+Z)\]/.exec(line.trim());
  return m ? Date.parse(m[1]!) : 0;
}

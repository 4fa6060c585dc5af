/**
 * `npm run soak -- [--seed N] [--operations N] [--mailboxes M] [--concurrency C] [--kills K]
 *   [--final-pass incremental|graph-full|full] [--no-await-leases] [--out FILE] [--host-log FILE] [--app-log-level LEVEL] [--verbose]`
 */
import { randomSeed } from './prng';

export type FinalPass = 'incremental' | 'graph-full' | 'full';

export interface SoakOptions {
  seed: number;
  /** Random operations on both sides (CRM users and Outlook). */
  operations: number;
  /** Enabled mailboxes (Adele, Alex, then extra seed users); one more in-scope user and Megan stay disabled. */
  mailboxes: number;
  /** Operations running at once (each on its own record). */
  concurrency: number;
  /** Worker kills (SIGKILL) spread over the run; default: one per 100 operations, at least 2. */
  kills: number;
  /**
   * The reconciliation pass after the run: `incremental` (the delta links and change-tracking tokens as the
   * run left them), `graph-full` (the Graph delta tokens expired first, as after a 410: every item listed
   * again — the To Do poll shares its cursor, so items a killed worker still holds are listed again too), or
   * `full` (the Dataverse change-tracking tokens expired as well).
   */
  finalPass: FinalPass;
  /**
   * Wait for the queue messages a killed worker held to come back (their 10-minute processing lease, as on
   * Azure) and be processed, before the final pass and the checks. Without it they are only accounted for.
   */
  awaitLeases: boolean;
  /** Where the JSON results go (default soak/results/<date>.json). */
  out?: string;
  /** Where the app host's whole output goes (default: beside the results, <date>.host.log). */
  hostLog?: string;
  verbose: boolean;
  /** The app's SYNC_LOG_LEVEL (debug shows every skipped change too). */
  appLogLevel: 'debug' | 'information' | 'warning' | 'error';
}

export const USAGE = 'usage: run.js [--seed N] [--operations N] [--mailboxes M] [--concurrency C] [--kills K] [--final-pass incremental|graph-full|full] [--no-await-leases] [--out FILE] [--host-log FILE] [--app-log-level LEVEL] [--verbose]';

export function defaultKills(operations: number): number {
  return Math.max(2, Math.ceil(operations / 100));
}

export function soakOptions(partial: Partial<SoakOptions> = {}): SoakOptions {
  const operations = partial.operations ?? 300;
  return {
    seed: partial.seed ?? randomSeed(),
    operations,
    mailboxes: partial.mailboxes ?? 3,
    concurrency: partial.concurrency ?? 3,
    kills: partial.kills ?? defaultKills(operations),
    finalPass: partial.finalPass ?? 'incremental',
    awaitLeases: partial.awaitLeases ?? true,
    out: partial.out,
    hostLog: partial.hostLog,
    verbose: partial.verbose ?? false,
    appLogLevel: partial.appLogLevel ?? 'information',
  };
}

export function parseArgs(argv: readonly string[]): SoakOptions {
  const partial: Partial<SoakOptions> = {};
  const whole = (flag: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--seed': partial.seed = whole(flag, value(), 0, 0xffffffff); break;
      case '--operations': partial.operations = whole(flag, value(), 1, 1_000_000); break;
      case '--mailboxes': partial.mailboxes = whole(flag, value(), 1, 40); break;
      case '--concurrency': partial.concurrency = whole(flag, value(), 1, 32); break;
      case '--kills': partial.kills = whole(flag, value(), 0, 10_000); break;
      case '--final-pass': {
        const v = value();
        if (v !== 'incremental' && v !== 'graph-full' && v !== 'full') throw new Error(`--final-pass must be incremental, graph-full or full\n${USAGE}`);
        partial.finalPass = v;
        break;
      }
      case '--no-await-leases': partial.awaitLeases = false; break;
      case '--out': partial.out = value(); break;
      case '--host-log': partial.hostLog = value(); break;
      case '--verbose': partial.verbose = true; break;
      case '--app-log-level': {
        const v = value();
        if (v !== 'debug' && v !== 'information' && v !== 'warning' && v !== 'error') throw new Error(`--app-log-level must be debug, information, warning or error\n${USAGE}`);
        partial.appLogLevel = v;
        break;
      }
      case '--help': throw new Error(USAGE);
      default: throw new Error(`Unknown argument '${argv[i]}'\n${USAGE}`);
    }
  }
  return soakOptions(partial);
}

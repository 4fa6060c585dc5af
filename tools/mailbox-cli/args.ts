/**
 * Command line of `npm run mailbox`. Connection settings come from flags, else the environment (the names
 * an operator exports once), else — with `--sandbox` — the running sandbox's manifest.
 */
import { parseArgs } from 'node:util';
import type { ActStatus, SyncMethod } from '../../shared/mailboxes/mailbox';

export const USAGE = `Usage: npm run mailbox -- <command> [options]

Commands (<user> is a CRM systemuserid, a UPN / email address, or a display name):
  list [--status <actStatus>]     every CRM user's mailbox; filter: notRun, running, success, failure
  status <user>                   one mailbox in detail: methods, approval, test status, progress, alerts
  set <user> [--appointments <m>] [--contacts <m>] [--tasks <m>]
                                  sync method per record type: serverSideSync or none
  approve <user>                  approve the mailbox (required before Test & Enable)
  reject <user>                   reject it (stops its sync)
  test-and-enable <user> [--wait] [--timeout <seconds>]
                                  run Test & Enable; --wait follows the test and the initial sync
  disable <user>                  stop the sync; items stay in the mailbox, unlinked
  rotate-client-state <user> | --all
                                  new Graph subscriptions with new clientState secrets, the old ones
                                  deleted at once (e.g. after a suspected leak); --all: every enabled mailbox

Connection (flags win over the environment):
  --url <url>             admin API base, ending in /api          (env SYNC_ADMIN_URL)
  --authority <url>       https://login.microsoftonline.com/<tenant id>   (env SYNC_AUTHORITY)
  --client-id <id>        app registration with the Sync.Admin app role   (env SYNC_ADMIN_CLIENT_ID)
  --client-secret <s>     its secret; prefer the environment                (env SYNC_ADMIN_CLIENT_SECRET)
  --scope <scope>         default api://crm-exchange-sync/.default          (env SYNC_ADMIN_SCOPE)
  --token <jwt>           a ready bearer token instead of client credentials (env SYNC_ADMIN_TOKEN)
  --sandbox               read all of the above from the running sandbox's manifest
  --sandbox-manifest <url>  default https://127.0.0.1:7300/sandbox/manifest (env SYNC_SANDBOX_MANIFEST_URL)
  --ca <file>             extra trusted CA (PEM); --sandbox uses .sandbox/tls/sandbox-ca.pem (env SYNC_CA_FILE)

Output:
  --json                  JSON instead of text
  --help

Exit code: 0 done, 1 the operation failed (API error, Test & Enable failure), 2 usage error.`;

export class UsageError extends Error {}

export type Command =
  | { name: 'list'; status?: ActStatus }
  | { name: 'status' | 'approve' | 'reject' | 'disable'; user: string }
  | { name: 'set'; user: string; methods: Partial<Record<'appointments' | 'contacts' | 'tasks', SyncMethod>> }
  | { name: 'test-and-enable'; user: string; wait: boolean; timeoutSeconds: number }
  | { name: 'rotate-client-state'; user?: string; all: boolean };

export interface ConnectionArgs {
  url?: string;
  authority?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  token?: string;
  sandbox: boolean;
  sandboxManifestUrl: string;
  caFile?: string;
}

export interface CliArgs {
  command?: Command;
  connection: ConnectionArgs;
  json: boolean;
  help: boolean;
}

export const DEFAULT_SANDBOX_MANIFEST = 'https://127.0.0.1:7300/sandbox/manifest';
const STATUSES: ActStatus[] = ['notRun', 'running', 'success', 'failure'];
const METHODS: SyncMethod[] = ['serverSideSync', 'none'];

function method(flag: string, value: string | undefined): SyncMethod | undefined {
  if (value === undefined) return undefined;
  const found = METHODS.find((m) => m.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`--${flag} must be serverSideSync or none, got '${value}'`);
  return found;
}

export function parseCliArgs(argv: string[], env: Record<string, string | undefined>): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        status: { type: 'string' },
        appointments: { type: 'string' },
        contacts: { type: 'string' },
        tasks: { type: 'string' },
        wait: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        url: { type: 'string' },
        authority: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        scope: { type: 'string' },
        token: { type: 'string' },
        sandbox: { type: 'boolean', default: false },
        'sandbox-manifest': { type: 'string' },
        ca: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values: v, positionals } = parsed;
  const blank = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);
  const connection: ConnectionArgs = {
    url: blank(v.url) ?? blank(env.SYNC_ADMIN_URL),
    authority: blank(v.authority) ?? blank(env.SYNC_AUTHORITY),
    clientId: blank(v['client-id']) ?? blank(env.SYNC_ADMIN_CLIENT_ID),
    clientSecret: blank(v['client-secret']) ?? blank(env.SYNC_ADMIN_CLIENT_SECRET),
    scope: blank(v.scope) ?? blank(env.SYNC_ADMIN_SCOPE),
    token: blank(v.token) ?? blank(env.SYNC_ADMIN_TOKEN),
    sandbox: v.sandbox === true,
    sandboxManifestUrl: blank(v['sandbox-manifest']) ?? blank(env.SYNC_SANDBOX_MANIFEST_URL) ?? DEFAULT_SANDBOX_MANIFEST,
    caFile: blank(v.ca) ?? blank(env.SYNC_CA_FILE),
  };
  const result: CliArgs = { connection, json: v.json === true, help: v.help === true };
  if (result.help) return result;

  const [name, user, ...extra] = positionals;
  if (!name) throw new UsageError('A command is required: list, status, set, approve, reject, test-and-enable, disable or rotate-client-state');
  if (extra.length > 0) throw new UsageError(`Unexpected argument(s): ${extra.join(' ')} (quote a display name with spaces: "Adele Vance")`);
  const needUser = (): string => {
    if (!user) throw new UsageError(`${name} needs a <user>: a systemuserid, a UPN or a display name`);
    return user;
  };
  const only = (allowed: string[]) => {
    const used = ['status', 'appointments', 'contacts', 'tasks', 'wait', 'timeout', 'all'].filter((k) => v[k as keyof typeof v] !== undefined && v[k as keyof typeof v] !== false);
    const wrong = used.filter((k) => !allowed.includes(k));
    if (wrong.length > 0) throw new UsageError(`${wrong.map((k) => `--${k}`).join(', ')} do(es) not apply to ${name}`);
  };

  switch (name) {
    case 'list': {
      only(['status']);
      if (user) throw new UsageError('list takes no <user>; use status <user> for one mailbox');
      const status = v.status === undefined ? undefined : STATUSES.find((s) => s.toLowerCase() === v.status!.toLowerCase());
      if (v.status !== undefined && !status) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got '${v.status}'`);
      result.command = { name: 'list', ...(status ? { status } : {}) };
      break;
    }
    case 'status': case 'approve': case 'reject': case 'disable':
      only([]);
      result.command = { name, user: needUser() };
      break;
    case 'set': {
      only(['appointments', 'contacts', 'tasks']);
      const methods = Object.fromEntries((['appointments', 'contacts', 'tasks'] as const)
        .map((k) => [k, method(k, v[k])] as const).filter(([, m]) => m !== undefined));
      if (Object.keys(methods).length === 0) throw new UsageError('set needs at least one of --appointments, --contacts, --tasks (serverSideSync or none)');
      result.command = { name: 'set', user: needUser(), methods };
      break;
    }
    case 'test-and-enable': {
      only(['wait', 'timeout']);
      const timeoutSeconds = v.timeout === undefined ? 600 : Number(v.timeout);
      if (!(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) throw new UsageError(`--timeout must be a number of seconds > 0, got '${v.timeout}'`);
      result.command = { name: 'test-and-enable', user: needUser(), wait: v.wait === true, timeoutSeconds };
      break;
    }
    case 'rotate-client-state': {
      only(['all']);
      const all = v.all === true;
      if (all && user) throw new UsageError('rotate-client-state takes a <user> or --all, not both');
      if (!all && !user) throw new UsageError('rotate-client-state needs a <user> (a systemuserid, a UPN or a display name), or --all for every enabled mailbox');
      result.command = { name: 'rotate-client-state', ...(user ? { user } : {}), all };
      break;
    }
    default:
      throw new UsageError(`Unknown command '${name}': list, status, set, approve, reject, test-and-enable, disable or rotate-client-state`);
  }
  return result;
}

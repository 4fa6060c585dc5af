/**
 * Command line of `npm run register`. Every value may also come from the environment, under the names of
 * the app settings (SYNC_*) or of the `azd up` outputs (DATAVERSE_WEBHOOK_URL), so that
 * `eval "$(azd env get-values)"` followed by a bare `npm run register` works after a deployment.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run register -- [options]

Dataverse (webhook service endpoint and plug-in steps, idempotent):
  --dataverse <url>        Dataverse environment URL               (env SYNC_DATAVERSE_URL)
  --function-url <url>     URL of the Dataverse webhook function    (env DATAVERSE_WEBHOOK_URL)
                           e.g. https://<app>.azurewebsites.net/api/webhooks/dataverse
  --function-key <key>     its function key (WebhookKey auth)       (env DATAVERSE_WEBHOOK_KEY)

Microsoft 365 (what an administrator must grant, and whether it works):
  --graph                  print the Graph permissions and Exchange Online RBAC for Applications commands
  --scope-group <name>     mail-enabled security group of the synced users, for those commands
                           (default "crm-exchange-sync users")
  --mailbox <upn>          check through Graph that the app reaches this mailbox (repeatable)
  --graph-base-url <url>   Microsoft Graph endpoint with version    (env SYNC_GRAPH_BASE_URL)

Credentials of the sync app registration (client credentials):
  --tenant <id>            (env SYNC_TENANT_ID)
  --client-id <id>         (env SYNC_CLIENT_ID)
  --client-secret <secret> (env SYNC_CLIENT_SECRET; prefer the environment: arguments show in ps)
  --authority-host <url>   (env SYNC_AUTHORITY_HOST, default https://login.microsoftonline.com)

Output:
  --json                   one JSON document instead of tables
  --help

Exit code: 0 when everything asked for succeeded, 1 when a step or check failed, 2 for a usage error.`;

export class UsageError extends Error {}

export interface RegisterArgs {
  dataverseUrl?: string;
  functionUrl?: string;
  functionKey?: string;
  graph: boolean;
  scopeGroup: string;
  mailboxes: string[];
  graphBaseUrl: string;
  credentials?: { tenantId: string; clientId: string; clientSecret: string; authorityHost: string };
  json: boolean;
  help: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function httpsUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} must be an absolute URL, got '${value}'`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`${name} must be an https:// URL, got '${value}'`);
  return value.replace(/\/+$/, '');
}

export function parseRegisterArgs(argv: string[], env: Record<string, string | undefined>): RegisterArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        dataverse: { type: 'string' },
        'function-url': { type: 'string' },
        'function-key': { type: 'string' },
        graph: { type: 'boolean', default: false },
        'scope-group': { type: 'string' },
        mailbox: { type: 'string', multiple: true },
        'graph-base-url': { type: 'string' },
        tenant: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'authority-host': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  // Empty strings count as absent, as in shared/config.ts.
  const pick = (flag: string | undefined, envName: string): string | undefined => (flag || env[envName] || undefined);
  const args: RegisterArgs = {
    graph: v.graph ?? false,
    scopeGroup: v['scope-group'] || 'crm-exchange-sync users',
    mailboxes: v.mailbox ?? [],
    graphBaseUrl: httpsUrl('--graph-base-url', pick(v['graph-base-url'], 'SYNC_GRAPH_BASE_URL') ?? 'https://graph.microsoft.com/v1.0'),
    json: v.json ?? false,
    help: v.help ?? false,
  };
  if (args.help) return args;

  const functionUrl = pick(v['function-url'], 'DATAVERSE_WEBHOOK_URL');
  const functionKey = pick(v['function-key'], 'DATAVERSE_WEBHOOK_KEY');
  const dataverse = pick(v.dataverse, 'SYNC_DATAVERSE_URL');
  // Registration runs when one of its flags is given, or when nothing else is asked for (a bare
  // `npm run register` after `eval "$(azd env get-values)"`); --graph/--mailbox alone never register.
  const registrationAsked = Boolean(v.dataverse || v['function-url'] || v['function-key']) || (!args.graph && args.mailboxes.length === 0);
  if (registrationAsked) {
    if (!dataverse) throw new UsageError('--dataverse (or SYNC_DATAVERSE_URL) is required to register the webhook');
    if (!functionUrl) throw new UsageError('--function-url (or DATAVERSE_WEBHOOK_URL) is required to register the webhook');
    if (!functionKey) throw new UsageError('--function-key (or DATAVERSE_WEBHOOK_KEY) is required: Dataverse sends it as ?code= to the function');
    args.dataverseUrl = httpsUrl('--dataverse', dataverse);
    args.functionUrl = httpsUrl('--function-url', functionUrl);
    if (new URL(args.functionUrl).search) throw new UsageError('--function-url must not carry a query string: give the key with --function-key');
    args.functionKey = functionKey;
  }

  for (const upn of args.mailboxes) {
    if (!/^[^@\s]+@[^@\s]+$/.test(upn)) throw new UsageError(`--mailbox takes a user principal name (user@domain), got '${upn}'`);
  }

  const tenantId = pick(v.tenant, 'SYNC_TENANT_ID');
  const clientId = pick(v['client-id'], 'SYNC_CLIENT_ID');
  const clientSecret = pick(v['client-secret'], 'SYNC_CLIENT_SECRET');
  const needsCredentials = Boolean(args.functionUrl) || args.mailboxes.length > 0;
  if (tenantId && clientId && clientSecret) {
    if (!GUID.test(tenantId)) throw new UsageError(`--tenant must be the tenant id (a GUID), got '${tenantId}'`);
    if (!GUID.test(clientId)) throw new UsageError(`--client-id must be the application (client) id (a GUID), got '${clientId}'`);
    args.credentials = {
      tenantId, clientId, clientSecret,
      authorityHost: httpsUrl('--authority-host', pick(v['authority-host'], 'SYNC_AUTHORITY_HOST') ?? 'https://login.microsoftonline.com'),
    };
  } else if (needsCredentials) {
    const missing = [['--tenant', 'SYNC_TENANT_ID', tenantId], ['--client-id', 'SYNC_CLIENT_ID', clientId], ['--client-secret', 'SYNC_CLIENT_SECRET', clientSecret]]
      .filter(([, , value]) => !value).map(([flag, name]) => `${flag} (or ${name})`);
    throw new UsageError(`The sync app's credentials are required: missing ${missing.join(', ')}`);
  }
  return args;
}

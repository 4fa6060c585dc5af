/**
 * Where the CLI connects and with which credentials: flags and environment (args.ts), completed from the
 * running sandbox's manifest with `--sandbox`. Also which CA certificate to trust: Node reads
 * NODE_EXTRA_CA_CERTS only at start, so the CLI restarts itself once with it set (see cli.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../shared/app-info';
import { CliError, networkReason, type AdminConnection } from './admin-client';
import { UsageError, type ConnectionArgs } from './args';

const DEFAULT_SCOPE = 'api://crm-exchange-sync/.default';

interface SandboxManifest {
  authority: string;
  urls: { functions: string };
  clients: { admin: { clientId: string; clientSecret: string; scope: string } };
}

/** The CA file to trust, if any: --ca, else the sandbox certificate with --sandbox. */
export function caFileFor(args: ConnectionArgs): string | undefined {
  if (args.caFile) {
    const file = path.resolve(args.caFile);
    if (!fs.existsSync(file)) throw new UsageError(`--ca: no file ${file}`);
    return file;
  }
  if (args.sandbox) {
    const file = path.join(packageRoot(), '.sandbox', 'tls', 'sandbox-ca.pem');
    return fs.existsSync(file) ? file : undefined;
  }
  return undefined;
}

async function readManifest(url: string): Promise<SandboxManifest> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (error) {
    throw new CliError(`Cannot read the sandbox manifest at ${url} (${networkReason(error)}): is the sandbox running (npm start)?`);
  }
  if (!res.ok) throw new CliError(`The sandbox manifest at ${url} answered ${res.status}`);
  const manifest = await res.json() as Partial<SandboxManifest>;
  if (!manifest.urls?.functions || !manifest.clients?.admin || !manifest.authority) {
    throw new CliError(`${url} is not a complete sandbox manifest (the sandbox may still be starting)`);
  }
  return manifest as SandboxManifest;
}

function baseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url must be an absolute URL (the app's base ending in /api), got '${value}'`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--url must be an http(s) URL, got '${value}'`);
  return value.replace(/\/+$/, '');
}

export async function resolveConnection(args: ConnectionArgs): Promise<AdminConnection> {
  let { url, authority, clientId, clientSecret, scope } = args;
  if (args.sandbox) {
    const manifest = await readManifest(args.sandboxManifestUrl);
    url ??= manifest.urls.functions;
    authority ??= manifest.authority;
    clientId ??= manifest.clients.admin.clientId;
    clientSecret ??= manifest.clients.admin.clientSecret;
    scope ??= manifest.clients.admin.scope;
  }
  if (!url) throw new UsageError('Where is the admin API? Give --url (or SYNC_ADMIN_URL), or --sandbox');
  if (args.token) return { url: baseUrl(url), token: args.token };
  const missing = [[authority, '--authority (SYNC_AUTHORITY)'], [clientId, '--client-id (SYNC_ADMIN_CLIENT_ID)'], [clientSecret, '--client-secret (SYNC_ADMIN_CLIENT_SECRET)']]
    .filter(([value]) => !value).map(([, name]) => name);
  if (missing.length > 0) throw new UsageError(`Missing credentials: ${missing.join(', ')}; or give --token, or --sandbox`);
  return { url: baseUrl(url), credentials: { authority: authority!.replace(/\/+$/, ''), clientId: clientId!, clientSecret: clientSecret!, scope: scope ?? DEFAULT_SCOPE } };
}

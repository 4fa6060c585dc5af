/**
 * The sandbox: Azurite, the identity, Graph and Dataverse emulators, and the app in the local Functions
 * host, wired as a real deployment would be — the app only gets URLs and credentials through its
 * settings. Used by `npm start` (well-known ports) and by integration and end-to-end tests (free ports).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { packageRoot } from '../../shared/app-info';
import { DataverseGateway } from '../../shared/dataverse/dataverse-gateway';
import { createTokenProvider } from '../../shared/identity/token-provider';
import { RECORD_MAPPINGS } from '../../shared/mappings';
import { registerDataverseWebhooks, webhookColumnsByTable, type RegistrationReport } from '../../shared/registration/dataverse-registration';
import { ensureSandboxCertificate } from '../../tests/emulators/common/tls';
import { createDataverseEmulator } from '../../tests/emulators/dataverse/server';
import { createGraphEmulator } from '../../tests/emulators/graph/server';
import { createIdentityEmulator } from '../../tests/emulators/identity/server';
import { defaultSeed, type SandboxSeed, type SeedOptions } from '../../tests/emulators/seed';
import { DEFAULT_AZURITE_PORTS, freePorts, startAzurite, type RunningAzurite } from '../azurite';

export interface SandboxPorts {
  functions: number;
  identity: number;
  graph: number;
  dataverse: number;
}

export interface SandboxOptions {
  /** Ports; 0 or omitted → free ports (tests). `npm start` passes the well-known ones. */
  ports?: Partial<SandboxPorts>;
  /** Azurite on its default ports (npm start) or free ones (tests, default). */
  azuriteDefaultPorts?: boolean;
  /** Start the app in the local Functions host (default true). */
  functionsHost?: boolean;
  /** Extra app settings for the host (tests shorten schedules, etc.). */
  appSettings?: Record<string, string>;
  /** Graph throttling limits (defaults: Exchange's). */
  graphThrottle?: { concurrentPerMailbox?: number; requestsPer10Min?: number };
  /** Stream the host's output to this process (npm start) or keep it (tests read `hostOutput`). */
  echoHostOutput?: boolean;
  /** Options of the sandbox tenant (e.g. more users, for benchmarks). */
  seed?: SeedOptions;
}

export interface SandboxManifest {
  tenantId: string;
  authority: string;
  caCertificate: string;
  urls: { functions: string; identity: string; graph: string; dataverse: string };
  clients: {
    sync: { clientId: string; clientSecret: string };
    admin: { clientId: string; clientSecret: string; scope: string };
    people: { clientId: string; clientSecret: string };
  };
  users: Array<{ displayName: string; userPrincipalName: string; entraObjectId: string; systemUserId: string }>;
  functionKey: string;
  storage: { connectionString: string };
}

export interface RunningSandbox {
  manifest: SandboxManifest;
  seed: SandboxSeed;
  appSettings: Record<string, string>;
  registration?: RegistrationReport;
  identity: Awaited<ReturnType<typeof createIdentityEmulator>>;
  graph: ReturnType<typeof createGraphEmulator>;
  dataverse: ReturnType<typeof createDataverseEmulator>;
  azurite: RunningAzurite;
  host?: ChildProcess;
  hostOutput: string[];
  /** Stops the app host (SIGTERM, graceful), e.g. to test a restart. */
  stopHost(signal?: NodeJS.Signals): Promise<void>;
  startHost(): Promise<void>;
  stop(): Promise<void>;
}

async function resolvePorts(requested: Partial<SandboxPorts> = {}): Promise<SandboxPorts> {
  const names: Array<keyof SandboxPorts> = ['functions', 'identity', 'graph', 'dataverse'];
  const free = await freePorts(names.length);
  return Object.fromEntries(names.map((n, i) => [n, requested[n] || free[i]!])) as unknown as SandboxPorts;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const tls = ensureSandboxCertificate();
  const ports = await resolvePorts(options.ports);
  const azurite = await startAzurite(options.azuriteDefaultPorts ? { ports: DEFAULT_AZURITE_PORTS } : {});
  const urls = {
    identity: `https://127.0.0.1:${ports.identity}`,
    graph: `https://127.0.0.1:${ports.graph}/v1.0`,
    dataverse: `https://127.0.0.1:${ports.dataverse}`,
    functions: `https://127.0.0.1:${ports.functions}/api`,
  };
  const seed = defaultSeed(urls.dataverse, options.seed);
  const identity = await createIdentityEmulator({ seed, tls });
  await identity.listen(ports.identity);
  const graph = createGraphEmulator({ seed, tls, identityUrl: urls.identity, ...(options.graphThrottle ? { throttle: options.graphThrottle } : {}) });
  await graph.listen(ports.graph);
  const dataverse = createDataverseEmulator({ seed, tls, identityUrl: urls.identity, orgUrl: urls.dataverse });
  await dataverse.listen(ports.dataverse);

  const functionKey = randomBytes(24).toString('base64url');
  const appSettings: Record<string, string> = {
    AzureWebJobsStorage: azurite.connectionString,
    SYNC_TENANT_ID: seed.tenantId,
    SYNC_CLIENT_ID: seed.clients.sync.clientId,
    SYNC_CLIENT_SECRET: seed.clients.sync.clientSecret,
    SYNC_AUTHORITY_HOST: urls.identity,
    SYNC_GRAPH_BASE_URL: urls.graph,
    SYNC_DATAVERSE_URL: urls.dataverse,
    SYNC_PUBLIC_BASE_URL: urls.functions,
    SYNC_ADMIN_API_AUDIENCE: seed.adminApiAudience,
    // The admin page's "Sandbox sign-in" (the app fetches the admin client's token server-side; loopback only).
    SYNC_ADMIN_SANDBOX_MANIFEST_URL: `${urls.identity}/sandbox/manifest`,
    SYNC_WORK_QUEUE: 'sync-work',
    SYNC_TODO_POLL_SCHEDULE: '*/30 * * * * *',
    SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: '0 */30 * * * *',
    SYNC_RECONCILIATION_SCHEDULE: '0 */15 * * * *',
    LOCAL_HOST_KEYS: JSON.stringify({ hostKeys: [functionKey] }),
    FUNCTIONS_HTTP_PORT: String(ports.functions),
    NODE_EXTRA_CA_CERTS: tls.certPath,
    ...options.appSettings,
  };

  const hostOutput: string[] = [];
  let host: ChildProcess | undefined;
  const startHost = async (): Promise<void> => {
    const root = packageRoot();
    host = spawn(process.execPath, [path.join(root, 'dist', 'tools', 'local-host', 'cli.js'), '--port', String(ports.functions), '--cert', tls.certPath, '--key', tls.keyPath], {
      cwd: root, env: { ...process.env, ...appSettings }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = host;
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString();
        hostOutput.push(text);
        if (options.echoHostOutput) process.stdout.write(text);
        if (/listening on/i.test(text)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => { hostOutput.push(chunk.toString()); if (options.echoHostOutput) process.stderr.write(chunk); });
      child.once('exit', (code) => reject(new Error(`The Functions host exited with code ${code} before listening:\n${hostOutput.join('')}`)));
    });
  };
  const stopHost = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const child = host;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  if (options.functionsHost !== false) await startHost();

  // Register the Dataverse webhook steps against the host, as `npm run register` does for a real org.
  const tokens = createTokenProvider({ authority: `${urls.identity}/${seed.tenantId}`, clientId: seed.clients.sync.clientId, clientSecret: seed.clients.sync.clientSecret });
  const registration = await registerDataverseWebhooks(new DataverseGateway({ dataverseUrl: urls.dataverse, tokens }), {
    functionUrl: `${urls.functions}/webhooks/dataverse`,
    functionKey,
    columnsByTable: webhookColumnsByTable(RECORD_MAPPINGS),
  });

  const manifest: SandboxManifest = {
    tenantId: seed.tenantId,
    authority: `${urls.identity}/${seed.tenantId}`,
    caCertificate: tls.cert,
    urls,
    clients: {
      sync: { clientId: seed.clients.sync.clientId, clientSecret: seed.clients.sync.clientSecret },
      admin: { clientId: seed.clients.admin.clientId, clientSecret: seed.clients.admin.clientSecret, scope: `${seed.adminApiAudience}/.default` },
      people: { clientId: seed.clients.people.clientId, clientSecret: seed.clients.people.clientSecret },
    },
    users: seed.users.map((u) => ({ displayName: u.displayName, userPrincipalName: u.userPrincipalName, entraObjectId: u.entraObjectId, systemUserId: u.systemUserId })),
    functionKey,
    storage: { connectionString: azurite.connectionString },
  };
  identity.setManifest(manifest);

  return {
    manifest, seed, appSettings, registration, identity, graph, dataverse, azurite, hostOutput,
    get host() { return host; },
    stopHost, startHost,
    async stop() {
      await stopHost();
      await Promise.allSettled([identity.close(), graph.close(), dataverse.close()]);
      await azurite.stop();
    },
  };
}

/**
 * Every app setting the sync reads, validated once at start. A missing or malformed setting stops
 * start-up with one message naming every problem (ConfigurationError); nothing reads process.env
 * elsewhere. Each setting is documented, with a sandbox value, in local.settings.sample.json — a unit
 * test keeps the two in step.
 */
import { z } from 'zod';
import { ConfigurationError } from './errors';
import type { StorageConnection } from './storage';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');
const httpsUrl = z
  .string()
  .url('must be an absolute URL')
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL')
  .transform((u) => u.replace(/\/+$/, ''));
const positiveInt = (fallback: number) => z.coerce.number().int('must be a whole number').positive('must be > 0').default(fallback);
const ncrontab = z.string().regex(/^\S+(\s+\S+){5}$/, 'must be a six-field NCRONTAB schedule, e.g. "*/30 * * * * *"');
const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** Setting name → schema. The names are the app settings' own (Azure App Settings / local.settings.json). */
export const settingsSchema = z.object({
  /** Storage for the Functions host and our queues and tables: a connection string, or the keyless
   *  (managed identity) form below — one of the two is required (checked after parsing). */
  AzureWebJobsStorage: z.string().optional(),
  AzureWebJobsStorage__queueServiceUri: httpsUrl.optional(),
  AzureWebJobsStorage__tableServiceUri: httpsUrl.optional(),
  AzureWebJobsStorage__blobServiceUri: httpsUrl.optional(),
  AzureWebJobsStorage__credential: z.literal('managedidentity').optional(),
  AzureWebJobsStorage__clientId: guid.optional(),
  SYNC_TENANT_ID: guid,
  SYNC_CLIENT_ID: guid,
  SYNC_CLIENT_SECRET: z.string().min(1, 'is required'),
  SYNC_AUTHORITY_HOST: httpsUrl.default('https://login.microsoftonline.com'),
  SYNC_GRAPH_BASE_URL: httpsUrl.default('https://graph.microsoft.com/v1.0'),
  SYNC_DATAVERSE_URL: httpsUrl,
  /** Public base of this app's HTTP functions, ending in /api: Graph posts notifications there. */
  SYNC_PUBLIC_BASE_URL: httpsUrl,
  /** App ID URI (or client id) of the admin API: the audience of admin tokens. */
  SYNC_ADMIN_API_AUDIENCE: z.string().min(1).default('api://crm-exchange-sync'),
  /** Optional shared secrets for the Dataverse webhook's HttpHeader auth; two during a rotation. */
  SYNC_DATAVERSE_WEBHOOK_SECRETS: list.default([]),
  SYNC_WORK_QUEUE: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid queue name').default('sync-work'),
  SYNC_GRAPH_MAX_CONCURRENCY_PER_MAILBOX: positiveInt(4),
  SYNC_LOG_LEVEL: z.enum(['debug', 'information', 'warning', 'error']).default('information'),
  /** Six-field NCRONTAB schedules, read by the Functions host itself through %binding expressions%. */
  SYNC_TODO_POLL_SCHEDULE: ncrontab,
  SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: ncrontab,
  SYNC_RECONCILIATION_SCHEDULE: ncrontab,
  /** Graph subscriptions whose clientState is older than this are rotated by the renewal pass; 0: never. */
  SYNC_CLIENT_STATE_MAX_AGE_DAYS: z.string()
    .regex(/^\s*\d{1,4}\s*$/, 'must be a whole number of days from 0 to 3650, e.g. 30 (0 turns automatic clientState rotation off)')
    .default('30')
    .transform((s) => Number(s.trim()))
    .refine((n) => n <= 3650, 'must be a whole number of days from 0 to 3650, e.g. 30 (0 turns automatic clientState rotation off)'),
  /** Days before and after now that the calendarView delta of reconciliation covers: "past,future". */
  SYNC_CALENDAR_WINDOW_DAYS: z.string().regex(/^\s*\d+\s*,\s*\d+\s*$/, 'must be two whole numbers of days, "past,future", e.g. "30,365"').default('30,365')
    .transform((s) => { const [past, future] = s.split(',').map((n) => Number(n.trim())); return { past: past!, future: future! }; }),
  /** A field changed on both sides since the last sync: which side wins. */
  SYNC_CONFLICT_POLICY: z.enum(['crmWins', 'exchangeWins']).default('crmWins'),
  /** Per-field direction overrides, JSON: {"contact": {"telephone1": "crmToExchange"}, ...}. */
  SYNC_FIELD_DIRECTIONS: z.string().optional(),
  /** Sandbox only: the manifest the admin page's "Sandbox sign-in" reads the admin client from (loopback only). */
  SYNC_ADMIN_SANDBOX_MANIFEST_URL: httpsUrl
    .refine((u) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(u).hostname), 'must be the sandbox manifest on this machine (https://127.0.0.1:<port>/sandbox/manifest); never set it in Azure')
    .optional(),
});

export type Settings = z.infer<typeof settingsSchema>;

export interface SyncConfig {
  storageConnection: StorageConnection;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authority: string;
  graphBaseUrl: string;
  dataverseUrl: string;
  publicBaseUrl: string;
  adminApiAudience: string;
  dataverseWebhookSecrets: string[];
  /** Age in days after which the renewal pass rotates a Graph subscription's clientState; 0: never. */
  clientStateMaxAgeDays: number;
  workQueue: string;
  graphMaxConcurrencyPerMailbox: number;
  logLevel: Settings['SYNC_LOG_LEVEL'];
  conflictPolicy: Settings['SYNC_CONFLICT_POLICY'];
  fieldDirections: string | undefined;
  /** calendarView window of the events delta rounds, in days before and after now. */
  calendarWindowDays: { past: number; future: number };
  /** Set only in the sandbox: enables the admin page's "Sandbox sign-in". */
  adminSandboxManifestUrl: string | undefined;
}

/** Reads and validates the settings; throws ConfigurationError naming every bad one. */
export function loadConfig(env: Record<string, string | undefined> = process.env): SyncConfig {
  // Empty strings count as missing: an app setting left blank is a mistake, not a value.
  const present = Object.fromEntries(
    Object.keys(settingsSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = settingsSchema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => ({
    setting: String(issue.path[0] ?? '(settings)'),
    problem: issue.code === 'invalid_type' && present[String(issue.path[0])] === undefined ? 'is required' : issue.message,
  }));
  if (!present.AzureWebJobsStorage && !(present.AzureWebJobsStorage__queueServiceUri && present.AzureWebJobsStorage__tableServiceUri)) {
    problems.unshift({
      setting: 'AzureWebJobsStorage',
      problem: 'is required (a storage connection string, or UseDevelopmentStorage=true; or, keyless, AzureWebJobsStorage__queueServiceUri and __tableServiceUri with a managed identity)',
    });
  }
  if (!parsed.success || problems.length > 0) throw new ConfigurationError(problems);
  const s = parsed.data;
  return {
    storageConnection: storageFrom(s),
    tenantId: s.SYNC_TENANT_ID,
    clientId: s.SYNC_CLIENT_ID,
    clientSecret: s.SYNC_CLIENT_SECRET,
    authority: `${s.SYNC_AUTHORITY_HOST}/${s.SYNC_TENANT_ID}`,
    graphBaseUrl: s.SYNC_GRAPH_BASE_URL,
    dataverseUrl: s.SYNC_DATAVERSE_URL,
    publicBaseUrl: s.SYNC_PUBLIC_BASE_URL,
    adminApiAudience: s.SYNC_ADMIN_API_AUDIENCE,
    dataverseWebhookSecrets: s.SYNC_DATAVERSE_WEBHOOK_SECRETS,
    clientStateMaxAgeDays: s.SYNC_CLIENT_STATE_MAX_AGE_DAYS,
    workQueue: s.SYNC_WORK_QUEUE,
    graphMaxConcurrencyPerMailbox: s.SYNC_GRAPH_MAX_CONCURRENCY_PER_MAILBOX,
    logLevel: s.SYNC_LOG_LEVEL,
    conflictPolicy: s.SYNC_CONFLICT_POLICY,
    fieldDirections: s.SYNC_FIELD_DIRECTIONS,
    calendarWindowDays: s.SYNC_CALENDAR_WINDOW_DAYS,
    adminSandboxManifestUrl: s.SYNC_ADMIN_SANDBOX_MANIFEST_URL,
  };
}

function storageFrom(s: Settings): StorageConnection {
  if (s.AzureWebJobsStorage) return s.AzureWebJobsStorage;
  return {
    queueServiceUri: s.AzureWebJobsStorage__queueServiceUri!,
    tableServiceUri: s.AzureWebJobsStorage__tableServiceUri!,
    ...(s.AzureWebJobsStorage__clientId ? { clientId: s.AzureWebJobsStorage__clientId } : {}),
  };
}

let cached: SyncConfig | undefined;

/** The process's configuration, validated on first use (function modules call it at load = start). */
export function getConfig(): SyncConfig {
  cached ??= loadConfig();
  return cached;
}

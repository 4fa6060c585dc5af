/**
 * Keeps infra/ and the code consistent without a Bicep compiler (none can be installed here; CI runs
 * `az bicep build` and the linter): the app settings the Bicep gives the Function App are compared with
 * what shared/config.ts reads. A required setting missing from the Bicep would stop the deployed app at
 * start; a setting nobody reads is a typo or a leftover. The Bicep text is read with a small scanner that
 * understands comments, strings and `${}` interpolation — enough to find object keys and `param` lines.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { settingsSchema } from '../../shared/config';

const ROOT = path.resolve(__dirname, '../..');
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');
const API_MODULE = 'infra/app/api.bicep';

// ---- a minimal Bicep scanner -------------------------------------------------------------------

/** The text with comments and string contents (interpolations included) blanked, offsets kept. */
function mask(text: string): string {
  const out = text.split('');
  const blank = (i: number): void => { if (out[i] !== '\n') out[i] = ' '; };
  // Stack of contexts: code (with the brace depth of an interpolation) or a string.
  const stack: Array<{ kind: 'code'; depth: number } | { kind: 'string'; multiline: boolean }> = [{ kind: 'code', depth: 0 }];
  let inInterpolation = 0;
  for (let i = 0; i < text.length; i++) {
    const top = stack[stack.length - 1]!;
    const c = text[i]!;
    if (inInterpolation > 0) blank(i);
    if (top.kind === 'string') {
      if (top.multiline) {
        if (text.startsWith("'''", i)) { stack.pop(); i += 2; continue; }
        blank(i);
        continue;
      }
      if (c === '\\') { blank(i); blank(i + 1); i++; continue; }
      if (c === "'") { stack.pop(); continue; }
      if (text.startsWith('${', i)) { blank(i); blank(i + 1); i++; stack.push({ kind: 'code', depth: 0 }); inInterpolation++; continue; }
      blank(i);
      continue;
    }
    if (text.startsWith('//', i)) { while (i < text.length && text[i] !== '\n') blank(i++); i--; continue; }
    if (text.startsWith('/*', i)) { while (i < text.length && !text.startsWith('*/', i)) blank(i++); blank(i); blank(i + 1); i++; continue; }
    if (text.startsWith("'''", i)) { stack.push({ kind: 'string', multiline: true }); i += 2; continue; }
    if (c === "'") { stack.push({ kind: 'string', multiline: false }); continue; }
    if (c === '{') top.depth++;
    if (c === '}') {
      if (top.depth === 0 && stack.length > 1) { stack.pop(); inInterpolation--; blank(i); continue; }
      top.depth--;
    }
  }
  return out.join('');
}

const OPEN: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** Index of the bracket closing the one at `open` (in masked text). */
function closing(masked: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < masked.length; i++) {
    const c = masked[i]!;
    if (OPEN[c]) stack.push(OPEN[c]);
    else if (c === '}' || c === ']' || c === ')') {
      if (stack.pop() !== c) throw new Error(`unbalanced '${c}' at offset ${i}`);
      if (stack.length === 0) return i;
    }
  }
  throw new Error(`no closing bracket for offset ${open}`);
}

/** Top-level entries (key → value text) of the object literal opening at `open`. */
function objectEntries(text: string, masked: string, open: number): Map<string, string> {
  const end = closing(masked, open);
  const entries = new Map<string, string>();
  let depth = 0;
  let start = open + 1;
  const flush = (stop: number): void => {
    const m = /^\s*(?:([A-Za-z_][\w]*)|'([^']*)')\s*:/.exec(text.slice(start, stop));
    if (m && masked.slice(start, stop).trim()) {
      entries.set(m[1] ?? m[2]!, text.slice(start + m[0].length, stop).trim());
    }
  };
  for (let i = open + 1; i < end; i++) {
    const c = masked[i]!;
    if (OPEN[c]) depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
    else if (depth === 0 && (c === '\n' || c === ',')) { flush(i); start = i + 1; }
  }
  flush(end);
  return entries;
}

/** Entries of `var <name> = { ... }` in a Bicep text. */
function variableObject(text: string, name: string): Map<string, string> {
  const masked = mask(text);
  const m = new RegExp(`^var\\s+${name}\\s*=\\s*\\{`, 'm').exec(masked);
  if (!m) throw new Error(`no 'var ${name} = {' object`);
  return objectEntries(text, masked, m.index + m[0].length - 1);
}

interface BicepParam { name: string; type: string; defaultText?: string; description?: string }

/** `param` declarations, with their default's text and @description (decorators above them). */
function params(text: string): BicepParam[] {
  const masked = mask(text);
  const found: BicepParam[] = [];
  const re = /^param\s+(\w+)\s+(\w+)(\s*=\s*)?/gm;
  for (let m = re.exec(masked); m; m = re.exec(masked)) {
    const lineEnd = masked.indexOf('\n', m.index);
    const defaultText = m[3] ? text.slice(m.index + m[0].length, lineEnd < 0 ? undefined : lineEnd).trim() : undefined;
    const before = text.slice(0, m.index).split('\n');
    let description: string | undefined;
    // Decorators sit on the lines right above the declaration.
    for (let k = before.length - 2; k >= 0 && /^\s*@/.test(before[k]!); k--) {
      const d = /^\s*@description\('(.*)'\)\s*$/.exec(before[k]!);
      if (d) description = d[1];
    }
    found.push({ name: m[1]!, type: m[2]!, ...(defaultText !== undefined ? { defaultText } : {}), ...(description ? { description } : {}) });
  }
  return found;
}

/** `module <symbol> '<path>' = { params: { ... } }` of a Bicep text. */
function modules(text: string): Array<{ symbol: string; file: string; params: Map<string, string> }> {
  const masked = mask(text);
  const result: Array<{ symbol: string; file: string; params: Map<string, string> }> = [];
  const re = /^module\s+(\w+)\s+'/gm;
  for (let m = re.exec(masked); m; m = re.exec(masked)) {
    const fileStart = m.index + m[0].length;
    const file = text.slice(fileStart, text.indexOf("'", fileStart));
    const open = masked.indexOf('{', fileStart);
    const body = objectEntries(text, masked, open);
    const paramsAt = masked.indexOf('params:', open);
    const params = body.has('params') ? objectEntries(text, masked, masked.indexOf('{', paramsAt)) : new Map<string, string>();
    result.push({ symbol: m[1]!, file, params });
  }
  return result;
}

// ---- the consistency rules --------------------------------------------------------------------

const SETTING_KEYS = Object.keys(settingsSchema.shape) as Array<keyof typeof settingsSchema.shape>;
/** Settings shared/config.ts cannot start without (no default in the schema). */
// Required by the schema itself, plus AzureWebJobsStorage, which shared/config.ts requires unless its
// keyless form (the service URIs with a managed identity) is set instead.
const REQUIRED = [...SETTING_KEYS.filter((k) => !settingsSchema.shape[k].safeParse(undefined).success), 'AzureWebJobsStorage'];

/**
 * shared/config.ts requires AzureWebJobsStorage as a connection string, but the deployed storage account
 * has no keys: the Bicep sets the identity-based family instead. What the code needs from it today: the
 * host's blob (leases, timers, package) plus the queue (sync-work) and table (links, mailboxes) services
 * our own clients use, reached with the user-assigned identity: shared/config.ts accepts them in place of
 * the connection string (shared/storage.ts then uses a managed-identity credential), so a Bicep setting all
 * of them counts as setting AzureWebJobsStorage.
 */
const IDENTITY_BASED_EQUIVALENTS: Record<string, string[]> = {
  AzureWebJobsStorage: [
    'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId',
    'AzureWebJobsStorage__blobServiceUri', 'AzureWebJobsStorage__queueServiceUri', 'AzureWebJobsStorage__tableServiceUri',
  ],
};

/** Read by the Functions host or the Application Insights agent, not by our code. */
const HOST_SETTINGS = new Set([
  'APPLICATIONINSIGHTS_CONNECTION_STRING', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId', 'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__blobServiceUri', 'AzureWebJobsStorage__queueServiceUri', 'AzureWebJobsStorage__tableServiceUri',
  'AzureFunctionsJobHost__logging__logLevel__default',
]);

/** Flex Consumption sets these itself (functionAppConfig) or has no use for them; setting them is an error. */
const FLEX_DEPRECATED = new Set([
  'FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_WORKER_RUNTIME_VERSION', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', 'WEBSITE_CONTENTSHARE', 'WEBSITE_NODE_DEFAULT_VERSION', 'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD', 'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT', 'WEBSITE_TIME_ZONE',
]);

interface Findings { missing: string[]; unread: string[]; forbidden: string[] }

/** The checker: the app settings of an api.bicep text against shared/config.ts. */
function checkAppSettings(apiBicep: string): Findings {
  const names = [...variableObject(apiBicep, 'appSettings').keys()];
  const set = new Set(names);
  return {
    missing: REQUIRED.filter((k) => !set.has(k) && !(IDENTITY_BASED_EQUIVALENTS[k]?.every((e) => set.has(e)) ?? false)),
    unread: names.filter((n) => !(SETTING_KEYS as string[]).includes(n) && !HOST_SETTINGS.has(n)),
    forbidden: names.filter((n) => FLEX_DEPRECATED.has(n)),
  };
}

// ---- tests ----------------------------------------------------------------------------------

const apiBicep = read(API_MODULE);
const mainBicep = read('infra/main.bicep');

test('the Bicep sets every setting shared/config.ts requires, reads nothing the code does not, and nothing Flex Consumption rejects', () => {
  expect(REQUIRED).toEqual(expect.arrayContaining(['SYNC_TENANT_ID', 'SYNC_CLIENT_ID', 'SYNC_CLIENT_SECRET', 'SYNC_DATAVERSE_URL', 'SYNC_PUBLIC_BASE_URL']));
  expect(checkAppSettings(apiBicep)).toEqual({ missing: [], unread: [], forbidden: [] });
  // Optional settings are set too, from parameters, so an operator sees every value in the portal.
  const names = [...variableObject(apiBicep, 'appSettings').keys()];
  // Settings that only make sense on a development machine (the sandbox) are never deployed.
  const DEVELOPMENT_ONLY = ['SYNC_ADMIN_SANDBOX_MANIFEST_URL'];
  expect(SETTING_KEYS.filter((k) => !names.includes(k) && !IDENTITY_BASED_EQUIVALENTS[k] && !DEVELOPMENT_ONLY.includes(k))).toEqual([]);
});

test('the check fails when a required setting is removed from the Bicep, or an unread one is added', () => {
  const without = (name: string): string => {
    const mutated = apiBicep.replace(new RegExp(`^\\s*${name}:.*\\n`, 'm'), '');
    expect(mutated).not.toBe(apiBicep);
    return mutated;
  };
  expect(checkAppSettings(without('SYNC_DATAVERSE_URL')).missing).toEqual(['SYNC_DATAVERSE_URL']);
  expect(checkAppSettings(without('SYNC_CLIENT_SECRET')).missing).toEqual(['SYNC_CLIENT_SECRET']);
  // Without the table service URI our own table clients would have nothing to connect to.
  expect(checkAppSettings(without('AzureWebJobsStorage__tableServiceUri')).missing).toEqual(['AzureWebJobsStorage']);
  const added = apiBicep.replace(/^(\s*)SYNC_LOG_LEVEL:/m, "$1SYNC_LOG_LEVL: 'debug'\n$1FUNCTIONS_WORKER_RUNTIME: 'node'\n$1SYNC_LOG_LEVEL:");
  expect(checkAppSettings(added)).toMatchObject({ unread: ['SYNC_LOG_LEVL', 'FUNCTIONS_WORKER_RUNTIME'], forbidden: ['FUNCTIONS_WORKER_RUNTIME'] });
  // Comments and strings do not fool the scanner: a setting mentioned there is not set.
  const commented = apiBicep.replace(/^(\s*)(SYNC_DATAVERSE_URL:)/m, '$1// $2');
  expect(checkAppSettings(commented).missing).toEqual(['SYNC_DATAVERSE_URL']);
});

test('the client secret is a Key Vault reference resolved with the user-assigned identity, which holds the roles its settings rely on', () => {
  const settings = variableObject(apiBicep, 'appSettings');
  expect(settings.get('SYNC_CLIENT_SECRET')).toBe('keyVaultReference');
  expect(apiBicep).toMatch(/^var keyVaultReference = '@Microsoft\.KeyVault\(SecretUri=\$\{clientCredentialUri\}\)'$/m);
  expect(apiBicep).toMatch(/^\s*keyVaultReferenceIdentity: identityId$/m);
  expect(settings.get('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
  expect(settings.get('AzureWebJobsStorage__clientId')).toBe('identityClientId');
  const rbac = read('infra/app/rbac.bicep');
  for (const [role, id] of Object.entries({
    'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
  })) {
    expect({ role, granted: rbac.includes(`'${id}'`) }).toEqual({ role, granted: true });
  }
  // The storage account must not accept keys, or "identity-based only" would be a wish.
  expect(read('infra/app/storage.bicep')).toMatch(/^\s*allowSharedKeyAccess: false$/m);
});

test('defaults in main.bicep and main.parameters.json are values shared/config.ts accepts, equal to its own', () => {
  const schema = settingsSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
  // main.bicep documents each sync parameter by its setting name at the start of its @description.
  const documented = params(mainBicep).filter((p) => /^[A-Z][A-Z_]+:/.test(p.description ?? ''));
  expect(documented.length).toBeGreaterThanOrEqual(10);
  for (const p of documented) {
    const setting = p.description!.split(':')[0]!;
    expect({ param: p.name, known: setting in schema }).toEqual({ param: p.name, known: true });
    const literal = /^'([^'$]*)'$/.exec(p.defaultText ?? '')?.[1];
    if (literal === undefined || literal === '') continue;
    const parsed = schema[setting]!.safeParse(literal);
    expect({ param: p.name, accepted: parsed.success }).toEqual({ param: p.name, accepted: true });
    expect({ param: p.name, value: parsed.data }).toEqual({ param: p.name, value: schema[setting]!.safeParse(undefined).data ?? parsed.data });
  }
  const parameters = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
  for (const [name, { value }] of Object.entries(parameters.parameters)) {
    const m = /^\$\{(\w+)(?:=(.*))?\}$/.exec(value);
    expect({ name, azdVariable: Boolean(m) }).toEqual({ name, azdVariable: true });
    const [, variable, fallback] = m!;
    if (!variable!.startsWith('AZURE_')) expect({ name, variable, isSetting: variable! in schema }).toEqual({ name, variable, isSetting: true });
    if (fallback !== undefined) expect({ name, accepted: schema[variable!]!.safeParse(fallback).success }).toEqual({ name, accepted: true });
  }
});

test('module parameters, abbreviations and main.parameters.json match what the Bicep files declare', () => {
  const mainParams = params(mainBicep);
  for (const mod of modules(mainBicep)) {
    const declared = params(read(path.join('infra', mod.file)));
    const names = declared.map((p) => p.name);
    expect({ module: mod.symbol, unknown: [...mod.params.keys()].filter((k) => !names.includes(k)) }).toEqual({ module: mod.symbol, unknown: [] });
    const required = declared.filter((p) => p.defaultText === undefined).map((p) => p.name);
    expect({ module: mod.symbol, notPassed: required.filter((r) => !mod.params.has(r)) }).toEqual({ module: mod.symbol, notPassed: [] });
  }
  const abbreviations = JSON.parse(read('infra/abbreviations.json')) as Record<string, string>;
  const used = [...mainBicep.matchAll(/abbrs\.(\w+)/g)].map((m) => m[1]!);
  expect(used.length).toBeGreaterThan(5);
  expect(used.filter((u) => !(u in abbreviations))).toEqual([]);
  const parameterNames = Object.keys((JSON.parse(read('infra/main.parameters.json')) as { parameters: object }).parameters);
  expect(parameterNames.filter((n) => !mainParams.some((p) => p.name === n))).toEqual([]);
  expect(mainParams.filter((p) => p.defaultText === undefined && !parameterNames.includes(p.name)).map((p) => p.name)).toEqual([]);
});
